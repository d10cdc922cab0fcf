"""Reporting periods in the catalog's time zone: which period a date is in, its bounds, its label.

Periods are numbered per grain with plain integers (days since 0001-01-01, weeks since the first
week start, months and quarters counted from year 0, years), so that finding a period is integer
arithmetic on a local date and consecutive periods have consecutive numbers.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from statistics import median
from zoneinfo import ZoneInfo

from confluence_kpi.model import Grain, Period

MONDAY = 0
SUNDAY = 6
_FIRST_MONDAY = date(1, 1, 1).toordinal()  # 0001-01-01 was a Monday: weeks count from there


def check_week_start(week_start: int) -> None:
    """Rejects a week start that is not a weekday number (0 = Monday ... 6 = Sunday)."""
    if not MONDAY <= week_start <= SUNDAY:
        raise ValueError(f"week_start must be 0 (Monday) to 6 (Sunday), not {week_start}")


def period_index(day: date, grain: Grain, week_start: int = MONDAY) -> int:
    """The number of the period of `grain` that contains the local date `day`."""
    match grain:
        case Grain.DAY:
            return day.toordinal()
        case Grain.WEEK:
            return (day.toordinal() - _FIRST_MONDAY - week_start) // 7
        case Grain.MONTH:
            return day.year * 12 + day.month - 1
        case Grain.QUARTER:
            return day.year * 4 + (day.month - 1) // 3
        case Grain.YEAR:
            return day.year
        case Grain.SPRINT:
            raise ValueError("sprints are given by the source: use a SprintCalendar")


def period_start(index: int, grain: Grain, week_start: int = MONDAY) -> date:
    """The first local date of period number `index`: the inverse of `period_index`."""
    match grain:
        case Grain.DAY:
            return date.fromordinal(index)
        case Grain.WEEK:
            return date.fromordinal(index * 7 + _FIRST_MONDAY + week_start)
        case Grain.MONTH:
            return date(index // 12, index % 12 + 1, 1)
        case Grain.QUARTER:
            return date(index // 4, index % 4 * 3 + 1, 1)
        case Grain.YEAR:
            return date(index, 1, 1)
        case Grain.SPRINT:
            raise ValueError("sprints are given by the source: use a SprintCalendar")


def period_label(start: date, grain: Grain, week_start: int = MONDAY) -> str:
    """The display label of the period starting on `start`: 2026-03-01, 2026-W09, 2026-03, ..."""
    match grain:
        case Grain.DAY:
            return start.isoformat()
        case Grain.WEEK if week_start == MONDAY:
            # ISO weeks: the ISO year can differ from the calendar year (2026-12-28 is 2026-W53).
            iso_year, week, _ = start.isocalendar()
            return f"{iso_year}-W{week:02d}"
        case Grain.WEEK:
            return f"week of {start.isoformat()}"
        case Grain.MONTH:
            return f"{start.year:04d}-{start.month:02d}"
        case Grain.QUARTER:
            return f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}"
        case Grain.YEAR:
            return f"{start.year:04d}"
        case Grain.SPRINT:
            return f"sprint of {start.isoformat()}"


@lru_cache(maxsize=4096)
def period(index: int, grain: Grain, week_start: int = MONDAY) -> Period:
    """Period number `index` of `grain`: local dates [start, end) and label (immutable: cached)."""
    start = period_start(index, grain, week_start)
    return Period(
        start, period_start(index + 1, grain, week_start), period_label(start, grain, week_start)
    )


@dataclass(frozen=True)
class FixedCalendar:
    """The periods of a calendar grain (day ... year): numbered by integer arithmetic."""

    grain: Grain
    week_start: int = MONDAY

    def index(self, day: date) -> int:
        """The number of the period containing the local date `day`."""
        return period_index(day, self.grain, self.week_start)

    def period(self, index: int) -> Period:
        """Period number `index`."""
        return period(index, self.grain, self.week_start)


@dataclass(frozen=True)
class SprintCalendar:
    """Sprints as the source gives them: each starts on a day a row names and ends where the
    next begins. Before the first and after the last, sprints of the usual length are assumed,
    so the running sprint and gaps in the data still have a place."""

    starts: tuple[date, ...]  # sorted, distinct
    length: int  # days: the median length of the known sprints (14 when only one is known)

    @classmethod
    def of(cls, starts: Iterable[date]) -> SprintCalendar:
        """The calendar of the sprints starting on `starts` (at least one)."""
        known = tuple(sorted(set(starts)))
        if not known:
            raise ValueError("no sprint start in the data")
        lengths = [(b - a).days for a, b in pairwise(known)]
        return cls(known, round(median(lengths)) if lengths else 14)

    def index(self, day: date) -> int:
        """The number of the sprint containing `day` (negative before the first known one)."""
        first, last = self.starts[0], self.starts[-1]
        if day < first:
            return -(((first - day).days + self.length - 1) // self.length)
        position = bisect_right(self.starts, day) - 1
        if position < len(self.starts) - 1:
            return position
        return position + (day - last).days // self.length

    def period(self, index: int) -> Period:
        """Sprint number `index`, labelled by its first day."""
        start = self._start(index)
        end = self._start(index + 1)
        return Period(start, end, period_label(start, Grain.SPRINT))

    def _start(self, index: int) -> date:
        if index < 0:
            return self.starts[0] + timedelta(days=index * self.length)
        if index < len(self.starts):
            return self.starts[index]
        extra = index - len(self.starts) + 1
        return self.starts[-1] + timedelta(days=extra * self.length)


Calendar = FixedCalendar | SprintCalendar


@lru_cache(maxsize=8192)
def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of the local date `day` in `zone`, in UTC (cached: every KPI asks).

    Where midnight falls in a DST gap, fold=0 reads it with the offset from before the switch,
    which is exactly the instant the day begins. UTC keeps comparisons with UTC timestamps cheap.
    """
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


@lru_cache(maxsize=8192)
def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of the local date `day`, expressed in `zone` itself (cached).

    Sources give measurements in the catalog's zone; datetimes sharing one tzinfo compare by
    their wall time without asking the zone for offsets, which makes cutting a series into
    periods several times faster than comparing them with UTC instants. Wall time against
    local midnight is exactly "which local day", so nothing is lost."""
    return day_start(day, zone).astimezone(zone)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The date in `zone` at an aware `instant`."""
    return instant.astimezone(zone).date()
