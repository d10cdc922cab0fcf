"""Pages are the bot's by their content property, never by title or label: renamed, moved,
unlabelled and deleted pages, KPIs leaving the catalog, catalog renames and title clashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import (
    SMALL_PAGES,
    Cli,
    Wiki,
    edit_catalog,
    lower_november_uptime,
    row,
)

UPTIME = SMALL_PAGES["kpi uptime"].title
TICKETS = SMALL_PAGES["kpi tickets"].title
OPS = SMALL_PAGES["team ops"].title
SALES = SMALL_PAGES["team sales"].title


def test_renamed_page_keeps_being_updated_under_its_new_title(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    assert cli.sync().code == 0
    wiki.edit(UPTIME, new_title="Platform uptime (monthly)")
    lower_november_uptime(catalog_dir / "ops.csv")

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.actions()["kpi uptime"] == "updated"
    titles = wiki.titles()
    assert UPTIME not in titles
    assert titles["Platform uptime (monthly)"] == 1
    assert "97.00 %" in row(wiki.body("Platform uptime (monthly)"), "Current value")
    assert set(cli.sync("--report", "json").actions().values()) == {"unchanged"}


def test_moved_page_stays_where_people_put_it(cli: Cli, wiki: Wiki, catalog_dir: Path) -> None:
    assert cli.sync().code == 0
    wiki.edit(UPTIME, parent=SALES)
    lower_november_uptime(catalog_dir / "ops.csv")

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.actions()["kpi uptime"] == "updated"
    assert wiki.parent_title(UPTIME) == SALES
    assert "97.00 %" in row(wiki.body(UPTIME), "Current value")
    assert wiki.titles()[UPTIME] == 1


@pytest.mark.parametrize("label", ["confluence-kpi", "kpi"])
def test_removed_label_is_put_back(cli: Cli, wiki: Wiki, label: str) -> None:
    assert cli.sync().code == 0
    wiki.remove_label(UPTIME, label)
    wiki.reset_stats()

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.actions()["kpi uptime"] == "unchanged"
    assert run.reasons()["kpi uptime"] == "labels restored"
    assert {"confluence-kpi", "kpi"} <= wiki.labels(UPTIME)
    assert wiki.titles()[UPTIME] == 1
    assert wiki.writes() == {"POST": 1}  # the label, nothing else
    assert cli.sync("--report", "json").reasons()["kpi uptime"] == ""


def test_page_deleted_in_confluence_is_created_again_and_reported(cli: Cli, wiki: Wiki) -> None:
    assert cli.sync().code == 0
    old_id = wiki.page_id(UPTIME)
    wiki.delete(UPTIME)

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.actions()["kpi uptime"] == "created"
    assert run.reasons()["kpi uptime"] == "deleted in Confluence; created again"
    assert wiki.page_id(UPTIME) != old_id
    assert wiki.parent_title(UPTIME) == OPS
    assert {k: a for k, a in run.actions().items() if a != "unchanged"} == {"kpi uptime": "created"}
    assert set(cli.sync("--report", "json").actions().values()) == {"unchanged"}


def test_page_remembered_by_a_newer_version_is_left_alone_and_reported(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    assert cli.sync().code == 0
    newer = {**wiki.memory(UPTIME), "schema": 2, "learnt_later": ["something"]}
    wiki.set_memory(UPTIME, newer)
    before = wiki.page(UPTIME)
    lower_november_uptime(catalog_dir / "ops.csv")

    run = cli.sync("--report", "json")

    assert run.code == 1, run.err
    assert run.actions()["kpi uptime"] == "failed"
    assert run.reasons()["kpi uptime"].startswith(
        "written by a newer confluence-kpi (memory schema 2, this version knows 1)"
    )
    after = wiki.page(UPTIME)
    assert after["version"] == before["version"]
    assert after["body"] == before["body"]
    assert wiki.memory(UPTIME) == newer
    assert wiki.titles()[UPTIME] == 1


def test_kpi_removed_from_catalog_is_retired_not_deleted(
    cli: Cli, wiki: Wiki, catalog: Path
) -> None:
    assert cli.sync().code == 0
    text = catalog.read_text(encoding="utf-8")
    start, end = text.index("  - id: tickets"), text.index("  - id: deals-won")
    catalog.write_text(text[:start] + text[end:], encoding="utf-8")

    run = cli.sync("--report", "json")
    wiki.reset_stats()
    again = cli.sync("--report", "json")

    assert run.code == again.code == 0, run.err
    assert run.actions()["kpi tickets"] == "retired"
    page = wiki.page(TICKETS)  # still there
    assert page["version"]["number"] == 2
    assert {"kpi-retired", "confluence-kpi", "kpi"} <= wiki.labels(TICKETS)
    body = page["body"]["storage"]["value"]
    assert body.index('ac:name="warning"') < body.index('ac:name="details"')
    assert wiki.memory(TICKETS)["retired"] is True
    assert again.actions()["kpi tickets"] == "unchanged"
    assert wiki.writes() == {}
    assert wiki.versions()[TICKETS] == 2


@pytest.mark.parametrize(
    ("renamed_by_people", "expected"),
    [(None, "KPI: Availability"), ("Platform uptime", "Platform uptime")],
)
def test_catalog_rename_changes_the_title_unless_people_renamed_it(
    cli: Cli, wiki: Wiki, catalog: Path, renamed_by_people: str | None, expected: str
) -> None:
    assert cli.sync().code == 0
    if renamed_by_people:
        wiki.edit(UPTIME, new_title=renamed_by_people)
    edit_catalog(catalog, "name: Uptime", "name: Availability")

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    titles = wiki.titles()
    assert titles[expected] == 1
    assert UPTIME not in titles
    assert {p["title"] for p in run.json()["pages"] if p["id"] == "uptime"} == {expected}
    assert set(cli.sync("--report", "json").actions().values()) == {"unchanged"}


def test_title_taken_by_a_persons_page_leaves_it_untouched(cli: Cli, wiki: Wiki) -> None:
    mine = wiki.create(UPTIME, "<p>My own uptime scratchpad.</p>")
    before = wiki.page(UPTIME)

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    theirs = wiki.get(
        f"/rest/api/content/{mine['id']}", expand="body.storage,version,metadata.labels"
    )
    assert theirs["version"]["number"] == before["version"]["number"] == 1
    assert theirs["body"]["storage"]["value"] == before["body"]["storage"]["value"]
    assert theirs["metadata"]["labels"]["results"] == []
    assert run.actions()["kpi uptime"] == "created"
    reason = run.reasons()["kpi uptime"]
    assert "belongs to another page" in reason
    assert "KPI: Uptime (2)" in reason
    assert wiki.memory("KPI: Uptime (2)")["id"] == "uptime"
    assert set(cli.sync("--report", "json").actions().values()) == {"unchanged"}


def test_retiring_a_kpi_is_shown_in_the_text_report(cli: Cli, catalog: Path) -> None:
    assert cli.sync().code == 0
    text = catalog.read_text(encoding="utf-8")
    start, end = text.index("  - id: tickets"), text.index("  - id: deals-won")
    catalog.write_text(text[:start] + text[end:], encoding="utf-8")

    run = cli.sync()

    assert run.code == 0, run.err
    [line] = [line for line in run.out.splitlines() if TICKETS in line]
    assert "retired" in line
    assert "no longer in the catalog" in line
    assert "1 retired, 0 failed" in run.out
