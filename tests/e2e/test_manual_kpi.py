"""Manual KPIs (`source: page`): people type each measurement into the KPI's own page, the next
sync evaluates it and keeps it as typed, says what it could not use, and a quiet page is not
read again."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from confluence_kpi import memory
from confluence_kpi.model import Grain
from confluence_kpi.periods import period_label

from .helpers import Cli, Run, Wiki, chart_series, edit_catalog, replace_once, row

DEALS = "KPI: Deals won"
STATIC_VALUES = """    source: manual
    values:
      - {date: 2026-09-15, value: 20}
      - {date: 2026-10-15, value: 22}
      - {date: 2026-11-15, value: 24}
"""
# The manual table's free row: its period cell empty, or holding a hint.
FREE_ROW = re.compile(
    r"<tr><td>(?:<p />|<p>(?:<ac:placeholder>[^<]*</ac:placeholder>)?</p>)</td>.*?</tr>"
)
NOTE = "<p>Survey wave 3 had fewer answers than usual.</p>"


@pytest.fixture
def manual(catalog: Path) -> Path:
    """The small catalog with deals-won typed into its page instead of listed in the catalog."""
    edit_catalog(catalog, STATIC_VALUES, "    source: page\n")
    return catalog


@pytest.fixture
def share(manual: Path) -> Path:
    """The manual KPI as a share in % to keep at 85 or above, shown without decimals (as HR's
    onboarding satisfaction in the demo)."""
    edit_catalog(manual, "unit: deals", 'unit: "%"')
    edit_catalog(manual, "direction: increase", "direction: maintain_above")
    edit_catalog(
        manual, "aggregation: sum\n    source: page", "aggregation: mean\n    source: page"
    )
    edit_catalog(
        manual,
        "    baseline: {value: 18, date: 2026-01-01}\n    target: {value: 30, date: 2027-12-31}",
        "    target: {value: 85}",
    )
    return manual


def rows_typed(*rows: tuple[str, str, str]) -> str:
    """Table rows as a person types them into the manual KPI's table."""
    return "".join(
        f"<tr><td><p>{period}</p></td><td><p>{value}</p></td><td><p>{comment}</p></td></tr>"
        for period, value, comment in rows
    )


def free_row(body: str) -> str:
    """The manual table's free row, as stored."""
    found = FREE_ROW.findall(body)
    assert len(found) == 1, found
    return str(found[0])


def type_rows(wiki: Wiki, *rows: tuple[str, str, str]) -> None:
    """A person types rows into the manual KPI's table, above its free row."""
    wiki.edit(
        DEALS, lambda body: replace_once(body, free_row(body), rows_typed(*rows) + free_row(body))
    )


def macro(body: str, name: str) -> str:
    """The markup of the page's first macro called `name` (the warning panel, the chart)."""
    start = body.index(f'ac:name="{name}"')
    return body[start : body.index("</ac:structured-macro>", start)]


def test_a_new_manual_kpi_offers_its_table_and_says_no_data(
    cli: Cli, wiki: Wiki, manual: Path
) -> None:
    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.json()["kpi_status"]["deals-won"] == "no_data"
    body = wiki.body(DEALS)
    assert "<th><p>Period</p></th><th><p>Value</p></th><th><p>Comment</p></th>" in body
    free_row(body)


@pytest.mark.parametrize(
    ("locale", "hint"), [("en", "2026-11 or November 2026"), ("nl", "2026-11 of november 2026")]
)
def test_the_free_row_shows_how_to_type_a_period_in_the_pages_language(
    cli: Cli, wiki: Wiki, manual: Path, locale: str, hint: str
) -> None:
    edit_catalog(manual, "locale: en", f"locale: {locale}")

    created = cli.sync("--report", "json")
    again = cli.sync("--report", "json")

    assert created.code == again.code == 0, created.err
    body = wiki.body(DEALS)
    assert f"<ac:placeholder>{hint}</ac:placeholder>" in free_row(body)  # kept by Confluence
    assert f"{hint})" in body  # and said in the sentence above the table
    assert again.json()["unreadable"] == []  # the hint is not read as a measurement
    assert again.json()["kpi_status"]["deals-won"] == "no_data"


def test_rows_people_type_are_evaluated_kept_as_typed_and_then_quiet(
    cli: Cli, wiki: Wiki, manual: Path
) -> None:
    assert cli.sync().code == 0
    type_rows(wiki, ("2026-10", "20", "after the fair"), ("November 2026", "22 deals", ""))

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.json()["kpi_status"]["deals-won"] not in ("no_data", "stale")
    body = wiki.body(DEALS)
    assert rows_typed(("2026-10", "20", "after the fair")) in body
    assert rows_typed(("November 2026", "22 deals", "")).replace("<p></p>", "<p />") in body
    assert body.count("<ac:placeholder>") == 1
    wiki.reset_stats()

    quiet = cli.sync("--report", "json")

    assert set(quiet.actions().values()) == {"unchanged"}
    assert wiki.writes() == {}
    assert wiki.route("read") not in wiki.routes()


def long_rows_typed(cli: Cli, wiki: Wiki, monkeypatch: pytest.MonkeyPatch) -> Run:
    """A first sync, then rows typed into the manual KPI's table, more than its memory keeps
    (ROWS_BYTES made small: a property holds 32 KB), and the sync that reads them."""
    monkeypatch.setattr(memory, "ROWS_BYTES", 100)
    assert cli.sync().code == 0
    type_rows(wiki, ("2026-09", "18", "a long comment " * 3), ("2026-10", "20", ""))
    typed = cli.sync("--report", "json")
    assert typed.code == 0, typed.err
    return typed


def test_more_rows_than_the_memory_keeps_are_read_from_the_page_every_run(
    cli: Cli, wiki: Wiki, manual: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_rows_typed(cli, wiki, monkeypatch)

    remembered = wiki.memory(DEALS)
    assert "rows" not in remembered
    assert remembered["rows_digest"]
    assert "20 deals in October 2026" in row(wiki.body(DEALS), "Current value")
    wiki.reset_stats()

    quiet = cli.sync("--report", "json")

    assert set(quiet.actions().values()) == {"unchanged"}
    assert wiki.writes() == {}
    assert wiki.routes()[wiki.route("read")] == 1  # the rows read from the page itself
    type_rows(wiki, ("2026-11", "23", ""))

    more = cli.sync("--report", "json")

    assert more.reasons()["kpi deals-won"] == "measurements typed or changed on the page"
    assert "23 deals in November 2026" in row(wiki.body(DEALS), "Current value")


def test_when_such_a_page_cannot_be_read_the_other_pages_show_the_kpi_as_before(
    cli: Cli, wiki: Wiki, manual: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    typed = long_rows_typed(cli, wiki, monkeypatch)
    # Its page answers with something that is no page: its rows cannot be read this run.
    answer = '{"statusCode": 500, "message": "Internal error"}'
    wiki.inject({"method": "GET", "path": wiki.page_path(DEALS), "status": 200, "body": answer})

    run = cli.sync("--report", "json")

    assert run.code == 1, run.err
    assert run.actions()["kpi deals-won"] == "failed"
    status = run.json()["kpi_status"]["deals-won"]
    assert status == typed.json()["kpi_status"]["deals-won"] != "no_data"
    # The root shows what the memory keeps (status, value, progress), and the goal rolls it
    # up as before; the goal and team pages also show the trend and the reason, which no
    # memory keeps: they go without them for this run.
    assert run.actions()["root root"] == "unchanged"
    goals = {goal["id"]: goal["status"] for goal in run.json()["goals"]}
    assert goals == {goal["id"]: goal["status"] for goal in typed.json()["goals"]}


def test_a_typed_number_is_never_rewritten_and_is_shown_as_precisely_as_typed(
    cli: Cli, wiki: Wiki, share: Path
) -> None:
    assert cli.sync().code == 0
    type_rows(wiki, ("2026-11", "84.6", ""))

    typed = cli.sync("--report", "json")

    assert typed.code == 0, typed.err
    verdict = typed.json()["kpi_status"]["deals-won"]
    assert verdict != "on_track"  # 84.6 is short of 85
    body = wiki.body(DEALS)
    assert "<td><p>2026-11</p></td><td><p>84.6</p></td>" in body
    assert "84.6 %" in row(body, "Current value")

    # Someone adds a note: the page is read again, and the typed number with it.
    wiki.edit(DEALS, lambda body: replace_once(body, "<h2>Notes</h2>", "<h2>Notes</h2>" + NOTE))
    noted = cli.sync("--report", "json")

    assert noted.code == 0, noted.err
    assert noted.json()["kpi_status"]["deals-won"] == verdict
    body = wiki.body(DEALS)
    assert "<td><p>2026-11</p></td><td><p>84.6</p></td>" in body
    assert "84.6 %" in row(body, "Current value")


@pytest.mark.parametrize(
    ("grain", "typed", "shown"),
    [
        (
            "quarter",
            ["4e kwartaal 2025", "K1 2026", "2026 Q2", "Q3 2026"],
            ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"],
        ),
        (
            "month",
            ["08-2026", "09/2026", "oct 2026", "15 November 2026"],
            ["2026-08", "2026-09", "2026-10", "2026-11"],
        ),
        (
            "week",
            ["week 45 2026", "2026-W46", "wk 47 2026", "W48"],
            ["2026-W45", "2026-W46", "2026-W47", "2026-W48"],
        ),
    ],
)
def test_periods_typed_in_any_common_notation_are_all_read(
    cli: Cli, wiki: Wiki, manual: Path, grain: str, typed: list[str], shown: list[str]
) -> None:
    edit_catalog(
        manual,
        "grain: month\n    aggregation: sum\n    source: page",
        f"grain: {grain}\n    aggregation: sum\n    source: page",
    )
    assert cli.sync().code == 0
    values = [str(41 + n) for n in range(len(typed))]
    type_rows(wiki, *((period, value, "") for period, value in zip(typed, values, strict=True)))

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.json()["unreadable"] == []
    # One point a period, in the periods' order: each notation was read as its period.
    points = chart_series(wiki.body(DEALS))["Value"]
    assert [value for _, value in points] == values
    firsts = [date.fromisoformat(day) for day, _ in points]
    assert [period_label(first, Grain(grain)) for first in firsts] == shown


def test_a_week_typed_without_its_year_gets_the_year_it_was_read_as(
    cli: Cli, wiki: Wiki, manual: Path
) -> None:
    edit_catalog(
        manual,
        "grain: month\n    aggregation: sum\n    source: page",
        "grain: week\n    aggregation: sum\n    source: page",
    )
    assert cli.sync().code == 0
    type_rows(wiki, ("wk 47", "12", ""))

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.json()["unreadable"] == []
    assert "<td><p>wk 47 2026</p></td><td><p>12</p></td>" in wiki.body(DEALS)


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        ([("sometime soon", "5", "ask Sam")], "is not a period"),
        ([("Q3 2026", "5", "")], "is a quarter, and this KPI takes one value per month"),
        ([("week 49 2026", "5", "")], "across two months"),
        ([("2026-11", "lots", "")], "is not a number"),
        ([("2026-11", "", "Sam knows")], "no value is typed"),
        ([("2026-11", "24", ""), ("November 2026", "25", "")], "2 rows are for one month"),
    ],
    ids=["unreadable", "quarter", "across-months", "not-a-number", "no-value", "twice"],
)
def test_a_row_that_cannot_be_used_stays_as_typed_under_a_warning_and_is_reported(
    cli: Cli, wiki: Wiki, manual: Path, rows: list[tuple[str, str, str]], reason: str
) -> None:
    assert cli.sync().code == 0
    type_rows(wiki, *rows, ("2026-09", "20", ""))

    run = cli.sync("--report", "json")
    wiki.reset_stats()
    quiet = cli.sync("--report", "json")

    assert run.code == quiet.code == 0, run.err
    found = run.json()["unreadable"]
    assert len(found) == len(rows)
    for entry, (period, value, _) in zip(found, rows, strict=True):
        assert (entry["id"], entry["field"]) == ("deals-won", "measurement")
        assert entry["text"] == " | ".join(cell for cell in (period, value) if cell)
        assert reason in entry["reason"]
    assert quiet.json()["unreadable"] == found  # said on every run until corrected
    assert wiki.writes() == {}
    body = wiki.body(DEALS)
    assert rows_typed(*rows).replace("<p></p>", "<p />") in body
    assert reason in macro(body, "warning")
    assert "is left out" in macro(body, "warning")
    # Only the usable row counts: September's 20, never an average with a row left out.
    assert [value for _, value in chart_series(body)["Value"]] == ["20"]
    assert run.json()["kpi_status"]["deals-won"] != "no_data"


def test_a_value_a_share_cannot_take_is_refused(cli: Cli, wiki: Wiki, share: Path) -> None:
    assert cli.sync().code == 0
    type_rows(wiki, ("2026-11", "140", ""), ("2026-10", "−3", ""))

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    reasons = [entry["reason"] for entry in run.json()["unreadable"]]
    assert reasons == [
        "'140' is not a value this KPI can take (0 to 100 %)",
        "'−3' is not a value this KPI can take (0 to 100 %)",
    ]
    assert run.json()["kpi_status"]["deals-won"] == "no_data"


def test_a_corrected_row_counts_and_its_warning_goes(cli: Cli, wiki: Wiki, manual: Path) -> None:
    assert cli.sync().code == 0
    type_rows(wiki, ("Q4 2026", "24", ""))
    assert cli.sync().code == 0
    wiki.edit(DEALS, lambda body: replace_once(body, "<p>Q4 2026</p>", "<p>2026-11</p>"))

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.json()["unreadable"] == []
    assert 'ac:name="warning"' not in wiki.body(DEALS)
    assert run.json()["kpi_status"]["deals-won"] != "no_data"


def test_data_entry_is_reported_as_measurements_read_from_the_page(
    cli: Cli, wiki: Wiki, manual: Path
) -> None:
    assert cli.sync().code == 0
    type_rows(wiki, ("2026-09", "20", ""), ("2026-10", "22", ""), ("2026-11", "24", ""))

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.reasons()["kpi deals-won"] == "3 measurements read from the page"
    type_rows(wiki, ("2026-08", "19", ""))
    text = cli.sync()
    assert text.code == 0, text.err
    assert "1 measurement read from the page" in text.out
    assert "computes" not in text.out


def test_measurements_typed_while_the_bot_runs_are_read_not_overwritten(
    cli: Cli, wiki: Wiki, manual: Path
) -> None:
    assert cli.sync().code == 0
    edit_catalog(manual, "owner: Sam Sales", "owner: Sam Seller")  # the bot has something to write
    body = wiki.body(DEALS)
    typed = rows_typed(("2026-11", "24", "typed during the run"))
    path = wiki.page_path(DEALS)
    edit = {"find": free_row(body), "replace": typed + free_row(body)}
    wiki.inject({"method": "GET", "path": path, "count": 1, "edit": edit})

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert wiki.active_faults() == []  # the person's save landed after the bot's listing
    assert "typed during the run" in wiki.body(DEALS)
    assert run.reasons()["kpi deals-won"] == "1 measurement read from the page"
