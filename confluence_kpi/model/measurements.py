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
    """One timestamped value from a source; ratio KPIs also carry numerator and denominator."""

    ts: datetime
    value: float
    numerator: float | None = None
    denominator: float | None = None
    # The first day of the period the value stands for as a whole: its sprint (sprint grain),
    # or the period a person typed it for (manual KPIs, stamped at the start of this day),
    # whose freshness is a matter of that period's end, not of the stamp.
    period_start: date | None = None


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
