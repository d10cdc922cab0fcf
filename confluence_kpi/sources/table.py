"""What every source kind returns: a table of rows for one query, and the error it raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from confluence_kpi.sources.dates import ISO_DATES, DateText


class SourceError(Exception):
    """A source could not deliver; the message names the source, file or query, row and column."""


@dataclass(frozen=True)
class Table:
    """The rows one source query returned, before any KPI picks its columns from them.

    How text in its cells is read comes with it: the marks of numbers written as text, and the
    way dates are written. A source whose rows come from places of their own (several files,
    a sheet's cells) names them by overriding `where`."""

    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    origin: str  # names the table in messages: "sales_sheet (config/demo/sales.csv)"
    decimal: str = "."  # how numbers written as text mark decimals: "," reads "1.234,5"
    thousands: str | None = None  # how they group digits; None: the other of "." and ","
    dates: DateText = ISO_DATES  # how dates are written as text
    first_line: int | None = None  # the file line of the first row, for tables read from files

    def where(self, row: int, column: int) -> str:
        """Name the cell at `row` (0-based) and `column` the way a person finds it: the table,
        its file line or row number, and the column."""
        line = f"row {row + 1}" if self.first_line is None else f"line {self.first_line + row}"
        return f"{self.origin}, {line}, column {self.columns[column]!r}"


def column_index(table: Table, column: str) -> int:
    """Where `column` is: the column of that name, else the one equal to it ignoring case."""
    # Ignoring case matters for SQL: PostgreSQL folds unquoted aliases ("AS TS") to lower case.
    found = [i for i, name in enumerate(table.columns) if name == column] or [
        i for i, name in enumerate(table.columns) if name.casefold() == column.casefold()
    ]
    if len(found) == 1:
        return found[0]
    shown = ", ".join(table.columns)
    if found:
        raise SourceError(f"{table.origin}: column {column!r} is not unique; columns are: {shown}")
    raise SourceError(f"{table.origin}: column {column!r} not found; columns are: {shown}")


@runtime_checkable  # the registry checks what a plugin's factory returns
class Source(Protocol):
    """One configured source, open for the length of a sync run."""

    def fetch(self, query: str | None) -> Table:
        """Run `query` (sources without queries ignore it) and return all its rows."""
        ...

    def close(self) -> None:
        """Release what the source holds (connections); called once at the end of the run."""
        ...
