"""Periods people type into a manual KPI's table, read as the first day of the period."""

from __future__ import annotations

from datetime import date

import pytest

from confluence_kpi.pages.values import parse_period


@pytest.mark.parametrize(
    ("typed", "locale", "first_day"),
    [
        ("2026-W38", "en", date(2026, 9, 14)),
        ("2026W53", "en", date(2026, 12, 28)),
        ("2026-Q3", "en", date(2026, 7, 1)),
        ("2026-09", "en", date(2026, 9, 1)),
        ("2026", "en", date(2026, 1, 1)),
        ("November 2026", "en", date(2026, 11, 1)),
        ("nov 2026", "en", date(2026, 11, 1)),
        ("oktober 2026", "nl", date(2026, 10, 1)),
        ("15 September 2026", "en", date(2026, 9, 15)),
        ("15-09-2026", "nl", date(2026, 9, 15)),
    ],
)
def test_a_typed_period_is_read_as_its_first_day(typed: str, locale: str, first_day: date) -> None:
    assert parse_period(typed, locale=locale) == first_day


@pytest.mark.parametrize("typed", ["sometime soon", "2026-W60", "2026-13", "Smarch 2026", ""])
def test_a_period_that_is_no_period_says_so(typed: str) -> None:
    with pytest.raises(ValueError, match=r"not a|empty"):
        parse_period(typed, locale="en")
