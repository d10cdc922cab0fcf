"""What a sync pass did, page by page and KPI by KPI, and showing it to a person (a table) or
to a program (JSON).

The JSON report's shape is `JsonReport`, a pydantic model: what programs read is declared
once, with its types, and written with `model_dump_json`.

Names, titles, reasons and values come from catalogs, sources and pages: the console reads
no markup or emoji codes in text (a KPI named "[/b]" would break the output, one named
"[bold red]" would be shown styled), so styles are given as `Text` styles, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TextIO

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from confluence_kpi.manual import MEASUREMENT
from confluence_kpi.memory import PageKey
from confluence_kpi.model import Note, Status
from confluence_kpi.pages.merge import FieldChange, Value
from confluence_kpi.pages.parse import Unreadable
from confluence_kpi.pages.strings import load_strings


class Action(StrEnum):
    """What the pass did, or (in a dry run) would do, to one page."""

    CREATE = "created"
    UPDATE = "updated"
    UNCHANGED = "unchanged"
    RETIRED = "retired"
    FAILED = "failed"


@dataclass(frozen=True)
class PageResult:
    """The outcome for one page, as the report shows it."""

    key: PageKey
    title: str
    action: Action
    reason: str = ""
    page_id: str | None = None
    diff: str | None = None


@dataclass(frozen=True)
class Edit:
    """A team-editable field whose value this run took from the page or the catalog."""

    key: PageKey
    title: str
    change: FieldChange


@dataclass(frozen=True)
class DataWarning:
    """A KPI's data warning (data refused or left out), as the report shows it."""

    kpi_id: str
    note: Note

    @property
    def message(self) -> str:
        """The warning in English, worded as the KPI's page words it."""
        return load_strings("en").say(f"note.{self.note.code.value}", **dict(self.note.values))


@dataclass
class SyncReport:
    """Everything the pass did, for the text or JSON report and the exit code."""

    dry_run: bool
    pages: list[PageResult] = field(default_factory=list)
    kpi_errors: dict[str, str] = field(default_factory=dict)
    kpi_status: dict[str, Status] = field(default_factory=dict)
    edits: list[Edit] = field(default_factory=list)
    unreadable: list[tuple[PageKey, Unreadable]] = field(default_factory=list)
    data_warnings: list[DataWarning] = field(default_factory=list)
    requests: int = 0

    @property
    def failed(self) -> bool:
        """Some KPI could not be evaluated or some page could not be written."""
        return bool(self.kpi_errors) or any(p.action is Action.FAILED for p in self.pages)

    @property
    def exit_code(self) -> int:
        """0 when everything synced, 1 when something failed or some KPI's data was refused
        (the rest still synced)."""
        return 1 if self.failed or self.data_warnings else 0

    def warned_kpis(self) -> list[str]:
        """The KPIs with data warnings, each once, in the order of their warnings."""
        return list(dict.fromkeys(warning.kpi_id for warning in self.data_warnings))

    def counts(self) -> dict[str, int]:
        """Pages per action, every action listed."""
        return {action.value: sum(p.action is action for p in self.pages) for action in Action}


_STYLE = {
    Action.CREATE: "green",
    Action.UPDATE: "yellow",
    Action.UNCHANGED: "dim",
    Action.RETIRED: "magenta",
    Action.FAILED: "bold red",
}


def print_report(report: SyncReport, fmt: str, out: TextIO) -> None:
    """Writes the report as `text` (a table and a summary) or `json`."""
    if fmt == "json":
        out.write(JsonReport.of(report).model_dump_json(indent=2) + "\n")
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
            Text(page.action.value, style=_STYLE[page.action]),
            page.reason,
        )
    if table.row_count:
        console.print(table)
    for page in report.pages:
        if page.diff:
            console.print(page.diff)
    for edit in report.edits:
        change = edit.change
        console.print(
            f"{edit.title}: {change.field} {change.origin.value}: "
            f"{_shown(change.old)} -> {_shown(change.new)}"
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
    console.print(summary(report))


class JsonEdit(BaseModel):
    """A team-editable field this run took from the page or the catalog."""

    kind: str
    id: str
    field: str
    old: Value
    new: Value
    origin: str


class JsonUnreadable(BaseModel):
    """What a person typed that could not be read."""

    kind: str
    id: str
    field: str
    text: str
    reason: str


class JsonDataWarning(BaseModel):
    """A KPI's data warning: its code and values for programs, its message for people."""

    kpi: str
    code: str
    values: dict[str, str]
    message: str


class JsonPage(BaseModel):
    """What the pass did to one page; `diff` only when asked for (`--diff`)."""

    kind: str
    id: str
    title: str
    action: str
    reason: str
    page_id: str | None
    diff: str | None = None

    @model_serializer(mode="wrap")
    def _diff_when_asked(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        value: dict[str, Any] = handler(self)
        if value["diff"] is None:
            del value["diff"]
        return value


class JsonReport(BaseModel):
    """The report as `--report json` writes it."""

    dry_run: bool
    summary: dict[str, int]
    requests: int
    kpi_errors: dict[str, str]
    kpi_status: dict[str, str]
    edits: list[JsonEdit]
    unreadable: list[JsonUnreadable]
    data_warnings: list[JsonDataWarning]
    pages: list[JsonPage]

    @classmethod
    def of(cls, report: SyncReport) -> JsonReport:
        """The JSON form of a pass's report."""
        return cls(
            dry_run=report.dry_run,
            summary=report.counts(),
            requests=report.requests,
            kpi_errors=report.kpi_errors,
            kpi_status={kpi_id: status.value for kpi_id, status in report.kpi_status.items()},
            edits=[
                JsonEdit(
                    kind=e.key.kind,
                    id=e.key.id,
                    field=e.change.field,
                    old=e.change.old,
                    new=e.change.new,
                    origin=e.change.origin.value,
                )
                for e in report.edits
            ],
            unreadable=[
                JsonUnreadable(kind=k.kind, id=k.id, field=u.field, text=u.text, reason=u.reason)
                for k, u in report.unreadable
            ],
            data_warnings=[
                JsonDataWarning(
                    kpi=w.kpi_id,
                    code=w.note.code.value,
                    values=dict(w.note.values),
                    message=w.message,
                )
                for w in report.data_warnings
            ],
            pages=[
                JsonPage(
                    kind=p.key.kind,
                    id=p.key.id,
                    title=p.title,
                    action=p.action.value,
                    reason=p.reason,
                    page_id=p.page_id,
                    diff=p.diff,
                )
                for p in report.pages
            ],
        )


def console_for(out: TextIO) -> Console:
    """A console on `out` that prints text literally (no markup, no emoji codes): the
    terminal's width there, else wide enough for a log or a pipe (rich assumes 80 columns,
    which cuts team names in tables)."""
    return Console(
        file=out,
        markup=False,
        emoji=False,
        highlight=False,
        soft_wrap=True,
        width=None if out.isatty() else 120,
    )


def summary(report: SyncReport) -> str:
    """One line: pages per result, KPI failures and warnings, and the requests sent."""
    verb = "would be" if report.dry_run else ""
    counts = ", ".join(
        f"{number} {verb + ' ' if verb else ''}{action}"
        for action, number in report.counts().items()
    )
    failures = f"; {len(report.kpi_errors)} KPI(s) failed" if report.kpi_errors else ""
    warned = len(report.warned_kpis())
    warnings = f"; {warned} KPI(s) with data warnings" if warned else ""
    return f"pages: {counts}{failures}{warnings}; {report.requests} requests to Confluence"


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
