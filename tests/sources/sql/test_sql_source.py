"""SQL sources: rows, errors, secrets, the window, read-only access and the timeout, on SQLite
files and, where .ci/run names them, real PostgreSQL and MariaDB servers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy
from pydantic import ValidationError
from sqlalchemy import Connection, create_engine, make_url, text

from confluence_kpi.catalog import SqlSourceConfig, load_catalog
from confluence_kpi.model import KpiDefinition, Window
from confluence_kpi.pipeline import measure_catalog
from confluence_kpi.sources import Fetcher, SourceError, measure, open_source
from confluence_kpi.sources import sql as sql_module
from confluence_kpi.sources.sql import QueryTimeoutError, SqlSource, _first_line
from tests.sources.sql.conftest import Database

ZONE = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=ZONE)
# A query that counts for ever. MariaDB stops a recursive CTE after max_recursive_iterations
# (1000 by default), so there it sums a cross join of a million by a million numbers.
COUNTING = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
FOREVER = {
    "sqlite": COUNTING,
    "postgresql": COUNTING,
    "mariadb": "SELECT sum(a.seq * b.seq) FROM seq_1_to_1000000 AS a, seq_1_to_1000000 AS b",
}

PASSWORD = "s3cret-Pa55"


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A SQLite file with a small tickets table."""
    path = tmp_path / "support.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE tickets (created_at TEXT, hours REAL)"))
        connection.execute(
            text("INSERT INTO tickets VALUES ('2026-03-01 09:00:00', 1.5), ('2026-03-02', 4)")
        )
    engine.dispose()
    return path


def test_query_returns_its_columns_and_rows(database: Path) -> None:
    source = open_source("support_db", SqlSourceConfig(type="sql", url=f"sqlite:///{database}"))
    table = source.fetch("SELECT created_at AS ts, hours AS value\nFROM tickets ORDER BY ts")
    source.close()
    assert table.columns == ("ts", "value")
    assert table.rows == (("2026-03-01 09:00:00", 1.5), ("2026-03-02", 4.0))
    assert table.origin == "support_db (SELECT created_at AS ts, hours AS value)"


def test_url_can_come_from_the_environment(database: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORT_DB_URL", f"sqlite:///{database}")
    source = open_source("support_db", SqlSourceConfig(type="sql", url_env="SUPPORT_DB_URL"))
    assert source.fetch("SELECT count(*) AS n FROM tickets").rows == ((2,),)
    monkeypatch.delenv("SUPPORT_DB_URL")
    with pytest.raises(SourceError, match="environment variable SUPPORT_DB_URL is not set"):
        open_source("support_db", SqlSourceConfig(type="sql", url_env="SUPPORT_DB_URL"))


def test_query_error_names_source_first_line_and_database_message(database: Path) -> None:
    source = open_source("support_db", SqlSourceConfig(type="sql", url=f"sqlite:///{database}"))
    with pytest.raises(SourceError) as error:
        source.fetch("\n  SELECT created_at AS ts, nope AS value\n  FROM tickets")
    assert str(error.value) == (
        "support_db (SELECT created_at AS ts, nope AS value): "
        "the query failed: no such column: nope"
    )


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://kpi:{PASSWORD}@127.0.0.1:1/kpi",  # its driver is not installed here
        f"sqlite://kpi:{PASSWORD}@/support.sqlite",  # SQLite refuses passwords
        f"postgresql//kpi:{PASSWORD}@127.0.0.1/kpi",  # not a URL at all
    ],
)
def test_sql_error_does_not_show_the_password(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "support.sqlite").touch()
    monkeypatch.setenv("SUPPORT_DB_URL", url)
    fetcher = Fetcher({"support_db": SqlSourceConfig(type="sql", url_env="SUPPORT_DB_URL")})
    with pytest.raises(SourceError) as error:
        fetcher.table("support_db", "SELECT 1")
    assert PASSWORD not in str(error.value)
    assert str(error.value).startswith("support_db")


def test_missing_database_file_is_named_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.sqlite"
    with pytest.raises(SourceError, match=r"database file .*nowhere\.sqlite not found"):
        open_source("support_db", SqlSourceConfig(type="sql", url=f"sqlite:///{missing}"))
    assert not missing.exists()


@pytest.mark.parametrize(
    "query",
    ["DELETE FROM {t}", "SELECT 1; DELETE FROM {t}", "WITH x AS (SELECT 1) DELETE FROM {t}"],
)
def test_a_query_other_than_one_select_is_refused_before_it_runs(db: Database, query: str) -> None:
    table = db.table(f"hours {db.types.number}", [(1.5,), (4,)])
    source = db.source()
    with pytest.raises(SourceError, match=r"kpi_db \(.*\): the query was not run: it "):
        source.fetch(query.format(t=table))
    assert source.fetch(f"SELECT count(*) FROM {table}").rows == ((2,),)
    source.close()


def test_the_transaction_refuses_a_write_that_got_past_the_check(db: Database) -> None:
    table = db.table(f"hours {db.types.number}", [(1.5,)])
    source = db.source()
    # `run` takes checked statements: called directly, it shows the lock beneath the check.
    with pytest.raises(SourceError, match=r"(?i)the query failed: .*(read.only|not authorized)"):
        source.run(f"INSERT INTO {table} VALUES (2)", "kpi_db (insert)", {}, None)
    assert source.fetch(f"SELECT count(*) FROM {table}").rows == ((1,),)
    source.close()


def test_attach_creates_no_file(
    database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    source = open_source("support_db", SqlSourceConfig(type="sql", url=f"sqlite:///{database}"))
    with pytest.raises(SourceError, match="the query was not run: it starts with ATTACH"):
        source.fetch("ATTACH DATABASE 'x.sqlite' AS x")
    assert isinstance(source, SqlSource)
    # Beneath the check, SQLite's authorizer refuses it as it is prepared.
    with pytest.raises(SourceError, match="not authorized"):
        source.run("ATTACH DATABASE 'x.sqlite' AS x", "support_db (attach)", {}, None)
    source.close()
    assert not (tmp_path / "x.sqlite").exists()


def test_the_timeout_is_a_minute_unless_the_catalog_sets_a_positive_one() -> None:
    assert SqlSourceConfig(type="sql", url="sqlite:///kpi.sqlite").timeout == 60
    assert SqlSourceConfig(type="sql", url="sqlite:///kpi.sqlite", timeout=2.5).timeout == 2.5
    with pytest.raises(ValidationError, match="greater than 0"):
        SqlSourceConfig(type="sql", url="sqlite:///kpi.sqlite", timeout=0)


def test_a_query_that_never_ends_stops_at_the_timeout(db: Database) -> None:
    source = db.source(timeout=1, name="slow_db")
    forever = FOREVER[db.dialect]
    started = monotonic()
    with pytest.raises(QueryTimeoutError) as error:
        source.fetch(forever)
    assert monotonic() - started < 15
    assert str(error.value) == (
        f"slow_db ({_first_line(forever)}): the query ran longer than the source's timeout "
        "of 1 s and was stopped"
    )
    # The connection is usable again, for the next query.
    assert source.fetch("SELECT 1 AS one").rows == ((1,),)
    source.close()


def test_a_query_naming_start_and_end_gets_the_window_on_the_catalog_clock(
    db: Database,
) -> None:
    table = db.table(
        f"created_at {db.types.naive_time}, hours {db.types.number}",
        [
            ("2026-02-28 23:59:59", 1),  # before the window
            ("2026-03-01 00:00:00", 2),  # its first moment, on the catalog's clock
            ("2026-03-31 23:59:59", 3),
            ("2026-04-01 00:00:00", 4),  # its end: not in it
        ],
    )
    source = db.source()
    window = Window(datetime(2026, 3, 1, tzinfo=ZONE), datetime(2026, 4, 1, tzinfo=ZONE))
    query = f"SELECT hours FROM {table} WHERE created_at >= :start AND created_at < :end"
    assert sorted(source.fetch(query, window).rows) == [(2.0,), (3.0,)]
    # A query that names neither gets all its rows.
    assert len(source.fetch(f"SELECT hours FROM {table}", window).rows) == 4
    source.close()


def test_a_zoned_postgresql_column_compares_with_the_window_in_the_catalog_zone(
    postgres: Database,
) -> None:
    table = postgres.table(
        "created_at timestamptz, hours double precision",
        [("2026-02-28 23:30:00+00", 1), ("2026-02-28 22:30:00+00", 2)],
    )
    source = postgres.source()
    window = Window(datetime(2026, 3, 1, tzinfo=ZONE), datetime(2026, 4, 1, tzinfo=ZONE))
    query = f"SELECT hours FROM {table} WHERE created_at >= :start AND created_at < :end"
    # 23:30 UTC is 00:30 on 1 March in Amsterdam; 22:30 UTC is still February there.
    assert source.fetch(query, window).rows == ((1.0,),)
    source.close()


def test_a_planted_password_is_in_no_error_and_no_log(
    server: Database,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    zone: ZoneInfo,
    make_kpi: Callable[..., KpiDefinition],
) -> None:
    db = server
    secret = "Planted-s3cret-" + PASSWORD
    url = db.url_with_password(secret)
    caplog.set_level(logging.DEBUG)
    config = SqlSourceConfig(type="sql", url=url, timeout=1)
    wrong_port = make_url(url).set(port=1).render_as_string(hide_password=False)
    sources = {"db": config, "down": SqlSourceConfig(type="sql", url=wrong_port)}
    kpis = [
        make_kpi(id="broken", source="db", query="SELECT nope AS ts, 1 AS value"),
        make_kpi(id="slow", source="db", query=f"SELECT * FROM ({FOREVER[db.dialect]}) AS f"),
        make_kpi(id="down", source="down", query="SELECT 1 AS ts, 1 AS value"),
    ]
    errors = []
    with Fetcher(sources, now=NOW) as fetcher:
        for kpi in kpis:
            with pytest.raises(SourceError) as error:
                measure(kpi, fetcher, zone=zone)
            errors.append(str(error.value))
    shown = "\n".join([*errors, caplog.text, *capsys.readouterr()])
    assert "timeout of 1 s" in shown
    assert "cannot connect" in shown
    assert secret not in shown


def test_one_engine_per_source_per_run_disposed_at_the_end(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engines: list[sqlalchemy.Engine] = []

    def recording_create_engine(url: sqlalchemy.URL, **options: Any) -> sqlalchemy.Engine:
        engines.append(create_engine(url, **options))
        return engines[-1]

    monkeypatch.setattr(sql_module, "create_engine", recording_create_engine)
    disposed: list[sqlalchemy.Engine] = []
    with Fetcher(
        {"support_db": SqlSourceConfig(type="sql", url=f"sqlite:///{database}")}
    ) as fetcher:
        fetcher.table("support_db", "SELECT hours FROM tickets")
        fetcher.table("support_db", "SELECT created_at FROM tickets")
        assert len(engines) == 1
        sqlalchemy.event.listen(engines[0], "engine_disposed", disposed.append)
        assert disposed == []
    assert disposed == engines


def test_the_queries_of_several_kpis_run_side_by_side(server: Database, tmp_path: Path) -> None:
    # Two KPIs whose queries each run into the database's one-second timeout: one after the
    # other they take two seconds, side by side one.
    counting = FOREVER[server.dialect]
    lines = [
        "space: KPI",
        "root_page: KPI handbook",
        f"sources: {{db: {{type: sql, url: '{server.url}', timeout: 1}}}}",
        "teams: {ops: {name: Ops}}",
        "kpis:",
        *(
            f"  - {{id: {kpi}, name: {kpi}, team: ops, direction: increase, source: db, "
            f'query: "SELECT * FROM ({counting}) AS {kpi}", column: value}}'
            for kpi in ("first", "second")
        ),
    ]
    path = tmp_path / "catalog.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    catalog = load_catalog(path)

    started = monotonic()
    one_by_one = measure_catalog(catalog, now=NOW, workers=1)
    sequential = monotonic() - started
    started = monotonic()
    side_by_side = measure_catalog(catalog, now=NOW, workers=2)
    concurrent = monotonic() - started

    assert set(side_by_side.errors) == set(one_by_one.errors) == {"first", "second"}
    assert all("timeout of 1 s" in error for error in side_by_side.errors.values())
    assert sequential >= 2
    assert concurrent < 1.7


def test_as_many_kpis_as_the_bot_reads_at_once_each_get_a_connection(database: Path) -> None:
    # Each query holds its connection until all twenty hold one: a pool smaller than the
    # number of KPIs read side by side would keep some waiting until the barrier gives up.
    source = SqlSource("support_db", SqlSourceConfig(type="sql", url=f"sqlite:///{database}"))
    together = threading.Barrier(20, timeout=10)

    def hold(_: Connection) -> None:
        together.wait()

    def query(_: int) -> object:
        return source.run("SELECT hours FROM tickets", "support_db", {}, None, prepare=hold)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(query, range(20)))
    source.close()

    assert len(answers) == 20
    assert not together.broken
