"""Manual KPIs (`source: page`): people type each measurement into the KPI's own page, the next
sync evaluates it and keeps it, and a quiet page is not read again."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import Cli, Wiki, edit_catalog, replace_once

DEALS = "KPI: Deals won"
EMPTY_ROW = "<tr><td><p /></td><td><p /></td><td><p /></td></tr>"
STATIC_VALUES = """    source: manual
    values:
      - {date: 2026-09-15, value: 20}
      - {date: 2026-10-15, value: 22}
      - {date: 2026-11-15, value: 24}
"""


@pytest.fixture
def manual(catalog: Path) -> Path:
    """The small catalog with deals-won typed into its page instead of listed in the catalog."""
    edit_catalog(catalog, STATIC_VALUES, "    source: page\n")
    return catalog


def rows_typed(*rows: tuple[str, str, str]) -> str:
    """Table rows as a person types them into the manual KPI's table."""
    return "".join(
        f"<tr><td><p>{period}</p></td><td><p>{value}</p></td><td><p>{comment}</p></td></tr>"
        for period, value, comment in rows
    )


def test_a_new_manual_kpi_offers_its_table_and_says_no_data(
    cli: Cli, wiki: Wiki, manual: Path
) -> None:
    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.json()["kpi_status"]["deals-won"] == "no_data"
    body = wiki.body(DEALS)
    assert "<th><p>Period</p></th><th><p>Value</p></th><th><p>Comment</p></th>" in body
    assert EMPTY_ROW in body


def test_rows_people_type_are_evaluated_kept_and_then_quiet(
    cli: Cli, wiki: Wiki, manual: Path
) -> None:
    assert cli.sync().code == 0
    typed = rows_typed(("2026-10", "20", "after the fair"), ("November 2026", "22 deals", ""))
    wiki.edit(DEALS, lambda body: replace_once(body, EMPTY_ROW, typed + EMPTY_ROW))

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.json()["kpi_status"]["deals-won"] not in ("no_data", "stale")
    body = wiki.body(DEALS)
    # The bot writes the rows back in its own words: the period of the KPI's grain, the unit.
    assert rows_typed(("2026-10", "20 deals", "after the fair")) in body
    assert rows_typed(("2026-11", "22 deals", "")).replace("<p></p>", "<p />") in body
    assert body.count(EMPTY_ROW) == 1
    wiki.reset_stats()

    quiet = cli.sync("--report", "json")

    assert set(quiet.actions().values()) == {"unchanged"}
    assert wiki.writes() == {}
    assert "GET /rest/api/content/{id}" not in wiki.routes()


def test_a_row_whose_period_cannot_be_read_stays_as_typed(
    cli: Cli, wiki: Wiki, manual: Path
) -> None:
    assert cli.sync().code == 0
    typed = rows_typed(("sometime soon", "5", "ask Sam"), ("2026-11", "24", ""))
    wiki.edit(DEALS, lambda body: replace_once(body, EMPTY_ROW, typed + EMPTY_ROW))

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    body = wiki.body(DEALS)
    assert "<td><p>sometime soon</p></td>" in body
    assert "ask Sam" in body
    # Only the readable row counts: November's 24.
    assert "24 deals" in body
    assert run.json()["kpi_status"]["deals-won"] != "no_data"
