"""Takes over what teams edited on their pages: the definitions this run evaluates and renders.

Pure: given the catalog, the bot's memory of each page and the bodies of the pages read this
run (those whose version moved since the bot wrote them), it merges every team-editable field
three ways and reports what it took from where, and what it could not read; and it reads the
measurements people typed into manual KPIs' pages (see `manual`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from confluence_kpi.catalog import Catalog
from confluence_kpi.manual import read_manual, shown_as_typed
from confluence_kpi.memory import PageKey, PageMemory
from confluence_kpi.model import ManualRow, TimeSeries
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
from confluence_kpi.pages.parse import Unreadable, parse_goal_page, parse_kpi_page


@dataclass(frozen=True)
class ReadBack:
    """The catalog with the teams' edits in it, and per page what the merge decided."""

    catalog: Catalog
    merges: Mapping[PageKey, MergeResult]
    catalog_values: Mapping[PageKey, Values]  # what to remember as "seen"
    unreadable: Mapping[PageKey, tuple[Unreadable, ...]]  # manual rows left out among them
    rows: Mapping[str, tuple[ManualRow, ...]]  # manual KPIs: the measurements people typed
    series: Mapping[str, TimeSeries]  # manual KPIs: the typed measurements the bot can use


def read_back(
    catalog: Catalog,
    memories: Mapping[PageKey, PageMemory],
    bodies: Mapping[PageKey, str],
    *,
    today: date,
    prefer: Prefer = "page",
) -> ReadBack:
    """Merges each KPI's and goal's fields from its page (when read), memory and the catalog,
    and reads manual KPIs' measurements from their pages (or, when not read, from memory);
    `today` completes a week typed without its year."""
    merges: dict[PageKey, MergeResult] = {}
    seen: dict[PageKey, Values] = {}
    unreadable: dict[PageKey, tuple[Unreadable, ...]] = {}
    rows: dict[str, tuple[ManualRow, ...]] = {}
    series: dict[str, TimeSeries] = {}
    kpis = []
    for kpi in catalog.kpis:
        key = PageKey("kpi", kpi.id)
        memory = memories.get(key)
        now = kpi_catalog_values(kpi)
        page_values: Values = {}
        cannot: frozenset[str] = frozenset()
        typed = memory.rows if memory else ()
        if key in bodies:
            body = _bot_part(bodies[key], memory)
            fields = parse_kpi_page(body, locale=catalog.locale, unit=kpi.unit)
            page_values, cannot = kpi_page_values(fields)
            if kpi.manual and "history" in fields.found:
                typed = tuple(
                    ManualRow(row.period, row.value, row.comment or "")
                    for row in fields.history_rows
                )
            unreadable[key] = fields.unreadable
        result = _merge(page_values, memory, now, prefer, cannot)
        merges[key], seen[key] = result, dict(now)
        merged = apply_kpi_values(kpi, result.values)
        if kpi.manual:
            manual = read_manual(
                typed,
                merged,
                locale=catalog.locale,
                week_start=catalog.week_start_index,
                zone=catalog.zone,
                today=today,
            )
            rows[kpi.id], series[kpi.id] = manual.rows, manual.series
            unreadable[key] = (*unreadable.get(key, ()), *manual.unusable)
            merged = shown_as_typed(merged, manual.places)
        kpis.append(merged)
    goals = []
    for goal in catalog.goals:
        key = PageKey("goal", goal.id)
        now = goal_catalog_values(goal)
        page_values, cannot = {}, frozenset()
        if key in bodies:
            body = _bot_part(bodies[key], memories.get(key))
            goal_fields = parse_goal_page(body, locale=catalog.locale)
            page_values, cannot = goal_page_values(goal_fields)
            unreadable[key] = goal_fields.unreadable
        result = _merge(page_values, memories.get(key), now, prefer, cannot)
        merges[key], seen[key] = result, dict(now)
        goals.append(apply_goal_values(goal, result.values))
    merged_catalog = catalog.model_copy(update={"kpis": tuple(kpis), "goals": tuple(goals)})
    found = {k: v for k, v in unreadable.items() if v}
    return ReadBack(merged_catalog, merges, seen, found, rows, series)


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
