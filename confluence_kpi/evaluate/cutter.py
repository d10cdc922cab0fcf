"""One KPI's measurements cut into periods of its grain, each valued and judged as of `now`;
a running period judged at its latest data, and a running total paced by how its periods
usually fill up (docs/kpi-formulas.md, "Periods", "A running period").
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from operator import attrgetter
from zoneinfo import ZoneInfo

from confluence_kpi.aggregate import UnfitDataError, aggregate
from confluence_kpi.evaluate.judge import Judge, judges
from confluence_kpi.evaluate.results import finite, note
from confluence_kpi.model import (
    Aggregation,
    Bands,
    Grain,
    KpiDefinition,
    Measurement,
    Period,
    PeriodValue,
    RunRate,
    Target,
    TimeSeries,
    row_count,
)
from confluence_kpi.periods import (
    Calendar,
    FixedCalendar,
    SprintCalendar,
    day_start,
    local_date,
    local_midnight,
)
from confluence_kpi.profile import PATTERN_PERIODS, Profile, even_share, learn

_SUMMED = frozenset({Aggregation.SUM, Aggregation.COUNT})
# More measurements per period than this, on average, and the data comes more often than the
# periods: a running period holds only its days so far. One per period is period-stamped data.
_WHOLE_PERIOD_DENSITY = 1.5
# A pattern that puts less of a period's total in its days so far than this is too thin to
# project from (a Sunday morning of a week that starts on Sunday): the even pace is used.
_MIN_PATTERN_SHARE = 0.05
_ts = attrgetter("ts")


def chronological(series: Sequence[Measurement]) -> TimeSeries:
    """The measurements in time order: a TimeSeries as it is (checked when it was built),
    any other sequence sorted and checked now."""
    return series if isinstance(series, TimeSeries) else TimeSeries.of(series)


@dataclass(frozen=True)
class Cutter:
    """Cuts one time-ordered series into periods of its KPI's grain and values them as of `now`."""

    kpi: KpiDefinition
    measurements: Sequence[Measurement]
    now: datetime
    zone: ZoneInfo
    calendar: Calendar
    judges: tuple[Judge, ...]  # one per target, in the order they fall due
    # The periods each measurement stands for, when the data is period-stamped (see `_stamps`).
    stamps: Calendar | None
    profile: Profile | None  # how a running period of a summed KPI usually fills up

    @classmethod
    def of(
        cls,
        kpi: KpiDefinition,
        ordered: TimeSeries,
        *,
        now: datetime,
        zone: ZoneInfo,
        week_start: int,
        bands: Bands,
    ) -> Cutter:
        """The cutter of a KPI's measurements up to `now`: its calendar (a sprint KPI's from the
        sprints its data names), a judge per target, whether the data is period-stamped, and
        for a total running now, how its periods usually fill up."""
        calendar: Calendar = FixedCalendar(kpi.grain, week_start)
        if kpi.grain is Grain.SPRINT:
            calendar, ordered = _in_sprints(ordered, zone)
        measurements = ordered[: bisect_right(ordered, now, key=_ts)]
        stamps = _stamps(kpi, measurements, calendar, zone, week_start)
        cutter = cls(kpi, measurements, now, zone, calendar, judges(kpi, zone, bands), stamps, None)
        now_index = cutter.index_of(now)
        if cutter.accumulating and cutter.index_of(cutter.last_data) == now_index:
            # A total runs in the current period: how such a period usually fills up paces it.
            profile = _profile(kpi, measurements, calendar, zone, now_index)
            return replace(cutter, profile=profile)
        return cutter

    @property
    def last_data(self) -> datetime:
        """When the newest measurement up to `now` was taken."""
        return self.measurements[-1].ts

    @property
    def data_period(self) -> Period | None:
        """The period the newest measurement stands for, when the data is period-stamped."""
        if self.stamps is None:
            return None
        return self.stamps.period(self.stamps.index(local_date(self.last_data, self.zone)))

    @property
    def whole(self) -> bool:
        """Whether each measurement stands for a whole period of the KPI's grain (or more): a
        running period's value is then its whole value as soon as it is there."""
        return self.stamps is not None and not self.kpi.finer_cadence

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

    def through(self, instant: datetime) -> date:
        """The last local day that data up to `instant` speaks for: its own day, or for
        period-stamped data the last day of its period (a row for October speaks for October)."""
        day = local_date(instant, self.zone)
        if self.stamps is None:
            return day
        return self.stamps.period(self.stamps.index(day)).end - timedelta(days=1)

    @property
    def final(self) -> Judge | None:
        """The judge of the final target, the last to fall due."""
        return self.judges[-1] if self.judges else None

    def judge_for(self, period: Period) -> Judge | None:
        """The judge of the target in effect in `period`: the first not yet due at its end (the
        last once all are due), so changing a later target never rewrites an earlier verdict."""
        if len(self.judges) < 2:  # one target or none: nothing to choose (most KPIs)
            return self.judges[0] if self.judges else None
        end = day_start(period.end, self.zone)
        for judge in self.judges:
            if judge.due is None or judge.due >= end:
                return judge
        return self.final

    def index_of(self, instant: datetime) -> int:
        """The number of the period containing `instant`."""
        return self.calendar.index(local_date(instant, self.zone))

    def recent(self, count: int) -> range:
        """The numbers of the last `count` periods up to the one running now, none before the
        period of the first measurement."""
        now_index = self.index_of(self.now)
        first = max(self.index_of(self.measurements[0].ts), now_index - count + 1)
        return range(first, now_index + 1)

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
        plan = None if judge is None else judge.plan
        return PeriodValue(
            period=current,
            value=value,
            count=row_count(chunk),
            complete=complete,
            target=None if judge is None else judge.target.value,
            upper=None if judge is None else judge.target.upper,
            status=None if judge is None or judged is None else judge.verdict(judged, at),
            partial=not complete and self.grows,
            expected=None if plan is None else finite(plan.expected(at)),
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

    def pace(self, current: Period, to_date: float, last: datetime, judge: Judge | None) -> RunRate:
        """The pace of the running period's total so far (see `run_rate`)."""
        target = None if judge is None else judge.target
        return run_rate(current, to_date, self.through(last), target, self.profile)

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
    density = row_count(measurements) / (last - first + 1)
    return stamps if density < _WHOLE_PERIOD_DENSITY else None


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
        (local_date(m.ts, zone), float(m.rows) if counted else m.value * kpi.scale)
        for m in measurements[low:high]
    ]
    return learn(kpi.grain, days, first, end, now_index - first_index)


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
