"""Takes over what teams edited on their pages: the definitions this run evaluates and renders.

Pure: given the catalog, the bot's memory of each page and the bodies of the pages read this
run (those whose version moved since the bot wrote them), it merges every team-editable field
three ways and reports what it took from where, and what it could not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from confluence_kpi.catalog import Catalog
from confluence_kpi.memory import PageKey, PageMemory
from confluence_kpi.model import KpiDefinition, ManualRow, Measurement, TimeSeries
from confluence_kpi.pages.layout import bot_part
from confluence_kpi.pages.merge import (
    MergeResult,
    Prefer,
    Value,
    Values,
    apply_goal_values,
    apply_kpi_values,
    goal_catalog_values,
    goal_page_values,
    kpi_catalog_values,
    kpi_page_values,
    merge,
)
from confluence_kpi.pages.parse import (
    KpiPageFields,
    Unreadable,
    parse_goal_page,
    parse_kpi_page,
)
from confluence_kpi.pages.values import parse_period
from confluence_kpi.periods import period_index, period_label, period_start


@dataclass(frozen=True)
class ReadBack:
    """The catalog with the teams' edits in it, and per page what the merge decided."""

    catalog: Catalog
    merges: Mapping[PageKey, MergeResult]
    catalog_values: Mapping[PageKey, Values]  # what to remember as "seen"
    unreadable: Mapping[PageKey, tuple[Unreadable, ...]]
    rows: Mapping[str, tuple[ManualRow, ...]]  # manual KPIs: the measurements people typed

    def manual_series(self, zone: ZoneInfo) -> dict[str, TimeSeries]:
        """Each manual KPI's readable rows as measurements at the start of their day."""
        return {
            kpi_id: TimeSeries.of(
                Measurement(ts=datetime.combine(row.day, time(), zone), value=row.value)
                for row in rows
                if row.day is not None and row.value is not None
            )
            for kpi_id, rows in self.rows.items()
        }


def read_back(
    catalog: Catalog,
    memories: Mapping[PageKey, PageMemory],
    bodies: Mapping[PageKey, str],
    *,
    prefer: Prefer = "page",
) -> ReadBack:
    """Merges each KPI's and goal's fields from its page (when read), memory and the catalog."""
    merges: dict[PageKey, MergeResult] = {}
    seen: dict[PageKey, Values] = {}
    unreadable: dict[PageKey, tuple[Unreadable, ...]] = {}
    rows: dict[str, tuple[ManualRow, ...]] = {}
    kpis = []
    for kpi in catalog.kpis:
        key = PageKey("kpi", kpi.id)
        now = kpi_catalog_values(kpi)
        page_values: Values = {}
        cannot: frozenset[str] = frozenset()
        if kpi.manual:
            memory = memories.get(key)
            rows[kpi.id] = memory.rows if memory else ()
        if key in bodies:
            body = _bot_part(bodies[key], memories.get(key))
            fields = parse_kpi_page(body, locale=catalog.locale, unit=kpi.unit)
            page_values, cannot = kpi_page_values(fields)
            if kpi.manual and "history" in fields.found:
                rows[kpi.id] = manual_rows(fields, catalog, kpi)
            unreadable[key] = fields.unreadable
        result = _merge(page_values, memories.get(key), now, prefer, cannot)
        merges[key], seen[key] = result, dict(now)
        kpis.append(apply_kpi_values(kpi, result.values))
    goals = []
    for goal in catalog.goals:
        key = PageKey("goal", goal.id)
        now = goal_catalog_values(goal)
        page_values, cannot = {}, frozenset()
        if key in bodies:
            goal_fields = parse_goal_page(
                _bot_part(bodies[key], memories.get(key)), locale=catalog.locale
            )
            page_values, cannot = goal_page_values(goal_fields)
            unreadable[key] = goal_fields.unreadable
        result = _merge(page_values, memories.get(key), now, prefer, cannot)
        merges[key], seen[key] = result, dict(now)
        goals.append(apply_goal_values(goal, result.values))
    merged = catalog.model_copy(update={"kpis": tuple(kpis), "goals": tuple(goals)})
    return ReadBack(merged, merges, seen, {k: v for k, v in unreadable.items() if v}, rows)


def manual_rows(
    fields: KpiPageFields, catalog: Catalog, kpi: KpiDefinition
) -> tuple[ManualRow, ...]:
    """The measurements people typed into a manual KPI's table, labelled by its periods.

    A row whose period or value cannot be read stays as typed (and is not evaluated), so the
    page never loses it; the parser reports the value, the period is reported here.
    """
    typed = {u.field.removeprefix("history "): u.text for u in fields.unreadable}
    result = []
    for row in fields.history_rows:
        try:
            day: date | None = parse_period(row.period, locale=catalog.locale)
        except ValueError:
            day = None
        label = row.period
        if day is not None:
            index = period_index(day, kpi.grain, catalog.week_start_index)
            day = period_start(index, kpi.grain, catalog.week_start_index)
            label = period_label(day, kpi.grain, catalog.week_start_index)
        result.append(
            ManualRow(
                label=label,
                day=day,
                value=row.value,
                comment=row.comment or "",
                text=typed.get(row.period, "") if row.value is None else "",
            )
        )
    return tuple(result)


def _bot_part(body: str, memory: PageMemory | None) -> str:
    """What the fields are read from: the bot's own blocks of the page, as people edited them.

    A paragraph people add is theirs, wherever they add it: read with the field next to it, it
    would be shown twice, reported as an edit of that field and copied to other pages.
    """
    return bot_part(body, memory.blocks if memory else ())


def _merge(
    page: Mapping[str, Value],
    memory: PageMemory | None,
    now: Mapping[str, Value],
    prefer: Prefer,
    unreadable: frozenset[str],
) -> MergeResult:
    """One page's merge; a page the bot never wrote (no memory) takes the catalog's values."""
    written = memory.fields if memory else {}
    seen = memory.catalog if memory else {}
    return merge(page, written, now, seen, prefer=prefer, unreadable=unreadable)
