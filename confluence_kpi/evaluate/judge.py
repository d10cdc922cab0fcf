"""Judging a KPI's values against its targets: what meets a target, the plan toward it, and
the verdict of one value at one moment (steps 3 to 5 of docs/kpi-formulas.md, "Status").

A KPI's direction says what meets a target; a reach KPI (increase, decrease) is paced along
its plan, a straight line from the baseline through each milestone to the final target; a KPI
that holds a level is judged by its distance to the band (docs/kpi-formulas.md, "Targets,
milestones and the plan").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from math import isclose
from zoneinfo import ZoneInfo

from confluence_kpi.model import Bands, Direction, KpiDefinition, Status, Target
from confluence_kpi.periods import day_start

MAINTAIN_MARGIN = 0.05  # this close outside a maintain band, relative to the boundary: at risk
# Reach KPIs, and which way is good for them.
REACH_SIGN = {Direction.INCREASE: 1.0, Direction.DECREASE: -1.0}
_MAINTAIN = frozenset({Direction.MAINTAIN_ABOVE, Direction.MAINTAIN_BELOW, Direction.RANGE})


def _accepted_range(direction: Direction, target: Target) -> tuple[float, float]:
    """The values that meet `target`, as an inclusive [low, high]; an open side is infinite."""
    match direction:
        case Direction.INCREASE | Direction.MAINTAIN_ABOVE:
            return target.value, float("inf")
        case Direction.DECREASE | Direction.MAINTAIN_BELOW:
            return float("-inf"), target.value
        case Direction.RANGE:
            upper = float("inf") if target.upper is None else target.upper
            return min(target.value, upper), max(target.value, upper)


@dataclass(frozen=True)
class Plan:
    """The plan toward a target: the straight line from the baseline (value, start of its date),
    or the milestone before, to the target (value, due)."""

    start: datetime
    end: datetime
    baseline: float
    target: float

    @cached_property
    def _seconds(self) -> float:
        """The length of the plan in seconds."""
        return (self.end - self.start).total_seconds()

    def expected(self, at: datetime) -> float:
        """Where the value should be at `at`: the baseline before its date, the target once due."""
        span = self._seconds
        fraction = min(max((at - self.start).total_seconds() / span, 0.0), 1.0) if span > 0 else 1.0
        return self.baseline + (self.target - self.baseline) * fraction


@dataclass(frozen=True)
class Judge:
    """Judges values against one target of one KPI: steps 3 to 5 of the status order.

    Built once per target (not per value): the deadline and the plan are worked out up front.
    """

    target: Target
    direction: Direction
    low: float  # the accepted values, inclusive: `>=` for above, `<=` for below
    high: float
    due: datetime | None  # the end of the target's date in the catalog zone
    plan: Plan | None  # reach KPIs with a dated target and a start (baseline or milestone)
    bands: Bands

    @classmethod
    def of(
        cls,
        direction: Direction,
        target: Target,
        start: tuple[datetime, float] | None,
        zone: ZoneInfo,
        bands: Bands,
    ) -> Judge:
        """The judge against `target`, pacing from `start` (when, value) to the target's date."""
        due = None if target.date is None else day_start(target.date + timedelta(days=1), zone)
        plan = None
        if direction in REACH_SIGN and start is not None and due is not None:
            plan = Plan(start[0], due, start[1], target.value)
        low, high = _accepted_range(direction, target)
        return cls(target, direction, low, high, due, plan, bands)

    def meets(self, value: float) -> bool:
        """Whether `value` meets the target."""
        return self.low <= value <= self.high

    def outside(self, value: float) -> float:
        """How far `value` lies outside the accepted values; 0 when it meets the target."""
        return max(self.low - value, value - self.high, 0.0)

    def room(self, value: float) -> float:
        """How far `value` lies inside the accepted values from the nearest edge."""
        return min(value - self.low, self.high - value)

    def scale(self, value: float) -> float:
        """The size of the edge nearest to `value`: what "close to it" is measured by."""
        edge = self.low if value - self.low <= self.high - value else self.high
        return abs(edge)

    def is_due(self, at: datetime) -> bool:
        """Whether the target's date has passed at `at`."""
        return self.due is not None and at >= self.due

    def verdict(self, value: float, at: datetime) -> Status:
        """Achieved/missed once due; else maintain bands, pace, or a plain comparison."""
        if self.is_due(at):
            return Status.ACHIEVED if self.meets(value) else Status.MISSED
        if self.direction in _MAINTAIN:
            return self.band_status(value)
        if self.meets(value):
            return Status.ON_TRACK
        if self.plan is None:
            return Status.AT_RISK  # no baseline or date to pace against: not met is all we know
        return self.pace_status(self.plan, value, at)

    def band_status(self, value: float) -> Status:
        """A maintain KPI: inside the band on track, just outside at risk, else off track."""
        if self.meets(value):
            return Status.ON_TRACK
        boundary = self.low if value < self.low else self.high
        near = _at_least(MAINTAIN_MARGIN * abs(boundary), abs(value - boundary))
        return Status.AT_RISK if near else Status.OFF_TRACK

    def pace_status(self, plan: Plan, value: float, at: datetime) -> Status:
        """A reach KPI: attainment (actual − start) / (expected − start) against the bands."""
        planned = plan.expected(at) - plan.baseline
        gained = value - plan.baseline
        if planned == 0:
            # Nothing is due yet (at the start, or the target equals the start): only a move
            # the wrong way is a risk.
            return Status.AT_RISK if gained * REACH_SIGN[self.direction] < 0 else Status.ON_TRACK
        attainment = gained / planned  # for decrease both are negative: the same formula holds
        if _at_least(attainment, self.bands.on_track):
            return Status.ON_TRACK
        return Status.AT_RISK if _at_least(attainment, self.bands.at_risk) else Status.OFF_TRACK


def judges(kpi: KpiDefinition, zone: ZoneInfo, bands: Bands) -> tuple[Judge, ...]:
    """One judge per target in the order they fall due; each paces from the one before it
    (the first from the baseline), so the plan runs through every milestone."""
    start = (
        None if kpi.baseline is None else (day_start(kpi.baseline.date, zone), kpi.baseline.value)
    )
    found = []
    for target in kpi.targets:
        judge = Judge.of(kpi.direction, target, start, zone, bands)
        found.append(judge)
        if judge.due is not None:
            start = (judge.due, target.value)
    return tuple(found)


def _at_least(number: float, bound: float) -> bool:
    """`number >= bound`, forgiving float noise: 2.1 is 5 % above 2 as written, though
    2.1 − 2 computes to 0.10000000000000009; a verdict must not flip on the last bit."""
    return number >= bound or isclose(number, bound, rel_tol=1e-9)
