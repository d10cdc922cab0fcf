"""Periods people type into a manual KPI's table, in every common notation of en and nl, and
the example of how to type one that the table shows."""

from __future__ import annotations

from datetime import date

import pytest

from confluence_kpi.model import Grain
from confluence_kpi.pages.values import parse_period, period_example

TODAY = date(2026, 11, 28)  # a Saturday in ISO week 48 of 2026


@pytest.mark.parametrize(
    ("typed", "locale", "first_day", "grain"),
    [
        ("2026-Q3", "en", date(2026, 7, 1), Grain.QUARTER),
        ("2026Q3", "en", date(2026, 7, 1), Grain.QUARTER),
        ("Q3 2026", "en", date(2026, 7, 1), Grain.QUARTER),
        ("2026 Q2", "en", date(2026, 4, 1), Grain.QUARTER),
        ("q3-2026", "en", date(2026, 7, 1), Grain.QUARTER),
        ("K2 2026", "nl", date(2026, 4, 1), Grain.QUARTER),
        ("2026-K4", "nl", date(2026, 10, 1), Grain.QUARTER),
        ("3e kwartaal 2026", "nl", date(2026, 7, 1), Grain.QUARTER),
        ("3de kwartaal 2026", "nl", date(2026, 7, 1), Grain.QUARTER),
        ("derde kwartaal 2026", "nl", date(2026, 7, 1), Grain.QUARTER),
        ("kwartaal 1 2026", "nl", date(2026, 1, 1), Grain.QUARTER),
        ("3rd quarter 2026", "en", date(2026, 7, 1), Grain.QUARTER),
        ("third quarter of 2026", "en", date(2026, 7, 1), Grain.QUARTER),
        ("2026-W38", "en", date(2026, 9, 14), Grain.WEEK),
        ("2026W53", "en", date(2026, 12, 28), Grain.WEEK),
        ("week 48 2026", "nl", date(2026, 11, 23), Grain.WEEK),
        ("week 48, 2026", "en", date(2026, 11, 23), Grain.WEEK),
        ("wk 48 2026", "en", date(2026, 11, 23), Grain.WEEK),
        ("W48 2026", "en", date(2026, 11, 23), Grain.WEEK),
        ("2026-11", "en", date(2026, 11, 1), Grain.MONTH),
        ("11-2026", "nl", date(2026, 11, 1), Grain.MONTH),
        ("09-2026", "en", date(2026, 9, 1), Grain.MONTH),
        ("11/2026", "en", date(2026, 11, 1), Grain.MONTH),
        ("nov 2026", "en", date(2026, 11, 1), Grain.MONTH),
        ("nov. 2026", "nl", date(2026, 11, 1), Grain.MONTH),
        ("November 2026", "en", date(2026, 11, 1), Grain.MONTH),
        ("oktober 2026", "nl", date(2026, 10, 1), Grain.MONTH),
        ("mrt 2026", "nl", date(2026, 3, 1), Grain.MONTH),
        ("Sept 2026", "en", date(2026, 9, 1), Grain.MONTH),
        ("2026", "en", date(2026, 1, 1), Grain.YEAR),
        ("15 September 2026", "en", date(2026, 9, 15), Grain.DAY),
        ("September 15, 2026", "en", date(2026, 9, 15), Grain.DAY),
        ("15 september 2026", "nl", date(2026, 9, 15), Grain.DAY),
        ("15-09-2026", "nl", date(2026, 9, 15), Grain.DAY),
        ("2026-09-15", "nl", date(2026, 9, 15), Grain.DAY),
        ("28/11/2026", "en", date(2026, 11, 28), Grain.DAY),
        ("11/28/2026", "en", date(2026, 11, 28), Grain.DAY),
    ],
)
def test_a_period_typed_in_a_common_notation_is_read(
    typed: str, locale: str, first_day: date, grain: Grain
) -> None:
    period = parse_period(typed, locale=locale, today=TODAY)
    assert (period.start, period.grain, period.text) == (first_day, grain, typed)


@pytest.mark.parametrize(
    ("typed", "end"),
    [
        ("Q3 2026", date(2026, 10, 1)),
        ("2026-W53", date(2027, 1, 4)),
        ("nov 2026", date(2026, 12, 1)),
        ("2026", date(2027, 1, 1)),
        ("15 September 2026", date(2026, 9, 16)),
    ],
)
def test_a_typed_period_ends_where_its_notation_says(typed: str, end: date) -> None:
    assert parse_period(typed, locale="en", today=TODAY).end == end


@pytest.mark.parametrize(
    ("typed", "first_day", "text"),
    [
        ("wk 48", date(2026, 11, 23), "wk 48 2026"),  # this week
        ("week 49", date(2025, 12, 1), "week 49 2025"),  # next week: not yet, so last year's
        ("W1", date(2026, 1, 1).fromisocalendar(2026, 1, 1), "W1 2026"),
    ],
)
def test_a_week_typed_without_its_year_is_the_latest_one_begun_and_gets_its_year(
    typed: str, first_day: date, text: str
) -> None:
    period = parse_period(typed, locale="en", today=TODAY)
    assert (period.start, period.text) == (first_day, text)


@pytest.mark.parametrize(
    "typed",
    [
        "sometime soon",
        "2026-W60",
        "2026-13",
        "Smarch 2026",
        "Q5 2026",
        "week 48 of",
        "",
        "13/13/2026",
    ],
)
def test_a_period_that_is_no_period_says_so(typed: str) -> None:
    with pytest.raises(ValueError, match=r"not a|empty|not a day"):
        parse_period(typed, locale="en", today=TODAY)


def test_a_date_both_ways_readable_on_an_english_page_is_refused_as_ambiguous() -> None:
    with pytest.raises(ValueError, match="ambiguous"):
        parse_period("03/06/2026", locale="en", today=TODAY)
    assert parse_period("03/06/2026", locale="nl", today=TODAY).start == date(2026, 6, 3)


@pytest.mark.parametrize(
    ("grain", "week_start", "locale", "example"),
    [
        (Grain.MONTH, 0, "en", "2026-11 or November 2026"),
        (Grain.MONTH, 0, "nl", "2026-11 of november 2026"),
        (Grain.QUARTER, 0, "en", "2026-Q4 or Q4 2026"),
        (Grain.QUARTER, 0, "nl", "2026-Q4 of 4e kwartaal 2026"),
        (Grain.WEEK, 0, "en", "2026-W48 or week 48 2026"),
        (Grain.WEEK, 6, "en", "2026-11-22 or 22 November 2026"),
        (Grain.DAY, 0, "nl", "2026-11-28 of 28 november 2026"),
        (Grain.YEAR, 0, "en", "2026"),
    ],
)
def test_the_example_of_how_to_type_a_period_names_the_running_one_and_reads_back(
    grain: Grain, week_start: int, locale: str, example: str
) -> None:
    shown = period_example(TODAY, grain, week_start, locale)
    assert shown == example
    for typed in shown.split(" or " if locale == "en" else " of "):
        assert parse_period(typed, locale=locale, today=TODAY).start <= TODAY
