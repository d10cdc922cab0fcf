"""`confluence-kpi sync` against the sandbox: pages created once, nothing rewritten when nothing
changed, exactly the affected pages rewritten when data changed, people's notes kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import (
    PROPERTY,
    SMALL_PAGES,
    UPTIME_DEPENDENTS,
    Cli,
    Wiki,
    lower_november_uptime,
)


def test_first_sync_creates_every_page_once(cli: Cli, wiki: Wiki) -> None:
    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.actions() == dict.fromkeys(SMALL_PAGES, "created")
    pages = wiki.pages()
    titles = [page["title"] for page in pages]
    assert sorted(titles) == sorted([*(p.title for p in SMALL_PAGES.values()), "KPI Home"])
    by_title = {page["title"]: page for page in pages}
    ids = {key: str(by_title[want.title]["id"]) for key, want in SMALL_PAGES.items()}
    home = str(wiki.get("/rest/api/space/KPI", expand="homepage")["homepage"]["id"])
    for key, want in SMALL_PAGES.items():
        page = by_title[want.title]
        labels = {label["name"] for label in page["metadata"]["labels"]["results"]}
        assert {"confluence-kpi", want.label} <= labels, key
        memory = page["metadata"]["properties"][PROPERTY]["value"]
        kind, ident = key.split(" ")
        assert (memory["kind"], memory["id"]) == (kind, ident)
        assert memory["page_version"] == page["version"]["number"] == 1
        assert isinstance(memory["digest"], str)
        assert len(memory["digest"]) >= 16  # a digest, not an empty placeholder
        parent = home if want.parent is None else ids[want.parent]
        assert str(page["ancestors"][-1]["id"]) == parent, f"{key} is not under {want.parent}"


def test_second_sync_writes_nothing(cli: Cli, wiki: Wiki) -> None:
    assert cli.sync().code == 0
    wiki.reset_stats()

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert wiki.writes() == {}
    assert run.actions() == dict.fromkeys(SMALL_PAGES, "unchanged")
    assert run.json()["summary"]["unchanged"] == len(SMALL_PAGES)


def test_changed_source_value_updates_exactly_the_affected_pages(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    first = cli.sync("--report", "json")
    before = wiki.versions()
    lower_november_uptime(catalog_dir / "ops.csv")
    wiki.reset_stats()

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert (first.json()["kpi_status"]["uptime"], run.json()["kpi_status"]["uptime"]) == (
        "on_track",
        "at_risk",
    )
    changed = {key for key, action in run.actions().items() if action == "updated"}
    assert changed == UPTIME_DEPENDENTS
    after = wiki.versions()
    assert {title for title in after if after[title] != before[title]} == {
        SMALL_PAGES[key].title for key in UPTIME_DEPENDENTS
    }
    routes = wiki.stats()["by_route"]
    assert routes.get(wiki.route("update")) == len(UPTIME_DEPENDENTS)
    assert wiki.route("create") not in routes
    assert "97.00 %" in wiki.body("KPI: Uptime")


def test_notes_written_by_a_person_survive_a_sync(cli: Cli, wiki: Wiki, catalog_dir: Path) -> None:
    note = "<p>November dipped during the data-centre move. <strong>Pat</strong></p>"
    assert cli.sync().code == 0
    wiki.edit("KPI: Uptime", lambda body: body.replace("<h2>Notes</h2>", "<h2>Notes</h2>" + note))
    lower_november_uptime(catalog_dir / "ops.csv")

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.actions()["kpi uptime"] == "updated"
    body = wiki.body("KPI: Uptime")
    assert note in body
    assert body.index("<h2>Notes</h2>") < body.index(note)
    assert "97.00 % in November 2026" in body
    assert "99.90 % in November 2026" not in body


def test_a_person_saving_only_notes_costs_no_page_or_label_write(cli: Cli, wiki: Wiki) -> None:
    assert cli.sync().code == 0
    wiki.edit("KPI: Uptime", lambda body: body.replace("<h2>Notes</h2>", "<h2>Notes</h2><p>ok</p>"))
    wiki.reset_stats()

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.actions() == dict.fromkeys(SMALL_PAGES, "unchanged")
    assert "<p>ok</p>" in wiki.body("KPI: Uptime")
    # Only the bot's bookkeeping: it remembers the person's version, so it need not read again.
    writes = {r: n for r, n in wiki.stats()["by_route"].items() if r.startswith(("POST", "PUT"))}
    assert writes == {wiki.route("memory"): 1}


@pytest.mark.parametrize("site", ["dc"])
def test_a_personal_access_token_syncs_data_center(cli: Cli, wiki: Wiki) -> None:
    cli.env(CONFLUENCE_USERNAME=None, CONFLUENCE_API_TOKEN=None, CONFLUENCE_PAT="sandbox-pat")

    first = cli.sync("--report", "json")
    second = cli.sync("--report", "json")

    assert first.code == 0, first.err
    assert set(first.actions().values()) == {"created"}
    assert set(second.actions().values()) == {"unchanged"}
    assert {p.title for p in SMALL_PAGES.values()} <= set(wiki.titles())
