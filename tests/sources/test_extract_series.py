"""Reading a KPI's series from a table: columns, times, numbers, and every way a cell is bad."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from confluence_kpi.model import KpiDefinition
from confluence_kpi.sources import SourceError, Table, extract_series

SHEET = "sales_sheet (config/demo/sales.csv)"
KpiFactory = Callable[..., KpiDefinition]


def sheet(*rows: tuple[object, ...], columns: tuple[str, ...] = ("ts", "value")) -> Table:
    """A table as the csv source makes it: header on line 1, so the first row is line 2."""
    return Table(columns, rows, SHEET, first_line=2)


def query(*rows: tuple[object, ...], columns: tuple[str, ...] = ("ts", "value")) -> Table:
    """A table as the sql source makes it: rows are numbered from 1."""
    return Table(columns, rows, "support_db (SELECT created_at AS ts, hours AS value)")


def test_non_numeric_cell_names_source_line_and_column(
    make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    rows = [(f"2026-03-{day:02}", "10") for day in range(1, 13)] + [("2026-03-13", "n/a")]
    table = sheet(*rows, columns=("date", "revenue"))
    kpi = make_kpi(time_column="date", column="revenue")
    with pytest.raises(SourceError) as error:
        extract_series(kpi, table, zone=zone)
    assert str(error.value) == f"{SHEET}, line 14, column 'revenue': 'n/a' is not a number"


@pytest.mark.parametrize(
    "cell", ["nan", "NaN", "inf", "-Infinity", math.nan, -math.inf, Decimal("NaN")]
)
def test_nan_and_infinity_are_rejected(cell: object, make_kpi: KpiFactory, zone: ZoneInfo) -> None:
    table = query(("2026-03-01", 1.0), ("2026-03-02", cell))
    with pytest.raises(SourceError, match=r"row 2, column 'value': .* is not a finite number"):
        extract_series(make_kpi(), table, zone=zone)


def test_missing_column_lists_the_columns_there_are(make_kpi: KpiFactory, zone: ZoneInfo) -> None:
    table = sheet(("2026-03-01", "north", "3"), columns=("date", "region", "deals"))
    with pytest.raises(SourceError) as error:
        extract_series(make_kpi(time_column="date", column="revenue"), table, zone=zone)
    assert str(error.value) == (
        f"{SHEET}: column 'revenue' not found; columns are: date, region, deals"
    )


def test_columns_match_ignoring_case_only_when_unambiguous(
    make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    (measurement,) = extract_series(
        make_kpi(), query(("2026-03-01", 4), columns=("TS", "Value")), zone=zone
    )
    assert measurement.value == 4
    ambiguous = query(("2026-03-01", 1, 2), columns=("ts", "VALUE", "Value"))
    with pytest.raises(SourceError, match="column 'value' is not unique"):
        extract_series(make_kpi(), ambiguous, zone=zone)


def test_naive_timestamps_are_read_in_the_catalog_zone(
    make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    table = query(("2026-03-01 10:00:00", 1), ("2026-07-01T10:00", 2), ("2026-03-01T10:00Z", 3))
    winter, utc, summer = extract_series(make_kpi(), table, zone=zone)
    assert winter.ts == datetime(2026, 3, 1, 10, tzinfo=zone)
    assert winter.ts.utcoffset() == timedelta(hours=1)
    assert summer.ts.utcoffset() == timedelta(hours=2)  # daylight saving time, from the zone
    assert utc.ts == datetime(2026, 3, 1, 10, tzinfo=UTC)  # an explicit Z is kept, not re-read
    assert utc.ts.tzinfo is zone


MARCH_FIRST_10_UTC = datetime(2026, 3, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "cell",
    [
        datetime(2026, 3, 1, 11),
        datetime(2026, 3, 1, 10, tzinfo=UTC),
        "2026-03-01T11:00",
        "2026-03-01 11:00:00",
        "2026-03-01T10:00Z",
        "2026-03-01T12:00+02:00",
        " 2026-03-01T10:00:00.000+00:00 ",
        int(MARCH_FIRST_10_UTC.timestamp()),
        MARCH_FIRST_10_UTC.timestamp(),
        str(int(MARCH_FIRST_10_UTC.timestamp())),
    ],
)
def test_timestamps_read_from_every_common_form(
    cell: object, make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    (measurement,) = extract_series(make_kpi(), query((cell, 1)), zone=zone)
    assert measurement.ts == MARCH_FIRST_10_UTC


@pytest.mark.parametrize("cell", [date(2026, 3, 1), "2026-03-01"])
def test_dates_are_midnight_in_the_catalog_zone(
    cell: object, make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    (measurement,) = extract_series(make_kpi(), query((cell, 1)), zone=zone)
    assert measurement.ts == datetime(2026, 3, 1, tzinfo=zone)


@pytest.mark.parametrize("cell", ["01/03/2026", "yesterday", True, b"2026-03-01", "2026-02-30"])
def test_unparseable_time_names_the_row_and_column(
    cell: object, make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    with pytest.raises(SourceError, match=r"\), row 1, column 'ts': .* is not a date or time"):
        extract_series(make_kpi(), query((cell, 1)), zone=zone)


@pytest.mark.parametrize("cell", [46023, 46023.5, "46023", Decimal("46023")])
def test_excel_serial_days_in_a_time_column_are_refused_with_a_way_out(
    cell: object, make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    with pytest.raises(SourceError) as error:
        extract_series(make_kpi(), query(("2026-03-01", 1), (cell, 2)), zone=zone)
    message = str(error.value)
    assert "row 2, column 'ts': " in message
    assert "looks like an Excel serial day number (2026-01-01 in Excel), not a date" in message
    assert "write dates as text like 2026-01-01" in message


@pytest.mark.parametrize("cell", [20260101, "-86400", 0, 999_999_999.5])
def test_numbers_below_one_billion_are_not_read_as_unix_seconds(
    cell: object, make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    with pytest.raises(SourceError) as error:
        extract_series(make_kpi(), query((cell, 1)), zone=zone)
    assert "Unix seconds, which are 1000000000 (2001-09-09) or more" in str(error.value)


@pytest.mark.parametrize(
    ("cell", "decimal", "number"),
    [
        ("1,234.5", ".", 1234.5),
        ("1.234,5", ",", 1234.5),
        ("-1.234.567", ",", -1234567),
        ("12 %", ".", 12),
        (" 3.0 ", ".", 3),
        ("4,5", ",", 4.5),
        ("1e3", ".", 1000),
        (7, ".", 7),
        (2.5, ",", 2.5),
        (Decimal("0.1"), ".", 0.1),
    ],
)
def test_numbers_read_from_text_and_number_cells(
    cell: object, decimal: str, number: float, make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    table = Table(("ts", "value"), (("2026-03-01", cell),), SHEET, decimal=decimal)
    (measurement,) = extract_series(make_kpi(), table, zone=zone)
    assert measurement.value == number


@pytest.mark.parametrize(
    ("cell", "decimal"), [("3,5", "."), ("3.5", ","), ("1,23,456", "."), (True, ".")]
)
def test_misplaced_separators_are_an_error_not_a_different_number(
    cell: object, decimal: str, make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    table = Table(("ts", "value"), (("2026-03-01", cell),), SHEET, decimal=decimal)
    with pytest.raises(SourceError, match="is not a number"):
        extract_series(make_kpi(), table, zone=zone)


def test_empty_cells_skip_the_row_and_never_become_zero(
    make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    table = query(("2026-03-01", 5), ("2026-03-02", None), ("2026-03-03", " "), (None, 7), ("", 8))
    series = extract_series(make_kpi(), table, zone=zone)
    assert [(m.ts.day, m.value) for m in series] == [(1, 5.0)]


def test_empty_result_is_an_error_not_zero(make_kpi: KpiFactory, zone: ZoneInfo) -> None:
    with pytest.raises(SourceError, match=r"^support_db \(SELECT .*\): no rows$"):
        extract_series(make_kpi(), query(), zone=zone)
    with pytest.raises(SourceError, match="no rows with values in 'ts', 'value'; all 2 rows"):
        extract_series(make_kpi(), query(("2026-03-01", ""), ("2026-03-02", None)), zone=zone)


def test_ratio_rows_carry_numerator_and_denominator(make_kpi: KpiFactory, zone: ZoneInfo) -> None:
    kpi = make_kpi(numerator="won", denominator="offers", column="absent")
    columns = ("ts", "won", "offers")
    table = query(("2026-03-01", 3, 4), ("2026-03-02", 0, 0), ("2026-03-03", 1, 8), columns=columns)
    first, third = extract_series(kpi, table, zone=zone)
    assert (first.value, first.numerator, first.denominator) == (0.75, 3.0, 4.0)
    assert (third.value, third.numerator, third.denominator) == (0.125, 1.0, 8.0)
    broken = query(("2026-03-01", 2, 0), columns=columns)
    with pytest.raises(SourceError, match="row 1, column 'offers': zero, while the numerator is 2"):
        extract_series(kpi, broken, zone=zone)


def test_series_is_sorted_by_time(make_kpi: KpiFactory, zone: ZoneInfo) -> None:
    table = query(("2026-03-03", 3), ("2026-03-01", 1), ("2026-03-02", 2))
    assert [m.value for m in extract_series(make_kpi(), table, zone=zone)] == [1, 2, 3]


def test_rows_carry_the_first_day_of_the_sprint_they_name(
    make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    table = query(
        ("2026-01-18", "2026-01-05", 31),
        ("2026-02-01", "2026-01-19", 35),
        columns=("ts", "sprint_start", "value"),
    )
    series = extract_series(make_kpi(period_column="sprint_start"), table, zone=zone)
    assert [m.period_start for m in series] == [date(2026, 1, 5), date(2026, 1, 19)]


def test_rows_of_one_time_naming_two_sprints_are_an_error(
    make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    table = query(
        ("2026-01-18", "2026-01-05", 31),
        ("2026-01-18", "2026-01-19", 35),
        columns=("ts", "sprint_start", "value"),
    )
    with pytest.raises(SourceError, match="row 2, column 'sprint_start'"):
        extract_series(make_kpi(period_column="sprint_start"), table, zone=zone)
