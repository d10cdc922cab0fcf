"""What was measured: the values a source gives, in time order, and the rows people type on a
manual KPI's page.

A measurement is a NamedTuple: a run builds one per source row, and a tuple is built several
times faster than a dataclass or a model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter
from typing import NamedTuple, Self


@dataclass(frozen=True)
class ManualRow:
    """A measurement people typed into a manual KPI's page: the text of its period, value and
    comment cells as typed. The bot writes them back as they are (a year left out of a
    period is the one thing it adds) and reads them again on every run."""

    period: str
    value: str
    comment: str = ""


class Measurement(NamedTuple):
    """One timestamped value from a source; ratio KPIs also carry numerator and denominator.

    Usually one row of a source. A database can aggregate a day's rows itself
    (sources/sql_pushdown.py): such a measurement stands for `rows` rows, its `ts` is the
    latest of theirs, and `value` is their aggregate in the form the KPI's aggregation
    combines over days: the sum (for sum and mean), the min, the max or the last value; a
    ratio's numerator and denominator are the sums of theirs. For a percentile it stands for
    the day's rows of one value, which is its `value`.
    """

    ts: datetime
    value: float
    numerator: float | None = None
    denominator: float | None = None
    # The first day of the period the value stands for as a whole: its sprint (sprint grain),
    # or the period a person typed it for (manual KPIs, stamped at the start of this day),
    # whose freshness is a matter of that period's end, not of the stamp.
    period_start: date | None = None
    rows: int = 1  # how many source rows it stands for: 1, but for a day's aggregate


def row_count(measurements: Iterable[Measurement]) -> int:
    """How many source rows the measurements stand for."""
    return sum(map(_rows, measurements))


_rows = attrgetter("rows")


@dataclass(frozen=True)
class Window:
    """The span [start, end) a sync needs a source's data from, aware in the catalog's zone:
    the periods its pages show, the one before, and the rest of the running period."""

    start: datetime
    end: datetime

    def covering(self, other: Window) -> Window:
        """The smallest window holding both."""
        return Window(min(self.start, other.start), max(self.end, other.end))


class TimeSeries(tuple[Measurement, ...]):
    """Measurements in time order, each timestamp with a time zone.

    Checked once, when a source's rows become a series: the evaluation (which can run more
    than once in a sync) takes a TimeSeries as it is, and checks any other sequence itself."""

    __slots__ = ()

    @classmethod
    def of(cls, measurements: Iterable[Measurement]) -> Self:
        """The measurements sorted by time; ValueError when a timestamp lacks a time zone."""
        problem = "measurement timestamps must carry a time zone (the source should attach it)"
        try:
            ordered = sorted(measurements, key=attrgetter("ts"))  # one pass when in order
        except TypeError as error:  # naive and aware timestamps mixed
            raise ValueError(problem) from error
        if ordered and ordered[0].ts.utcoffset() is None:
            raise ValueError(problem)
        return cls(ordered)
