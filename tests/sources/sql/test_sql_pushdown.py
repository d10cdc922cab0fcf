"""Aggregation in the database: a KPI evaluated from its days as the database aggregated them
is the same as evaluated from its rows, on every database; where that cannot be, the rows are
read, and a debug log says why."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from confluence_kpi.catalog import SqlSourceConfig
from confluence_kpi.evaluate import data_window, evaluate_kpi
from confluence_kpi.model import Aggregation, Grain, KpiDefinition, TimeSeries, row_count
from confluence_kpi.sources import Fetcher, SourceError, extract_series, measure
from confluence_kpi.sources.sql import SqlSource
from confluence_kpi.sources.sql_pushdown import grouped_series
from tests.sources.sql.conftest import Database, open_database

ZONE = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=ZONE)
PUSHED = (
    Aggregation.SUM,
    Aggregation.COUNT,
    Aggregation.MIN,
    Aggregation.MAX,
    Aggregation.MEAN,
    Aggregation.LAST,
    Aggregation.RATIO,
    Aggregation.MEDIAN,
    Aggregation.P75,
    Aggregation.P90,
    Aggregation.P95,
)
PERCENTILES = (Aggregation.MEDIAN, Aggregation.P75, Aggregation.P90, Aggregation.P95)
Row = tuple[str, float, float, float]  # ts, value, numerator, denominator


def kpi_for(
    make_kpi: Callable[..., KpiDefinition], table: str, how: Aggregation, grain: Grain
) -> KpiDefinition:
    """A KPI of `table` (columns ts, value, num, den) aggregated `how`, by `grain`."""
    ratio = {"numerator": "num", "denominator": "den"} if how is Aggregation.RATIO else {}
    return make_kpi(
        id=f"kpi-{how.value}",
        source="db",
        query=f"SELECT ts, value, num, den FROM {table} WHERE ts >= :start AND ts < :end",
        aggregation=how,
        grain=grain,
        target={"value": 10, "date": "2026-12-31"},
        **ratio,
    )


def both_ways(
    source: SqlSource, kpi: KpiDefinition, now: datetime
) -> tuple[TimeSeries, TimeSeries | None]:
    """The KPI's series from its rows, and from its days as the database aggregated them."""
    window = data_window(kpi, now=now, zone=ZONE)
    rows = extract_series(kpi, source.fetch(kpi.query, window), zone=ZONE)
    return rows, grouped_series(source, kpi, window, now=now, zone=ZONE)


def table_of(db: Database, rows: Sequence[Row], time_type: str | None = None) -> str:
    """A table of (ts, value, num, den) rows; `ts` of `time_type`, naive by default."""
    number = db.types.number
    return db.table(
        f"ts {time_type or db.types.naive_time}, value {number}, num {number}, den {number}",
        rows,
    )


def sample_rows() -> list[Row]:
    """Four months of rows every three hours up to ten days past NOW and one far ahead,
    with negative values and denominators, and 0/0 rows."""
    rows: list[Row] = []
    start = datetime(2025, 11, 20, 1, 0)
    for i in range(1040):
        at = start + timedelta(hours=3 * i)
        den = i % 4 - 1
        rows.append((at.isoformat(" "), i % 13 - 3, 0 if den == 0 else i % 5, den))
    rows.append(("2026-06-01 08:00:00", 5, 1, 2))  # more than a period ahead
    return rows


def test_each_aggregation_evaluates_the_same_from_its_days_as_from_its_rows(
    db: Database, make_kpi: Callable[..., KpiDefinition]
) -> None:
    table = table_of(db, sample_rows())
    source = db.source()
    for how in PUSHED:
        for grain in (Grain.WEEK, Grain.MONTH):
            kpi = kpi_for(make_kpi, table, how, grain)
            rows, days = both_ways(source, kpi, NOW)
            assert days is not None, (how, grain)
            if how not in PERCENTILES:  # one or two a day (a ratio: by sign), of eight
                assert len(days) < len(rows) / 2
            assert row_count(days) == len(rows)
            assert evaluate_kpi(kpi, days, now=NOW, zone=ZONE) == evaluate_kpi(
                kpi, rows, now=NOW, zone=ZONE
            ), (how, grain)
    source.close()


def test_a_zoned_postgresql_column_is_cut_into_days_of_the_catalog_zone(
    postgres: Database, make_kpi: Callable[..., KpiDefinition]
) -> None:
    # 22:30 UTC is 23:30 in Amsterdam, 23:30 UTC already the next day there: a day cut in UTC
    # would count both on one day.
    rows = [
        (f"2026-03-0{day} {hour}:30:00+00", 1.0, 1.0, 1.0)
        for day in range(1, 8)
        for hour in (22, 23)
    ]
    table = table_of(postgres, rows, "timestamptz")
    source = postgres.source()
    kpi = kpi_for(make_kpi, table, Aggregation.COUNT, Grain.DAY)
    by_rows, days = both_ways(source, kpi, NOW)
    assert days is not None
    assert [m.rows for m in days] == [1, 2, 2, 2, 2, 2, 2, 1]
    assert evaluate_kpi(kpi, days, now=NOW, zone=ZONE) == evaluate_kpi(
        kpi, by_rows, now=NOW, zone=ZONE
    )
    source.close()


# Instants from about a year before to two months after the moments evaluated, to the second.
_SECONDS = st.integers(min_value=-400 * 86400, max_value=60 * 86400)
# Values with few binary places, so that every sum is exact: see sql_pushdown.py.
_QUARTERS = st.integers(min_value=-400, max_value=400).map(lambda n: n / 4)
_ROWS = st.lists(
    st.tuples(_SECONDS, _QUARTERS, _QUARTERS, st.integers(min_value=-3, max_value=6)),
    min_size=1,
    max_size=40,
    unique_by=lambda row: row[0],  # one row per moment: "last" has no ties to break
)
# A moment in spring, and one in the hour that the autumn's switch to winter time repeats.
_MOMENTS = st.sampled_from([NOW, datetime(2026, 10, 25, 2, 30, tzinfo=ZONE)])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    found=_ROWS,
    how=st.sampled_from(PUSHED),
    grain=st.sampled_from([Grain.DAY, Grain.WEEK, Grain.MONTH, Grain.QUARTER, Grain.YEAR]),
    now=_MOMENTS,
    zoned=st.booleans(),
)
def test_any_rows_evaluate_the_same_from_their_days_as_from_themselves(
    db_compared: Database,
    make_kpi: Callable[..., KpiDefinition],
    found: list[tuple[int, float, float, int]],
    how: Aggregation,
    grain: Grain,
    now: datetime,
    zoned: bool,
) -> None:
    db = db_compared
    kpi = kpi_for(make_kpi, "rows", how, grain)
    window = data_window(kpi, now=now, zone=ZONE)
    rows: list[Row] = []
    for seconds, value, num, den in found:
        at = (now + timedelta(seconds=seconds)).astimezone(ZONE)
        # Times with their offset where the database keeps it (SQLite as text), else naive.
        ts = at.isoformat(" ") if zoned else at.replace(tzinfo=None).isoformat(" ")
        rows.append((ts, value, 0 if den == 0 else num, den))
    # Rows in the window with something to count; without any, both ways say "no rows".
    counted = [row for row in found if how is not Aggregation.RATIO or row[3] != 0]
    assume(any(window.start <= now + timedelta(seconds=row[0]) < window.end for row in counted))
    zoned_type = "timestamptz" if db.dialect == "postgresql" else "TEXT"
    table = table_of(db, rows, zoned_type if zoned else None)
    kpi = kpi_for(make_kpi, table, how, grain)
    source = db.source()
    by_rows, days = both_ways(source, kpi, now)
    source.close()
    assert days is not None
    assert evaluate_kpi(kpi, days, now=now, zone=ZONE) == evaluate_kpi(
        kpi, by_rows, now=now, zone=ZONE
    )


def test_the_time_weighted_mean_reads_its_rows(
    db: Database, make_kpi: Callable[..., KpiDefinition], caplog: pytest.LogCaptureFixture
) -> None:
    table = table_of(db, sample_rows()[:20])
    source = db.source()
    caplog.set_level(logging.DEBUG)
    kpi = kpi_for(make_kpi, table, Aggregation.TIME_WEIGHTED_MEAN, Grain.MONTH)
    assert both_ways(source, kpi, NOW)[1] is None
    assert "reads its rows: time_weighted_mean is not made of parts that add up" in caplog.text
    source.close()


@pytest.mark.parametrize("how", [Aggregation.MEDIAN, Aggregation.P90])
def test_a_percentile_gets_each_value_of_a_day_once_with_its_count(
    db: Database, make_kpi: Callable[..., KpiDefinition], how: Aggregation
) -> None:
    # Days to close a ticket, in whole days: 24 tickets a day, four distinct values a day.
    start = datetime(2026, 1, 1)
    rows = [
        ((start + timedelta(hours=i)).isoformat(" "), float(i % 24 % 4 + i // 24 % 3), 0, 0)
        for i in range(24 * 80)
    ]
    table = table_of(db, rows)
    source = db.source()
    kpi = kpi_for(make_kpi, table, how, Grain.WEEK)
    by_rows, days = both_ways(source, kpi, NOW)
    source.close()
    assert days is not None
    # A row per value of a day (four), not 24; today's apart before and after now.
    values_of_days = {(m.ts.astimezone(ZONE).date(), m.ts <= NOW, m.value) for m in by_rows}
    assert len(days) == len(values_of_days) < len(by_rows) / 5
    assert row_count(days) == len(by_rows)
    assert evaluate_kpi(kpi, days, now=NOW, zone=ZONE) == evaluate_kpi(
        kpi, by_rows, now=NOW, zone=ZONE
    )


def test_a_text_time_column_in_postgresql_reads_its_rows(
    postgres: Database, make_kpi: Callable[..., KpiDefinition], caplog: pytest.LogCaptureFixture
) -> None:
    table = table_of(postgres, sample_rows()[:20], "text")
    source = postgres.source()
    caplog.set_level(logging.DEBUG)
    kpi = make_kpi(source="db", query=f"SELECT ts, value FROM {table}")
    assert grouped_series(source, kpi, None, now=NOW, zone=ZONE) is None
    assert "column 'ts' is not a date or time type" in caplog.text
    source.close()


def test_mariadb_timestamps_are_cut_in_the_database_only_in_the_catalog_zone(
    mariadb: Database, make_kpi: Callable[..., KpiDefinition], caplog: pytest.LogCaptureFixture
) -> None:
    table = table_of(mariadb, sample_rows(), "TIMESTAMP(6) NULL")
    source = mariadb.source()
    caplog.set_level(logging.DEBUG)
    kpi = kpi_for(make_kpi, table, Aggregation.SUM, Grain.MONTH)
    by_rows, days = both_ways(source, kpi, NOW)
    if days is None:  # a server without time zone tables, as Debian's is when installed
        assert "cannot read TIMESTAMP in the catalog's zone" in caplog.text
    else:
        assert evaluate_kpi(kpi, days, now=NOW, zone=ZONE) == evaluate_kpi(
            kpi, by_rows, now=NOW, zone=ZONE
        )
    source.close()


def test_a_cell_sqlite_cannot_read_is_named_by_reading_the_rows(
    make_kpi: Callable[..., KpiDefinition], zone: ZoneInfo, tmp_path_factory: pytest.TempPathFactory
) -> None:
    db = open_database("sqlite", tmp_path_factory.mktemp("bad"))
    table = db.table("ts TEXT, value TEXT", [("2026-03-01", "12"), ("2026-03-02", "twelve")])
    kpi = make_kpi(source="db", query=f"SELECT ts, value FROM {table}")
    config = SqlSourceConfig(type="sql", url=db.url)
    with (
        Fetcher({"db": config}, now=NOW) as fetcher,
        pytest.raises(SourceError, match=r"row 2, column 'value': 'twelve' is not a number"),
    ):
        measure(kpi, fetcher, zone=zone)
    db.drop()


def test_measuring_asks_the_database_for_days_not_rows(
    db: Database, make_kpi: Callable[..., KpiDefinition], zone: ZoneInfo
) -> None:
    table = table_of(db, sample_rows())
    kpi = kpi_for(make_kpi, table, Aggregation.SUM, Grain.MONTH)
    window = data_window(kpi, now=NOW, zone=zone)
    windows = {(kpi.source, kpi.query): window}
    with Fetcher({"db": SqlSourceConfig(type="sql", url=db.url)}, windows=windows, now=NOW) as f:
        series = measure(kpi, f, zone=zone)
        assert f.fetch_count == 1
    assert len(series) < row_count(series) / 2
    assert series[0].ts >= window.start
