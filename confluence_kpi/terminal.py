"""What `sync` shows a person: progress while the pass runs (a rich progress line on a
terminal, a plain line per page elsewhere, a log record per page when the log is JSON), then
the report in words, at three levels of detail (`--quiet`, default, `--verbose`).

Names, titles, reasons and values come from catalogs, sources and pages: the console reads no
markup or emoji codes (`report.console_for`), and styles are given as `Text` styles.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import IntEnum
from typing import TextIO

from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table
from rich.text import Text

from confluence_kpi.manual import MEASUREMENT
from confluence_kpi.model import Status
from confluence_kpi.plan_text import plan_lines
from confluence_kpi.report import Action, PageResult, ProgressCallback, SyncReport, console_for
from confluence_kpi.report import summary as summary_line
from confluence_kpi.verdicts import Verdict, status_words

log = logging.getLogger(__name__)


class Detail(IntEnum):
    """How much the text report says."""

    QUIET = 0  # what failed and the summary
    NORMAL = 1  # the pages that changed, edits, warnings, status changes, the summary
    VERBOSE = 2  # also the unchanged pages and every KPI's verdict


# Control characters as their escape (`\x1b`), so a name cannot move the cursor, clear the
# screen or set the window title (ARCHITECTURE.md, rule 11); rich drops only some of them.
_CONTROLS = {
    code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0)) if chr(code) not in "\n\t"
}


def literal(text: str) -> str:
    """Text from a catalog or a page as the terminal should show it: controls escaped."""
    return text.translate(_CONTROLS)


_STYLE = {
    Action.CREATE: "green",
    Action.UPDATE: "yellow",
    Action.UNCHANGED: "dim",
    Action.RETIRED: "magenta",
    Action.FAILED: "bold red",
}


@contextmanager
def progress_for(
    out: TextIO, detail: Detail, *, as_json: bool = False
) -> Iterator[ProgressCallback]:
    """A callback telling `out` (stderr) each page as it is done: a live line on a terminal,
    "sync: KPI: Uptime: updated" elsewhere, a log record (to be a JSON line) with `as_json`,
    nothing when quiet."""
    if detail is Detail.QUIET:
        yield lambda _result: None
        return
    if as_json:
        yield _logged
        return
    if not out.isatty():

        def line(result: PageResult) -> None:
            out.write(f"sync: {result.title}: {result.action.value}\n")
            out.flush()

        yield line
        return
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.completed} pages"),
        TextColumn("{task.description}"),
        console=console_for(out),
        transient=True,
    )
    task = bar.add_task("", total=None)
    with bar:

        def advance(result: PageResult) -> None:
            bar.update(task, advance=1, description=f"{result.title}: {result.action.value}")

        yield advance


def _logged(result: PageResult) -> None:
    """A page's progress as a log record, what it says also as extras for programs."""
    extra = {
        "page": result.title,
        "kind": result.key.kind,
        "id": result.key.id,
        "action": result.action.value,
    }
    if result.key.kind == "kpi":
        extra["kpi"] = result.key.id
    log.info("%s: %s", result.title, result.action.value, extra=extra)


def print_text(
    report: SyncReport, out: TextIO, detail: Detail = Detail.NORMAL, *, plan: bool = False
) -> None:
    """The report in words: the pages (or the plan), edits taken, what could not be read,
    data warnings, failures, status changes, and the summary line."""
    console = console_for(out)
    if detail is not Detail.QUIET:
        for line in plan_lines(report) if plan else [_pages_table(report, detail)]:
            console.print(line)
        for page in report.pages:
            if page.diff:
                console.print(page.diff)
        for edit in report.edits:
            change = edit.change
            console.print(
                f"{edit.title}: {change.field} {change.origin.value}: "
                f"{shown(change.old)} -> {shown(change.new)}"
            )
        for key, unreadable in report.unreadable:
            left_out = unreadable.field == MEASUREMENT
            outcome = "it is left out" if left_out else "the last valid value is used"
            console.print(
                Text.assemble(
                    (f"{key}: could not read the {unreadable.field}", "bold yellow"),
                    f" {unreadable.text!r} ({unreadable.reason}); {outcome}",
                )
            )
        for warning in report.data_warnings:
            console.print(
                Text.assemble(
                    (f"KPI {warning.kpi_id}: data warning:", "bold yellow"), f" {warning.message}"
                )
            )
    for kpi_id, error in sorted(report.kpi_errors.items()):
        console.print(
            Text.assemble((f"KPI {kpi_id} could not be evaluated:", "bold red"), f" {error}")
        )
    if detail is not Detail.QUIET:
        for verdict_line in _status_lines(report, detail):
            console.print(verdict_line)
    console.print(summary_line(report))


def _pages_table(report: SyncReport, detail: Detail) -> Table:
    """A row per page that did something (every page when verbose)."""
    table = Table(title="dry run: nothing was written" if report.dry_run else None)
    for heading in ("page", "kind", "result", "why"):
        table.add_column(heading)
    for page in report.pages:
        if page.action is Action.UNCHANGED and not page.reason and detail < Detail.VERBOSE:
            continue  # a quiet page needs no line; the summary counts it
        table.add_row(
            page.title,
            page.key.kind,
            Text(page.action.value, style=_STYLE[page.action]),
            page.reason,
        )
    return table if table.row_count else Table.grid()


def _status_lines(report: SyncReport, detail: Detail) -> list[Text]:
    """The KPIs and goals whose status changed ("Uptime: on track → at risk (97.00 % in
    November 2026)", "Goal: Keep uptime: on track → at risk"); when verbose, every KPI's
    verdict and why."""
    changes = report.status_changes()
    goal_changes = report.goal_status_changes()
    lines = [Text("Status changes:", style="bold")] if changes or goal_changes else []
    for verdict, before in changes:
        line = f"  {verdict.name}: {_was(before)}{verdict.status_text} ({verdict.value_text})"
        lines.append(Text(literal(line)))
    for goal, before in goal_changes:
        line = f"  Goal: {goal.title}: {_was(before)}{status_words(goal.status)}"
        lines.append(Text(literal(line)))
    if detail is Detail.VERBOSE:
        lines.append(Text("Verdicts:", style="bold"))
        lines += [
            Text(literal(f"  {v.name}: {v.status_text}, {v.value_text}. {v.reason}"))
            for v in report.verdicts
        ]
    return lines


def _was(before: Status | None) -> str:
    """What a status change line says before the new status: the old one, or that it is new."""
    return f"{status_words(before)} → " if before is not None else "new: "


def print_verdicts(verdicts: Sequence[Verdict], out: TextIO) -> None:
    """A table of KPI verdicts as `status` shows them, in the order given."""
    table = Table()
    for heading in ("status", "KPI", "team", "value", "why"):
        table.add_column(heading)
    for verdict in verdicts:
        style = _VERDICT_STYLE.get(verdict.status, "")
        table.add_row(
            Text(verdict.status_text, style=style),
            literal(verdict.name),
            literal(verdict.team),
            verdict.value_text,
            literal(verdict.reason),
        )
    console_for(out).print(table)


_VERDICT_STYLE = {
    Status.NO_DATA: "bold red",
    Status.STALE: "red",
    Status.MISSED: "bold red",
    Status.OFF_TRACK: "red",
    Status.AT_RISK: "yellow",
    Status.ON_TRACK: "green",
    Status.ACHIEVED: "bold green",
}


def shown(value: object) -> str:
    """A merged value in words: a target or baseline as "value by date", else as is."""
    if isinstance(value, dict):
        parts = [str(value.get("value"))]
        if value.get("upper") is not None:
            parts.append(f"to {value['upper']}")
        if value.get("date"):
            parts.append(f"by {value['date']}")
        return " ".join(parts)
    return "(none)" if value is None else str(value)
