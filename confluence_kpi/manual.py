"""The measurements people type into a manual KPI's page (`source: page`): read, placed in the
KPI's periods and checked.

Nothing here rewrites what people typed: the rows stay on the page as typed (a week typed
without its year gets the year, so that it still names the same week next year). A row that
cannot be used is left out of the evaluation and reported the way an unreadable target is, on
the page under a warning and in the run report: a period or value the bot cannot read, a
period longer than the KPI's or straddling two of them, two rows for one period, a value the
KPI cannot take. Nothing is guessed: two rows for one period are not averaged, a quarter is
not spread over its months.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from confluence_kpi.model import KpiDefinition, ManualRow, Measurement, TimeSeries
from confluence_kpi.pages.parse import Unreadable, shortened
from confluence_kpi.pages.values import TypedPeriod, parse_period, parse_typed_number
from confluence_kpi.periods import local_midnight, period, period_index

MEASUREMENT = "measurement"  # the field a row that cannot be used is reported under


@dataclass(frozen=True)
class ManualData:
    """A manual KPI's rows as typed, and what the evaluation can use of them."""

    rows: tuple[ManualRow, ...]  # as typed: rendered back and remembered
    series: TimeSeries  # the usable rows, one measurement per period
    unusable: tuple[Unreadable, ...]  # the rows left out, and why
    places: int  # the most decimals typed in a usable value


@dataclass(frozen=True)
class _Usable:
    row: ManualRow
    value: float
    places: int


def read_manual(
    rows: Sequence[ManualRow],
    kpi: KpiDefinition,
    *,
    locale: str,
    week_start: int,
    zone: ZoneInfo,
    today: date,
) -> ManualData:
    """The typed rows read as measurements of the KPI's periods, in the page's language.

    A measurement stands for its whole period: it is stamped at the start of the period's first
    day and carries that day as its `period_start`.
    """
    kept: list[ManualRow] = []
    unusable: list[Unreadable] = []
    by_period: defaultdict[int, list[_Usable]] = defaultdict(list)
    for row in rows:
        if row.period or row.value:  # else a comment on a row of its own: nothing to read
            try:
                typed = _period(row, locale, today)
                row = replace(row, period=typed.text)
                index = _index(typed, kpi, week_start)
                usable = _value(row, kpi, locale)
            except ValueError as error:
                unusable.append(_unusable(row, str(error)))
            else:
                by_period[index].append(usable)
        kept.append(row)
    measurements, places = [], 0
    for index, found in sorted(by_period.items()):
        if len(found) > 1:  # averaged, they would make a value nobody typed
            grain, texts = kpi.grain.value, ", ".join(repr(each.row.period) for each in found)
            reason = (
                f"{len(found)} rows are for one {grain} ({texts}), and this KPI takes one value "
                f"per {grain}: none counts until one is left"
            )
            unusable += [_unusable(each.row, reason) for each in found]
            continue
        (only,) = found
        start = period(index, kpi.grain, week_start).start
        measurements.append(
            Measurement(ts=local_midnight(start, zone), value=only.value, period_start=start)
        )
        places = max(places, only.places)
    return ManualData(tuple(kept), TimeSeries.of(measurements), tuple(unusable), places)


def shown_as_typed(kpi: KpiDefinition, places: int) -> KpiDefinition:
    """The KPI with at least as many decimals as a typed value has, so that wherever a typed
    value is shown (current value, history, goal and team pages), it is not rounded: a typed
    84.6 is never shown as 85, which would contradict a verdict against a target of 85."""
    if places == 0 or (kpi.decimals is not None and kpi.decimals >= places):
        return kpi
    return kpi.model_copy(update={"decimals": places})


def _period(row: ManualRow, locale: str, today: date) -> TypedPeriod:
    if not row.period:
        raise ValueError("no period is typed")
    return parse_period(row.period, locale=locale, today=today)


def _index(typed: TypedPeriod, kpi: KpiDefinition, week_start: int) -> int:
    """The number of the KPI's period that the typed period lies in; ValueError when it is
    longer than the KPI's periods or lies across two of them."""
    first = period_index(typed.start, kpi.grain, week_start)
    last = typed.end - timedelta(days=1)
    if period_index(last, kpi.grain, week_start) == first:
        return first
    grain = kpi.grain.value
    own = period(first, kpi.grain, week_start)
    if typed.end - typed.start > own.end - own.start:
        raise ValueError(
            f"{typed.text!r} is a {typed.grain.value}, and this KPI takes one value per {grain}"
        )
    raise ValueError(
        f"{typed.text!r} runs from {typed.start} to {last}, across two {grain}s of this KPI: "
        f"type the {grain}, or a date in it"
    )


def _value(row: ManualRow, kpi: KpiDefinition, locale: str) -> _Usable:
    """The row's value and its typed decimals; ValueError when it is none the KPI can take."""
    if not row.value:
        raise ValueError("no value is typed")
    value, places = parse_typed_number(row.value, locale=locale, unit=kpi.unit)
    if kpi.possible.refuses(value * kpi.scale):  # the scale applies to typed values too
        bounds = kpi.possible.said(kpi.unit)
        raise ValueError(f"{row.value!r} is not a value this KPI can take ({bounds})")
    return _Usable(row, value, places)


def _unusable(row: ManualRow, reason: str) -> Unreadable:
    """A row left out, named by its period and value as typed."""
    text = " | ".join(cell for cell in (row.period, row.value) if cell)
    return Unreadable(MEASUREMENT, shortened(text), reason)
