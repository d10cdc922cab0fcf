"""Pure evaluation of KPIs, goals and teams: value per period, change, progress, pace and status.

No clock reads and no I/O: `now` is passed in, so a plan is reproducible (ARCHITECTURE.md, rule
7). The status follows the order in docs/kpi-formulas.md ("Status"): no data, stale, deadline
passed, maintain bands, pace; the formulas are written out there too.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
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
from confluence_kpi.profile import PATTERN_PERIODS, Profile, even_share, learn

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
# What a team should look at first, most urgent first (docs/kpi-formulas.md, "Goals and teams").
_ATTENTION = (Status.OFF_TRACK, Status.STALE, Status.MISSED, Status.AT_RISK, Status.NO_DATA)
_MAINTAIN = frozenset({Direction.MAINTAIN_ABOVE, Direction.MAINTAIN_BELOW, Direction.RANGE})
_SUMMED = frozenset({Aggregation.SUM, Aggregation.COUNT})
# More measurements per period than this, on average, and the data comes more often than the
# periods: a running period holds only its days so far. One per period is period-stamped data.
_WHOLE_PERIOD_DENSITY = 1.5
# A pattern that puts less of a period's total in its days so far than this is too thin to
# project from (a Sunday morning of a week that starts on Sunday): the even pace is used.
_MIN_PATTERN_SHARE = 0.05
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
    # The periods each measurement stands for, when the data is period-stamped (see `_stamps`).
    stamps: Calendar | None
    profile: Profile | None  # how a running period of a summed KPI usually fills up

    @property
    def whole(self) -> bool:
        """Whether each measurement stands for a whole period of the KPI's grain (or more): a
        running period's value is then its whole value as soon as it is there."""
        return self.stamps is not None and not self.kpi.finer_cadence

    def through(self, instant: datetime) -> date:
        """The last local day that data up to `instant` speaks for: its own day, or for
        period-stamped data the last day of its period (a row for October speaks for October)."""
        day = local_date(instant, self.zone)
        if self.stamps is None:
            return day
        return self.stamps.period(self.stamps.index(day)).end - timedelta(days=1)

    @property
    def grows(self) -> bool:
        """Whether a running period's value covers only its days so far: data that comes more
        often than the periods, aggregated over the period (the last value is a level, whole
        at any moment)."""
        return not self.whole and self.kpi.aggregation is not Aggregation.LAST

    @property
    def accumulating(self) -> bool:
        """Whether a running period's value is a partial total that grows until the period ends:
        a sum or count of data that comes more often than the periods."""
        return not self.whole and self.kpi.formula is None and self.kpi.aggregation in _SUMMED

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
        warning = None
        try:
            value = self._aggregate(chunk, at)
        except UnfitDataError as unfit:
            start = current.start.isoformat()
            warning = note(unfit.code, period=current.label, start=start, **unfit.values)
            value = None
        judged = value
        judge = self.judge_for(current)
        complete = self.now >= end
        if chunk and not complete:
            # A running period is judged as of its latest measurement, not as of now: the
            # verdict (and the page) stays the same until new data arrives.
            at = chunk[-1].ts
            if value is not None and self.accumulating:
                # A total so far would be judged against a whole period's target: judge where
                # the period usually ends from here.
                judged = self.pace(current, value, at, judge).projected
        line = None if judge is None else judge.line
        return PeriodValue(
            period=current,
            value=value,
            count=len(chunk),
            complete=complete,
            target=None if judge is None else judge.target.value,
            upper=None if judge is None else judge.target.upper,
            status=None if judge is None or judged is None else judge.verdict(judged, at),
            partial=not complete and self.grows,
            expected=None if line is None else _finite(line.expected(at)),
            warning=warning,
        )

    def part(self, period: Period, days: int) -> float | None:
        """The value of the first `days` days of `period`: what a running period of that many
        days is compared with, like for like; None when those days give no value one can
        defend (their period's data warning says why)."""
        end_day = min(period.start + timedelta(days=days), period.end)
        ms = self.measurements
        end = local_midnight(end_day, self.zone)
        low = bisect_left(ms, local_midnight(period.start, self.zone), key=_ts)
        try:
            return self._aggregate(ms[low : bisect_left(ms, end, low, key=_ts)], end)
        except UnfitDataError:
            return None

    def pace(
        self, current: Period, to_date: float, last: datetime, judge: _Judge | None
    ) -> RunRate:
        """The pace of the running period's total so far (see `run_rate`)."""
        return run_rate(current, to_date, self.through(last), _target_of(judge), self.profile)

    def _aggregate(self, chunk: Sequence[Measurement], at: datetime) -> float | None:
        """The scaled value of a run of measurements whose last value holds until `at`;
        UnfitDataError when they give no value one can defend."""
        # A derived KPI's series holds one value per period, already computed by its formula.
        how = Aggregation.LAST if self.kpi.formula is not None else self.kpi.aggregation
        return aggregate(how, chunk, at, self.kpi.scale) if chunk else None


def run_rate(
    current: Period,
    to_date: float,
    through: date,
    target: Target | None,
    profile: Profile | None = None,
) -> RunRate:
    """The pace of a total within its period, whose data speaks for the days up to and
    including `through`, counted in whole local days.

    The day of the latest measurement counts as elapsed: daily data is often stamped at
    midnight, and stands for the whole day. The period's total is projected from the share
    its days so far usually hold (`profile`), or from the share of days elapsed without one.
    """
    total = (current.end - current.start).days
    elapsed = min(max((through - current.start).days + 1, 1), total)
    left = total - elapsed
    share = None if profile is None else profile.share(current.start, current.end, through)
    learned = share is not None and share >= _MIN_PATTERN_SHARE
    if share is None or not learned:
        share = even_share(current.start, current.end, through)
    required = None if target is None or not left else target.value - to_date
    return RunRate(
        to_date=to_date,
        days_elapsed=elapsed,
        days_left=left,
        share=share,
        projected=to_date / share,
        target=None if target is None else target.value,
        required=required,
        pattern_periods=profile.periods if learned and profile is not None else 0,
    )


def projection(history: Sequence[PeriodValue], cutter: _Cutter, due: datetime) -> Projection | None:
    """The least-squares line through the history's values, read at the period of `due`.

    A running period of a summed KPI holds a partial total and is left out. None with fewer
    than MIN_PROJECTION_POINTS values: two points make a line, not a trend.
    """
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
    measurements = ordered[:known]
    stamps = _stamps(kpi, measurements, calendar, zone, week_start)
    last_data = measurements[-1].ts
    now_index = calendar.index(local_date(now, zone))
    cutter = _Cutter(kpi, measurements, now, zone, calendar, judges, stamps, profile=None)
    if cutter.accumulating and calendar.index(local_date(last_data, zone)) == now_index:
        # A total runs in the current period: how such a period usually fills up paces it.
        cutter = replace(cutter, profile=_profile(kpi, measurements, calendar, zone, now_index))
    first_index = max(cutter.index_of(ordered[0].ts), now_index - history_periods + 1)
    history = cutter.values(range(first_index, now_index + 1))

    # Current is the running period, or else the latest period with a value (even if that is
    # older than the history shown); previous is the period right before it.
    with_value = [i for i, pv in enumerate(history) if pv.value is not None]
    current_index = first_index + with_value[-1] if with_value else cutter.index_of(last_data)
    current, previous = _pick(cutter, history, first_index, current_index)

    judge = cutter.judge_for(current.period)
    final = cutter.judges[-1] if cutter.judges else None
    data_period = (
        None if stamps is None else stamps.period(stamps.index(local_date(last_data, zone)))
    )
    # Until when the data speaks: a value typed for Q3 speaks for all of Q3.
    covered = last_data if data_period is None else day_start(data_period.end, zone)
    stale_since = None
    if _is_stale(kpi, covered, now, calendar):
        stale_since = local_date(covered - timedelta(microseconds=1), zone)
        status, judged = Status.STALE, current
        current = replace(current, status=Status.STALE)  # still shown, marked as not current
        notes.append(note(NoteCode.STALE_SINCE, date=stale_since.isoformat()))
    else:
        status, judged = _status(final, history, current, now, notes)
    pace = None
    if cutter.accumulating and current.partial and current.value is not None:
        pace = cutter.pace(current.period, current.value, last_data, judge)
    expected = current.expected
    if expected is not None and pace is not None:
        expected *= pace.share  # a total so far: where it should be by now, not by the end
    return Evaluation(
        kpi_id=kpi.id,
        as_of=now,
        status=status,
        current=current,
        previous=previous,
        change=_change(cutter, judge, previous, current, last_data),
        history=tuple(history),
        last_data=last_data,
        stale_since=stale_since,
        # A total so far is no progress figure: the last whole period's is.
        progress=_progress(kpi, current.value if pace is None else previous.value),
        expected=expected,
        notes=tuple(notes),
        warnings=(*(pv.warning for pv in history if pv.warning is not None), *far_ahead),
        run_rate=pace,
        projection=None
        if final is None or final.due is None or final.is_due(now)
        else projection(history, cutter, final.due),
        milestone=None if judge is None else judge.target,
        judged=judged,
        data_period=data_period,
    )


def _stamps(
    kpi: KpiDefinition,
    measurements: Sequence[Measurement],
    calendar: Calendar,
    zone: ZoneInfo,
    week_start: int,
) -> Calendar | None:
    """The periods each measurement stands for, when the data is period-stamped: about one
    measurement per period of the expected cadence (a monthly ledger row, a typed quarter).
    None for event data, which comes more often and speaks only for its moment.

    Told from the data itself, so a catalog need not declare anything for a sum of daily rows
    to be treated as the partial total it is while its month runs."""
    cadence = kpi.expected_cadence
    if cadence is kpi.grain:
        stamps = calendar
    elif cadence is Grain.SPRINT or kpi.grain is Grain.SPRINT:
        return None  # sprints are known only at the KPI's own grain
    else:
        stamps = FixedCalendar(cadence, week_start)
    first = stamps.index(local_date(measurements[0].ts, zone))
    last = stamps.index(local_date(measurements[-1].ts, zone))
    return stamps if len(measurements) / (last - first + 1) < _WHOLE_PERIOD_DENSITY else None


def _profile(
    kpi: KpiDefinition,
    measurements: Sequence[Measurement],
    calendar: Calendar,
    zone: ZoneInfo,
    now_index: int,
) -> Profile | None:
    """How the KPI's periods usually fill up, from its complete periods before the running one
    (at most PATTERN_PERIODS of them); None without enough of them."""
    first_index = max(
        calendar.index(local_date(measurements[0].ts, zone)), now_index - PATTERN_PERIODS
    )
    first = calendar.period(first_index).start
    end = calendar.period(now_index).start
    low = bisect_left(measurements, local_midnight(first, zone), key=_ts)
    high = bisect_left(measurements, local_midnight(end, zone), low, key=_ts)
    counted = kpi.aggregation is Aggregation.COUNT
    days = [
        (local_date(m.ts, zone), 1.0 if counted else m.value * kpi.scale)
        for m in measurements[low:high]
    ]
    return learn(kpi.grain, days, first, end, now_index - first_index)


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


def _is_stale(kpi: KpiDefinition, covered: datetime, now: datetime, calendar: Calendar) -> bool:
    """Whether the data, covering until `covered`, is older than the expected cadence plus half
    a period of grace."""
    cadence = kpi.expected_cadence
    if cadence is Grain.SPRINT:
        # Sprints last as long as the source makes them; the calendar knows the usual length.
        days = float(calendar.length if isinstance(calendar, SprintCalendar) else _SPRINT_DAYS)
    else:
        days = _NOMINAL_DAYS[cadence]
    window = timedelta(days=days * (1 + STALE_GRACE))
    return now - covered > window


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
) -> tuple[Status, PeriodValue]:
    """Steps 3 to 5 of the status order for data that is fresh, and the period value the
    status rests on; says in `notes` what is missing.

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
        return Status.NO_DATA, judged
    if final is None:
        return Status.NO_TARGET, judged
    if final.is_due(now):
        return (Status.ACHIEVED if final.meets(judged.value) else Status.MISSED), judged
    return current.status or Status.NO_TARGET, judged


def _change(
    cutter: _Cutter,
    judge: _Judge | None,
    previous: PeriodValue,
    current: PeriodValue,
    last_data: datetime,
) -> Change | None:
    """Current against previous, like for like: a running period's days so far against the
    same number of days at the start of the previous period, never against a whole period.

    Relative is None from a zero base; `good` knows the direction."""
    days = None
    before = previous.value
    if current.partial:
        elapsed = (cutter.through(last_data) - current.period.start).days + 1
        days = min(max(elapsed, 1), (previous.period.end - previous.period.start).days)
        before = cutter.part(previous.period, days)
    if before is None or current.value is None:
        return None
    absolute = current.value - before
    if not isfinite(absolute):
        return None
    relative = _finite(absolute / abs(before)) if before else None
    good = _good(cutter.kpi.direction, judge, before, current.value)
    return Change(absolute, relative, good, days)


def _good(direction: Direction, judge: _Judge | None, before: float, after: float) -> bool | None:
    """Whether moving from `before` to `after` is good for the KPI; None when it is neutral.

    Up is good for increase, down for decrease. A maintain or range KPI is judged by its
    distance to the band: coming closer (or in) is good, going further (or out) bad; inside the
    band with room to spare any move is neutral, and only a move toward an edge it is already
    close to is bad (the warning a team wants before the verdict turns)."""
    if after == before:
        return None
    if direction in _REACH_SIGN:
        return (after - before) * _REACH_SIGN[direction] > 0
    if judge is None:
        return None
    outside_before, outside_after = judge.outside(before), judge.outside(after)
    if outside_before or outside_after:
        return None if outside_after == outside_before else outside_after < outside_before
    room_before, room_after = judge.room(before), judge.room(after)
    if room_after > MAINTAIN_MARGIN * judge.scale(after):
        return None
    return room_after > room_before


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
    of the progress that is known, each KPI's between none and all of its way.

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
    # A KPI past its target counts as done, one that went the wrong way as not started: one
    # far overshooting KPI must not hide the others (a goal 118 % done, and at risk).
    known = [min(max(m.progress, 0.0), 1.0) for m in members if m.progress is not None]
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
