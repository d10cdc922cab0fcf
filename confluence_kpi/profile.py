"""How a period usually fills up: the share of a whole period's total that its first days hold.

A week of support tickets is not seven equal days: weekends bring almost none, so five weekdays
already hold about nine tenths of the week. Judging a running week by its days elapsed (5/7)
would call a normal week off track. A `Profile` learns the usual amount per kind of day from the
KPI's own complete periods and weighs the days of the running period with it.

Which days are alike depends on the grain: weekdays within weeks, months and sprints; days of
the month within quarters (month-end peaks); months within years. Pure: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from math import isfinite

from confluence_kpi.model import Grain

MIN_PATTERN_PERIODS = 3  # fewer complete periods teach no pattern: the pace is taken as even
PATTERN_PERIODS = 12  # the most recent complete periods a pattern is learned from

_ONE_DAY = timedelta(days=1)


def _weekday(day: date) -> int:
    return day.weekday()


def _day_of_month(day: date) -> int:
    return day.day - 1


def _month(day: date) -> int:
    return day.month - 1


# Per grain: what makes two days alike, and how many kinds of day there are.
_KINDS: dict[Grain, tuple[Callable[[date], int], int]] = {
    Grain.WEEK: (_weekday, 7),
    Grain.SPRINT: (_weekday, 7),
    Grain.MONTH: (_weekday, 7),
    Grain.QUARTER: (_day_of_month, 31),
    Grain.YEAR: (_month, 12),
}


@dataclass(frozen=True)
class Profile:
    """The usual amount per kind of day, learned from `periods` complete periods."""

    grain: Grain
    weights: tuple[float, ...]
    periods: int

    def share(self, start: date, end: date, through: date) -> float | None:
        """The usual share of the total of period [start, end) held by its days up to and
        including `through`; None when the period usually holds nothing at all."""
        kind, _ = _KINDS[self.grain]
        part = whole = 0.0
        day = start
        while day < end:
            weight = self.weights[kind(day)]
            whole += weight
            if day <= through:
                part += weight
            day += _ONE_DAY
        return part / whole if whole > 0 else None


def learn(
    grain: Grain, days: Sequence[tuple[date, float]], first: date, end: date, periods: int
) -> Profile | None:
    """The profile of `periods` complete periods spanning [first, end), from each measurement's
    local date and amount (its value, or 1 for a count); None for a grain without kinds of day
    (a day is one day), too few periods, or no amounts at all."""
    found = _KINDS.get(grain)
    if found is None or periods < MIN_PATTERN_PERIODS:
        return None
    kind, size = found
    totals = [0.0] * size
    for day, amount in days:
        if isfinite(amount):
            totals[kind(day)] += amount
    occurrences = _occurrences(grain, first, end)
    weights = tuple(
        max(total / seen, 0.0) if seen else 0.0
        for total, seen in zip(totals, occurrences, strict=True)
    )
    return Profile(grain, weights, periods) if any(weights) else None


@lru_cache(maxsize=64)
def _occurrences(grain: Grain, first: date, end: date) -> tuple[int, ...]:
    """How often each kind of day occurs in [first, end): a kind of day without measurements
    still happened, and counts as zero. Cached: the KPIs of a catalog share their windows."""
    kind, size = _KINDS[grain]
    counts = [0] * size
    day = first
    while day < end:
        counts[kind(day)] += 1
        day += _ONE_DAY
    return tuple(counts)


def even_share(start: date, end: date, through: date) -> float:
    """The share of days elapsed: the pace when there is no pattern to go by."""
    total = (end - start).days
    return min(max((through - start).days + 1, 1), total) / total
