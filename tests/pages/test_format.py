"""Number, date and value formatting per locale."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import jinja2
import pytest

from confluence_kpi.pages.markup import Formatter
from confluence_kpi.pages.strings import load_strings

from .factories import make_kpi

ZONE = ZoneInfo("Europe/Amsterdam")


def formatter(locale: str) -> Formatter:
    return Formatter(load_strings(locale), ZONE, "KPI")


@pytest.mark.parametrize(
    ("value", "decimals", "en", "nl"),
    [
        (1234.5, 1, "1,234.5", "1.234,5"),
        (1234567.891, 2, "1,234,567.89", "1.234.567,89"),
        (-3.25, 1, "−3.3", "−3,3"),  # halves away from zero, and a real minus sign
        (86.5, 0, "87", "87"),  # as people round on paper, not to even
        (2.675, 2, "2.68", "2,68"),  # as written, though 2.675 is 2.67499... in binary
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


@pytest.mark.parametrize(
    ("value", "decimals", "signed", "shown"),
    [
        (0.004, 2, True, "0.00"),  # rounds to zero: neither "+" nor "−"
        (-0.004, None, False, "0"),
        (-1234567.5, 0, False, "−1,234,568"),  # halves away from zero
        (0.5, 0, True, "+1"),
        (1.5, 0, True, "+2"),
        (2.5, 0, True, "+3"),
        (1234.5, -1, False, "1,235"),  # negative decimals read as none
    ],
)
def test_signs_and_rounding_of_numbers(
    value: float, decimals: int | None, signed: bool, shown: str
) -> None:
    assert formatter("en").number(value, decimals, signed=signed) == shown


def test_texts_are_read_as_attributes_or_keys_and_a_missing_one_is_an_error() -> None:
    texts = load_strings("en").tree
    assert texts.field.status == "Status"
    assert texts.kind["quantitative"] == load_strings("en").text("kind.quantitative")
    with pytest.raises(KeyError):
        texts.field["no_such_field"]
    strict = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    template = strict.from_string("{{ t.field.no_such_field }}")
    with pytest.raises(jinja2.UndefinedError):
        template.render(t=texts)


def test_a_page_link_escapes_its_title_and_falls_back_to_the_plain_name() -> None:
    fmt = formatter("en")
    link = fmt.page_link('KPI "a" & <b>\t', "name")
    assert 'ri:content-title="KPI &#34;a&#34; &amp; &lt;b&gt;&#9;"' in link
    assert 'ri:space-key="KPI"' in link
    assert fmt.page_link(None, "<name>") == "&lt;name&gt;"


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (450359962737.90625, 4, "450,359,962,737.9063"),  # no float holds .9063 there
        (549755813888.065, None, "549,755,813,888.07"),
        (1e20, 2, "100,000,000,000,000,000,000.00"),
    ],
)
def test_halves_of_large_numbers_are_rounded_as_written(
    value: float, decimals: int | None, shown: str
) -> None:
    assert formatter("en").number(value, decimals) == shown
