"""Rows from JSON answers: the points an expression finds, and a cell per column of each point.

`points` (JMESPath) finds the list of points in an answer: `data[*]`, `results`. Each point is
a row; `columns` map a column's name to an expression on the point (`day`, `stats.count`), and
without them a point's own keys are the columns, so that a KPI picks its columns as from a
CSV file. A cell is a JSON value: text, a number, true or false, or null (an empty cell); an
object or a list is none, and is refused with the page, the point and the expression.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jmespath

from confluence_kpi.sources.table import SourceError, Table

Cell = str | int | float | bool | None


class PointReader:
    """Collects the rows of an answer's pages, page by page, into one table."""

    def __init__(self, points: str, columns: Mapping[str, str], origin: str) -> None:
        self._points_text = points
        self._points = jmespath.compile(points)
        self._columns = {name: jmespath.compile(path) for name, path in columns.items()}
        self._origin = origin
        self._rows: list[tuple[Cell, ...]] = []
        self._objects: list[dict[str, Cell]] = []  # points as they are, without `columns`

    def read(self, page: int, body: Any) -> int:
        """Add the rows of one page's answer; how many points it held."""
        found = self._points.search(body)
        where = f"{self._origin}, page {page}"
        if found is None:
            keys = ", ".join(body) if isinstance(body, dict) else type(body).__name__
            raise SourceError(
                f"{where}: `{self._points_text}` finds nothing in the answer, whose top level "
                f"holds: {keys}"
            )
        if not isinstance(found, list):
            raise SourceError(
                f"{where}: `{self._points_text}` is {_kind(found)}, not a list of points"
            )
        for index, point in enumerate(found):
            at = f"{where}, `{self._points_text}`[{index}]"
            if self._columns:
                self._rows.append(tuple(self._cell(point, name, at) for name in self._columns))
            elif isinstance(point, dict):
                self._objects.append(
                    {key: _value(cell, f"{at}.{key}") for key, cell in point.items()}
                )
            else:
                raise SourceError(
                    f"{at}: {_kind(point)}, not an object: name its cells in `columns`"
                )
        return len(found)

    def _cell(self, point: Any, name: str, at: str) -> Cell:
        path = self._columns[name]
        return _value(path.search(point), f"{at}, column {name!r} (`{path.expression}`)")

    def table(self) -> Table:
        """The rows of every page read, in the order they came."""
        if self._columns:
            return Table(tuple(self._columns), tuple(self._rows), self._origin)
        names = tuple(dict.fromkeys(key for point in self._objects for key in point))
        rows = tuple(tuple(point.get(name) for name in names) for point in self._objects)
        return Table(names, rows, self._origin)


def _value(value: Any, at: str) -> Cell:
    """`value` as a cell; SourceError naming where it is when it is an object or a list."""
    if isinstance(value, dict | list):
        raise SourceError(f"{at}: {_kind(value)}, not a value (name the cells in `columns`)")
    cell: Cell = value
    return cell


def _kind(value: object) -> str:
    """What a JSON value is, in words."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return f"the value {value!r}"
