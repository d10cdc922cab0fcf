"""The sync's decisions driven through an in-memory Confluence: which pages it reads and writes,
how it knows its pages, and what it does when someone saves while it writes. The end-to-end
tests (tests/e2e) show the same over HTTP; these show the rule without a server."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from confluence_kpi.catalog import load_catalog
from confluence_kpi.memory import PROPERTY_KEY
from confluence_kpi.pipeline import BOT_LABEL
from confluence_kpi.report import Action, SyncReport
from confluence_kpi.sync import run_sync

from .fake_confluence import FakeConfluence

# The end-to-end tests' small catalog (three KPIs, two goals, two teams), whose data ends in
# November 2026.
CATALOGS = Path(__file__).parent.parent / "e2e" / "catalogs"
NOW = datetime(2026, 11, 28, 7, 0, tzinfo=UTC)
UPTIME = "KPI: Uptime"
NOTES = "<h2>Notes</h2>"
NOTE = "<p>Saved by Pat while the bot was writing.</p>"


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    """A private copy of the small catalog, so that a test may change its data."""
    return Path(shutil.copytree(CATALOGS, tmp_path / "catalog")) / "small.yaml"


@pytest.fixture
def confluence(catalog: Path) -> FakeConfluence:
    """A space the small catalog was synced into once, its requests forgotten."""
    confluence = FakeConfluence()
    first = sync(catalog, confluence)
    assert Counter(page.action for page in first.pages) == {Action.CREATE: 8}
    confluence.calls.clear()
    return confluence


def sync(catalog: Path, confluence: FakeConfluence) -> SyncReport:
    return run_sync(load_catalog(catalog), confluence, now=NOW)


def actions(report: SyncReport) -> dict[str, Action]:
    return {str(page.key): page.action for page in report.pages}


def requests(confluence: FakeConfluence) -> list[str]:
    """What the bot asked for, without its arguments."""
    return [call.split(" ", 1)[0] for call in confluence.calls]


def lower_november_uptime(catalog: Path) -> None:
    """The uptime KPI's current month at 97.0 %: the KPI, its goal, its team and the root
    page have something new to say."""
    data = catalog.with_name("ops.csv")
    data.write_text(data.read_text().replace("2026-11-01,99.9,", "2026-11-01,97.0,"))


def test_a_run_in_which_nothing_changed_reads_no_page_and_writes_nothing(
    catalog: Path, confluence: FakeConfluence
) -> None:
    report = sync(catalog, confluence)

    assert set(actions(report).values()) == {Action.UNCHANGED}
    assert requests(confluence) == ["check_space", "search"]


def test_only_the_pages_that_changed_are_read_and_written(
    catalog: Path, confluence: FakeConfluence
) -> None:
    lower_november_uptime(catalog)

    report = sync(catalog, confluence)

    updated = {key for key, action in actions(report).items() if action is Action.UPDATE}
    assert updated == {"kpi uptime", "goal reliable-platform", "team ops", "root root"}
    assert Counter(requests(confluence)) == {
        "check_space": 1,
        "search": 1,
        "get_page": 4,
        "update_page": 4,
        "set_property": 4,
    }


def test_a_page_is_known_by_its_property_when_people_renamed_it_and_took_its_label(
    catalog: Path, confluence: FakeConfluence
) -> None:
    page = confluence.titled(UPTIME)
    confluence.save(page.id, title="Platform uptime")
    confluence.remove_label(page.id, BOT_LABEL)

    report = sync(catalog, confluence)

    # Found through the root page's index of the bot's pages, not created again.
    assert f"search id in ({page.id}) and type = page" in confluence.calls
    assert actions(report)["kpi uptime"] is Action.UNCHANGED
    assert len(confluence.pages) == 1 + 8  # the home page and the catalog's pages
    assert (page.title, BOT_LABEL in page.labels) == ("Platform uptime", True)


def test_of_two_pages_claiming_one_identity_the_older_stays_the_bots(
    catalog: Path, confluence: FakeConfluence
) -> None:
    original = confluence.titled(UPTIME)
    copied = confluence.copy(original.id, "Copy of KPI: Uptime")
    lower_november_uptime(catalog)

    report = sync(catalog, confluence)

    assert actions(report)["kpi uptime"] is Action.UPDATE
    assert "97.00 %" in original.body
    assert copied.version == 1
    assert not any(call.endswith(f" {copied.id}") for call in confluence.calls)


def test_a_save_between_the_read_and_the_write_is_merged_and_written_again(
    catalog: Path, confluence: FakeConfluence
) -> None:
    lower_november_uptime(catalog)
    page = confluence.titled(UPTIME)
    confluence.save_before_next_write(page.id, lambda body: body.replace(NOTES, NOTES + NOTE))

    report = sync(catalog, confluence)

    assert actions(report)["kpi uptime"] is Action.UPDATE
    # Version 1 the bot's, 2 the person's (the bot's write met it: a conflict), 3 the bot's
    # again, on top of the person's save.
    assert page.version == 3
    assert page.body.count(NOTE) == 1
    assert "97.00 %" in page.body
    assert confluence.calls.count(f"update_page {page.id}") == 2
    memory = page.properties[PROPERTY_KEY].value
    assert isinstance(memory, dict)
    assert memory["page_version"] == 3


def test_a_page_that_keeps_changing_fails_alone_after_three_conflicts(
    catalog: Path, confluence: FakeConfluence
) -> None:
    lower_november_uptime(catalog)
    page = confluence.titled(UPTIME)
    for _write in range(3):
        confluence.save_before_next_write(page.id, lambda body: body.replace(NOTES, NOTES + NOTE))

    report = sync(catalog, confluence)

    result = next(p for p in report.pages if str(p.key) == "kpi uptime")
    assert result.action is Action.FAILED
    assert result.reason == "page kept changing under us (3 version conflicts)"
    assert actions(report)["goal reliable-platform"] is Action.UPDATE
    assert report.exit_code == 1
