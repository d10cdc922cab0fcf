"""What every source kind returns: a table of rows for one query, and the error it raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class SourceError(Exception):
    """A source could not deliver; the message names the source, file or query, row and column."""


@dataclass(frozen=True)
class Table:
    """The rows one source query returned, before any KPI picks its columns from them."""

    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    origin: str  # names the table in messages: "sales_sheet (config/demo/sales.csv)"
    decimal: str = "."  # how numbers written as text mark decimals: "," reads "1.234,5"
    first_line: int | None = None  # the file line of the first row, for tables read from files

    def where(self, index: int) -> str:
        """Name the row at `index` (0-based) the way a person finds it: file line, or row number."""
        if self.first_line is None:
            return f"row {index + 1}"
        return f"line {self.first_line + index}"


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
