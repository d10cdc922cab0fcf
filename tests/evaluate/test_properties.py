"""Properties that hold for any data: ratios from totals, staleness, monotone verdicts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confluence_kpi.evaluate import evaluate_kpi
from confluence_kpi.model import Direction, Grain, Measurement, Status
from confluence_kpi.periods import period_index, period_start

from .factories import AMSTERDAM, UTC_ZONE, at, baseline, kpi, target, utc

SEVERITY = list(Status)  # best first
START = utc(2025, 12, 20)
SPAN_DAYS = 400


@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, SPAN_DAYS * 86_400),
            st.integers(0, 50),
            st.integers(1, 50),
        ),
        min_size=1,
        max_size=40,
    ),
    grain=st.sampled_from(Grain),
    week_start=st.integers(0, 6),
)
def test_ratio_equals_sum_of_numerators_over_sum_of_denominators_at_every_grain(
    rows: list[tuple[int, int, int]], grain: Grain, week_start: int
) -> None:
    series = [
        Measurement(START + timedelta(seconds=s), n / d, numerator=n, denominator=d)
        for s, n, d in rows
    ]
    evaluation = evaluate_kpi(
        kpi(grain=grain, aggregation="ratio"),
        series,
        now=START + timedelta(days=SPAN_DAYS + 1),
        zone=AMSTERDAM,
        week_start=week_start,
        history_periods=SPAN_DAYS + 2,
    )
    local_days = [(m.ts.astimezone(AMSTERDAM).date(), m) for m in series]
    for pv in evaluation.history:
        inside = [m for day, m in local_days if pv.period.start <= day < pv.period.end]
        assert pv.count == len(inside)
        if inside:
            totals = sum(m.numerator or 0 for m in inside), sum(m.denominator or 0 for m in inside)
            assert pv.value == pytest.approx(totals[0] / totals[1])
        else:
            assert pv.value is None
    assert sum(pv.count for pv in evaluation.history) == len(series)


# Calendar lengths bound the nominal period used for staleness, whatever its exact value.
# A sprint KPI with a single measurement assumes the usual two-week sprint.
SHORTEST_DAYS = {
    Grain.DAY: 1,
    Grain.WEEK: 7,
    Grain.SPRINT: 14,
    Grain.MONTH: 28,
    Grain.QUARTER: 90,
    Grain.YEAR: 365,
}
LONGEST_DAYS = {**SHORTEST_DAYS, Grain.MONTH: 31, Grain.QUARTER: 92, Grain.YEAR: 366}


def end_of_period(day: date, grain: Grain) -> datetime:
    """The end of the period of `grain` holding `day`; a lone sprint lasts two weeks."""
    if grain is Grain.SPRINT:
        return utc(day.year, day.month, day.day) + timedelta(days=14)
    end = period_start(period_index(day, grain) + 1, grain)
    return utc(end.year, end.month, end.day)


@given(gap_hours=st.integers(0, 24 * 600), grain=st.sampled_from(Grain))
def test_stale_kpi_is_never_on_track(gap_hours: int, grain: Grain) -> None:
    # The value meets its target: only staleness can keep it from being on track. A lone
    # value speaks for its whole period, so its age counts from the period's end.
    now = utc(2027, 6, 1)
    taken = now - timedelta(hours=gap_hours)
    series = at((taken, 10))
    definition = kpi(grain=grain, aggregation="last", target=target(5))
    evaluation = evaluate_kpi(definition, series, now=now, zone=UTC_ZONE)
    age_hours = (now - end_of_period(taken.date(), grain)).total_seconds() / 3600
    if age_hours > 1.5 * 24 * LONGEST_DAYS[grain]:
        assert evaluation.status is Status.STALE
    if age_hours <= 1.5 * 24 * SHORTEST_DAYS[grain]:
        assert evaluation.status is Status.ON_TRACK
    if evaluation.stale_since is not None:
        assert evaluation.status is not Status.ON_TRACK
        assert evaluation.current is not None
        assert evaluation.current.status is Status.STALE


BEHIND = {
    Direction.INCREASE: -1.0,
    Direction.MAINTAIN_ABOVE: -1.0,
    Direction.DECREASE: 1.0,
    Direction.MAINTAIN_BELOW: 1.0,
}
values = st.floats(-1_000, 1_000, allow_nan=False)


@given(
    direction=st.sampled_from(list(BEHIND)),
    start_value=values,
    goal=values,
    value=values,
    behind=st.floats(0, 1_000, allow_nan=False),
    day=st.integers(0, 300),
    dated=st.booleans(),
    with_baseline=st.booleans(),
)
def test_moving_the_latest_value_further_behind_never_improves_the_status(
    direction: Direction,
    start_value: float,
    goal: float,
    value: float,
    behind: float,
    day: int,
    dated: bool,
    with_baseline: bool,
) -> None:
    now = utc(2026, 1, 1, 12) + timedelta(days=day)
    definition = kpi(
        grain="day",
        aggregation="last",
        direction=direction,
        baseline=baseline(start_value, date(2026, 1, 1)) if with_baseline else None,
        target=target(goal, date(2026, 6, 30) if dated else None),
    )

    def status(latest: float) -> Status:
        series = at((now - timedelta(days=2), goal), (now - timedelta(hours=1), latest))
        return evaluate_kpi(definition, series, now=now, zone=UTC_ZONE).status

    worse = value + BEHIND[direction] * behind
    assert SEVERITY.index(status(worse)) >= SEVERITY.index(status(value))
