"""Derived KPIs: a formula over other KPIs of the same grain, valued period by period.

Each period where every input has a value becomes one measurement of the derived KPI, which
is then evaluated like any KPI (targets, pace, staleness). A period where an input has no
value, or the formula divides by zero, has no value: a gap, never a zero and never a crash.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from graphlib import TopologicalSorter
from zoneinfo import ZoneInfo

from confluence_kpi.evaluate import DEFAULT_BANDS, evaluate_kpi, note
from confluence_kpi.formula import Formula, parse
from confluence_kpi.model import Bands, Evaluation, KpiDefinition, Measurement, NoteCode
from confluence_kpi.periods import day_start

_INSTANT = timedelta(microseconds=1)


class CycleError(ValueError):
    """Derived KPIs that depend on themselves; `cycle` lists the ids around the loop."""

    def __init__(self, cycle: Sequence[str]) -> None:
        super().__init__("formulas depend on each other in a loop: " + " -> ".join(cycle))
        self.cycle = tuple(cycle)


def evaluation_order(kpis: Iterable[KpiDefinition]) -> list[KpiDefinition]:
    """The KPIs with every derived one after its inputs; among KPIs whose inputs are all
    evaluated, catalog order.

    CycleError when formulas form a loop; inputs that are not KPIs of `kpis` are ignored here
    (the catalog check reports them).
    """
    by_id = {kpi.id: kpi for kpi in kpis}
    position = {kpi_id: index for index, kpi_id in enumerate(by_id)}
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for kpi in by_id.values():
        sorter.add(kpi.id, *(parse(kpi.formula).kpis & by_id.keys() if kpi.formula else ()))
    try:
        sorter.prepare()
    except graphlib.CycleError as cycle:
        raise CycleError(_as_written(cycle.args[1], position)) from None
    ordered: list[KpiDefinition] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=position.__getitem__)
        ordered.extend(by_id[kpi_id] for kpi_id in ready)
        sorter.done(*ready)
    return ordered


def _as_written(loop: Sequence[str], position: Mapping[str, int]) -> list[str]:
    """A loop as its formulas read, each KPI followed by one it uses, from the KPI first in
    the catalog: graphlib reports it the other way round (an input before what uses it) and
    from any KPI on it."""
    uses = list(reversed(loop[1:]))  # the loop once, each KPI followed by an input of it
    start = min(range(len(uses)), key=lambda index: position[uses[index]])
    once = uses[start:] + uses[:start]
    return [*once, once[0]]


def evaluate_derived(
    kpi: KpiDefinition,
    inputs: Mapping[str, Evaluation],
    *,
    now: datetime,
    zone: ZoneInfo,
    week_start: int = 0,
    bands: Bands = DEFAULT_BANDS,
    history_periods: int = 24,
) -> Evaluation:
    """Evaluates a derived KPI from its inputs' evaluations (same grain, same `now`)."""
    if kpi.formula is None:
        raise ValueError(f"KPI {kpi.id!r} has no formula")
    formula = parse(kpi.formula)
    missing = sorted(k for k in formula.kpis if k not in inputs or inputs[k].last_data is None)
    if missing:
        evaluation = evaluate_kpi(kpi, (), now=now, zone=zone, week_start=week_start)
        return _with_note(evaluation, NoteCode.INPUT_MISSING, kpis=", ".join(missing))
    series, gaps = _series(formula, [inputs[k] for k in sorted(formula.kpis)], zone)
    evaluation = evaluate_kpi(
        kpi,
        series,
        now=now,
        zone=zone,
        week_start=week_start,
        bands=bands,
        history_periods=history_periods,
    )
    return (
        _with_note(evaluation, NoteCode.FORMULA_UNDEFINED, count=str(gaps)) if gaps else evaluation
    )


def _series(
    formula: Formula, inputs: Sequence[Evaluation], zone: ZoneInfo
) -> tuple[list[Measurement], int]:
    """One measurement per period where every input has a value, and the count of periods
    where the formula has none.

    A measurement is dated at the last instant of its period, or at the oldest of the inputs'
    latest data when that is earlier: the derived value is no fresher than its stalest input.
    """
    freshest = min(e.last_data for e in inputs if e.last_data is not None)
    values: dict[date, dict[str, float]] = {}
    ends: dict[date, date] = {}
    for evaluation in inputs:
        for pv in evaluation.history:
            # A running period's total so far is no input to a formula: a ratio of two partial
            # totals would swing with the days elapsed. Such a period waits until it is whole.
            if pv.value is not None and not pv.partial:
                values.setdefault(pv.period.start, {})[evaluation.kpi_id] = pv.value
                ends[pv.period.start] = pv.period.end
    series, gaps = [], 0
    for start in sorted(values):
        known = values[start]
        if len(known) < len(inputs):
            continue
        value = formula.value(known)
        if value is None:
            gaps += 1
            continue
        ts = min(day_start(ends[start], zone) - _INSTANT, freshest)
        series.append(Measurement(ts, value))
    return series, gaps


def _with_note(evaluation: Evaluation, code: NoteCode, **values: str) -> Evaluation:
    """The evaluation with one more note."""
    return replace(evaluation, notes=(*evaluation.notes, note(code, **values)))
