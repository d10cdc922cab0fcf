"""From a table to one KPI's measurements: pick its columns, read each row, skip empty cells."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from confluence_kpi.catalog import StaticSourceConfig
from confluence_kpi.model import KpiDefinition, Measurement, TimeSeries
from confluence_kpi.sources.cells import number_reader
from confluence_kpi.sources.dates import time_reader
from confluence_kpi.sources.fetcher import Fetcher
from confluence_kpi.sources.static import static_series
from confluence_kpi.sources.table import SourceError, Table, column_index


def measure(kpi: KpiDefinition, fetcher: Fetcher, *, zone: ZoneInfo) -> TimeSeries:
    """The KPI's measurements: its catalog values for static sources, its days aggregated by
    a database that can, else read from its source's table."""
    if isinstance(fetcher.config(kpi.source), StaticSourceConfig):
        return static_series(kpi, zone=zone)
    grouped = fetcher.grouped(kpi, zone=zone)
    if grouped is not None:
        return grouped
    return extract_series(kpi, fetcher.table(kpi.source, kpi.query), zone=zone)


def extract_series(kpi: KpiDefinition, table: Table, *, zone: ZoneInfo) -> TimeSeries:
    """The KPI's measurements from `table`, sorted by time; SourceError names any bad cell."""
    if not table.rows:
        raise SourceError(f"{table.origin}: no rows")
    if (kpi.numerator is None) != (kpi.denominator is None):
        raise SourceError(f"KPI {kpi.id!r}: a ratio needs both `numerator` and `denominator`")
    time_at = column_index(table, kpi.time_column)
    period_at = None if kpi.period_column is None else column_index(table, kpi.period_column)
    if kpi.numerator is not None and kpi.denominator is not None:
        columns: tuple[str, ...] = (kpi.time_column, kpi.numerator, kpi.denominator)
        top, bottom = column_index(table, kpi.numerator), column_index(table, kpi.denominator)
        measurements = _ratios(table, time_at, top, bottom, zone)
    else:
        columns = (kpi.time_column, kpi.column)
        measurements = _values(table, time_at, column_index(table, kpi.column), zone)
    if period_at is not None:
        measurements = _in_periods(measurements, table, time_at, period_at, zone)
    if not measurements:
        read = ", ".join(repr(name) for name in columns)
        raise SourceError(
            f"{table.origin}: no rows with values in {read}; "
            f"all {len(table.rows)} rows have an empty cell there"
        )
    return TimeSeries.of(measurements)


# The two loops below are the hot path (every row of every KPI, every run): plain loops with
# local names, and the cell being read kept in `at` so that an error can say where it is.


def _values(table: Table, time_at: int, value_at: int, zone: ZoneInfo) -> list[Measurement]:
    number, read_time = number_reader(table.decimal, table.thousands), time_reader(table.dates)
    found, row, at = [], 0, time_at
    try:
        for row, cells in enumerate(table.rows):  # noqa: B007 (`row` is read on error)
            at = time_at
            ts = read_time(cells[time_at], zone)
            at = value_at
            value = number(cells[value_at])
            if ts is not None and value is not None:  # missing data is not zero: skip the row
                found.append(Measurement(ts, value))
    except ValueError as exc:
        raise _bad_cell(table, row, at, exc) from None
    return found


def _ratios(table: Table, time_at: int, top: int, bottom: int, zone: ZoneInfo) -> list[Measurement]:
    number, read_time = number_reader(table.decimal, table.thousands), time_reader(table.dates)
    found, row, at = [], 0, time_at
    try:
        for row, cells in enumerate(table.rows):  # noqa: B007 (`row` is read on error)
            at = time_at
            ts = read_time(cells[time_at], zone)
            at = top
            num = number(cells[top])
            at = bottom
            den = number(cells[bottom])
            if ts is None or num is None or den is None:
                continue
            if den == 0:
                if num == 0:
                    continue  # nothing to count in this row: no ratio, and nothing lost
                raise ValueError(f"zero, while the numerator is {num:g}")
            found.append(Measurement(ts, num / den, numerator=num, denominator=den))
    except ValueError as exc:
        raise _bad_cell(table, row, at, exc) from None
    return found


def _in_periods(
    measurements: list[Measurement], table: Table, time_at: int, period_at: int, zone: ZoneInfo
) -> list[Measurement]:
    """The measurements with the first day of the period their row names (the sprint grain).

    Rows without a value were skipped, so measurements find their row by time; rows of one
    time must name one period, as a sprint's end is not in two sprints.
    """
    starts: dict[datetime, date] = {}
    read_time, row, at = time_reader(table.dates), 0, time_at
    try:
        for row, cells in enumerate(table.rows):  # noqa: B007 (`row` is read on error)
            at = time_at
            ts = read_time(cells[time_at], zone)
            at = period_at
            start = read_time(cells[period_at], zone)
            if ts is None:
                continue
            if start is None:
                raise ValueError("empty: each row names the first day of its period")
            day = start.astimezone(zone).date()
            if starts.setdefault(ts, day) != day:
                raise ValueError(f"names {day}, another row of the same time {starts[ts]}")
    except ValueError as exc:
        raise _bad_cell(table, row, at, exc) from None
    return [m._replace(period_start=starts[m.ts]) for m in measurements]


def _bad_cell(table: Table, row: int, column: int, problem: ValueError) -> SourceError:
    return SourceError(f"{table.where(row, column)}: {problem}")
