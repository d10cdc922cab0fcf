"""Shows a sync report to a person (a table) or to a program (JSON)."""

from __future__ import annotations

import json
from typing import TextIO

from rich.console import Console
from rich.table import Table

from confluence_kpi.manual import MEASUREMENT
from confluence_kpi.sync import Action, SyncReport

_STYLE = {
    Action.CREATE: "green",
    Action.UPDATE: "yellow",
    Action.UNCHANGED: "dim",
    Action.FAILED: "bold red",
}


def print_report(report: SyncReport, fmt: str, out: TextIO) -> None:
    """Writes the report as `text` (a table and a summary) or `json`."""
    if fmt == "json":
        json.dump(report.as_json(), out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    console = console_for(out)
    table = Table(title="dry run: nothing was written" if report.dry_run else None)
    for heading in ("page", "kind", "result", "why"):
        table.add_column(heading)
    for page in report.pages:
        if page.action is Action.UNCHANGED and not page.reason:
            continue  # a quiet page needs no line; the summary counts it
        table.add_row(
            page.title,
            page.key.kind,
            f"[{_STYLE[page.action]}]{page.action.value}[/]",
            page.reason,
        )
    if table.row_count:
        console.print(table)
    for page in report.pages:
        if page.diff:
            console.print(page.diff, markup=False)
    for edit in report.edits:
        change = edit.change
        console.print(
            f"{edit.title}: {change.field} {change.origin.value}: "
            f"{_shown(change.old)} -> {_shown(change.new)}",
            markup=False,
        )
    for key, unreadable in report.unreadable:
        left_out = unreadable.field == MEASUREMENT
        outcome = "it is left out" if left_out else "the last valid value is used"
        console.print(
            f"[bold yellow]{key}: could not read the {unreadable.field}[/] "
            f"{unreadable.text!r} ({unreadable.reason}); {outcome}",
            markup=True,
        )
    for kpi_id, error in sorted(report.kpi_errors.items()):
        console.print(f"[bold red]KPI {kpi_id} could not be evaluated:[/] {error}", markup=True)
    console.print(summary(report))


def console_for(out: TextIO) -> Console:
    """A console on `out`: the terminal's width there, else wide enough for a log or a pipe
    (rich assumes 80 columns, which cuts team names in tables)."""
    return Console(file=out, highlight=False, soft_wrap=True, width=None if out.isatty() else 120)


def summary(report: SyncReport) -> str:
    """One line: pages per result, KPI failures and the requests sent."""
    verb = "would be" if report.dry_run else ""
    counts = ", ".join(
        f"{number} {verb + ' ' if verb else ''}{action}"
        for action, number in report.counts().items()
    )
    failures = f"; {len(report.kpi_errors)} KPI(s) failed" if report.kpi_errors else ""
    return f"pages: {counts}{failures}; {report.requests} requests to Confluence"


def _shown(value: object) -> str:
    """A merged value in words: a target or baseline as "value by date", else as is."""
    if isinstance(value, dict):
        parts = [str(value.get("value"))]
        if value.get("upper") is not None:
            parts.append(f"to {value['upper']}")
        if value.get("date"):
            parts.append(f"by {value['date']}")
        return " ".join(parts)
    return "(none)" if value is None else str(value)
