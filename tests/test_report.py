"""The sync report as a person reads it: every page result shown, whatever its action."""

from __future__ import annotations

import io
import json

import pytest

from confluence_kpi.memory import PageKey
from confluence_kpi.model import Note, NoteCode, Status
from confluence_kpi.pages.merge import FieldChange, Origin
from confluence_kpi.pages.parse import Unreadable
from confluence_kpi.report import Action, DataWarning, Edit, FieldDelta, PageResult, SyncReport
from confluence_kpi.report_json import print_json
from confluence_kpi.terminal import print_text


@pytest.mark.parametrize("action", list(Action))
def test_every_action_is_shown_in_the_text_report(action: Action) -> None:
    report = SyncReport(dry_run=False)
    report.pages.append(PageResult(PageKey("kpi", "tickets"), "KPI: Tickets", action, "why"))
    out = io.StringIO()

    print_text(report, out)

    [line] = [line for line in out.getvalue().splitlines() if "KPI: Tickets" in line]
    assert f"│ {action.value} " in line


def test_json_report_has_the_shape_programs_read() -> None:
    key = PageKey("kpi", "tickets")
    report = SyncReport(dry_run=True, requests=4, kpi_errors={"nps": "source down"})
    report.kpi_status["tickets"] = Status.AT_RISK
    report.edits.append(
        Edit(key, "KPI: Tickets", FieldChange("owner", "Jane", "Piet", Origin.PAGE))
    )
    report.unreadable.append((key, Unreadable("target", "soon", "not a number")))
    report.data_warnings.append(
        DataWarning("tickets", Note(NoteCode.LEFT_OUT_LATER, (("count", "2"),)))
    )
    change = FieldDelta("Status", "On track", "At risk")
    report.pages.append(
        PageResult(key, "KPI: Tickets", Action.UPDATE, "changed", "42", "- a", (change,))
    )
    report.pages.append(PageResult(PageKey("team", "ops"), "Team: Ops", Action.CREATE))
    out = io.StringIO()

    print_json(report, out)

    # Version 2 added schema_version, as_of, started, duration_seconds, each page's changes
    # and the kpis list, then the goals list; every field of version 1 is still there, as it was.
    assert json.loads(out.getvalue()) == {
        "schema_version": 2,
        "dry_run": True,
        "as_of": None,
        "started": None,
        "duration_seconds": 0.0,
        "summary": {"created": 1, "updated": 1, "unchanged": 0, "retired": 0, "failed": 0},
        "requests": 4,
        "kpi_errors": {"nps": "source down"},
        "kpi_status": {"tickets": "at_risk"},
        "edits": [
            {
                "kind": "kpi",
                "id": "tickets",
                "field": "owner",
                "old": "Jane",
                "new": "Piet",
                "origin": "edited on the page",
            }
        ],
        "unreadable": [
            {
                "kind": "kpi",
                "id": "tickets",
                "field": "target",
                "text": "soon",
                "reason": "not a number",
            }
        ],
        "data_warnings": [
            {
                "kpi": "tickets",
                "code": "left_out_later",
                "values": {"count": "2"},
                "message": "2 measurement(s) dated after this evaluation were left out.",
            }
        ],
        "pages": [
            {
                "kind": "kpi",
                "id": "tickets",
                "title": "KPI: Tickets",
                "action": "updated",
                "reason": "changed",
                "page_id": "42",
                "changes": [{"field": "Status", "before": "On track", "after": "At risk"}],
                "diff": "- a",
            },
            {
                "kind": "team",
                "id": "ops",
                "title": "Team: Ops",
                "action": "created",
                "reason": "",
                "page_id": None,
                "changes": [],
            },
        ],
        "kpis": [],
        "goals": [],
    }
