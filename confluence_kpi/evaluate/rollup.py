"""Goals and teams from their KPIs' evaluations: a goal's status rolled up and its progress, a
team's counts, what needs attention and which verdicts changed (docs/kpi-formulas.md, "Goals
and teams").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from math import fsum

from confluence_kpi.evaluate.results import finite, note, unevaluated
from confluence_kpi.model import (
    Evaluation,
    Goal,
    GoalEvaluation,
    NoteCode,
    RollUp,
    Status,
    StatusChange,
    TeamEvaluation,
)

_SEVERITY = {status: rank for rank, status in enumerate(Status)}  # Status runs best to worst
# What a team should look at first, most urgent first (docs/kpi-formulas.md, "Goals and teams").
_ATTENTION = (Status.OFF_TRACK, Status.STALE, Status.MISSED, Status.AT_RISK, Status.NO_DATA)


def worst(statuses: Iterable[Status]) -> Status:
    """The status needing the most attention; no data when there are none."""
    return max(statuses, key=_SEVERITY.__getitem__, default=Status.NO_DATA)


def majority(statuses: Iterable[Status]) -> Status:
    """The status most often given; a tie goes to the worse one; no data when there are none."""
    counted = Counter(statuses)
    return max(counted, key=lambda s: (counted[s], _SEVERITY[s]), default=Status.NO_DATA)


_ROLL_UP = {RollUp.WORST: worst, RollUp.MAJORITY: majority}


def evaluate_goal(
    goal: Goal, kpis: Sequence[Evaluation], *, now: datetime, rollup: RollUp = RollUp.WORST
) -> GoalEvaluation:
    """Rolls a goal up from its KPIs by the goal's roll-up (else `rollup`); progress is the mean
    of the progress that is known, each KPI's between none and all of its way.

    A KPI the goal names but no evaluation covers counts as no data, never as fine. KPIs without
    a target have no say while others are judged: they cannot tell whether the goal is reached.
    """
    by_id = {evaluation.kpi_id: evaluation for evaluation in kpis}
    members = tuple(
        by_id.get(kpi_id)
        or unevaluated(kpi_id, now, notes=(note(NoteCode.NOT_EVALUATED),), error="not evaluated")
        for kpi_id in goal.kpis
    )
    how = goal.rollup or rollup
    statuses = [m.status for m in members]
    judged = [status for status in statuses if status is not Status.NO_TARGET] or statuses
    # A KPI past its target counts as done, one that went the wrong way as not started: one
    # far overshooting KPI must not hide the others (a goal 118 % done, and at risk).
    known = [min(max(m.progress, 0.0), 1.0) for m in members if m.progress is not None]
    return GoalEvaluation(
        goal_id=goal.id,
        status=_ROLL_UP[how](judged),
        progress=finite(fsum(known) / len(known)) if known else None,
        kpis=members,
        rollup=how,
    )


def attention_first(evaluations: Iterable[Evaluation]) -> list[Evaluation]:
    """The evaluations that need attention first, most urgent first (off track, stale, missed,
    at risk, no data), then the others; each status in the order given."""
    last = len(_ATTENTION)
    return sorted(
        evaluations, key=lambda e: _ATTENTION.index(e.status) if e.status in _ATTENTION else last
    )


def evaluate_team(
    team_id: str, kpis: Sequence[Evaluation], goals: Sequence[GoalEvaluation]
) -> TeamEvaluation:
    """A team's KPIs and goals, counts by status, what needs attention (off track, stale, missed,
    at risk, no data: in that order) and which verdicts changed since the previous period."""
    counts = dict.fromkeys(Status, 0)
    for evaluation in kpis:
        counts[evaluation.status] += 1
    changed = tuple(
        StatusChange(e.kpi_id, before, e.status)
        for e in kpis
        if e.previous is not None
        and (before := e.previous.status) is not None
        and before is not e.status
    )
    return TeamEvaluation(
        team_id=team_id,
        counts=counts,
        kpis=tuple(kpis),
        goals=tuple(goals),
        attention=tuple(e for e in attention_first(kpis) if e.status in _ATTENTION),
        changed=changed,
    )
