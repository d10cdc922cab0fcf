"""SQL sources on SQLite files made in tmp_path: rows, errors, secrets and read-only access."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import create_engine, text

from confluence_kpi.catalog import SqlSourceConfig
from confluence_kpi.sources import Fetcher, SourceError, open_source
from confluence_kpi.sources import sql as sql_module

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


def test_queries_cannot_write(database: Path) -> None:
    source = open_source("support_db", SqlSourceConfig(type="sql", url=f"sqlite:///{database}"))
    with pytest.raises(SourceError, match=r"\(DELETE FROM tickets\): the query failed: .*readonly"):
        source.fetch("DELETE FROM tickets")
    assert source.fetch("SELECT count(*) FROM tickets").rows == ((2,),)


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
