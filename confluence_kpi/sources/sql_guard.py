"""Which SQL a source may run: one SELECT (or WITH ... SELECT), refused before it reaches the
database when it is anything else.

This is the first of three locks (the read-only transaction, and the database user's grants,
are the others; sources/sql.py): it turns a mistake such as a DELETE, an ATTACH or a second
statement after a semicolon into a plain error that names the source, before anything runs.

The statement is read by a small tokenizer of our own rather than a regular expression or
sqlparse: a check like this is only as good as its reading of strings, comments and quoted
names, and that reading differs by database. A backslash escapes a quote inside a MySQL or
MariaDB string but not inside a standard PostgreSQL or SQLite one, PostgreSQL has
dollar-quoted strings and nested block comments, and MariaDB runs the code inside /*! ... */.
sqlparse reads every dialect alike, so `SELECT '\\'; DELETE ...` would be one string to it and
two statements to PostgreSQL. The tokenizer below follows each dialect's rule, and refuses
what it cannot read (an unterminated string, an executable comment) rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words that make a SELECT write, lock or leave its transaction, wherever they stand: a WITH
# around an INSERT, UPDATE, DELETE or MERGE (PostgreSQL), SELECT ... INTO a new table or a file,
# SELECT ... FOR UPDATE.
_WRITING = frozenset({"insert", "update", "delete", "merge", "into", "upsert"})
_READING_START = frozenset({"select", "with"})

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")


class RefusedStatementError(ValueError):
    """The text is not a single reading statement; the message says what was found."""


@dataclass(frozen=True)
class _Dialect:
    """How a database reads strings and comments."""

    postgresql: bool  # $tag$ strings, E'' strings with escapes, nested /* */ comments
    mysql: bool  # \ escapes in strings, # comments, -- only before a blank, /*! */ runs
    sqlite: bool  # [quoted names]


_DIALECTS = {
    "postgresql": _Dialect(postgresql=True, mysql=False, sqlite=False),
    "mysql": _Dialect(postgresql=False, mysql=True, sqlite=False),
    "mariadb": _Dialect(postgresql=False, mysql=True, sqlite=False),
    "sqlite": _Dialect(postgresql=False, mysql=False, sqlite=True),
}
# Another database's rules are unknown: MySQL's make the most text code (executable comments,
# fewer comments), so that the check errs on the side of refusing.
_UNKNOWN = _DIALECTS["mysql"]
# Inside a PostgreSQL E'...' string a backslash escapes, as in MySQL's strings.
_ESCAPING = _DIALECTS["mysql"]


def reading_statement(sql: str, dialect: str) -> str:
    """`sql` up to its trailing semicolon, if any, when it is one SELECT or WITH statement
    that reads only; RefusedStatementError otherwise. `dialect` is SQLAlchemy's name for the
    database. What is returned can be wrapped in a subquery (on lines of its own, as it may
    end in a -- comment)."""
    words, statements, end = _scan(sql, _DIALECTS.get(dialect, _UNKNOWN))
    if statements > 1:
        raise RefusedStatementError("it holds more than one statement; give one SELECT")
    if not words:
        raise RefusedStatementError("it holds no statement; give one SELECT")
    first = words[0]
    if first not in _READING_START:
        raise RefusedStatementError(
            f"it starts with {first.upper()}: only a SELECT (or WITH ... SELECT) is run"
        )
    writing = next((word for word in words if word in _WRITING), None)
    if writing is not None:
        raise RefusedStatementError(
            f"it contains {writing.upper()}: a source only reads, so only a plain SELECT is run"
        )
    return sql[:end].rstrip()


def _scan(sql: str, dialect: _Dialect) -> tuple[list[str], int, int]:
    """The unquoted words of `sql`, lower-cased, how many statements it holds (a semicolon
    followed only by blanks and comments ends the last one), and where the first ends."""
    words: list[str] = []
    statements, first_end = 0, len(sql)
    pending = False  # whether anything but blanks and comments came since the last semicolon
    at, end = 0, len(sql)
    while at < end:
        char = sql[at]
        if char.isspace():
            at += 1
            continue
        if _line_comment(sql, at, dialect):
            newline = sql.find("\n", at)
            at = end if newline < 0 else newline + 1
            continue
        if sql.startswith("/*", at):
            at = _comment_end(sql, at, dialect)
            continue
        if char == ";":
            if pending and not statements:
                first_end = at
            statements += pending
            pending = False
            at += 1
            continue
        pending = True
        if char in "'\"`":
            at = _quoted_end(sql, at, char, dialect)
        elif char in "eE" and sql.startswith("'", at + 1) and dialect.postgresql:
            at = _quoted_end(sql, at + 1, "'", _ESCAPING)
        elif char == "[" and dialect.sqlite:
            close = sql.find("]", at)
            if close < 0:
                raise RefusedStatementError("a [quoted name] is not closed")
            at = close + 1
        elif dialect.postgresql and (tag := _DOLLAR_TAG.match(sql, at)) is not None:
            close = sql.find(tag[0], tag.end())
            if close < 0:
                raise RefusedStatementError("a dollar-quoted string is not closed")
            at = close + len(tag[0])
        elif (word := _WORD.match(sql, at)) is not None:
            words.append(word[0].lower())
            at = word.end()
        else:
            at += 1  # an operator, a number's digit, a parenthesis: nothing to tell
    return words, statements + pending, first_end


def _line_comment(sql: str, at: int, dialect: _Dialect) -> bool:
    """Whether a comment to the end of the line starts at `at`. In MySQL `--` starts one only
    before a blank (`1--1` is one minus minus one) and `#` starts one too."""
    if dialect.mysql:
        after = sql[at + 2 : at + 3]
        return sql[at] == "#" or (sql.startswith("--", at) and (after == "" or after.isspace()))
    return sql.startswith("--", at)


def _quoted_end(sql: str, at: int, quote: str, dialect: _Dialect) -> int:
    """Where the string or quoted name opening at `at` ends; a doubled quote stays inside."""
    position = at + 1
    while position < len(sql):
        char = sql[position]
        if char == "\\" and dialect.mysql and quote != "`":
            position += 2
        elif char == quote:
            if not sql.startswith(quote, position + 1):
                return position + 1
            position += 2
        else:
            position += 1
    raise RefusedStatementError(f"a {quote} quote is not closed")


def _comment_end(sql: str, at: int, dialect: _Dialect) -> int:
    """Where the block comment opening at `at` ends."""
    if dialect.mysql and sql.startswith(("/*!", "/*M!"), at):
        raise RefusedStatementError("it holds a /*! ... */ comment, which MariaDB and MySQL run")
    depth, position = 0, at
    while position < len(sql):
        if sql.startswith("/*", position):
            depth = depth + 1 if dialect.postgresql or depth == 0 else depth
            position += 2
        elif sql.startswith("*/", position):
            depth -= 1
            position += 2
            if depth == 0:
                return position
        else:
            position += 1
    raise RefusedStatementError("a /* comment is not closed")
