"""Concurrent writers: a person saving between the bot's read and its write (HTTP 409), and two
bots started against one space at once (two containers started by mistake)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from .helpers import (
    SMALL_PAGES,
    Cli,
    Run,
    Wiki,
    finish,
    lower_november_uptime,
    replace_once,
    row,
    set_row,
)

UPTIME = SMALL_PAGES["kpi uptime"].title
GOAL = SMALL_PAGES["goal reliable-platform"].title
NOTE = "<p>Saved by Pat while the bot was writing.</p>"
# What a failed page may say when two bots race: the other bot's write won this time, the next
# run settles it. Anything else (a lost page, a bad request) is a real failure.
RETRIABLE = ("someone else changed it first", "version conflicts")


def test_edit_landing_between_read_and_write_is_not_lost(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    assert cli.sync().code == 0
    lower_november_uptime(catalog_dir / "ops.csv")
    path = wiki.page_path(UPTIME)
    # Two saves by a person right before the bot's PUT lands: a note, and a stricter target.
    wiki.inject(
        {
            "method": "PUT",
            "path": path,
            "count": 1,
            "edit": {"find": "<h2>Notes</h2>", "replace": "<h2>Notes</h2>" + NOTE},
        },
        {
            "method": "PUT",
            "path": path,
            "count": 1,
            "edit": {"find": "<p>≥ 99.50 %</p>", "replace": "<p>≥ 99.95 %</p>"},
        },
    )
    wiki.reset_stats()

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert wiki.active_faults() == []  # both edits landed
    assert run.actions()["kpi uptime"] == "updated"
    page = wiki.page(UPTIME)
    body = page["body"]["storage"]["value"]
    assert body.count(NOTE) == 1  # the person's note
    assert row(body, "Target") == "<p>≥ 99.95 %</p>"  # the person's target
    assert "97.00 %" in row(body, "Current value")  # the bot's update
    # Bot's version 2 met the person's 3 (409), re-read, and wrote 4 on top of both saves.
    assert page["version"]["number"] == 4
    assert wiki.routes()[wiki.route("update")] == 1 + len(
        {"kpi uptime", "goal reliable-platform", "team ops", "root root"}
    )
    assert wiki.memory(UPTIME)["page_version"] == 4
    # The goal and team pages, written before the KPI's retry, show the team's target by the
    # next run at the latest; then all is quiet.
    assert cli.sync().code == 0
    assert "<td><p>≥ 99.95 %</p></td>" in wiki.body(GOAL)
    assert set(cli.sync("--report", "json").actions().values()) == {"unchanged"}


@pytest.mark.parametrize("site", ["dc", "cloud-v2"])
def test_an_edit_taken_on_a_409_retry_is_reported(cli: Cli, wiki: Wiki, catalog_dir: Path) -> None:
    assert cli.sync().code == 0
    lower_november_uptime(catalog_dir / "ops.csv")
    path = wiki.page_path(UPTIME)
    edit = {"find": "<p>≥ 99.50 %</p>", "replace": "<p>≥ 99.95 %</p>"}
    wiki.inject({"method": "PUT", "path": path, "count": 1, "edit": edit})

    run = cli.sync("--report", "json")

    assert wiki.active_faults() == []
    assert run.edits() == {("kpi uptime", "target"): "edited on the page"}


def test_edit_saved_after_the_listing_and_before_the_read_is_merged_not_overwritten(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    assert cli.sync().code == 0
    lower_november_uptime(catalog_dir / "ops.csv")  # the bot has something to write
    path = wiki.page_path(UPTIME)
    # Saved while the bot measures: after its listing, just before it reads the page.
    owner = {"find": "<p>Pat Ops</p>", "replace": "<p>Alex Oncall</p>"}
    wiki.inject({"method": "GET", "path": path, "count": 1, "edit": owner})

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert wiki.active_faults() == []  # the edit landed
    assert run.edits() == {("kpi uptime", "owner"): "edited on the page"}
    assert "computes was replaced" not in run.reasons()["kpi uptime"]
    body = wiki.body(UPTIME)
    assert row(body, "Owner") == "<p>Alex Oncall</p>"
    assert "97.00 %" in row(body, "Current value")
    assert cli.sync().code == 0
    assert row(wiki.body(UPTIME), "Owner") == "<p>Alex Oncall</p>"


def _race(cli: Cli, wiki: Wiki) -> tuple[Run, Run]:
    """Two `sync` processes started together against one sandbox. Slow writes stretch each
    pass well past the jitter of two interpreters starting up, so the passes overlap."""
    wiki.inject({"method": "POST", "latency_ms": 150}, {"method": "PUT", "latency_ms": 150})
    first, second = cli.spawn("--report", "json"), cli.spawn("--report", "json")
    runs = finish(first), finish(second)
    wiki.clear_faults()
    return runs


def _only_retriable_failures(run: Run) -> None:
    """A racing bot exits 0, or 1 with nothing but retriable page failures (no KPI errors)."""
    assert run.code in (0, 1), run.err
    report = run.json()
    assert report["kpi_errors"] == {}
    for page in report["pages"]:
        if page["action"] == "failed":
            assert any(words in page["reason"] for words in RETRIABLE), page


def _every_page_once(wiki: Wiki) -> None:
    expected = Counter([*(page.title for page in SMALL_PAGES.values()), "KPI Home"])
    assert wiki.titles() == expected
    keys = Counter(
        f"{p['metadata']['properties']['confluence-kpi']['value']['kind']} "
        f"{p['metadata']['properties']['confluence-kpi']['value']['id']}"
        for p in wiki.pages()
        if "confluence-kpi" in p["metadata"]["properties"]
    )
    assert keys == Counter(list(SMALL_PAGES))


# Two interpreters per race: one flavour is enough for what the processes do to each other.
@pytest.mark.parametrize("site", ["dc", "cloud-v2"])
def test_two_bots_at_once_make_no_duplicates_and_lose_no_edits(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    created = _race(cli, wiki)

    for run in created:
        _only_retriable_failures(run)
    _every_page_once(wiki)
    # Each page was created by exactly one of the two; the other found it and adopted it.
    made = Counter(key for run in created for key, act in run.actions().items() if act == "created")
    assert made == Counter(list(SMALL_PAGES))

    wiki.edit(UPTIME, lambda body: replace_once(body, "<h2>Notes</h2>", "<h2>Notes</h2>" + NOTE))
    wiki.edit(UPTIME, lambda body: set_row(body, "Target", "≥ 99.95 %"))
    lower_november_uptime(catalog_dir / "ops.csv")
    updated = _race(cli, wiki)

    for run in updated:
        _only_retriable_failures(run)
    _every_page_once(wiki)
    body = wiki.body(UPTIME)
    assert body.count(NOTE) == 1
    assert row(body, "Target") == "<p>≥ 99.95 %</p>"
    assert "97.00 %" in row(body, "Current value")
    # Whatever either bot left undone, one more run finishes, and then all is quiet.
    settle = cli.sync("--report", "json")
    assert settle.code == 0, settle.err
    quiet = cli.sync("--report", "json")
    assert set(quiet.actions().values()) == {"unchanged"}
    body = wiki.body(UPTIME)
    assert body.count(NOTE) == 1
    assert row(body, "Target") == "<p>≥ 99.95 %</p>"
