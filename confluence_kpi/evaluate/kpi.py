"""One KPI evaluated as of `now`, step by step: what is known, the periods, current and
previous, staleness, status, pace and change (docs/kpi-formulas.md gives each step's rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from confluence_kpi.evaluate.cutter import Cutter, chronological
from confluence_kpi.evaluate.freshness import later_data, stale_since
from confluence_kpi.evaluate.results import finite, note, unevaluated
from confluence_kpi.evaluate.trend import change, projection
from confluence_kpi.model import (
    Bands,
    Evaluation,
    Grain,
    KpiDefinition,
    Measurement,
    Note,
    NoteCode,
    PeriodValue,
    RunRate,
    Status,
    Window,
)
from confluence_kpi.periods import FixedCalendar, check_week_start, local_date, local_midnight

DEFAULT_BANDS = Bands()
HISTORY_PERIODS = 24  # the periods a KPI's page shows, the running one included
# A sprint KPI's periods come from its data, so its window is counted in sprints of at most
# this many days.
_LONGEST_SPRINT_DAYS = 28


def data_window(
    kpi: KpiDefinition,
    *,
    now: datetime,
    zone: ZoneInfo,
    week_start: int = 0,
    history_periods: int = HISTORY_PERIODS,
) -> Window:
    """The data `evaluate_kpi` looks at as of `now`: the periods of its history, the one before
    them (the oldest one's previous period, for its change), and the rest of the running
    period (data after `now` in it is left out and said so). Whole local days in `zone`."""
    today = local_date(now, zone)
    if kpi.grain is Grain.SPRINT:
        first = today - timedelta(days=(history_periods + 1) * _LONGEST_SPRINT_DAYS)
        end = today + timedelta(days=_LONGEST_SPRINT_DAYS)
    else:
        calendar = FixedCalendar(kpi.grain, week_start)
        index = calendar.index(today)
        first, end = calendar.period(index - history_periods).start, calendar.period(index).end
    return Window(local_midnight(first, zone), local_midnight(end, zone))


def evaluate_kpi(
    kpi: KpiDefinition,
    series: Sequence[Measurement],
    *,
    now: datetime,
    zone: ZoneInfo,
    week_start: int = 0,
    bands: Bands = DEFAULT_BANDS,
    history_periods: int = HISTORY_PERIODS,
) -> Evaluation:
    """Evaluates one KPI as of `now`: history per period, current value, change, progress, status.

    Measurements dated after `now` are left out (and said so), so evaluating as of an earlier
    moment reproduces what was known then.
    """
    _check(now, week_start, history_periods)
    # What is known: the measurements up to now; later ones are left out, and said so.
    ordered = chronological(series)
    notes, far_ahead = later_data(kpi, ordered, now, zone)
    if not ordered or ordered[0].ts > now:
        nothing = unevaluated(kpi.id, now, notes=(note(NoteCode.NO_DATA), *notes))
        return replace(nothing, warnings=far_ahead)
    # The periods: the latest ones, each valued and judged (a running one at its latest data).
    cutter = Cutter.of(kpi, ordered, now=now, zone=zone, week_start=week_start, bands=bands)
    shown = cutter.recent(history_periods)
    history = cutter.values(shown)
    # Current and previous, and the target in effect for the current period.
    current, previous = _current_and_previous(cutter, history, shown)
    judge = cutter.judge_for(current.period)
    # Staleness, then the status in the order of docs/kpi-formulas.md ("Status").
    stale = stale_since(cutter)
    status, judged = _status(cutter, history, current, stale, notes)
    if stale is not None:
        current = replace(current, status=Status.STALE)  # still shown, marked as not current
    # Pace: a running total is projected to where its period usually ends.
    pace = None
    if cutter.accumulating and current.partial and current.value is not None:
        pace = cutter.pace(current.period, current.value, cutter.last_data, judge)
    return Evaluation(
        kpi_id=kpi.id,
        as_of=now,
        status=status,
        current=current,
        previous=previous,
        # Change: against the previous period, like for like.
        change=change(cutter, judge, previous, current),
        history=tuple(history),
        last_data=cutter.last_data,
        stale_since=stale,
        # A total so far is no progress figure: the last whole period's is.
        progress=_progress(kpi, current.value if pace is None else previous.value),
        expected=_expected(current, pace),
        notes=tuple(notes),
        warnings=(*(pv.warning for pv in history if pv.warning is not None), *far_ahead),
        run_rate=pace,
        projection=projection(cutter, history),
        milestone=None if judge is None else judge.target,
        judged=judged,
        data_period=cutter.data_period,
    )


def _check(now: datetime, week_start: int, history_periods: int) -> None:
    """ValueError for a moment without a time zone, a week starting on no weekday, or a
    history of no periods."""
    if now.utcoffset() is None:
        raise ValueError("now must carry a time zone")
    check_week_start(week_start)
    if history_periods < 1:
        raise ValueError(f"history_periods must be at least 1, not {history_periods}")


def _current_and_previous(
    cutter: Cutter, history: list[PeriodValue], shown: range
) -> tuple[PeriodValue, PeriodValue]:
    """The current period, the running one or else the latest with a value (even one older
    than the history `shown`), and the period right before it: taken from the history, or
    valued when older than it."""
    with_value = [i for i, pv in enumerate(history) if pv.value is not None]
    index = shown.start + with_value[-1] if with_value else cutter.index_of(cutter.last_data)
    if index - 1 >= shown.start:
        position = index - shown.start
        return history[position], history[position - 1]
    previous, current = cutter.values(range(index - 1, index + 1))
    return current, previous


def _status(
    cutter: Cutter,
    history: Sequence[PeriodValue],
    current: PeriodValue,
    stale: date | None,
    notes: list[Note],
) -> tuple[Status, PeriodValue]:
    """The status of a KPI with data up to now, and the period value it rests on; says in
    `notes` what is stale or missing.

    Stale data first; then no value, no target, or the deadline passed, judged by the last
    complete period; before the final deadline the current period's own verdict holds (maintain
    bands or pace, judged at its end or at its latest data while it runs), so the status moves
    with the data and not with the clock.
    """
    if stale is not None:
        notes.append(note(NoteCode.STALE_SINCE, date=stale.isoformat()))
        return Status.STALE, current
    final, now = cutter.final, cutter.now
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


def _expected(current: PeriodValue, pace: RunRate | None) -> float | None:
    """Where the value should be now on the plan; for a total so far, where it should be by
    now rather than by its period's end."""
    if current.expected is None or pace is None:
        return current.expected
    return current.expected * pace.share


def _progress(kpi: KpiDefinition, value: float | None) -> float | None:
    """The share of the way from baseline to target: (value − baseline) / (target − baseline)."""
    if value is None or kpi.baseline is None or kpi.target is None:
        return None
    planned = kpi.target.value - kpi.baseline.value
    return finite((value - kpi.baseline.value) / planned) if planned else None
