"""The rows of a Page Properties Report as the preview shows them: each page's title, address
and properties, sorted the way the report macro's `sortBy` and `reverseSort` ask."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    """One Page Properties value: its plain text (for sorting) and its HTML."""

    text: str
    html: str


@dataclass(frozen=True)
class ReportRow:
    """One page of a Page Properties Report: its title, its viewer address and properties."""

    title: str
    url: str
    properties: Mapping[str, Cell]


def sorted_report(rows: Sequence[ReportRow], params: Mapping[str, str]) -> list[ReportRow]:
    """By the `sortBy` column's text (pages without it last), else by title; `reverseSort`."""
    column = params.get("sortBy", "").strip()
    reverse = params.get("reverseSort", "").lower() == "true"

    def key(row: ReportRow) -> tuple[bool, str]:
        if not column:
            return False, row.title.casefold()
        cell = row.properties.get(column)
        return cell is None, cell.text.casefold() if cell else ""

    return sorted(rows, key=key, reverse=reverse)
