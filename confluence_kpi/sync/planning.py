"""PLAN, its pure half: what every page should say, with people's edits merged in.

Made once per pass, and again for a page read during the pass (saved after the listing, or
between the bot's read and its write): merging, evaluating and rendering are pure and cheap
(ARCHITECTURE.md, rule 7), so the pass plans again with the body just read instead of
measuring again.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from confluence_kpi.catalog import Catalog
from confluence_kpi.confluence.protocol import Page
from confluence_kpi.manual import MEASUREMENT
from confluence_kpi.memory import PageKey, PageMemory
from confluence_kpi.model import Evaluation
from confluence_kpi.pages.layout import bot_part
from confluence_kpi.pages.merge import Prefer
from confluence_kpi.pages.parse import Unreadable
from confluence_kpi.pages.render import UnreadableEdit
from confluence_kpi.periods import local_date
from confluence_kpi.pipeline import (
    DesiredPage,
    Evaluations,
    KeptPage,
    Measured,
    desired_pages,
    evaluate_catalog,
)
from confluence_kpi.readback import read_back
from confluence_kpi.report import Edit

_ROWS = {"target_date": "target", "baseline_date": "baseline"}
# What people typed that could not be read, shown on the page under a warning: a Page
# Properties row, or a measurement typed into a manual KPI's table.
_SHOWN = frozenset({"owner", "target", "baseline", "cadence", "deadline", MEASUREMENT})


@dataclass(frozen=True)
class Plan:
    """What this pass wants the pages to say, and what the read-back decided on the way."""

    pages: Mapping[PageKey, DesiredPage]
    evaluations: Evaluations
    edits: Sequence[Edit]
    unreadable: Sequence[tuple[PageKey, Unreadable]]


def plan(
    catalog: Catalog,
    measured: Measured,
    memories: Mapping[PageKey, PageMemory],
    bodies: Mapping[PageKey, str],
    *,
    now: datetime,
    prefer: Prefer,
    recalled: Mapping[str, Evaluation] | None = None,
    wanted: Container[PageKey] | None = None,
) -> Plan:
    """Merge people's edits into the catalog, evaluate and render every page (those in
    `wanted`, when given; KPIs in `recalled` taken as evaluated there) (pure)."""
    back = read_back(catalog, memories, bodies, today=local_date(now, catalog.zone), prefer=prefer)
    measured = Measured({**measured.series, **back.series}, measured.errors)
    evaluations = evaluate_catalog(back.catalog, measured, now=now, recalled=recalled or {})
    edits_shown = {
        key: tuple(
            UnreadableEdit(row=_ROWS.get(u.field, u.field), text=u.text, reason=u.reason)
            for u in found
            if _ROWS.get(u.field, u.field) in _SHOWN
        )
        for key, found in back.unreadable.items()
    }
    pages = desired_pages(
        back.catalog,
        evaluations,
        fields={key: result.values for key, result in back.merges.items()},
        seen=back.catalog_values,
        unreadable=edits_shown,
        rows=back.rows,
        kept=_kept(measured.errors, memories, bodies, now=now),
        wanted=wanted,
    )
    by_key = {page.key: page for page in pages}
    return Plan(
        pages=by_key,
        evaluations=evaluations,
        edits=[
            Edit(key, by_key[key].title, change)
            for key, result in back.merges.items()
            if key in by_key
            for change in result.changes
        ],
        unreadable=[
            (key, u) for key, found in back.unreadable.items() if key in by_key for u in found
        ],
    )


def _kept(
    failed: Mapping[str, str],
    memories: Mapping[PageKey, PageMemory],
    bodies: Mapping[PageKey, str],
    *,
    now: datetime,
) -> dict[str, KeptPage]:
    """The pages of the KPIs whose source failed that the bot wrote before and this pass
    read: kept with their last good values, since the first run that failed (or this one)."""
    kept = {}
    for kpi_id in failed:
        key = PageKey("kpi", kpi_id)
        memory = memories.get(key)
        if memory is None or memory.retired or key not in bodies:
            continue
        managed = bot_part(bodies[key], memory.blocks)
        if managed:  # "" when the page is not well-formed: rendered anew instead
            kept[kpi_id] = KeptPage(managed, memory.unavailable_since or now)
    return kept


@dataclass
class Planner:
    """A pass's plan: the catalog measured once, and the pages read in full so far, whose
    bodies it merges. A page read during the pass is planned again with the version read."""

    catalog: Catalog
    measured: Measured
    memories: Mapping[PageKey, PageMemory]
    read: dict[PageKey, Page]  # the pages read in full this pass, by the bot's key
    now: datetime
    prefer: Prefer
    # A shard's pass (sync/shards.py): the KPIs another shard evaluates, as their memories
    # tell them, and the pages this one writes (None: every page).
    recalled: Mapping[str, Evaluation] = field(default_factory=dict)
    wanted: Container[PageKey] | None = None

    def plan(self) -> Plan:
        """The plan, with the bodies read so far."""
        bodies = {key: page.body or "" for key, page in self.read.items()}
        return plan(
            self.catalog,
            self.measured,
            self.memories,
            bodies,
            now=self.now,
            prefer=self.prefer,
            recalled=self.recalled,
            wanted=self.wanted,
        )

    def again(self, key: PageKey, page: Page) -> Plan:
        """The plan again, with this version of a page read during the pass."""
        self.read[key] = page
        return self.plan()
