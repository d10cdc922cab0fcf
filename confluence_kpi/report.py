"""What a sync pass did, page by page and KPI by KPI: the data `terminal.py` shows a person
and `report_json.py` a program, the exit code, and the one-line summary.

Names, titles, reasons and values come from catalogs, sources and pages: the console reads
no markup or emoji codes in text (a KPI named "[/b]" would break the output, one named
"[bold red]" would be shown styled), so styles are given as `Text` styles, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TextIO

from rich.console import Console

from confluence_kpi.memory import PageKey
from confluence_kpi.model import Note, Status
from confluence_kpi.pages.merge import FieldChange
from confluence_kpi.pages.parse import Unreadable
from confluence_kpi.pages.strings import load_strings
from confluence_kpi.verdicts import Verdict


class Action(StrEnum):
    """What the pass did, or (in a dry run) would do, to one page."""

    CREATE = "created"
    UPDATE = "updated"
    UNCHANGED = "unchanged"
    RETIRED = "retired"
    FAILED = "failed"


@dataclass(frozen=True)
class FieldDelta:
    """One value a write changes on a page, as a reader sees it: a Page Properties row or the
    title ("Status": "On track" -> "At risk")."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class PageResult:
    """The outcome for one page, as the report shows it; `changes` are the values an update
    changes, `diff` the storage diff (only with `--diff=storage`)."""

    key: PageKey
    title: str
    action: Action
    reason: str = ""
    page_id: str | None = None
    diff: str | None = None
    changes: tuple[FieldDelta, ...] = ()


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


@dataclass(frozen=True)
class GoalVerdict:
    """A SMART goal's status this pass, rolled up from its KPIs."""

    goal_id: str
    title: str
    status: Status


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
    # Each KPI's status when the bot last wrote its page (from the page's memory), where known.
    kpi_status_before: dict[str, Status] = field(default_factory=dict)
    verdicts: list[Verdict] = field(default_factory=list)
    goals: list[GoalVerdict] = field(default_factory=list)  # in catalog order
    # Each goal's status when the bot last wrote its page, where known, as for the KPIs.
    goal_status_before: dict[str, Status] = field(default_factory=dict)
    as_of: datetime | None = None  # the moment evaluated
    started: datetime | None = None  # when the pass started (wall clock)
    duration: float = 0.0  # seconds the pass took

    def status_changes(self) -> list[tuple[Verdict, Status | None]]:
        """The KPIs whose status differs from the one their page showed, with that one (None:
        the page is new, or its memory predates remembering the status)."""
        return [
            (verdict, self.kpi_status_before.get(verdict.kpi_id))
            for verdict in self.verdicts
            if self.kpi_status_before.get(verdict.kpi_id) != verdict.status
        ]

    def goal_status_changes(self) -> list[tuple[GoalVerdict, Status | None]]:
        """The goals whose status differs from the one their page showed, with that one (None:
        the page is new, or its memory predates remembering the status)."""
        return [
            (goal, self.goal_status_before.get(goal.goal_id))
            for goal in self.goals
            if self.goal_status_before.get(goal.goal_id) != goal.status
        ]

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


ProgressCallback = Callable[[PageResult], None]
"""Told each page's result as soon as it is done (the terminal's progress)."""


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
