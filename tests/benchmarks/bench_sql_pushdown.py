"""Benchmark, run by hand: a KPI over millions of rows in PostgreSQL, measured with the
aggregation in the database (one row per day) and without it (every row read).

Run: KPI_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
     .venv/bin/python tests/benchmarks/bench_sql_pushdown.py [--rows 10000000] [--raw-rows N] \\
     [--aggregation sum|median|p90|...]

The rows (two years of one value every few seconds, 97 distinct values, a monthly KPI, a sum
unless `--aggregation` says otherwise) are made with
generate_series in a table of the benchmark's own, dropped at the end. Each way is measured in a
child process of its own, so that its peak memory (the growth of its resident set while it
measures) is its alone: rows fetched, statements sent, the median seconds of `--repeats` runs
(one run without pushdown) and the peak. The pushdown lines end in OK or OVER against their
limits (one grouped query, at most two rows a day, or for a percentile two per distinct value
a day, under 64 MiB), and the script exits 1 on
OVER. `--raw-rows` reads fewer rows without pushdown where all of them would take too long.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import sys
import time
import uuid
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, event, text

from confluence_kpi.catalog import SqlSourceConfig
from confluence_kpi.evaluate import data_window
from confluence_kpi.model import Aggregation, Direction, Grain, KpiDefinition, row_count
from confluence_kpi.sources import Fetcher, measure

ZONE = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=ZONE)
SPAN_DAYS = 730
LIMIT_MIB = 64.0
LIMIT_ROWS_A_DAY = 2  # a day's rows, and a day of data after now counted apart
VALUES = 97  # distinct values: a percentile gets a row per value a day
PERCENTILES = (Aggregation.MEDIAN, Aggregation.P75, Aggregation.P90, Aggregation.P95)


def kpi_of(table: str, how: Aggregation) -> KpiDefinition:
    """A monthly aggregate of the table's values, in the window the sync needs."""
    return KpiDefinition(
        id="events",
        name="Events",
        team="ops",
        direction=Direction.INCREASE,
        grain=Grain.MONTH,
        aggregation=how,
        source="db",
        query=f"SELECT ts, value FROM {table} WHERE ts >= :start AND ts < :end",
    )


def make_table(engine: Engine, rows: int) -> str:
    """An unlogged table of `rows` rows spread over the SPAN_DAYS before NOW."""
    table = f"kpi_bench_{uuid.uuid4().hex[:12]}"
    with engine.begin() as connection:
        connection.execute(text(f"CREATE UNLOGGED TABLE {table} (ts timestamptz, value bigint)"))
        connection.execute(
            text(
                f"INSERT INTO {table} SELECT CAST(:now AS timestamptz) - i * "
                f"(interval '{SPAN_DAYS} days' / :n), i % {VALUES} FROM generate_series(1, :n) AS i"
            ),
            {"now": NOW, "n": rows},
        )
        connection.execute(text(f"ANALYZE {table}"))
    return table


def measure_once(
    url: str, table: str, how: Aggregation, pushdown: bool, repeats: int, out: Connection
) -> None:
    """In a child process: measure the KPI `repeats` times; send what it took."""
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))  # the statement's text

    event.listen(Engine, "before_cursor_execute", count)
    kpi = kpi_of(table, how)
    windows = {("db", kpi.query): data_window(kpi, now=NOW, zone=ZONE)}
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seconds, fetched, rows = [], 0, 0
    for _ in range(repeats):
        statements.clear()
        started = time.perf_counter()
        with Fetcher(
            {"db": SqlSourceConfig(type="sql", url=url)},
            windows=windows,
            now=NOW if pushdown else None,  # without `now` a source reads rows
        ) as fetcher:
            series = measure(kpi, fetcher, zone=ZONE)
        seconds.append(time.perf_counter() - started)
        fetched, rows = len(series), row_count(series)
        del series
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    grouped = sum("GROUP BY" in statement for statement in statements)
    out.send((statistics.median(seconds), peak_kib / 1024, fetched, rows, len(statements), grouped))


def run_child(
    url: str, table: str, how: Aggregation, pushdown: bool, repeats: int
) -> tuple[Any, ...]:
    """What `measure_once` found, in a process of its own."""
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(
        target=measure_once, args=(url, table, how, pushdown, repeats, send)
    )
    child.start()
    found: tuple[Any, ...] = receive.recv()
    child.join()
    return found


def verdict(ok: bool) -> str:
    return "OK" if ok else "OVER"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("KPI_TEST_POSTGRES_URL", ""))
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--raw-rows", type=int, default=None, help="rows read without pushdown")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--aggregation", type=Aggregation, default=Aggregation.SUM, choices=list(Aggregation)
    )
    options = parser.parse_args()
    if not options.url:
        print("set KPI_TEST_POSTGRES_URL or pass --url: a PostgreSQL database to write a table in")
        return 2
    engine = create_engine(options.url)
    raw_rows = options.raw_rows or options.rows
    tables = {options.rows: make_table(engine, options.rows)}
    if raw_rows != options.rows:
        tables[raw_rows] = make_table(engine, raw_rows)
    over = False
    try:
        how = options.aggregation
        print(
            f"== bench_sql_pushdown: a monthly {how.value} KPI over {options.rows:,} rows "
            "in PostgreSQL"
        )
        seconds, mib, fetched, rows, sent, grouped = run_child(
            options.url, tables[options.rows], how, True, options.repeats
        )
        groups = (SPAN_DAYS + 1) * (VALUES if how in PERCENTILES else 1)
        most = LIMIT_ROWS_A_DAY * groups
        over = not (grouped == 1 and fetched <= most and mib < LIMIT_MIB)
        print(
            f"pushdown: {rows:,} rows as {fetched:,} grouped rows fetched "
            f"(limit: {most:,}) {verdict(fetched <= most)}"
        )
        print(
            f"pushdown: grouped queries {grouped} of {sent} statements "
            f"(limit: 1) {verdict(grouped == 1)}"
        )
        print(f"pushdown: median {seconds:.2f} s of {options.repeats}")
        limit = f"(limit: {LIMIT_MIB:.0f} MiB) {verdict(mib < LIMIT_MIB)}"
        print(f"pushdown: peak memory {mib:.1f} MiB {limit}")
        seconds, mib, fetched, rows, sent, grouped = run_child(
            options.url, tables[raw_rows], how, False, 1
        )
        print(f"raw: {rows:,} rows fetched, {sent} statements")
        print(f"raw: {seconds:.2f} s of 1")
        print(f"raw: peak memory {mib:.1f} MiB")
    finally:
        with engine.begin() as connection:
            for table in tables.values():
                connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()
    print("== over a limit" if over else "== all limits met")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
