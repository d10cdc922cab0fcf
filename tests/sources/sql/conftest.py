"""The databases SQL sources are tested against: SQLite files, and real PostgreSQL and MariaDB
servers where `.ci/run` names them (KPI_TEST_POSTGRES_URL, KPI_TEST_MARIADB_URL).

Without the variable, or when the server does not answer, a test on that database is skipped
with a reason that names the variable, so the suite still passes on a bare machine. Every test
makes tables of its own, under a unique name, and drops them when it ends: tests may run at
the same time (pytest-xdist) against the same server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from confluence_kpi.catalog import SqlSourceConfig
from confluence_kpi.sources.sql import SqlSource

SERVERS = {"postgresql": "KPI_TEST_POSTGRES_URL", "mariadb": "KPI_TEST_MARIADB_URL"}
DATABASES = ("sqlite", "postgresql", "mariadb")


@dataclass(frozen=True)
class Types:
    """Column types as each database writes them."""

    naive_time: str  # a date-time without a zone: on the catalog's clock
    number: str
    integer: str


TYPES = {
    "sqlite": Types("TEXT", "REAL", "INTEGER"),
    "postgresql": Types("timestamp", "double precision", "bigint"),
    "mariadb": Types("DATETIME(6)", "DOUBLE", "BIGINT"),
}


@dataclass
class Database:
    """One database for one test: its URL, and tables made for the test alone."""

    dialect: str
    url: str
    admin: Engine  # writes the test's tables; the source under test only reads
    tables: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)

    @property
    def types(self) -> Types:
        """Its column types."""
        return TYPES[self.dialect]

    def table(self, columns: str, rows: Sequence[Sequence[object]] = ()) -> str:
        """A new table with `columns` (SQL) holding `rows`; its unique name."""
        name = f"kpi_{uuid.uuid4().hex[:12]}"
        self.tables.append(name)
        with self.admin.begin() as connection:
            connection.execute(text(f"CREATE TABLE {name} ({columns})"))
            if rows:
                marks = ", ".join(f":c{i}" for i in range(len(rows[0])))
                connection.execute(
                    text(f"INSERT INTO {name} VALUES ({marks})"),
                    [{f"c{i}": cell for i, cell in enumerate(row)} for row in rows],
                )
        return name

    def source(self, timeout: float = 60, name: str = "kpi_db") -> SqlSource:
        """A SQL source on this database."""
        return SqlSource(name, SqlSourceConfig(type="sql", url=self.url, timeout=timeout))

    def url_with_password(self, password: str) -> str:
        """The URL with `password` for a user it lets in: PostgreSQL's trust authentication
        takes any; on MariaDB, a user of the test's own that may only read."""
        url = make_url(self.url).set(password=password)
        if self.dialect == "mariadb":
            user = f"kpi_{uuid.uuid4().hex[:12]}"
            self.users.append(user)
            with self.admin.begin() as connection:
                connection.execute(
                    text(f"CREATE USER '{user}'@'%' IDENTIFIED BY :p"), {"p": password}
                )
                connection.execute(text(f"GRANT SELECT ON {url.database}.* TO '{user}'@'%'"))
            url = url.set(username=user)
        return url.render_as_string(hide_password=False)

    def drop(self) -> None:
        """Drop the test's tables and users."""
        with self.admin.begin() as connection:
            for name in self.tables:
                connection.execute(text(f"DROP TABLE IF EXISTS {name}"))
            for user in self.users:
                connection.execute(text(f"DROP USER IF EXISTS '{user}'@'%'"))
        self.admin.dispose()


def server_url(dialect: str) -> str:
    """The URL of the test server of `dialect`; skips the test when there is none."""
    variable = SERVERS[dialect]
    url = os.environ.get(variable)
    if not url:
        pytest.skip(f"{variable} is not set: no {dialect} server to test against")
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as error:
        first = str(error.orig if hasattr(error, "orig") else error).splitlines()[0]
        pytest.skip(f"{variable} names a {dialect} server that does not answer: {first}")
    finally:
        engine.dispose()
    return url


def open_database(dialect: str, tmp_path: Path) -> Database:
    """A database of `dialect` for one test (skipped when its server is not there)."""
    if dialect == "sqlite":
        path = tmp_path / "kpi.sqlite"
        path.touch()  # an empty file is an empty database
        url = f"sqlite:///{path}"
    else:
        url = server_url(dialect)
    return Database(dialect, url, create_engine(url))


@pytest.fixture(params=DATABASES)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """Each database in turn."""
    database = open_database(request.param, tmp_path)
    yield database
    database.drop()


@pytest.fixture(params=tuple(SERVERS))
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """Each database server in turn: those with users and passwords."""
    database = open_database(request.param, tmp_path)
    yield database
    database.drop()


@pytest.fixture(params=("sqlite", "postgresql"))
def db_compared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """SQLite and PostgreSQL, the databases the property test compares on."""
    database = open_database(request.param, tmp_path)
    yield database
    database.drop()


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[Database]:
    """PostgreSQL alone."""
    database = open_database("postgresql", tmp_path)
    yield database
    database.drop()


@pytest.fixture
def mariadb(tmp_path: Path) -> Iterator[Database]:
    """MariaDB alone."""
    database = open_database("mariadb", tmp_path)
    yield database
    database.drop()
