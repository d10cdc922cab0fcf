"""What each database is told around one source query: read only, how long the query may run,
and the catalog's time zone; rolled back at the end, always; and whether an error was that
time running out.

The statement check (sql_guard.py) refuses writing SQL before it is sent; the read-only
transaction here is the lock that holds when something slips past it, and the database user's
grants are the last one (README, "SQL sources").
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from time import monotonic
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

_PG_QUERY_CANCELED = "57014"  # SQLSTATE of a statement stopped by statement_timeout
# MariaDB's max_statement_time exceeded (ER_STATEMENT_TIMEOUT), MySQL's max_execution_time.
_MYSQL_TIMEOUTS = frozenset({1969, 3024})
# SQLite asks the progress handler every this many virtual machine steps (well under 1 ms).
_SQLITE_STEPS = 10_000
# What SQLite may do in a source's query: read tables, call functions (ours for pushdown, the
# built-in ones), run a SELECT and a recursive CTE. ATTACH, PRAGMA, writes and everything else
# are refused as the statement is prepared, before it runs.
_SQLITE_READING = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
)


@dataclass
class Session:
    """One query's transaction: what the database was told, and whether its time ran out."""

    dialect: str
    timeout: float
    zoned: bool = False  # the database reads and writes naive times in the catalog's zone
    deadline: float = 0.0  # SQLite: when the progress handler stops the query (monotonic)
    expired: bool = False  # SQLite: the progress handler stopped the query

    def timed_out(self, error: DBAPIError) -> bool:
        """Whether `error` is the database stopping the query at the timeout."""
        cause = error.orig
        if self.dialect == "postgresql":
            code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
            return code == _PG_QUERY_CANCELED
        if self.dialect in ("mysql", "mariadb"):
            args: tuple[object, ...] = getattr(cause, "args", ())
            return bool(args) and args[0] in _MYSQL_TIMEOUTS
        return self.expired

    def _progress(self) -> int:
        """SQLite's progress handler: non-zero stops the query."""
        self.expired = monotonic() >= self.deadline
        return int(self.expired)


def allow_only_reading(dbapi_connection: DBAPIConnection, _record: object) -> None:
    """On every new SQLite connection: refuse writes (query_only), then everything but reading
    as it is prepared (the authorizer), so that not even ATTACH creates a file."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only = ON")
    cursor.close()
    connection = _sqlite(dbapi_connection)
    connection.set_authorizer(_sqlite_authorizer)


def _sqlite_authorizer(action: int, *_names: str | None) -> int:
    return sqlite3.SQLITE_OK if action in _SQLITE_READING else sqlite3.SQLITE_DENY


def _sqlite(dbapi_connection: object) -> sqlite3.Connection:
    # SQLAlchemy hands over its pysqlite connection as the generic DBAPI protocol.
    assert isinstance(dbapi_connection, sqlite3.Connection)
    return dbapi_connection


def sqlite_connection(connection: Connection) -> sqlite3.Connection:
    """The sqlite3 connection beneath a SQLAlchemy connection to SQLite."""
    return _sqlite(connection.connection.driver_connection)


@contextmanager
def read_only(
    connection: Connection, *, timeout: float, zone: ZoneInfo | None
) -> Iterator[Session]:
    """A read-only transaction on `connection` whose queries stop after `timeout` seconds,
    with the catalog's `zone` as the session's where the database has one; rolled back when
    the block ends, whatever happens in it."""
    session = Session(connection.dialect.name, timeout)
    try:
        if session.dialect == "postgresql":
            _begin_postgresql(connection, session, zone)
        elif session.dialect in ("mysql", "mariadb"):
            _begin_mariadb(connection, session, zone)
        elif session.dialect == "sqlite":
            session.deadline = monotonic() + timeout
            sqlite_connection(connection).set_progress_handler(session._progress, _SQLITE_STEPS)
        yield session
    finally:
        if session.dialect == "sqlite":
            sqlite_connection(connection).set_progress_handler(None, 0)
        connection.rollback()


def _begin_postgresql(connection: Connection, session: Session, zone: ZoneInfo | None) -> None:
    # The engine's postgresql_readonly option has the driver open the transaction READ ONLY;
    # set_config(..., true) is SET LOCAL, for this transaction only, and takes parameters.
    milliseconds = str(max(1, round(session.timeout * 1000)))
    connection.execute(
        text("SELECT set_config('statement_timeout', :ms, true)"), {"ms": milliseconds}
    )
    if zone is not None:
        connection.execute(text("SELECT set_config('TimeZone', :zone, true)"), {"zone": zone.key})
        session.zoned = True


def _begin_mariadb(connection: Connection, session: Session, zone: ZoneInfo | None) -> None:
    # A session variable stops a SELECT that runs longer: MariaDB's max_statement_time in
    # seconds, MySQL's max_execution_time in milliseconds. Set before each query, as the pool
    # may hand out any of its connections.
    if getattr(connection.dialect, "is_mariadb", False):
        limit = text("SET SESSION max_statement_time = :limit")
        connection.execute(limit, {"limit": session.timeout})
    else:
        limit = text("SET SESSION max_execution_time = :limit")
        connection.execute(limit, {"limit": max(1, round(session.timeout * 1000))})
    if zone is not None:
        try:
            connection.execute(text("SET SESSION time_zone = :zone"), {"zone": zone.key})
            session.zoned = True
        except DBAPIError:
            # The server has no time zone tables (mariadb-tzinfo-to-sql loads them): TIMESTAMP
            # columns are read in the server's zone, and are not aggregated in the database.
            log.debug("the database does not know the time zone %s", zone.key)
    connection.execute(text("START TRANSACTION READ ONLY"))
