"""The sync report as a person reads it: every page result shown, whatever its action."""

from __future__ import annotations

import io

import pytest

from confluence_kpi.memory import PageKey
from confluence_kpi.report import print_report
from confluence_kpi.sync import Action, PageResult, SyncReport


@pytest.mark.parametrize("action", list(Action))
def test_every_action_is_shown_in_the_text_report(action: Action) -> None:
    report = SyncReport(dry_run=False)
    report.pages.append(PageResult(PageKey("kpi", "tickets"), "KPI: Tickets", action, "why"))
    out = io.StringIO()

    print_report(report, "text", out)

    [line] = [line for line in out.getvalue().splitlines() if "KPI: Tickets" in line]
    assert f"│ {action.value} " in line
