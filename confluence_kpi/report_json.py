"""The report as `--report json` writes it, for programs: `JsonReport`, a pydantic model, so
what programs read is declared once, with its types, and written with `model_dump_json`.

The shape is versioned (`schema_version`) and described by docs/sync-report.schema.json,
which a test checks every report against. Fields are only ever added; a change that removes
or renames one bumps SCHEMA_VERSION. Version 1 had no `schema_version` field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TextIO

from pydantic import BaseModel, Field

from confluence_kpi.pages.merge import Value
from confluence_kpi.plain_errors import visible_json
from confluence_kpi.report import Edit, SyncReport
from confluence_kpi.verdicts import Verdict

SCHEMA_VERSION = 2


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


class JsonChange(BaseModel):
    """A value an update changes on a page, as a reader sees it."""

    field: str
    before: str
    after: str


class JsonPage(BaseModel):
    """What the pass did to one page; `diff` only when asked for (`--diff=storage`)."""

    kind: str
    id: str
    title: str
    action: str
    reason: str
    page_id: str | None
    changes: list[JsonChange]
    diff: str | None = Field(default=None, exclude_if=lambda diff: diff is None)


class JsonKpi(BaseModel):
    """One KPI's verdict: its status now and when its page was last written (None: not known),
    its current value (as a number and as the page writes it), why, and edits taken on it."""

    id: str
    name: str
    team: str
    status: str
    previous_status: str | None
    value: float | None
    value_text: str
    reason: str
    edits: list[JsonEdit]


class JsonGoal(BaseModel):
    """One SMART goal's status now and when its page was last written (None: not known)."""

    id: str
    title: str
    status: str
    previous_status: str | None


class JsonReport(BaseModel):
    """The report as `--report json` writes it; docs/sync-report.schema.json describes it."""

    schema_version: Literal[2]
    dry_run: bool
    as_of: datetime | None
    started: datetime | None
    duration_seconds: float
    summary: dict[str, int]
    requests: int
    kpi_errors: dict[str, str]
    kpi_status: dict[str, str]
    edits: list[JsonEdit]
    unreadable: list[JsonUnreadable]
    data_warnings: list[JsonDataWarning]
    pages: list[JsonPage]
    kpis: list[JsonKpi]
    goals: list[JsonGoal]

    @classmethod
    def of(cls, report: SyncReport) -> JsonReport:
        """The JSON form of a pass's report."""
        edits = [_edit(e) for e in report.edits]
        return cls(
            schema_version=SCHEMA_VERSION,
            dry_run=report.dry_run,
            as_of=report.as_of,
            started=report.started,
            duration_seconds=round(report.duration, 3),
            summary=report.counts(),
            requests=report.requests,
            kpi_errors=report.kpi_errors,
            kpi_status={kpi_id: status.value for kpi_id, status in report.kpi_status.items()},
            edits=edits,
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
                    changes=[JsonChange(**vars(c)) for c in p.changes],
                    diff=p.diff,
                )
                for p in report.pages
            ],
            kpis=[_kpi(v, report, edits) for v in report.verdicts],
            goals=[
                JsonGoal(
                    id=goal.goal_id,
                    title=goal.title,
                    status=goal.status.value,
                    previous_status=before.value if before is not None else None,
                )
                for goal in report.goals
                for before in [report.goal_status_before.get(goal.goal_id)]
            ],
        )


def report_schema() -> dict[str, Any]:
    """The JSON Schema of the report, as docs/sync-report.schema.json holds it."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/confluence-kpi/confluence-kpi/docs/sync-report.schema.json",
        **JsonReport.model_json_schema(mode="serialization"),
        "title": f"confluence-kpi sync --report json, schema version {SCHEMA_VERSION}",
    }


def print_json(report: SyncReport, out: TextIO) -> None:
    """Writes the report as JSON, indented."""
    out.write(visible_json(JsonReport.of(report).model_dump_json(indent=2)) + "\n")


def _edit(edit: Edit) -> JsonEdit:
    change = edit.change
    return JsonEdit(
        kind=edit.key.kind,
        id=edit.key.id,
        field=change.field,
        old=change.old,
        new=change.new,
        origin=change.origin.value,
    )


def _kpi(verdict: Verdict, report: SyncReport, edits: list[JsonEdit]) -> JsonKpi:
    before = report.kpi_status_before.get(verdict.kpi_id)
    return JsonKpi(
        id=verdict.kpi_id,
        name=verdict.name,
        team=verdict.team,
        status=verdict.status.value,
        previous_status=before.value if before is not None else None,
        value=verdict.value,
        value_text=verdict.value_text,
        reason=verdict.reason,
        edits=[e for e in edits if e.kind == "kpi" and e.id == verdict.kpi_id],
    )
