"""One period's measurements become the period's value, for every `Aggregation`.

Percentiles (and the median) interpolate linearly between the closest ranks: rank h = (n - 1) * q
over the sorted values, the method numpy calls "linear" and Excel PERCENTILE.INC. Ratios divide
the period's sums and never average per-row ratios. Non-finite input values are skipped: a page
never shows NaN or Infinity.

A measurement may stand for several rows that a database aggregated already (one day's, or
for a percentile one day's rows of one value; see `Measurement`): counts and means count the
rows, percentiles count a value as often as its rows hold it, and every aggregation below gives
the same value from a day's aggregates as from its rows.

Measurements that are there but give no value one can defend (a ratio over a negative total, a
result too large for a float) raise `UnfitDataError`, whose code and values become the period's
data warning: the period is left without a value, and people are told why.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from itertools import accumulate
from math import floor, fsum, isfinite
from operator import attrgetter

from confluence_kpi.model import Aggregation, Measurement, NoteCode, row_count

_value = attrgetter("value")
_ts = attrgetter("ts")


class UnfitDataError(ValueError):
    """A period's measurements give no value one can defend: `code` says why, `values` with
    what (as text, the way a note carries them)."""

    def __init__(self, code: NoteCode, **values: str) -> None:
        super().__init__(code.value)
        self.code = code
        self.values = values


def mean(values: Sequence[float]) -> float:
    """The arithmetic mean of non-empty `values`."""
    return fsum(values) / len(values)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) of non-empty `values`, interpolated linearly between closest ranks."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q
    low = floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


def counted_percentile(values: Sequence[float], counts: Sequence[int], q: float) -> float:
    """`percentile` of non-empty `values`, each counted as many times as its count says (a
    value a database sent once for its rows), without repeating it."""
    ordered = sorted(zip(values, counts, strict=True))
    rank = (sum(counts) - 1) * q
    low = floor(rank)
    ends = list(accumulate(count for _, count in ordered))  # one past each value's last rank
    below, above = (ordered[bisect_right(ends, at)][0] for at in (low, min(low + 1, ends[-1] - 1)))
    return below + (rank - low) * (above - below)


def last(values: Sequence[float]) -> float:
    """The last of `values` in time order: the level of a balance or headcount (semi-additive)."""
    return values[-1]


def time_weighted_mean(times: Sequence[datetime], values: Sequence[float], end: datetime) -> float:
    """The mean of `values`, each weighted by how long it held: until the next of `times`, the
    last until `end`."""
    ends = [*times[1:], end]
    weights = [(until - since).total_seconds() for since, until in zip(times, ends, strict=True)]
    total = fsum(weights)
    if total <= 0:
        # Everything was measured at `end` itself: no value held for any time, so weigh them alike.
        return mean(values)
    return fsum(weight * value for weight, value in zip(weights, values, strict=True)) / total


def ratio(
    numerators: Sequence[float], denominators: Sequence[float], rows: Sequence[int] = ()
) -> float | None:
    """Σ numerators / Σ denominators; None when the denominators sum to zero (no value, not 0).

    UnfitDataError when they sum to less: a share of a negative total (−25 % converted) means
    nothing. Single negative rows are fine as long as the total is not (corrections). `rows`
    says how many rows each pair stands for (one each when not given), for the warning's count
    of rows below zero."""
    denominator = fsum(denominators)
    if denominator < 0:
        counts = rows or [1] * len(denominators)
        below = sum(n for d, n in zip(denominators, counts, strict=True) if d < 0)
        raise UnfitDataError(
            NoteCode.NEGATIVE_DENOMINATOR, total=f"{denominator:g}", rows=str(below)
        )
    return fsum(numerators) / denominator if denominator else None


_QUANTILES = {
    Aggregation.MEDIAN: 0.5,
    Aggregation.P75: 0.75,
    Aggregation.P90: 0.90,
    Aggregation.P95: 0.95,
}
_OF_VALUES: dict[Aggregation, Callable[[Sequence[float]], float]] = {
    Aggregation.SUM: fsum,
    **{how: partial(percentile, q=q) for how, q in _QUANTILES.items()},
    Aggregation.MIN: min,
    Aggregation.MAX: max,
    Aggregation.LAST: last,
}


def aggregate(
    how: Aggregation, chunk: Sequence[Measurement], end: datetime, scale: float = 1.0
) -> float | None:
    """The value of one period from its measurements in time order, times `scale` (100 shows
    a ratio as %), or None when there is none.

    `end` is when the period's last value stops holding (the period's end, or now while the
    period runs); only the time-weighted mean uses it. UnfitDataError when the measurements give
    no value one can defend.
    """
    try:
        result = _compute(how, chunk, end)
    except OverflowError:  # fsum raises where plain float sums would become infinite
        raise UnfitDataError(NoteCode.OVERFLOW) from None
    if result is None:
        return None
    # The inputs are finite: a result that is not comes from a step too large for a float.
    result *= scale
    if not isfinite(result):
        raise UnfitDataError(NoteCode.OVERFLOW)
    return result


def _compute(how: Aggregation, chunk: Sequence[Measurement], end: datetime) -> float | None:
    """`aggregate` before scaling and the guard against results that are not finite."""
    q = _QUANTILES.get(how)
    if q is not None and row_count(chunk) != len(chunk):  # values that stand for several rows
        usable = _finite_rows(chunk)
        if not usable:
            return None
        return counted_percentile([m.value for m in usable], [m.rows for m in usable], q)
    of_values = _OF_VALUES.get(how)
    if of_values is not None:  # the most common kind: a function of the values alone
        values = list(map(_value, chunk))
        if not all(map(isfinite, values)):  # checked in bulk first, as nearly all are
            values = [value for value in values if isfinite(value)]
        return of_values(values) if values else None
    match how:
        case Aggregation.COUNT:
            return float(row_count(chunk))
        case Aggregation.MEAN:
            # The sum over the rows counted: a day's aggregate carries its sum and its rows.
            usable = _finite_rows(chunk)
            return fsum(map(_value, usable)) / row_count(usable) if usable else None
        case Aggregation.RATIO:
            # A row missing either side cannot contribute to both sums, so it is left out whole.
            kept = [
                (m.numerator, m.denominator, m.rows)
                for m in chunk
                if m.numerator is not None
                and m.denominator is not None
                and isfinite(m.numerator)
                and isfinite(m.denominator)
            ]
            if not kept:
                return None
            return ratio([n for n, _, _ in kept], [d for _, d, _ in kept], [r for *_, r in kept])
        case _:  # the time-weighted mean, the one kind left
            usable = _finite_rows(chunk)
            values = list(map(_value, usable))
            return time_weighted_mean(list(map(_ts, usable)), values, end) if usable else None


def _finite_rows(chunk: Sequence[Measurement]) -> Sequence[Measurement]:
    """The measurements with a finite value; checked in bulk first, as nearly all are."""
    if all(map(isfinite, map(_value, chunk))):
        return chunk
    return [m for m in chunk if isfinite(m.value)]
