"""What "How it is measured" on a KPI's page says: where the data comes from, how a period's
value is calculated, how the verdicts are reached, how a running period is compared and how
long data counts as current, and how the projection is drawn; in plain words, for people who
want to check the numbers (docs/kpi-formulas.md gives the formulas).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from confluence_kpi.evaluate import MAINTAIN_MARGIN
from confluence_kpi.model import Bands, Evaluation, KpiDefinition
from confluence_kpi.pages.phrases import REACH, Phrases
from confluence_kpi.profile import MIN_PATTERN_PERIODS

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class SourceLabel:
    """What a page says about where a KPI's data comes from: its kind (csv, sql, static,
    page) and a name a reader recognises (a file name, a database name), never a secret."""

    kind: str
    name: str = ""
    dialect: str = ""


def source_text(words: Phrases, label: SourceLabel) -> str:
    """Where the data comes from, as a reader knows it: "the spreadsheet sales.csv"."""
    path = f"source.{label.kind}"
    if path not in words.strings.paths:
        path = "source.unknown"
    return words.strings.say(path, name=label.name, dialect=label.dialect)


def method_rows(
    words: Phrases, ev: Evaluation, kpi: KpiDefinition, bands: Bands, names: Mapping[str, str]
) -> list[tuple[str, str]]:
    """The rows that say how the verdicts are reached: the calculation (with KPI names in a
    formula), the verdicts, a running period and freshness, the projection."""
    text = words.strings.text
    rows = [
        (text("field.calculation"), _calculation(words, kpi, names)),
        (text("field.judging"), _judging(words, ev, kpi, bands)),
        *_running_rows(words, ev, kpi),
    ]
    if ev.projection is not None:
        points = words.number(ev.projection.points, 0)
        projection = words.strings.say("method.projection", points=points)
        rows.append((text("field.projection"), projection))
    return rows


def _calculation(words: Phrases, kpi: KpiDefinition, names: Mapping[str, str]) -> str:
    """How a period's value is calculated: by its aggregation, or by a derived KPI's formula
    over the KPIs it names."""
    say, text = words.strings.say, words.strings.text
    grain = text(f"unit_one.{kpi.grain.value}")
    if kpi.formula is not None:
        return say("method.formula", formula=_named(kpi.formula, names), grain=grain)
    aggregation = text(f"aggregation.{kpi.aggregation.value}")
    return say("method.calculation", aggregation=aggregation, grain=grain)


def _judging(words: Phrases, ev: Evaluation, kpi: KpiDefinition, bands: Bands) -> str:
    """How the verdicts are reached: not at all without a target, by the margin around a
    maintain KPI's band, by the pace bands against a plan, or by comparing with the target."""
    say, text = words.strings.say, words.strings.text
    if kpi.target is None and not kpi.milestones:
        return text("method.none")
    if kpi.direction not in REACH:
        return say("method.limit", margin=words.percent(MAINTAIN_MARGIN))
    if any(pv.expected is not None for pv in ev.history):
        on_track, at_risk = words.percent(bands.on_track), words.percent(bands.at_risk)
        return say("method.plan", on_track=on_track, at_risk=at_risk)
    return text("method.plain")


def _running_rows(words: Phrases, ev: Evaluation, kpi: KpiDefinition) -> list[tuple[str, str]]:
    """How a running period is compared and judged, and how long data counts as current."""
    say, text = words.strings.say, words.strings.text
    grains = text(f"unit_many.{kpi.grain.value}")
    rows = []
    rate = ev.run_rate
    if rate is not None and rate.pattern_periods:
        running = say(
            "method.usual",
            grain=text(f"unit_one.{kpi.grain.value}"),
            grains=grains,
            periods=words.number(rate.pattern_periods, 0),
            kind=text(f"pattern.{kpi.grain.value}"),
        )
        rows.append((text("field.running"), running))
    elif rate is not None:
        minimum = words.number(MIN_PATTERN_PERIODS, 0)
        rows.append((text("field.running"), say("method.even", minimum=minimum, grains=grains)))
    elif any(pv.partial for pv in ev.history):
        rows.append((text("field.running"), text("method.so_far")))
    cadence = kpi.expected_cadence.value
    one, many = text(f"unit_one.{cadence}"), text(f"unit_many.{cadence}")
    fresh = "method.fresh_whole" if ev.data_period is not None else "method.fresh_event"
    rows.append((text("field.freshness"), say(fresh, cadence=one, cadences=many)))
    return rows


def _named(formula: str, names: Mapping[str, str]) -> str:
    """A formula with each KPI id (`-` written `_`) replaced by the KPI's name."""
    return _IDENTIFIER.sub(lambda m: names.get(m.group(0), m.group(0)), formula)
