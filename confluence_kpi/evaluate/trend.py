"""Where a KPI's value is going: the change against the previous period, like for like, and
whether it is good for the KPI (docs/kpi-formulas.md, "Change (the trend)"); the projection
of the trend to the final deadline (docs/kpi-formulas.md, "Projection").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from math import fsum, isfinite

from confluence_kpi.evaluate.cutter import Cutter
from confluence_kpi.evaluate.judge import MAINTAIN_MARGIN, REACH_SIGN, Judge
from confluence_kpi.evaluate.results import finite
from confluence_kpi.model import Change, Direction, PeriodValue, Projection
from confluence_kpi.periods import day_start, local_date

MIN_PROJECTION_POINTS = 3  # fewer period values give no projection


def change(
    cutter: Cutter, judge: Judge | None, previous: PeriodValue, current: PeriodValue
) -> Change | None:
    """Current against previous, like for like: a running period's days so far against the
    same number of days at the start of the previous period, never against a whole period.

    Relative is None from a zero base; `good` knows the direction."""
    days = None
    before = previous.value
    if current.partial:
        elapsed = (cutter.through(cutter.last_data) - current.period.start).days + 1
        days = min(max(elapsed, 1), (previous.period.end - previous.period.start).days)
        before = cutter.part(previous.period, days)
    if before is None or current.value is None:
        return None
    absolute = current.value - before
    if not isfinite(absolute):
        return None
    relative = finite(absolute / abs(before)) if before else None
    good = _good(cutter.kpi.direction, judge, before, current.value)
    return Change(absolute, relative, good, days)


def _good(direction: Direction, judge: Judge | None, before: float, after: float) -> bool | None:
    """Whether moving from `before` to `after` is good for the KPI; None when it is neutral.

    Up is good for increase, down for decrease. A maintain or range KPI is judged by its
    distance to the band: coming closer (or in) is good, going further (or out) bad; inside the
    band with room to spare any move is neutral, and only a move toward an edge it is already
    close to is bad (the warning a team wants before the verdict turns)."""
    if after == before:
        return None
    if direction in REACH_SIGN:
        return (after - before) * REACH_SIGN[direction] > 0
    if judge is None:
        return None
    outside_before, outside_after = judge.outside(before), judge.outside(after)
    if outside_before or outside_after:
        return None if outside_after == outside_before else outside_after < outside_before
    room_before, room_after = judge.room(before), judge.room(after)
    if room_after > MAINTAIN_MARGIN * judge.scale(after):
        return None
    return room_after > room_before


def projection(cutter: Cutter, history: Sequence[PeriodValue]) -> Projection | None:
    """The least-squares line through the history's values, read at the period of the final
    target's deadline; None without a dated final target, or once it is due.

    A running period of a summed KPI holds a partial total and is left out. None with fewer
    than MIN_PROJECTION_POINTS values: two points make a line, not a trend.
    """
    final = cutter.final
    if final is None or final.due is None or final.is_due(cutter.now):
        return None
    due = final.due
    first = cutter.index_of(day_start(history[0].period.start, cutter.zone))
    skip_partial = cutter.accumulating
    points = [
        (float(position), pv.value)
        for position, pv in enumerate(history)
        if pv.value is not None and not (skip_partial and pv.partial)
    ]
    if len(points) < MIN_PROJECTION_POINTS:
        return None
    mean_x = fsum(x for x, _ in points) / len(points)
    mean_y = fsum(y for _, y in points) / len(points)
    spread = fsum((x - mean_x) ** 2 for x, _ in points)
    slope = fsum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    # The deadline is the end of the target's date: its period is the one holding the day before.
    at = cutter.index_of(due - timedelta(microseconds=1)) - first
    value = finite(mean_y + slope * (at - mean_x))
    if value is None or not isfinite(slope):
        return None
    return Projection(
        value, local_date(due - timedelta(microseconds=1), cutter.zone), len(points), slope
    )
