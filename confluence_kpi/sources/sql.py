"""SQL databases as a source, through SQLAlchemy: one engine per source per run, read-only."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import URL, Connection, create_engine, event, make_url, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from confluence_kpi.catalog import SqlSourceConfig
from confluence_kpi.sources.table import SourceError, Table

CONNECT_TIMEOUT_SECONDS = 10

# The connect argument that bounds the wait for an unreachable server, by DBAPI driver;
# drivers not listed keep their own default.
_TIMEOUT_ARGUMENT = {
    "psycopg": "connect_timeout",
    "psycopg2": "connect_timeout",
    "pg8000": "timeout",
    "pymysql": "connect_timeout",
    "mysqldb": "connect_timeout",
}


def _first_line(query: str) -> str:
    """The query's first non-blank line, to name it in messages without quoting all of it."""
    line = next((line.strip() for line in query.splitlines() if line.strip()), "")
    return line if len(line) <= 80 else line[:77] + "..."


def _url(name: str, config: SqlSourceConfig) -> URL:
    raw = config.url if config.url is not None else os.environ.get(config.url_env or "", "")
    if not raw:  # the catalog requires one of the two, so this is an unset variable
        raise SourceError(f"{name}: environment variable {config.url_env} is not set")
    try:
        return make_url(raw)
    except ArgumentError:
        # Not even parsed, so the password cannot be masked: the URL is not shown at all.
        raise SourceError(f"{name}: the database URL is not a valid SQLAlchemy URL") from None


def _missing_sqlite_file(url: URL) -> bool:
    """Whether `url` names an SQLite database file that does not exist."""
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return False
    return not database.startswith("file:") and not Path(database).is_file()


def _set_query_only(dbapi_connection: DBAPIConnection, _record: object) -> None:
    # SQLite knows no read-only transaction, but this pragma refuses every write.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only = ON")
    cursor.close()


class SqlSource:
    """Runs each query in its own transaction that is never committed."""

    def __init__(self, name: str, config: SqlSourceConfig) -> None:
        self._name = name
        self._url = _url(name, config)
        self._shown = shown = self._url.render_as_string(hide_password=True)
        self._unreachable: SourceError | None = None
        if _missing_sqlite_file(self._url):
            # SQLite would create the missing file and then report "no such table".
            raise SourceError(f"{name} ({shown}): database file {self._url.database} not found")
        try:
            timeout = _TIMEOUT_ARGUMENT.get(self._url.get_driver_name())
            connect_args = {timeout: CONNECT_TIMEOUT_SECONDS} if timeout else {}
            engine = create_engine(self._url, connect_args=connect_args)
        except (SQLAlchemyError, ImportError) as exc:  # unknown dialect, driver not installed
            raise SourceError(f"{name} ({shown}): {self._scrub(exc)}") from None
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _set_query_only)
        self._engine = engine
        # PostgreSQL drivers open READ ONLY transactions with this; other dialects ignore it.
        self._reader = engine.execution_options(postgresql_readonly=True)

    def fetch(self, query: str | None) -> Table:
        """Run `query` and return all its rows; a failed query names its first line."""
        if not query:
            raise SourceError(f"{self._name}: a sql source needs a query, and none is given")
        origin = f"{self._name} ({_first_line(query)})"
        with self._connect() as connection:
            try:
                result = connection.execute(text(query))
                columns = tuple(result.keys())
                rows = tuple(tuple(row) for row in result)
            except SQLAlchemyError as exc:
                raise SourceError(f"{origin}: the query failed: {self._scrub(exc)}") from None
        return Table(columns, rows, origin)

    def _connect(self) -> Connection:
        # A database that could not be reached is not tried again for the next query of
        # the run: each try could wait out the whole connect timeout.
        if self._unreachable is not None:
            raise self._unreachable
        try:
            return self._reader.connect()
        except SQLAlchemyError as exc:
            self._unreachable = SourceError(
                f"{self._name} ({self._shown}): cannot connect: {self._scrub(exc)}"
            )
            raise self._unreachable from None

    def _scrub(self, exc: BaseException) -> str:
        """The database's own message: first line only, and never the password."""
        cause = exc.orig if isinstance(exc, DBAPIError) else exc
        message = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        password = self._url.password
        return message.replace(password, "***") if password else message

    def close(self) -> None:
        """Close the engine's pooled connections."""
        self._engine.dispose()
