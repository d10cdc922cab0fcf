"""Rows from Jira issues: the columns a jira source's table has, and each issue's cells.

A row holds the issue's key, 1 in `issues` (a KPI counts or sums it), a cell per `fields`
entry, the `durations` between two of those, and with a board the first day of the sprint the
issue falls in. An issue is turned into its row as its page comes; nothing else of it is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from confluence_kpi.catalog import JiraSourceConfig
from confluence_kpi.catalog.schema import JIRA_COLUMNS, SPRINT_COLUMN
from confluence_kpi.periods import SprintCalendar
from confluence_kpi.sources.dates import read_time
from confluence_kpi.sources.table import SourceError

Cell = str | int | float | bool | date | None
_UNITS = {"hours": timedelta(hours=1), "days": timedelta(days=1)}
_UTC = ZoneInfo("UTC")  # how a moment without an offset is read: Jira's own carry one


def columns(config: JiraSourceConfig) -> tuple[str, ...]:
    """The table's columns, in the order of each row's cells."""
    sprint = (SPRINT_COLUMN,) if config.board is not None else ()
    return (*JIRA_COLUMNS, *config.fields, *config.durations, *sprint)


class IssueRows:
    """Turns issues into rows; `sprints` (with a board) places each in its sprint by its
    date in `zone`, the zone the sprints' first days are dates of."""

    def __init__(
        self,
        config: JiraSourceConfig,
        origin: str,
        sprints: SprintCalendar | None = None,
        zone: tzinfo = _UTC,
    ) -> None:
        self._config = config
        self._origin = origin
        self._sprints = sprints
        self._zone = zone
        self._at = {name: position for position, name in enumerate(config.fields)}
        self.rows: list[tuple[Cell, ...]] = []

    def read(self, page: int, body: Any) -> int:
        """Add the rows of one page of a search's answer; how many issues it held."""
        issues = body.get("issues") if isinstance(body, dict) else None
        if not isinstance(issues, list):
            raise SourceError(f"{self._origin}, page {page}: the answer has no list of issues")
        for index, issue in enumerate(issues):
            self.rows.append(self._row(issue, f"{self._origin}, page {page}, issues[{index}]"))
        return len(issues)

    def _row(self, issue: Any, where: str) -> tuple[Cell, ...]:
        key = issue.get("key") if isinstance(issue, dict) else None
        if not isinstance(key, str):
            raise SourceError(f"{where}: an issue without a key")
        where = f"{where} ({key})"
        found: Mapping[str, Any] = issue.get("fields") or {}
        cells = [
            _cell(found.get(field), f"{where}.fields.{field}")
            for field in self._config.fields.values()
        ]
        spans = [self._duration(name, cells, where) for name in self._config.durations]
        sprint = () if self._sprints is None else (self._sprint(cells, where),)
        return (key, 1, *cells, *spans, *sprint)

    def _duration(self, name: str, cells: list[Cell], where: str) -> float | None:
        """The time from the duration's `from` column to its `to` column, in its unit."""
        duration = self._config.durations[name]
        start = self._moment(cells, duration.start, where)
        end = self._moment(cells, duration.end, where)
        if start is None or end is None:
            return None
        if end < start:
            raise SourceError(
                f"{where}: {duration.end} ({end:%Y-%m-%d %H:%M}) is before {duration.start} "
                f"({start:%Y-%m-%d %H:%M}), so {name} would be negative"
            )
        return (end - start) / _UNITS[duration.unit]

    def _sprint(self, cells: list[Cell], where: str) -> date | None:
        """The first day of the sprint the issue's `sprint_by` moment falls in."""
        assert self._sprints is not None  # only asked for with a board
        moment = self._moment(cells, self._config.sprint_by, where)
        if moment is None:
            return None
        sprints = self._sprints
        return sprints.period(sprints.index(moment.astimezone(self._zone).date())).start

    def _moment(self, cells: list[Cell], column: str, where: str) -> datetime | None:
        """The column's cell as an aware moment."""
        try:
            return read_time(cells[self._at[column]], _UTC)
        except ValueError as problem:
            raise SourceError(f"{where}, column {column!r}: {problem}") from None


def _cell(value: Any, where: str) -> Cell:
    """A field's value as a cell: text, a number or empty as they are, an option or a status
    by its `value` or `name`; anything else (a list, a user) is refused, naming the field."""
    if isinstance(value, dict):
        value = value.get("value", value.get("name", value))
    if isinstance(value, dict | list):
        raise SourceError(
            f"{where}: a {type(value).__name__} is no cell: name a field of text, a date or a "
            "number"
        )
    cell: Cell = value
    return cell
