"""`sync --dry-run`, `--diff`, `--only` and `--report json`, as an admin uses them."""

from __future__ import annotations

from pathlib import Path

from .helpers import (
    SMALL_PAGES,
    UPTIME_DEPENDENTS,
    Cli,
    Wiki,
    edit_catalog,
    lower_november_uptime,
    set_csv_value,
)


def test_dry_run_writes_nothing_but_reports_what_it_would_create(cli: Cli, wiki: Wiki) -> None:
    run = cli.sync("--dry-run", "--report", "json")

    assert run.code == 0, run.err
    assert run.json()["dry_run"] is True
    assert run.actions() == dict.fromkeys(SMALL_PAGES, "created")
    assert wiki.writes() == {}
    assert wiki.titles() == {"KPI Home": 1}


def test_dry_run_reports_updates_without_writing_them(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    assert cli.sync().code == 0
    before = wiki.versions()
    lower_november_uptime(catalog_dir / "ops.csv")
    wiki.reset_stats()

    run = cli.sync("--dry-run", "--report", "json")

    assert run.code == 0, run.err
    assert {key for key, action in run.actions().items() if action == "updated"} == (
        UPTIME_DEPENDENTS
    )
    assert wiki.writes() == {}
    assert wiki.versions() == before
    assert "99.90 % in November 2026" in wiki.body("KPI: Uptime")


def test_dry_run_shows_a_plan_of_the_values_that_change_per_page(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    assert cli.sync().code == 0
    lower_november_uptime(catalog_dir / "ops.csv")
    wiki.reset_stats()

    run = cli.sync("--dry-run")

    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert "Plan: 0 to create, 4 to update, 0 to retire, 4 unchanged" in lines
    uptime = lines.index("~ update KPI: Uptime")
    assert "    Status: On track → At risk" in lines[uptime:]
    assert any(
        "99.90 % in November 2026 → 97.00 % in November 2026" in line for line in lines[uptime:]
    )
    assert "~ update KPI: Support tickets" not in lines
    assert not any(line.startswith("+++ ") for line in lines)  # no storage diff unless asked
    assert wiki.writes() == {}


def test_plan_names_the_pages_it_would_create_and_retire(
    cli: Cli, wiki: Wiki, catalog: Path
) -> None:
    assert cli.sync().code == 0
    edit_catalog(catalog, "name: Deals won", "name: Deals closed")
    text = catalog.read_text(encoding="utf-8")
    start = text.index("  - id: tickets")
    end = text.index("  - id:", start + 1)
    catalog.write_text(text[:start] + text[end:], encoding="utf-8")

    run = cli.sync("--dry-run")

    assert run.code == 0, run.err
    assert "- retire KPI: Support tickets" in run.out.splitlines()
    assert "    Title: KPI: Deals won → KPI: Deals closed" in run.out.splitlines()


def test_diff_storage_shows_the_changed_lines_of_the_changed_pages(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    assert cli.sync().code == 0
    lower_november_uptime(catalog_dir / "ops.csv")

    run = cli.sync("--diff=storage")

    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert "--- KPI: Uptime (in Confluence)" in lines
    assert "+++ KPI: Uptime (new)" in lines
    assert any(line.startswith("-") and "99.90 % in November 2026" in line for line in lines)
    assert any(line.startswith("+") and "97.00 % in November 2026" in line for line in lines)
    assert "+++ KPI: Support tickets (new)" not in lines  # unchanged pages have no diff
    assert "97.00 % in November 2026" in wiki.body("KPI: Uptime")  # --diff alone still writes


def test_only_touches_the_pages_of_the_given_id(cli: Cli, wiki: Wiki, catalog_dir: Path) -> None:
    assert cli.sync().code == 0
    before = wiki.versions()
    lower_november_uptime(catalog_dir / "ops.csv")
    set_csv_value(catalog_dir / "ops.csv", "2026-11-01", "tickets", "150")

    only = cli.sync("--only", "uptime", "--report", "json")
    after_only = wiki.versions()
    everything = cli.sync("--report", "json")

    assert only.code == 0, only.err
    assert only.actions() == {"kpi uptime": "updated"}
    assert {title for title in after_only if after_only[title] != before[title]} == {"KPI: Uptime"}
    # What --only left out is still to do, and the next full pass does it.
    assert everything.actions() == {
        **dict.fromkeys(SMALL_PAGES, "unchanged"),
        **dict.fromkeys(UPTIME_DEPENDENTS | {"kpi tickets"}, "updated"),
        "kpi uptime": "unchanged",
    }


def test_only_with_an_unknown_id_exits_2_without_writing(cli: Cli, wiki: Wiki) -> None:
    run = cli.sync("--only", "no-such-kpi")

    assert run.code == 2
    assert "no-such-kpi" in run.err
    assert wiki.writes() == {}


def test_report_json_lists_every_page_with_its_action(cli: Cli, wiki: Wiki) -> None:
    run = cli.sync("--report", "json")

    report = run.json()
    assert report["summary"] == {
        "created": 8,
        "updated": 0,
        "unchanged": 0,
        "retired": 0,
        "failed": 0,
    }
    assert report["kpi_errors"] == {}
    assert report["requests"] > 0
    ids = {page["title"]: page["id"] for page in wiki.pages()}
    for page in report["pages"]:
        key = f"{page['kind']} {page['id']}"
        assert page["title"] == SMALL_PAGES[key].title
        assert page["page_id"] == ids[page["title"]]
        assert page["action"] == "created"


def test_text_report_summarises_a_quiet_pass(cli: Cli) -> None:
    assert cli.sync().code == 0

    run = cli.sync()

    assert run.code == 0
    assert "pages: 0 created, 0 updated, 8 unchanged, 0 retired, 0 failed" in run.out
