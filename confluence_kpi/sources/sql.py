"""SQL databases as a source, through SQLAlchemy: one engine per source per run, read-only.

Each query is checked before it is sent (sql_guard.py), runs in a read-only transaction that
is always rolled back and stops at the source's `timeout` (sql_session.py), and gets the
window the sync needs as the parameters `:start` and `:end` when it names them. Where a KPI's
aggregation allows, the database aggregates its rows by day (sql_pushdown.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import URL, Connection, TextClause, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from confluence_kpi.catalog import SqlSourceConfig
from confluence_kpi.model import Window
from confluence_kpi.settings import MOST_SOURCE_WORKERS
from confluence_kpi.sources.sql_guard import RefusedStatementError, reading_statement
from confluence_kpi.sources.sql_session import Session, allow_only_reading, read_only
from confluence_kpi.sources.table import SourceError, Table

CONNECT_TIMEOUT_SECONDS = 10
TIME_TEXT = "%Y-%m-%d %H:%M:%S"  # a time as text that every database reads, as SQLite writes it

# The connect argument that bounds the wait for an unreachable server, by DBAPI driver;
# drivers not listed keep their own default.
_TIMEOUT_ARGUMENT = {
    "psycopg": "connect_timeout",
    "psycopg2": "connect_timeout",
    "pg8000": "timeout",
    "pymysql": "connect_timeout",
    "mysqldb": "connect_timeout",
}


class QueryTimeoutError(SourceError):
    """The database stopped a query at the source's timeout."""


class UnreachableError(SourceError):
    """The database could not be reached."""


@dataclass(frozen=True)
class Rows:
    """What one query returned: its columns, the driver's type code of each, and its rows."""

    columns: tuple[str, ...]
    types: tuple[object, ...]
    rows: tuple[tuple[object, ...], ...]
    zoned: bool  # the session read naive times in the catalog's zone (sql_session.Session)


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


def _read_only_sqlite(url: URL) -> URL:
    """An SQLite file URL opened read-only (mode=ro): SQLite itself then refuses to write it."""
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return url
    if database.startswith("file:"):  # already a URI: the catalog chose its own mode
        return url
    return url.set(database=f"file:{quote(database)}").update_query_dict(
        {"mode": "ro", "uri": "true"}
    )


def _pool(url: URL) -> dict[str, int]:
    """Pool options: every KPI reading the source may query it at once (KPI_SOURCE_WORKERS),
    so no query waits for a connection, which the pool would report after 30 s as a database
    that cannot be reached. An in-memory SQLite database has a single connection, no pool."""
    in_memory = url.get_backend_name() == "sqlite" and (url.database or "") in ("", ":memory:")
    return {} if in_memory else {"max_overflow": MOST_SOURCE_WORKERS}


def bounds(window: Window | None) -> dict[str, object]:
    """The parameters `:start` and `:end`: the window's bounds on the catalog's clock, as text
    such as "2026-01-01 00:00:00" (TIME_TEXT).

    Naive, as the catalog reads times without an offset on its own clock. Text, because then
    the database reads a bound as a time of the type of the column it is compared with: as it
    is for naive columns (`timestamp`, `DATETIME`, SQLite's text), and in the session's zone,
    set to the catalog's (sql_session.py), for PostgreSQL's `timestamptz`. A typed value would
    have PostgreSQL convert every row of a column of the other type (ten seconds for ten
    million rows) and keep it from using an index on it."""
    if window is None:
        return {}
    return {"start": window.start.strftime(TIME_TEXT), "end": window.end.strftime(TIME_TEXT)}


class SqlSource:
    """Runs each checked query in its own read-only transaction that is never committed."""

    def __init__(self, name: str, config: SqlSourceConfig) -> None:
        self.name = name
        self.timeout = config.timeout
        self._url = _url(name, config)
        self._shown = shown = self._url.render_as_string(hide_password=True)
        self._unreachable: UnreachableError | None = None
        if _missing_sqlite_file(self._url):
            # SQLite would create the missing file and then report "no such table".
            raise SourceError(f"{name} ({shown}): database file {self._url.database} not found")
        try:
            timeout = _TIMEOUT_ARGUMENT.get(self._url.get_driver_name())
            connect_args = {timeout: CONNECT_TIMEOUT_SECONDS} if timeout else {}
            engine = create_engine(
                _read_only_sqlite(self._url), connect_args=connect_args, **_pool(self._url)
            )
        except (SQLAlchemyError, ImportError) as exc:  # unknown dialect, driver not installed
            raise SourceError(f"{name} ({shown}): {self._scrub(exc)}") from None
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", allow_only_reading)
        self._engine = engine
        self.dialect = engine.dialect.name
        # PostgreSQL drivers open READ ONLY transactions with this; other dialects ignore it.
        self._reader = engine.execution_options(postgresql_readonly=True)

    def fetch(self, query: str | None, window: Window | None = None) -> Table:
        """Run `query` with the `window`'s bounds and return all its rows; a failed query
        names its first line."""
        statement, origin = self.statement(query)
        found = self.run(statement, origin, bounds(window), window)
        return Table(found.columns, found.rows, origin)

    def statement(self, query: str | None) -> tuple[str, str]:
        """The checked statement of `query`, and how messages name it: SourceError when it is
        missing or not a single reading SELECT."""
        if not query:
            raise SourceError(f"{self.name}: a sql source needs a query, and none is given")
        origin = f"{self.name} ({_first_line(query)})"
        try:
            return reading_statement(query, self.dialect), origin
        except RefusedStatementError as refused:
            raise SourceError(f"{origin}: the query was not run: {refused}") from None

    def quote(self, column: str) -> str:
        """`column` as this database writes a quoted name."""
        return self._engine.dialect.identifier_preparer.quote_identifier(column)

    def run(
        self,
        sql: str,
        origin: str,
        params: Mapping[str, object],
        window: Window | None,
        prepare: Callable[[Connection], None] | None = None,
    ) -> Rows:
        """Run checked `sql` with `params` in a read-only transaction, after `prepare` (which
        adds functions to SQLite); a `window` sets the session's zone to its own.
        QueryTimeoutError when it runs out of time, SourceError when it fails."""
        zone = None if window is None else window.start.tzinfo
        with self._connect() as connection:
            try:
                with read_only(
                    connection,
                    timeout=self.timeout,
                    zone=zone if isinstance(zone, ZoneInfo) else None,
                ) as session:
                    if prepare is not None:
                        prepare(connection)
                    return self._rows(connection, text(sql), params, origin, session)
            except SQLAlchemyError as exc:  # telling the session its settings failed
                raise SourceError(f"{origin}: the query failed: {self._scrub(exc)}") from None

    def _rows(
        self,
        connection: Connection,
        statement: TextClause,
        params: Mapping[str, object],
        origin: str,
        session: Session,
    ) -> Rows:
        # Rows are fetched inside the try: a database may fail, or stop at the timeout, while
        # it hands them over (SQLite steps through its query as the rows are read).
        try:
            result = connection.execute(statement, dict(params))
            description = result.cursor.description if result.cursor else ()
            types = tuple(column[1] for column in description or ())
            rows = tuple(tuple(row) for row in result)
        except DBAPIError as exc:
            raise self._failed(origin, exc, session) from None
        return Rows(tuple(result.keys()), types, rows, session.zoned)

    def _failed(self, origin: str, error: DBAPIError, session: Session) -> SourceError:
        if session.timed_out(error):
            return QueryTimeoutError(
                f"{origin}: the query ran longer than the source's timeout of "
                f"{self.timeout:g} s and was stopped"
            )
        return SourceError(f"{origin}: the query failed: {self._scrub(error)}")

    def _connect(self) -> Connection:
        # A database that could not be reached is not tried again for the next query of
        # the run: each try could wait out the whole connect timeout.
        if self._unreachable is not None:
            raise self._unreachable
        try:
            return self._reader.connect()
        except SQLAlchemyError as exc:
            self._unreachable = UnreachableError(
                f"{self.name} ({self._shown}): cannot connect: {self._scrub(exc)}"
            )
            raise self._unreachable from None

    def _scrub(self, exc: BaseException) -> str:
        """The database's own message: first line only, and never the password."""
        cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        match cause.args:
            case (int(), str(said)):  # MySQL drivers: (error number, message)
                text = said
            case _:
                text = str(cause)
        message = (text.strip().splitlines() or [type(cause).__name__])[0]
        password = self._url.password
        return message.replace(password, "***") if password else message

    def close(self) -> None:
        """Close the engine's pooled connections."""
        self._engine.dispose()
