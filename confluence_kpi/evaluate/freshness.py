"""How the data's dates stand to `now`: measurements dated after it are left out, and said so
(a period or more ahead is a data warning); data that covers until longer ago than its
cadence allows is stale (docs/kpi-formulas.md, "Periods", "Status").
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, timedelta
from operator import attrgetter
from zoneinfo import ZoneInfo

from confluence_kpi.evaluate.cutter import Cutter
from confluence_kpi.evaluate.results import note
from confluence_kpi.model import Grain, KpiDefinition, Note, NoteCode, TimeSeries, row_count
from confluence_kpi.periods import SprintCalendar, day_start, local_date

STALE_GRACE = 0.5  # periods of slack after the expected cadence before data counts as stale
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
_ts = attrgetter("ts")


def later_data(
    kpi: KpiDefinition, ordered: TimeSeries, now: datetime, zone: ZoneInfo
) -> tuple[list[Note], tuple[Note, ...]]:
    """The note on measurements dated after `now`, which are left out, and the data warning
    on those dated more than one period of the KPI's grain after it.

    A few measurements after the evaluation's moment are normal (evaluating as of an earlier
    moment leaves out what came later); one a period or more ahead is almost surely a typo
    in its date (2031 for 2026), and easy to miss as a note."""
    later = ordered[bisect_right(ordered, now, key=_ts) :]
    split = bisect_right(later, far_ahead(kpi, now), key=_ts)
    near, far = row_count(later[:split]), row_count(later[split:])
    notes = [note(NoteCode.LEFT_OUT_LATER, count=str(near))] if near else []
    if not far:
        return notes, ()
    first = local_date(later[split].ts, zone).isoformat()
    return notes, (note(NoteCode.FAR_AHEAD, date=first, count=str(far)),)


def far_ahead(kpi: KpiDefinition, now: datetime) -> datetime:
    """The moment after which a measurement is a period or more ahead of `now`."""
    return now + timedelta(days=_NOMINAL_DAYS.get(kpi.grain, _SPRINT_DAYS))


def stale_since(cutter: Cutter) -> date | None:
    """The day since which the data is stale, or None while it is current: stale when it
    covers until longer ago than its expected cadence plus half a period of grace.

    Event data covers until its latest measurement, period-stamped data until the end of its
    period: a value typed for Q3 speaks for all of Q3."""
    data_period, zone = cutter.data_period, cutter.zone
    covered = cutter.last_data if data_period is None else day_start(data_period.end, zone)
    cadence = cutter.kpi.expected_cadence
    if cadence is Grain.SPRINT:
        # Sprints last as long as the source makes them; the calendar knows the usual length.
        calendar = cutter.calendar
        days = float(calendar.length if isinstance(calendar, SprintCalendar) else _SPRINT_DAYS)
    else:
        days = _NOMINAL_DAYS[cadence]
    if cutter.now - covered <= timedelta(days=days * (1 + STALE_GRACE)):
        return None
    return local_date(covered - timedelta(microseconds=1), zone)
