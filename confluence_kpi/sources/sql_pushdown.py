"""Aggregation in the database: a KPI's rows come back as one aggregate per local day.

Ten million rows of tickets need not cross the network to become 24 monthly values. Where the
KPI's aggregation is made of parts that add up over days (sum, count, min, max, mean as a sum
and a count, a ratio as two sums, the last value), the database groups the query's rows by the
day they fall on in the catalog's zone, and each day becomes one measurement that stands for
its rows (`Measurement.rows`). The evaluation reads such measurements exactly as it reads the
rows themselves: per period, like for like over a running period's first days (which is why
the grouping is by day and not by period), a running total's pace by kind of day, the latest
data, and data after the moment evaluated (grouped apart: up to a period ahead, and further).

A percentile (the median, p75, p90, p95) is not made of parts that add up, and a period's is
wanted over any run of days (a running period's first days), so no per-group PERCENTILE_CONT
can serve it. The database groups a day's rows by value instead: each distinct value comes
back once, as a measurement of that value standing for its rows, and the percentile counts
each value as often as its rows (`aggregate.percentile`). The values arrive as the rows hold
them, so the percentile is the rows' exactly, on every database. What this saves depends on
how often values repeat: durations in whole minutes or days, scores and sizes collapse to a
few rows a day, while values that are all distinct cost about what their rows cost.

The result is the same as from the rows: counts, minima, maxima and last values always, sums
and means whenever a day's sum is exact in binary floating point (integer columns, as counts
and cents are, and values with few binary places); otherwise a database's own summation order
can differ from Python's exact one in the last bits. Ties for the last value (two rows of one
day at the same moment) are broken by the database, as a query without ORDER BY leaves them.

Where the database cannot do this the same way, the rows are read as before, and a debug log
says why: the time-weighted mean (neither made of parts that add up nor of values), sprint
KPIs (their periods come from the rows), a time column that is not a date or time type (text
is read by `read_time`, which no SQL function mirrors), a value column that is not a number
type, single-precision floats (drivers read them as their shortest decimal text), MariaDB's
TIMESTAMP columns on a server without time zone tables, and any error of the grouped query
other than its timeout (reading the rows then reports what is wrong with them, cell by cell).

How each database finds a row's local day: PostgreSQL converts a timestamptz column with
`AT TIME ZONE`; naive timestamp, DATETIME and date columns already are on the catalog's clock
(the catalog's rule for times without an offset), and MariaDB's TIMESTAMP columns are read in
the session's zone, set to the catalog's. SQLite has no time zones and keeps times as text, so
it calls Python functions registered on its connection, `read_time` and the number reader
that read the rows themselves: the same reading of every cell, without the rows leaving the
database as Python objects.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from math import isfinite
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from confluence_kpi.evaluate import far_ahead
from confluence_kpi.model import Aggregation, Grain, KpiDefinition, Measurement, TimeSeries, Window
from confluence_kpi.sources.cells import number_reader
from confluence_kpi.sources.dates import read_time
from confluence_kpi.sources.sql import (
    TIME_TEXT,
    QueryTimeoutError,
    Rows,
    SqlSource,
    UnreachableError,
    bounds,
)
from confluence_kpi.sources.sql_session import sqlite_connection
from confluence_kpi.sources.table import SourceError, Table, column_index

log = logging.getLogger(__name__)

# What a day's rows become, per aggregation: the SQL aggregate of the value `v`.
_OF_DAY = {
    Aggregation.SUM: "sum(v)",
    Aggregation.MEAN: "sum(v)",
    Aggregation.MIN: "min(v)",
    Aggregation.MAX: "max(v)",
    Aggregation.LAST: "max(last_v)",
    Aggregation.COUNT: "count(*)",
}
# A percentile is not made of parts that add up: a day's rows are grouped by value instead.
_PERCENTILES = frozenset({Aggregation.MEDIAN, Aggregation.P75, Aggregation.P90, Aggregation.P95})
# PostgreSQL type OIDs (pg_type) of the columns it aggregates.
_PG_TIMES = {1184: "({} AT TIME ZONE :kpi_zone)", 1114: "{}", 1082: "CAST({} AS timestamp)"}
_PG_NUMBERS = frozenset({20, 21, 23, 701, 1700})  # int8, int2, int4, float8, numeric
# MySQL and MariaDB field types: DATETIME, DATE, NEWDATE; TIMESTAMP only in the catalog's zone.
_MYSQL_TIMES = {12: "{}", 10: "CAST({} AS DATETIME)", 14: "CAST({} AS DATETIME)"}
_MYSQL_TIMESTAMP = 7
_MYSQL_NUMBERS = frozenset({0, 1, 2, 3, 5, 8, 9, 246})  # decimal, ints, double
# SQLite: the Python functions registered for the query; the local time as sortable text.
_SQLITE_TIME = "kpi_local({})"
_SQLITE_NUMBER = "kpi_number({})"
_LOCAL_TEXT = "%Y-%m-%dT%H:%M:%S.%f"
_DIALECTS = ("postgresql", "mariadb", "mysql", "sqlite")


class _RowsNeededError(Exception):
    """Why a KPI's rows are read instead; said in the debug log."""


@dataclass(frozen=True)
class _Columns:
    """How the grouped query reads the time and the values: SQL expressions over `q`."""

    local: str  # the row's local date-time, on the catalog's clock
    values: tuple[str, ...]  # the value, or a ratio's numerator and denominator


def grouped_series(
    source: SqlSource, kpi: KpiDefinition, window: Window | None, *, now: datetime, zone: ZoneInfo
) -> TimeSeries | None:
    """The KPI's series aggregated by day in its database, or None when its rows must be read
    (the debug log says why). QueryTimeoutError when a query runs out of time."""
    statement, origin = source.statement(kpi.query)
    try:
        _check_kind(kpi, source.dialect)
        columns = _columns(source, kpi, statement, origin, window)
        sql = _grouped_sql(kpi, columns, statement, source.dialect)
        params = {**bounds(window), **_moments(kpi, now, zone, source.dialect)}
        found = source.run(sql, origin, params, window, _functions(zone, source.dialect))
        return _series(kpi, found, zone)
    except (QueryTimeoutError, UnreachableError):
        raise  # reading the rows would wait for the same
    except (_RowsNeededError, SourceError) as reason:
        log.debug("%s: KPI %r reads its rows: %s", origin, kpi.id, reason)
        return None


def _check_kind(kpi: KpiDefinition, dialect: str) -> None:
    """_RowsNeededError when the KPI's aggregation or grain cannot be built from days, or its
    database is not one whose functions this module knows."""
    if dialect not in _DIALECTS:
        raise _RowsNeededError(f"days are cut only in {', '.join(_DIALECTS)}")
    if kpi.grain is Grain.SPRINT or kpi.period_column is not None:
        raise _RowsNeededError("a sprint's periods come from its rows")
    pushed = kpi.aggregation in _OF_DAY or kpi.aggregation in _PERCENTILES
    if not pushed and kpi.aggregation is not Aggregation.RATIO:
        raise _RowsNeededError(f"{kpi.aggregation.value} is not made of parts that add up")
    if kpi.aggregation is Aggregation.RATIO and (kpi.numerator is None or kpi.denominator is None):
        raise _RowsNeededError("a ratio needs both its columns")


def _columns(
    source: SqlSource, kpi: KpiDefinition, statement: str, origin: str, window: Window | None
) -> _Columns:
    """The expressions that read the KPI's columns, from the query's column types (asked
    for with LIMIT 0: no rows)."""
    probe = source.run(
        f"SELECT * FROM (\n{statement}\n) AS q LIMIT 0",
        origin,
        bounds(window),
        window,
    )
    empty = Table(probe.columns, (), origin)
    names = (
        (kpi.numerator, kpi.denominator) if kpi.aggregation is Aggregation.RATIO else (kpi.column,)
    )
    time_at = column_index(empty, kpi.time_column)
    at = [column_index(empty, str(name)) for name in names]
    quoted = [f"q.{source.quote(probe.columns[i])}" for i in (time_at, *at)]
    if source.dialect == "sqlite":
        return _Columns(
            _SQLITE_TIME.format(quoted[0]),
            tuple(_SQLITE_NUMBER.format(name) for name in quoted[1:]),
        )
    for i in at:
        _check_number(source.dialect, probe, i)
    return _Columns(_time(source.dialect, probe, time_at).format(quoted[0]), tuple(quoted[1:]))


def _time(dialect: str, probe: Rows, at: int) -> str:
    """The expression template of the local date-time in the column at `at`."""
    code = probe.types[at]
    if dialect == "postgresql":
        found = _PG_TIMES.get(code) if isinstance(code, int) else None
    elif code == _MYSQL_TIMESTAMP:
        if not probe.zoned:
            raise _RowsNeededError("the server cannot read TIMESTAMP in the catalog's zone")
        found = "{}"
    else:
        found = _MYSQL_TIMES.get(code) if isinstance(code, int) else None
    if found is None:
        raise _RowsNeededError(f"column {probe.columns[at]!r} is not a date or time type")
    return found


def _check_number(dialect: str, probe: Rows, at: int) -> None:
    """_RowsNeededError unless the column at `at` holds numbers the database sums as Python
    would."""
    numbers = _PG_NUMBERS if dialect == "postgresql" else _MYSQL_NUMBERS
    if probe.types[at] not in numbers:
        raise _RowsNeededError(f"column {probe.columns[at]!r} is not a number type it can sum")


def _grouped_sql(kpi: KpiDefinition, columns: _Columns, statement: str, dialect: str) -> str:
    """One row per local day and part (up to now, up to a period ahead, further), each with
    its row count, its latest local time and its aggregate; for a percentile, one per value
    of each."""
    ratio = kpi.aggregation is Aggregation.RATIO
    day = "substr(local, 1, 10)" if dialect == "sqlite" else "CAST(local AS DATE)"
    read = [
        f"{columns.local} AS local",
        *(
            f"{expression} AS {name}"
            for expression, name in zip(
                columns.values, ("num", "den") if ratio else ("v",), strict=True
            )
        ),
    ]
    if ratio:
        # Rows with 0/0 have nothing to count and are left out, as when rows are read; a row
        # dividing by zero is an error there, so it is counted here to read the rows instead.
        usable = "num IS NOT NULL AND den IS NOT NULL AND NOT (num = 0 AND den = 0)"
        parts = ", CASE WHEN den < 0 THEN 1 ELSE 0 END AS negative"
        kept = "num, den"
        aggregates = "sum(num), sum(den), sum(CASE WHEN den = 0 THEN 1 ELSE 0 END)"
        keys = "day, part, negative"
    elif kpi.aggregation in _PERCENTILES:
        usable, parts, kept, keys, aggregates = "v IS NOT NULL", "", "v", "day, part, v", "v"
    else:
        usable, parts, kept, keys = "v IS NOT NULL", "", "v", "day, part"
        # sum(v) is NULL-safe and turns NaN or infinity anywhere in the day into its own.
        aggregates = f"{_OF_DAY[kpi.aggregation]}, sum(v)"
    # PostgreSQL would copy the local time's expression into each of its uses, converting
    # every row's time zone four times; OFFSET 0 has it compute the cells once.
    fence = " OFFSET 0" if dialect == "postgresql" else ""
    latest = ""
    if kpi.aggregation is Aggregation.LAST:
        latest = ", FIRST_VALUE(v) OVER (PARTITION BY day, part ORDER BY local DESC) AS last_v"
    return (
        f"SELECT count(*), max(local), {aggregates} FROM (\n"
        f" SELECT day, part, local, {kept}{parts}{latest} FROM (\n"
        f"  SELECT {day} AS day, CASE WHEN local <= :kpi_now THEN 0"
        " WHEN local <= :kpi_far THEN 1 ELSE 2 END AS part, local, "
        f"{kept} FROM (\n"
        f"   SELECT {', '.join(read)} FROM (\n{statement}\n) AS q{fence}\n"
        f"  ) AS cells WHERE local IS NOT NULL AND {usable}\n"
        " ) AS days\n"
        f") AS rows_by_day GROUP BY {keys}"
    )


def _moments(kpi: KpiDefinition, now: datetime, zone: ZoneInfo, dialect: str) -> dict[str, str]:
    """`now`, and the moment data gets a period ahead of it, on the catalog's clock as the
    grouped query compares local times (as text: see sql.bounds); the zone's name for
    PostgreSQL's AT TIME ZONE."""
    moments = {"kpi_now": now.astimezone(zone), "kpi_far": far_ahead(kpi, now).astimezone(zone)}
    shape = _LOCAL_TEXT if dialect == "sqlite" else TIME_TEXT + ".%f"
    return {**{name: at.strftime(shape) for name, at in moments.items()}, "kpi_zone": zone.key}


def _functions(zone: ZoneInfo, dialect: str) -> Callable[[Connection], None] | None:
    """For SQLite: registers the functions that read a cell as the rows' reading does."""
    if dialect != "sqlite":
        return None
    number = number_reader(".")

    def local(cell: object) -> str | None:
        moment = read_time(cell, zone)
        return None if moment is None else moment.strftime(_LOCAL_TEXT)

    def register(connection: Connection) -> None:
        driver = sqlite_connection(connection)
        # A cell that cannot be read raises: the grouped query fails, and reading the rows
        # then names the cell.
        driver.create_function("kpi_local", 1, local, deterministic=True)
        driver.create_function("kpi_number", 1, number, deterministic=True)

    return register


def _series(kpi: KpiDefinition, found: Rows, zone: ZoneInfo) -> TimeSeries:
    """The day aggregates as measurements; _RowsNeededError when there are none, or one is
    not finite."""
    measurements = [_measurement(kpi, row, zone) for row in found.rows]
    if not measurements:
        raise _RowsNeededError("no rows with values: reading them says which")
    return TimeSeries.of(measurements)


def _measurement(kpi: KpiDefinition, row: Sequence[object], zone: ZoneInfo) -> Measurement:
    count, latest, *aggregates = row
    ts = read_time(latest, zone)
    numbers = [_finite(value) for value in aggregates]
    # The query counts rows and keeps only those with a time.
    assert ts is not None
    assert isinstance(count, int)
    if kpi.aggregation is Aggregation.RATIO:
        numerator, denominator, zero = numbers
        if zero:
            raise _RowsNeededError("a row divides by zero: reading the rows names it")
        return Measurement(ts, numerator / denominator, numerator, denominator, rows=count)
    return Measurement(ts, numbers[0], rows=count)


def _finite(value: object) -> float:
    """An aggregate as a float; _RowsNeededError when it is not finite (NaN or infinity among the
    day's values, which reading the rows refuses cell by cell)."""
    if not isinstance(value, int | float | Decimal):
        raise _RowsNeededError(f"a day's aggregate is {type(value).__name__}, not a number")
    number = float(value)
    if not isfinite(number):
        raise _RowsNeededError("a day's aggregate is not a finite number")
    return number
