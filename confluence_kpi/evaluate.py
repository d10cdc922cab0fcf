"""Pure evaluation of KPIs, goals and teams: value per period, change, progress, pace and status.

No clock reads and no I/O: `now` is passed in, so a plan is reproducible. The status follows the
order in reference/kpi-domain.md: no data, stale, deadline passed, maintain bands, pace.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property
from math import fsum, isclose, isfinite
from operator import attrgetter
from zoneinfo import ZoneInfo

from confluence_kpi.aggregate import UnfitDataError, aggregate
from confluence_kpi.model import (
    Aggregation,
    Bands,
    Change,
    Direction,
    Evaluation,
    Goal,
    GoalEvaluation,
    Grain,
    KpiDefinition,
    Measurement,
    Note,
    NoteCode,
    Period,
    PeriodValue,
    Projection,
    RollUp,
    RunRate,
    Status,
    StatusChange,
    Target,
    TeamEvaluation,
    TimeSeries,
)
from confluence_kpi.periods import (
    Calendar,
    FixedCalendar,
    SprintCalendar,
    check_week_start,
    day_start,
    local_date,
    local_midnight,
)

__all__ = [
    "DEFAULT_BANDS",
    "MAINTAIN_MARGIN",
    "MIN_PROJECTION_POINTS",
    "STALE_GRACE",
    "Bands",
    "evaluate_goal",
    "evaluate_kpi",
    "evaluate_team",
    "failed_evaluation",
    "majority",
    "note",
    "run_rate",
    "worst",
]

DEFAULT_BANDS = Bands()
MAINTAIN_MARGIN = 0.05  # this close outside a maintain band, relative to the boundary: at risk
STALE_GRACE = 0.5  # periods of slack after the expected cadence before data counts as stale
MIN_PROJECTION_POINTS = 3  # fewer period values give no projection

# Nominal period lengths for the staleness window: calendar months differ, and a fixed length
# keeps "older than cadence plus grace" a single comparison.
_NOMINAL_DAYS = {
    Grain.DAY: 1.0,
    Grain.WEEK: 7.0,
    Grain.MONTH: 365.2425 / 12,
    Grain.QUARTER: 365.2425 / 4,
    Grain.YEAR: 365.2425,
}
_SPRINT_DAYS = 14  # a sprint cadence on a KPI of another grain: the usual two weeks
_SEVERITY = {status: rank for rank, status in enumerate(Status)}  # Status runs best to worst
# What a team should look at first, most urgent first (the order, then the milder ones).
_ATTENTION = (Status.OFF_TRACK, Status.STALE, Status.MISSED, Status.AT_RISK, Status.NO_DATA)
_MAINTAIN = frozenset({Direction.MAINTAIN_ABOVE, Direction.MAINTAIN_BELOW, Direction.RANGE})
_REACH_SIGN = {Direction.INCREASE: 1.0, Direction.DECREASE: -1.0}
_ts = attrgetter("ts")


# --- targets and verdicts ----------------------------------------------------------------


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
class _Path:
    """The straight line from the baseline (value, start of its date) to the target (value, due)."""

    start: datetime
    end: datetime
    baseline: float
    target: float

    @cached_property
    def _seconds(self) -> float:
        """The length of the path in seconds."""
        return (self.end - self.start).total_seconds()

    def expected(self, at: datetime) -> float:
        """Where the value should be at `at`: the baseline before its date, the target once due."""
        span = self._seconds
        fraction = min(max((at - self.start).total_seconds() / span, 0.0), 1.0) if span > 0 else 1.0
        return self.baseline + (self.target - self.baseline) * fraction


@dataclass(frozen=True)
class _Judge:
    """Judges values against one target of one KPI: steps 3 to 5 of the status order.

    Built once per target (not per value): the deadline and the path are worked out up front.
    """

    target: Target
    direction: Direction
    low: float  # the accepted values, inclusive: `>=` for above, `<=` for below
    high: float
    due: datetime | None  # the end of the target's date in the catalog zone
    line: _Path | None  # reach KPIs with a dated target and a start (baseline or milestone)
    bands: Bands

    @classmethod
    def of(
        cls,
        direction: Direction,
        target: Target,
        start: tuple[datetime, float] | None,
        zone: ZoneInfo,
        bands: Bands,
    ) -> _Judge:
        """The judge against `target`, pacing from `start` (when, value) to the target's date."""
        due = None if target.date is None else day_start(target.date + timedelta(days=1), zone)
        line = None
        if direction in _REACH_SIGN and start is not None and due is not None:
            line = _Path(start[0], due, start[1], target.value)
        low, high = _accepted_range(direction, target)
        return cls(target, direction, low, high, due, line, bands)

    def meets(self, value: float) -> bool:
        """Whether `value` meets the target."""
        return self.low <= value <= self.high

    def outside(self, value: float) -> float:
        """How far `value` lies outside the accepted values; 0 when it meets the target."""
        return max(self.low - value, value - self.high, 0.0)

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
        if self.line is None:
            return Status.AT_RISK  # no baseline or date to pace against: not met is all we know
        return self.pace_status(self.line, value, at)

    def band_status(self, value: float) -> Status:
        """A maintain KPI: inside the band on track, just outside at risk, else off track."""
        if self.meets(value):
            return Status.ON_TRACK
        boundary = self.low if value < self.low else self.high
        near = _at_least(MAINTAIN_MARGIN * abs(boundary), abs(value - boundary))
        return Status.AT_RISK if near else Status.OFF_TRACK

    def pace_status(self, line: _Path, value: float, at: datetime) -> Status:
        """A reach KPI: attainment (actual − start) / (expected − start) against the bands."""
        planned = line.expected(at) - line.baseline
        gained = value - line.baseline
        if planned == 0:
            # Nothing is due yet (at the start, or the target equals the start): only a move
            # the wrong way is a risk.
            return Status.AT_RISK if gained * _REACH_SIGN[self.direction] < 0 else Status.ON_TRACK
        attainment = gained / planned  # for decrease both are negative: the same formula holds
        if _at_least(attainment, self.bands.on_track):
            return Status.ON_TRACK
        return Status.AT_RISK if _at_least(attainment, self.bands.at_risk) else Status.OFF_TRACK


def _judges(kpi: KpiDefinition, zone: ZoneInfo, bands: Bands) -> tuple[_Judge, ...]:
    """One judge per target in the order they fall due; each paces from the one before it
    (the first from the baseline), so the expected path runs through every milestone."""
    start = (
        None if kpi.baseline is None else (day_start(kpi.baseline.date, zone), kpi.baseline.value)
    )
    judges = []
    for target in kpi.targets:
        judge = _Judge.of(kpi.direction, target, start, zone, bands)
        judges.append(judge)
        if judge.due is not None:
            start = (judge.due, target.value)
    return tuple(judges)


def _at_least(number: float, bound: float) -> bool:
    """`number >= bound`, forgiving float noise: 2.1 is 5 % above 2 as written, though
    2.1 − 2 computes to 0.10000000000000009; a verdict must not flip on the last bit."""
    return number >= bound or isclose(number, bound, rel_tol=1e-9)


# --- periods of one series -------------------------------------------------------------------


def _chronological(series: Sequence[Measurement]) -> TimeSeries:
    """The measurements in time order: a TimeSeries as it is (checked when it was built),
    any other sequence sorted and checked now."""
    return series if isinstance(series, TimeSeries) else TimeSeries.of(series)


@dataclass(frozen=True)
class _Cutter:
    """Cuts one time-ordered series into periods of its KPI's grain and values them as of `now`."""

    kpi: KpiDefinition
    measurements: Sequence[Measurement]
    now: datetime
    zone: ZoneInfo
    calendar: Calendar
    judges: tuple[_Judge, ...]  # one per target, in the order they fall due
    cumulative: bool  # the KPI's, looked up once: every period asks

    def judge_for(self, period: Period) -> _Judge | None:
        """The judge of the target in effect in `period`: the first not yet due at its end (the
        last once all are due), so changing a later target never rewrites an earlier verdict."""
        if len(self.judges) < 2:  # one target or none: nothing to choose (most KPIs)
            return self.judges[0] if self.judges else None
        end = day_start(period.end, self.zone)
        for judge in self.judges:
            if judge.due is None or judge.due >= end:
                return judge
        return self.judges[-1] if self.judges else None

    def index_of(self, instant: datetime) -> int:
        """The number of the period containing `instant`."""
        return self.calendar.index(local_date(instant, self.zone))

    def values(self, indices: range) -> list[PeriodValue]:
        """The value of each consecutive period in `indices`, with its target and verdict."""
        ms = self.measurements
        first = self.calendar.period(indices.start)
        low = bisect_left(ms, local_midnight(first.start, self.zone), key=_ts)
        result = []
        for index in indices:
            current = self.calendar.period(index)
            end = local_midnight(current.end, self.zone)
            high = bisect_left(ms, end, low, key=_ts)  # each period starts where the last ended
            result.append(self.value(current, ms[low:high], end))
            low = high
        return result

    def value(self, current: Period, chunk: Sequence[Measurement], end: datetime) -> PeriodValue:
        """One period's value, judged at its end (or its latest data while it runs)."""
        at = min(end, self.now)
        # A derived KPI's series holds one value per period, already computed by its formula.
        how = Aggregation.LAST if self.kpi.formula is not None else self.kpi.aggregation
        warning = None
        try:
            value = aggregate(how, chunk, at, self.kpi.scale) if chunk else None
        except UnfitDataError as unfit:
            value, warning = None, note(unfit.code, period=current.label, **unfit.values)
        judged = value
        judge = self.judge_for(current)
        if chunk and at < end:
            # A running period is judged as of its latest measurement, not as of now: the
            # verdict (and the page) stays the same until new data arrives.
            at = chunk[-1].ts
            if value is not None and self.cumulative:
                # A sum so far would be judged against a whole period's target: judge its pace.
                judged = run_rate(current, value, at, self.zone, _target_of(judge)).projected
        return PeriodValue(
            period=current,
            value=value,
            count=len(chunk),
            complete=self.now >= end,
            target=None if judge is None else judge.target.value,
            status=None if judge is None or judged is None else judge.verdict(judged, at),
            warning=warning,
        )


def run_rate(
    current: Period, to_date: float, last: datetime, zone: ZoneInfo, target: Target | None
) -> RunRate:
    """The pace of a cumulative value within its period, counted in whole local days.

    The day of the latest measurement counts as elapsed: daily data is often stamped at
    midnight, and stands for the whole day.
    """
    total = (current.end - current.start).days
    elapsed = min(max((local_date(last, zone) - current.start).days + 1, 1), total)
    left = total - elapsed
    rate = to_date / elapsed
    required = None if target is None or not left else (target.value - to_date) / left
    return RunRate(
        to_date,
        elapsed,
        left,
        rate,
        rate * total,
        None if target is None else target.value,
        required,
    )


def projection(
    history: Sequence[PeriodValue], cutter: _Cutter, due: datetime, *, skip_running: bool
) -> Projection | None:
    """The least-squares line through the history's values, read at the period of `due`.

    A running period of a cumulative KPI holds a partial sum and is left out (`skip_running`).
    None with fewer than MIN_PROJECTION_POINTS values: two points make a line, not a trend.
    """
    first = cutter.index_of(day_start(history[0].period.start, cutter.zone))
    points = [
        (float(position), pv.value)
        for position, pv in enumerate(history)
        if pv.value is not None and not (skip_running and not pv.complete)
    ]
    if len(points) < MIN_PROJECTION_POINTS:
        return None
    mean_x = fsum(x for x, _ in points) / len(points)
    mean_y = fsum(y for _, y in points) / len(points)
    spread = fsum((x - mean_x) ** 2 for x, _ in points)
    slope = fsum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    # The deadline is the end of the target's date: its period is the one holding the day before.
    at = cutter.index_of(due - timedelta(microseconds=1)) - first
    value = _finite(mean_y + slope * (at - mean_x))
    if value is None or not isfinite(slope):
        return None
    return Projection(
        value, local_date(due - timedelta(microseconds=1), cutter.zone), len(points), slope
    )


# --- evaluation ------------------------------------------------------------------------------


def evaluate_kpi(
    kpi: KpiDefinition,
    series: Sequence[Measurement],
    *,
    now: datetime,
    zone: ZoneInfo,
    week_start: int = 0,
    bands: Bands = DEFAULT_BANDS,
    history_periods: int = 24,
) -> Evaluation:
    """Evaluates one KPI as of `now`: history per period, current value, change, progress, status.

    Measurements dated after `now` are left out (and said so), so evaluating as of an earlier
    moment reproduces what was known then.
    """
    if now.utcoffset() is None:
        raise ValueError("now must carry a time zone")
    check_week_start(week_start)
    if history_periods < 1:
        raise ValueError(f"history_periods must be at least 1, not {history_periods}")
    ordered = _chronological(series)
    known = bisect_right(ordered, now, key=_ts)
    notes, far_ahead = _later_data(kpi, ordered[known:], now, zone)
    if not known:
        return replace(
            _unevaluated(kpi.id, now, notes=(note(NoteCode.NO_DATA), *notes)), warnings=far_ahead
        )
    judges = _judges(kpi, zone, bands)
    calendar: Calendar = FixedCalendar(kpi.grain, week_start)
    if kpi.grain is Grain.SPRINT:
        calendar, ordered = _in_sprints(ordered, zone)
        known = bisect_right(ordered, now, key=_ts)
    cutter = _Cutter(kpi, ordered[:known], now, zone, calendar, judges, kpi.cumulative)
    last_data = ordered[known - 1].ts
    now_index = cutter.index_of(now)
    first_index = max(cutter.index_of(ordered[0].ts), now_index - history_periods + 1)
    history = cutter.values(range(first_index, now_index + 1))

    # Current is the running period, or else the latest period with a value (even if that is
    # older than the history shown); previous is the period right before it.
    with_value = [i for i, pv in enumerate(history) if pv.value is not None]
    current_index = first_index + with_value[-1] if with_value else cutter.index_of(last_data)
    current, previous = _pick(cutter, history, first_index, current_index)

    judge = cutter.judge_for(current.period)
    final = cutter.judges[-1] if cutter.judges else None
    stale = _is_stale(kpi, last_data, now, calendar)
    stale_since = local_date(last_data, zone) if stale else None
    if stale_since is not None:
        status = Status.STALE
        current = replace(current, status=Status.STALE)  # still shown, marked as not current
        notes.append(note(NoteCode.STALE_SINCE, date=stale_since.isoformat()))
    else:
        status = _status(final, history, current, now, notes)
    running = kpi.cumulative and not current.complete
    return Evaluation(
        kpi_id=kpi.id,
        as_of=now,
        status=status,
        current=current,
        previous=previous,
        change=_change(kpi.direction, judge, previous, current),
        history=tuple(history),
        last_data=last_data,
        stale_since=stale_since,
        progress=_progress(kpi, current.value),
        expected=None
        if judge is None or judge.line is None
        else _finite(judge.line.expected(_judged_at(current, last_data, zone))),
        notes=tuple(notes),
        warnings=(*(pv.warning for pv in history if pv.warning is not None), *far_ahead),
        run_rate=run_rate(current.period, current.value, last_data, zone, _target_of(judge))
        if running and current.value is not None
        else None,
        projection=None
        if final is None or final.due is None or final.is_due(now)
        else projection(history, cutter, final.due, skip_running=kpi.cumulative),
        milestone=None if judge is None else judge.target,
    )


def _later_data(
    kpi: KpiDefinition, later: Sequence[Measurement], now: datetime, zone: ZoneInfo
) -> tuple[list[Note], tuple[Note, ...]]:
    """The note on measurements dated after `now`, which are left out, and the data warning
    on those dated more than one period of the KPI's grain after it.

    A few measurements after the evaluation's moment are normal (evaluating as of an earlier
    moment leaves out what came later); one a period or more ahead is almost surely a typo
    in its date (2031 for 2026), and easy to miss as a note."""
    horizon = now + timedelta(days=_NOMINAL_DAYS.get(kpi.grain, _SPRINT_DAYS))
    near = bisect_right(later, horizon, key=_ts)
    far = len(later) - near
    notes = [note(NoteCode.LEFT_OUT_LATER, count=str(near))] if near else []
    if not far:
        return notes, ()
    first = local_date(later[near].ts, zone).isoformat()
    return notes, (note(NoteCode.FAR_AHEAD, date=first, count=str(far)),)


def _target_of(judge: _Judge | None) -> Target | None:
    """The target a judge judges against, if there is a judge."""
    return None if judge is None else judge.target


def note(code: NoteCode, **values: str) -> Note:
    """A note with its values, in a stable order (so equal evaluations compare equal)."""
    return Note(code, tuple(sorted(values.items())))


def _judged_at(current: PeriodValue, last_data: datetime, zone: ZoneInfo) -> datetime:
    """The moment the current value stands for: its period's end, or the last data while the
    period runs (so "expected now" moves only when data does)."""
    return day_start(current.period.end, zone) if current.complete else last_data


def _is_stale(kpi: KpiDefinition, last_data: datetime, now: datetime, calendar: Calendar) -> bool:
    """Whether the last data is older than the expected cadence plus half a period of grace."""
    cadence = kpi.expected_cadence
    if cadence is Grain.SPRINT:
        # Sprints last as long as the source makes them; the calendar knows the usual length.
        days = float(calendar.length if isinstance(calendar, SprintCalendar) else _SPRINT_DAYS)
    else:
        days = _NOMINAL_DAYS[cadence]
    window = timedelta(days=days * (1 + STALE_GRACE))
    return now - last_data > window


def _in_sprints(
    ordered: Sequence[Measurement], zone: ZoneInfo
) -> tuple[SprintCalendar, TimeSeries]:
    """The sprints the source named, and each measurement moved inside its own sprint.

    A row's time may be its sprint's last day or the next one's first (when "ended on" is
    recorded): the sprint the row names decides, so its time is kept within that sprint.
    """
    starts = [m.period_start or local_date(m.ts, zone) for m in ordered]
    calendar = SprintCalendar.of(starts)
    placed = []
    for measurement, start in zip(ordered, starts, strict=True):
        sprint = calendar.period(calendar.index(start))
        first, end = day_start(sprint.start, zone), day_start(sprint.end, zone)
        ts = min(max(measurement.ts, first), end - timedelta(microseconds=1))
        placed.append(measurement._replace(ts=ts))
    return calendar, TimeSeries.of(placed)


def _pick(
    cutter: _Cutter, history: list[PeriodValue], first_index: int, current_index: int
) -> tuple[PeriodValue, PeriodValue]:
    """The current and previous periods, taken from the history or valued when older than it."""
    if current_index - 1 >= first_index:
        position = current_index - first_index
        return history[position], history[position - 1]
    previous, current = cutter.values(range(current_index - 1, current_index + 1))
    return current, previous


def _status(
    final: _Judge | None,
    history: Sequence[PeriodValue],
    current: PeriodValue,
    now: datetime,
    notes: list[Note],
) -> Status:
    """Steps 3 to 5 of the status order for data that is fresh; says in `notes` what is missing.

    Before the final deadline the current period's own verdict holds (judged at its end, or at
    its latest data while it runs), so the status moves with the data and not with the clock.
    """
    judged = current
    if final is not None and final.is_due(now):
        # Once due, the last complete period decides: a period still running proves nothing.
        complete = [pv for pv in history if pv.complete and pv.value is not None]
        judged = complete[-1] if complete else current
    if judged.value is None:
        notes.append(note(NoteCode.NO_DATA))
        return Status.NO_DATA
    if final is None:
        return Status.NO_TARGET
    if final.is_due(now):
        return Status.ACHIEVED if final.meets(judged.value) else Status.MISSED
    return current.status or Status.NO_TARGET


def _change(
    direction: Direction, judge: _Judge | None, previous: PeriodValue, current: PeriodValue
) -> Change | None:
    """Current against previous; relative is None from a zero base; `good` knows the direction."""
    if previous.value is None or current.value is None:
        return None
    absolute = current.value - previous.value
    if not isfinite(absolute):
        return None
    relative = _finite(absolute / abs(previous.value)) if previous.value else None
    return Change(absolute, relative, _good(direction, judge, previous.value, current.value))


def _good(direction: Direction, judge: _Judge | None, before: float, after: float) -> bool | None:
    """Whether moving from `before` to `after` is good: up for increase, down for decrease,
    toward or inside the band for maintain and range; None without change or preference."""
    if after == before:
        return None
    if direction in _REACH_SIGN:
        return (after - before) * _REACH_SIGN[direction] > 0
    if judge is None:
        return None
    return judge.outside(after) == 0 or judge.outside(after) < judge.outside(before)


def _progress(kpi: KpiDefinition, value: float | None) -> float | None:
    """The share of the way from baseline to target: (value − baseline) / (target − baseline)."""
    if value is None or kpi.baseline is None or kpi.target is None:
        return None
    planned = kpi.target.value - kpi.baseline.value
    return _finite((value - kpi.baseline.value) / planned) if planned else None


def _finite(number: float) -> float | None:
    """`number`, or None when it is NaN or infinite: results never carry either."""
    return number if isfinite(number) else None


def _unevaluated(
    kpi_id: str, now: datetime, *, notes: tuple[Note, ...], error: str | None = None
) -> Evaluation:
    """An evaluation without data: status no data, nothing current, nothing in the history."""
    return Evaluation(
        kpi_id=kpi_id,
        as_of=now,
        status=Status.NO_DATA,
        current=None,
        previous=None,
        change=None,
        history=(),
        last_data=None,
        notes=notes,
        error=error,
    )


def failed_evaluation(kpi: KpiDefinition, error: str, *, now: datetime) -> Evaluation:
    """The evaluation of a KPI whose source failed: no data, with the reason, so others go on."""
    return _unevaluated(
        kpi.id, now, notes=(note(NoteCode.SOURCE_FAILED, error=error),), error=error
    )


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
    of the progress that is known.

    A KPI the goal names but no evaluation covers counts as no data, never as fine. KPIs without
    a target have no say while others are judged: they cannot tell whether the goal is reached.
    """
    by_id = {evaluation.kpi_id: evaluation for evaluation in kpis}
    members = tuple(
        by_id.get(kpi_id)
        or _unevaluated(kpi_id, now, notes=(note(NoteCode.NOT_EVALUATED),), error="not evaluated")
        for kpi_id in goal.kpis
    )
    how = goal.rollup or rollup
    statuses = [m.status for m in members]
    judged = [status for status in statuses if status is not Status.NO_TARGET] or statuses
    known = [member.progress for member in members if member.progress is not None]
    return GoalEvaluation(
        goal_id=goal.id,
        status=_ROLL_UP[how](judged),
        progress=_finite(fsum(known) / len(known)) if known else None,
        kpis=members,
        rollup=how,
    )


def evaluate_team(
    team_id: str, kpis: Sequence[Evaluation], goals: Sequence[GoalEvaluation]
) -> TeamEvaluation:
    """A team's KPIs and goals, counts by status, what needs attention (off track, stale, missed,
    at risk, no data: in that order) and which verdicts changed since the previous period."""
    counts = dict.fromkeys(Status, 0)
    for evaluation in kpis:
        counts[evaluation.status] += 1
    needing = [e for e in kpis if e.status in _ATTENTION]
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
        attention=tuple(sorted(needing, key=lambda e: _ATTENTION.index(e.status))),
        changed=changed,
    )
