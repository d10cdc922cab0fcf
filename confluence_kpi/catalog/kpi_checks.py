"""The checks of one KPI against the rest of the catalog: what its source, grain, aggregation
and direction require of it, its targets in order and within its limits, and its formula."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import pairwise
from typing import NamedTuple

from confluence_kpi.catalog.document import Document, KeyPath, field_text
from confluence_kpi.catalog.parts import Parts
from confluence_kpi.catalog.problems import Problem
from confluence_kpi.catalog.schema import (
    TABULAR,
    ConfluenceTableConfig,
    CsvSourceConfig,
    ExcelSourceConfig,
    HttpSourceConfig,
    JiraSourceConfig,
    PrometheusSourceConfig,
    SourceConfig,
    SqlSourceConfig,
    StaticSourceConfig,
)
from confluence_kpi.derived import CycleError, evaluation_order
from confluence_kpi.formula import FormulaError, parse
from confluence_kpi.model import Aggregation, Direction, Grain, KpiDefinition, Target
from confluence_kpi.plain_errors import did_you_mean

# Sources that run each KPI's own query: SQL, PromQL, JQL.
_QUERIED = (SqlSourceConfig, PrometheusSourceConfig, JiraSourceConfig)
# Built-in sources that read no query: a KPI picks its columns from their table (a plugin may
# read one).
_UNQUERIED = (
    CsvSourceConfig,
    ExcelSourceConfig,
    HttpSourceConfig,
    ConfluenceTableConfig,
    StaticSourceConfig,
)


class _WrongWay(NamedTuple):
    """How a reach KPI's targets go the wrong way, in words and as the sign of a step."""

    side: str  # where a value lies from the one before it: "below"
    way: str  # where the values go: "down"
    sign: float  # the sign of (value - the one before) when it goes that way


_WRONG_WAY = {
    Direction.INCREASE: _WrongWay("below", "down", -1.0),
    Direction.DECREASE: _WrongWay("above", "up", 1.0),
}
# A value on the way from the baseline to the target: how a message names it, the value, and
# where it is in the document.
_Step = tuple[str, float, KeyPath]


def kpi_problems(
    document: Document, index: int, kpi: KpiDefinition, parts: Parts
) -> Iterator[Problem]:
    """A KPI's references, and what its targets, grain, source and formula require of it."""
    at = ("kpis", index)
    yield from parts.reference(document, (*at, "team"), kpi.team, "teams")
    yield from _target_problems(document, at, kpi)
    yield from _static_value_problems(document, at, kpi)
    yield from _limit_problems(document, at, kpi)
    yield from _sprint_problems(document, at, kpi, parts)
    # The rest follows from where its values come from: a formula over other KPIs, people
    # typing them on its own page (nothing to check here), or a source.
    if kpi.formula is not None:
        yield from _formula_problems(document, at, kpi, kpi.formula, parts)
    elif not kpi.manual:
        yield from parts.reference(document, (*at, "source"), kpi.source, "sources")
        yield from _source_problems(document, at, kpi, parts.sources.get(kpi.source))
    yield from _unread_problems(document, at, kpi, parts.sources.get(kpi.source))


def _unread_problems(
    document: Document, at: KeyPath, kpi: KpiDefinition, source: SourceConfig | None
) -> Iterator[Problem]:
    """Fields this KPI would never read: a value written there would be dropped silently."""
    if kpi.values and not isinstance(source, StaticSourceConfig):
        yield document.about((*at, "values"), "is only read from a static source")
    if kpi.query and isinstance(source, _UNQUERIED):
        yield document.about((*at, "query"), f"is not read: source '{kpi.source}' is {source.type}")
    if kpi.direction is not Direction.RANGE:
        targets: list[tuple[KeyPath, Target]] = [
            (("milestones", i), t) for i, t in enumerate(kpi.milestones)
        ]
        targets += [(("target",), kpi.target)] if kpi.target is not None else []
        for path, target in targets:
            if target.upper is not None:
                yield document.about((*at, *path, "upper"), "is only used with direction: range")


def _source_problems(
    document: Document, at: KeyPath, kpi: KpiDefinition, source: SourceConfig | None
) -> Iterator[Problem]:
    """What the KPI's source requires of it: a query for sql, prometheus and jira, the values
    for static, and the two columns to divide for a ratio of a source's columns. `source` is
    None when it is not defined or not valid, each reported on its own."""
    if isinstance(source, _QUERIED) and not kpi.query:
        yield document.about((*at, "query"), f"is required: source '{kpi.source}' is {source.type}")
    if isinstance(source, StaticSourceConfig) and not kpi.values:
        yield document.about(
            (*at, "values"),
            f"is required: source '{kpi.source}' is static, so the catalog lists the values "
            "([{date: ..., value: ...}, ...])",
        )
    needs_columns = isinstance(source, TABULAR)
    has_columns = bool(kpi.numerator and kpi.denominator)
    if kpi.aggregation is Aggregation.RATIO and needs_columns and not has_columns:
        yield document.about(
            (*at, "aggregation"),
            "is ratio, so numerator and denominator (the columns to divide) are required",
        )


def _static_value_problems(
    document: Document, at: KeyPath, kpi: KpiDefinition
) -> Iterator[Problem]:
    """One static value per date: two on one date would be merged into one measurement's
    period (summed or averaged, as the aggregation goes) without anyone having said so."""
    first: dict[date, int] = {}
    for position, entry in enumerate(kpi.values):
        earlier = first.setdefault(entry.date, position)
        if earlier != position:
            other = (*at, "values", earlier)
            yield document.about(
                (*at, "values", position, "date"),
                f"{entry.date} already has a value in values[{earlier}] "
                f"(line {document.line(other)}): give one value per date",
            )


def _sprint_problems(
    document: Document, at: KeyPath, kpi: KpiDefinition, parts: Parts
) -> Iterator[Problem]:
    """The sprint grain takes its periods from the rows of a csv, sql or plugin source."""
    sprint = kpi.grain is Grain.SPRINT
    tabular = isinstance(parts.sources.get(kpi.source), TABULAR)
    if sprint and not tabular:
        yield document.about(
            (*at, "grain"),
            "is sprint, whose periods come from the rows of a csv, sql or plugin source; "
            "a derived, static or manual KPI has no such rows",
        )
    elif sprint and kpi.period_column is None:
        yield document.about(
            (*at, "period_column"),
            "is required: the sprint grain needs the column with each row's sprint start",
        )
    if not sprint and kpi.period_column is not None:
        yield document.about((*at, "period_column"), "is only used with grain: sprint")


def _target_problems(document: Document, at: KeyPath, kpi: KpiDefinition) -> Iterator[Problem]:
    """Targets come after the baseline and in date order, their values do not go the wrong
    way, and a `range` target has its upper bound."""
    yield from _date_problems(document, at, kpi)
    yield from _order_problems(document, at, kpi)
    if kpi.direction is Direction.RANGE:
        yield from _range_problems(document, (*at, "target"), kpi.target)
        for position, milestone in enumerate(kpi.milestones):
            yield from _range_problems(document, (*at, "milestones", position), milestone)


def _date_problems(document: Document, at: KeyPath, kpi: KpiDefinition) -> Iterator[Problem]:
    """The target's date is after the baseline's; milestones lead to a final target, each
    dated, after the baseline and the milestone before it, and before the target's date."""
    baseline, target = kpi.baseline, kpi.target
    if baseline and target and target.date and target.date <= baseline.date:
        yield document.about(
            (*at, "target", "date"),
            f"{target.date} must be after the baseline date {baseline.date}",
        )
    if kpi.milestones and target is None:
        yield document.about((*at, "target"), "is required: milestones lead to a final target")
    previous = baseline.date if baseline else None
    for position, milestone in enumerate(kpi.milestones):
        path = (*at, "milestones", position, "date")
        if milestone.date is None:
            yield document.about(path, "is required: a milestone is a target with a date")
            continue
        if previous is not None and milestone.date <= previous:
            yield document.about(path, f"{milestone.date} must be after {previous}")
        if target is not None and (target.date is None or milestone.date >= target.date):
            yield document.about(path, f"{milestone.date} must be before the target's date")
        previous = milestone.date


def _order_problems(document: Document, at: KeyPath, kpi: KpiDefinition) -> Iterator[Problem]:
    """An increase KPI's baseline, milestones and target must not go down in that order (a
    decrease KPI's not up): a target below the baseline of an increase KPI would have the
    pages show progress and a pace toward a value that is already passed. Equal values are
    allowed: a milestone may hold a level for a while."""
    wrong = _WRONG_WAY.get(kpi.direction)
    if wrong is None:
        return  # a KPI that holds a level: its targets may move either way
    for (before, earlier, _), (_, value, path) in pairwise(_way_to_target(at, kpi)):
        if (value - earlier) * wrong.sign > 0:
            yield document.about(
                path,
                f"{value:g} is {wrong.side} {before} {earlier:g}: with direction "
                f"{kpi.direction.value}, the baseline, the milestones and the target must not "
                f"go {wrong.way} in that order",
            )


def _way_to_target(at: KeyPath, kpi: KpiDefinition) -> list[_Step]:
    """The baseline, the milestones and the final target, those the KPI has, in that order."""
    steps: list[_Step] = []
    if kpi.baseline is not None:
        steps.append(("the baseline", kpi.baseline.value, (*at, "baseline", "value")))
    steps += [
        (f"milestones[{position}].value", milestone.value, (*at, "milestones", position, "value"))
        for position, milestone in enumerate(kpi.milestones)
    ]
    if kpi.target is not None:
        steps.append(("target.value", kpi.target.value, (*at, "target", "value")))
    return steps


def _limit_problems(document: Document, at: KeyPath, kpi: KpiDefinition) -> Iterator[Problem]:
    """Targets, milestones and the baseline lie within the KPI's own limits. Not checked
    against the defaults (0 to 100 for %): a catalog may hold a % KPI that goes beyond 100
    (attainment, growth) and has no need of limits until people type its values."""
    limits = kpi.limits
    if limits is None:
        return
    for path, value in _limited_values(kpi):
        if limits.refuses(value):
            yield document.about(
                (*at, *path),
                f"{value:g} is outside the KPI's limits ({limits.said(kpi.unit)})",
            )


def _limited_values(kpi: KpiDefinition) -> list[tuple[KeyPath, float]]:
    """The values the KPI's limits hold, by their place in the KPI: the milestones' and the
    target's values, then their upper bounds, then the baseline."""
    targets: list[tuple[KeyPath, Target]] = [
        (("milestones", i), milestone) for i, milestone in enumerate(kpi.milestones)
    ]
    if kpi.target is not None:
        targets.append((("target",), kpi.target))
    values: list[tuple[KeyPath, float]] = [((*path, "value"), t.value) for path, t in targets]
    values += [((*path, "upper"), t.upper) for path, t in targets if t.upper is not None]
    if kpi.baseline is not None:
        values.append((("baseline", "value"), kpi.baseline.value))
    return values


def _range_problems(document: Document, path: KeyPath, target: Target | None) -> Iterator[Problem]:
    """A `range` target's band at `path`: `value` is its lower bound, `upper` its upper one."""
    name = field_text(path[2:])
    if target is None or target.upper is None:
        yield document.about(
            (*path, "upper"), f"is required for direction range ({name}.value is the lower bound)"
        )
    elif target.upper < target.value:
        yield document.about(
            (*path, "upper"), f"{target.upper:g} must not be below {name}.value {target.value:g}"
        )


def _formula_problems(
    document: Document, at: KeyPath, kpi: KpiDefinition, text: str, parts: Parts
) -> Iterator[Problem]:
    """A derived KPI's formula (`text`) parses, names KPIs that exist, of the same grain."""
    path = (*at, "formula")
    try:
        formula = parse(text)
    except FormulaError as error:
        yield document.about(path, str(error))
        return
    grains = {other.id: other.grain for _, other in parts.kpis}
    for kpi_id in sorted(formula.kpis):
        if kpi_id == kpi.id:
            yield document.about(path, f"uses '{kpi_id}' itself: a KPI cannot derive from itself")
        elif kpi_id not in parts.kpi_ids:
            hint = did_you_mean(kpi_id, parts.kpi_ids)
            yield document.about(
                path,
                f"names '{kpi_id}', which is not a KPI{hint} "
                "(write a KPI id with _ for -, as in cash_flow)",
            )
        elif kpi_id in grains and grains[kpi_id] is not kpi.grain:
            yield document.about(
                path,
                f"uses '{kpi_id}', whose grain is {grains[kpi_id].value}: "
                f"a formula combines KPIs of its own grain ({kpi.grain.value})",
            )


def cycle_problems(document: Document, parts: Parts) -> Iterator[Problem]:
    """Derived KPIs that depend on themselves through other formulas."""
    valid = [(index, kpi) for index, kpi in parts.kpis if _parses(kpi.formula)]
    try:
        evaluation_order(kpi for _, kpi in valid)
    except CycleError as error:
        index = next(index for index, kpi in valid if kpi.id == error.cycle[0])
        yield document.about(("kpis", index, "formula"), str(error))


def _parses(formula: str | None) -> bool:
    """Whether a formula parses (a bad one is reported on its own); True without formula."""
    try:
        return formula is None or bool(parse(formula))
    except FormulaError:
        return False
