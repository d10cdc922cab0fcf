"""Number, date and value formatting per locale."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from confluence_kpi.pages.format import Formatter
from confluence_kpi.pages.render import load_strings

from .factories import make_kpi

ZONE = ZoneInfo("Europe/Amsterdam")


def formatter(locale: str) -> Formatter:
    return Formatter(load_strings(locale), ZONE, "KPI")


@pytest.mark.parametrize(
    ("value", "decimals", "en", "nl"),
    [
        (1234.5, 1, "1,234.5", "1.234,5"),
        (1234567.891, 2, "1,234,567.89", "1.234.567,89"),
        (-3.25, 1, "−3.2", "−3,2"),  # round half to even, and a real minus sign
        (-0.04, 1, "0.0", "0,0"),  # never "-0.0"
        (2.5, None, "2.5", "2,5"),  # without decimals: at most two, no trailing zeros
        (2.0, None, "2", "2"),
        (1000.0, 0, "1,000", "1.000"),
    ],
)
def test_numbers_follow_the_locale(value: float, decimals: int | None, en: str, nl: str) -> None:
    assert formatter("en").number(value, decimals) == en
    assert formatter("nl").number(value, decimals) == nl


def test_chart_numbers_are_plain_and_missing_ones_empty() -> None:
    fmt = formatter("nl")
    assert fmt.plain_number(-1234.5, 1) == "-1234.5"
    assert fmt.plain_number(None, 1) == ""


def test_dates_are_written_out_in_the_locale() -> None:
    assert formatter("en").written_date(date(2027, 6, 30)) == "30 June 2027"
    assert formatter("nl").written_date(date(2027, 6, 30)) == "30 juni 2027"


def test_moments_are_dated_in_the_catalog_zone() -> None:
    fmt = formatter("en")
    assert fmt.local_date(datetime(2027, 6, 30, 22, 30, tzinfo=UTC)) == date(2027, 7, 1)
    assert fmt.local_date(datetime(2027, 6, 30, 23, 30)) == date(
        2027, 6, 30
    )  # naive: already local


def test_quantities_carry_their_unit_and_missing_is_no_data() -> None:
    fmt = formatter("en")
    assert fmt.quantity(93.14, make_kpi(unit="%", decimals=1)) == "93.1 %"
    assert fmt.quantity(12, make_kpi(unit="", decimals=0)) == "12"
    assert fmt.quantity(None, make_kpi()) == "no data"
    assert fmt.percent(0.456) == "46 %"
