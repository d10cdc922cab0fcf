"""The statement check: one reading SELECT passes, everything else is refused before it runs,
with strings, comments and quoted names read the way each database reads them."""

from __future__ import annotations

import pytest

from confluence_kpi.sources.sql_guard import RefusedStatementError, reading_statement

DIALECTS = ("sqlite", "postgresql", "mariadb", "mysql")


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT created_at AS ts, hours AS value FROM tickets",
        "  with t AS (SELECT 1 AS x) SELECT x FROM t  ",
        "SELECT 'DELETE FROM t; INSERT' AS note -- update later\n",
        'SELECT "update" FROM "insert"',
        "SELECT 1 /* ; DELETE FROM t */",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n",
    ],
)
def test_a_single_reading_select_passes(sql: str, dialect: str) -> None:
    assert reading_statement(sql, dialect) == sql.rstrip()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_trailing_semicolon_is_dropped(dialect: str) -> None:
    assert reading_statement("SELECT 1 ; -- done\n", dialect) == "SELECT 1"
    assert reading_statement("SELECT 1;\n", dialect) == "SELECT 1"


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("sql", "said"),
    [
        ("ATTACH DATABASE 'x.sqlite' AS x", "starts with ATTACH"),
        ("PRAGMA query_only = OFF", "starts with PRAGMA"),
        ("COPY tickets TO '/tmp/out.csv'", "starts with COPY"),
        ("CALL refresh_totals()", "starts with CALL"),
        ("DELETE FROM tickets", "starts with DELETE"),
        ("SELECT 1; DELETE FROM tickets", "more than one statement"),
        ("SELECT 1; SELECT 2", "more than one statement"),
        ("WITH gone AS (DELETE FROM t RETURNING *) SELECT * FROM gone", "contains DELETE"),
        ("WITH n AS (INSERT INTO t VALUES (1) RETURNING 1) SELECT 1", "contains INSERT"),
        ("SELECT * INTO copy FROM tickets", "contains INTO"),
        ("SELECT * FROM tickets FOR UPDATE", "contains UPDATE"),
        ("-- nothing here\n", "no statement"),
        ("SELECT 'open", "not closed"),
    ],
)
def test_anything_else_is_refused_and_named(sql: str, said: str, dialect: str) -> None:
    with pytest.raises(RefusedStatementError, match=said):
        reading_statement(sql, dialect)


def test_a_backslash_ends_no_postgresql_string() -> None:
    # PostgreSQL reads '\' as a whole string: the DELETE after it is a second statement.
    with pytest.raises(RefusedStatementError, match="more than one statement"):
        reading_statement("SELECT '\\'; DELETE FROM t; --'", "postgresql")


def test_a_backslash_escapes_a_quote_in_mariadb_strings() -> None:
    # MariaDB reads the whole line as one string: nothing but a SELECT runs.
    sql = "SELECT '\\'; DELETE FROM t; -- '"
    assert reading_statement(sql, "mariadb") == sql


def test_postgresql_escape_strings_and_dollar_quotes_are_strings() -> None:
    sql = "SELECT E'it\\'s; DELETE', $$; DELETE$$, $x$ ' $x$"
    assert reading_statement(sql, "postgresql") == sql


def test_postgresql_block_comments_nest() -> None:
    with pytest.raises(RefusedStatementError, match="more than one statement"):
        reading_statement("SELECT 1 /* a /* b */ c */ ; DELETE FROM t", "postgresql")
    # In SQLite the first */ ends the comment, so "c */" is code: refused on that reading.
    with pytest.raises(RefusedStatementError, match="more than one statement"):
        reading_statement("SELECT 1 /* a /* b */ ; DELETE FROM t", "sqlite")


def test_mariadb_executable_comments_are_refused() -> None:
    with pytest.raises(RefusedStatementError, match="/\\*! "):
        reading_statement("SELECT 1 /*! ; DELETE FROM t */", "mariadb")


def test_mariadb_double_dash_without_a_blank_is_no_comment() -> None:
    # `1--1` is 1 - -1 in MariaDB: the DELETE after it is a second statement.
    with pytest.raises(RefusedStatementError, match="more than one statement"):
        reading_statement("SELECT 1--1; DELETE FROM t", "mariadb")
    with pytest.raises(RefusedStatementError, match="more than one statement"):
        reading_statement("SELECT 1 # comment\n; DELETE FROM t", "mariadb")
