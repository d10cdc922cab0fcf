"""One reconcile pass: observe the bot's pages, take in people's edits, write the difference.

This is the only module that decides what gets written. The pass is (ARCHITECTURE.md, "The
reconcile loop")

    observe -> measure -> read back -> evaluate -> render -> plan -> apply

Observation is one paged CQL listing of the pages carrying the bot's label, with the bot's
content property expanded but no bodies. A page is read in full only when its version moved
since the bot wrote it (someone edited it: their edits are merged in) or when the bot has
something to write to it. Identity comes from the content property, never from the title.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from confluence_kpi.catalog import Catalog
from confluence_kpi.confluence.errors import ConflictError, ConfluenceError, TitleTakenError
from confluence_kpi.confluence.protocol import ConfluenceApi, Page, Property, SpaceInfo
from confluence_kpi.manual import MEASUREMENT
from confluence_kpi.memory import (
    PROPERTY_KEY,
    SCHEMA_VERSION,
    PageKey,
    PageMemory,
    read_memory,
)
from confluence_kpi.model import ManualRow
from confluence_kpi.pages.canonical import canonical
from confluence_kpi.pages.cells import keep_cells
from confluence_kpi.pages.layout import compose, edited_bot_blocks, managed_signatures
from confluence_kpi.pages.merge import Prefer
from confluence_kpi.pages.parse import Unreadable
from confluence_kpi.pages.render import UnreadableEdit, render_retired_panel
from confluence_kpi.periods import local_date
from confluence_kpi.pipeline import (
    BOT_LABEL,
    RETIRED_LABEL,
    DesiredPage,
    Evaluations,
    Measured,
    desired_pages,
    evaluate_catalog,
    measure_catalog,
)
from confluence_kpi.readback import read_back
from confluence_kpi.report import Action, DataWarning, Edit, PageResult, SyncReport

MAX_CONFLICT_RETRIES = 3
# Parents come before children, so a page created in this run has its parent's id.
KIND_ORDER = ("root", "team", "goal", "kpi")
_LISTING = ("version", "metadata.labels", f"metadata.properties.{PROPERTY_KEY}")
_ROWS = {"target_date": "target", "baseline_date": "baseline"}
# What people typed that could not be read, shown on the page under a warning: a Page
# Properties row, or a measurement typed into a manual KPI's table.
_SHOWN = frozenset({"owner", "target", "baseline", "cadence", "deadline", MEASUREMENT})
_ROOT = PageKey("root", "root")


@dataclass(frozen=True)
class Observed:
    """A page of the bot's as the listing showed it, with the memory its property holds."""

    page: Page
    memory: PageMemory


def observe(gateway: ConfluenceApi, space: str) -> dict[PageKey, Observed]:
    """The bot's pages in the space, by the identity in their content property (no bodies)."""
    cql = f'space = "{space}" and type = page and label = "{BOT_LABEL}"'
    return _ours(gateway.search(cql, expand=_LISTING))


def recover(
    gateway: ConfluenceApi, space: str, observed: dict[PageKey, Observed], wanted: Iterable[PageKey]
) -> set[PageKey]:
    """Finds pages the label listing missed (a person removed the label) by the root's index,
    or by a scan of the whole space when the root itself is missing; adds them to `observed`.

    Returns the keys the index knew but no page holds any more: pages deleted in Confluence.
    """
    missing = [key for key in wanted if key not in observed]
    if not missing:
        return set()
    root = observed.get(_ROOT)
    if root is None:
        # No root to ask: it is a first run, or someone took the root's label away.
        cql = f'space = "{space}" and type = page'
        observed.update(_ours(gateway.search(cql, expand=_LISTING)))
        return set()
    index = root.memory.index
    ids = [index[str(key)] for key in missing if str(key) in index]
    if ids:
        cql = f"id in ({','.join(ids)}) and type = page"
        found = _ours(gateway.search(cql, expand=_LISTING))
        observed.update({k: v for k, v in found.items() if k not in observed})
    return {key for key in missing if str(key) in index and key not in observed}


def read_moved(gateway: ConfluenceApi, observed: Mapping[PageKey, Observed]) -> dict[PageKey, Page]:
    """Bodies of the KPI and goal pages someone saved since the bot wrote them, or that hold
    a value people typed the bot could not read (kept as typed until someone corrects it)."""
    return {
        key: gateway.get_page(obs.page.id, expand=("body.storage",))
        for key, obs in observed.items()
        if key.kind in ("kpi", "goal")
        and (obs.page.version != obs.memory.page_version or obs.memory.kept_rows)
    }


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
) -> Plan:
    """Merge people's edits into the catalog, evaluate and render every page (pure)."""
    back = read_back(catalog, memories, bodies, today=local_date(now, catalog.zone), prefer=prefer)
    measured = Measured({**measured.series, **back.series}, measured.errors)
    evaluations = evaluate_catalog(back.catalog, measured, now=now)
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
    )
    by_key = {page.key: page for page in pages}
    return Plan(
        pages=by_key,
        evaluations=evaluations,
        edits=[
            Edit(key, by_key[key].title, change)
            for key, result in back.merges.items()
            for change in result.changes
        ],
        unreadable=[(key, u) for key, found in back.unreadable.items() for u in found],
    )


@dataclass
class Syncer:
    """Applies a plan with the gateway; one instance per pass."""

    gateway: ConfluenceApi
    space: SpaceInfo
    observed: dict[PageKey, Observed]
    bodies: dict[PageKey, Page]
    replan: Callable[[PageKey, str], Plan]  # the plan again, with this page's body read now
    deleted: set[PageKey] = field(default_factory=set)
    locale: str = "en"
    templates: Path | None = None  # the catalog's own templates directory
    dry_run: bool = False
    show_diff: bool = False
    ids: dict[PageKey, str] = field(default_factory=dict)
    props: dict[PageKey, Property | None] = field(default_factory=dict)
    memories: dict[PageKey, PageMemory] = field(default_factory=dict)
    # Edits taken over, and what could not be read, from versions saved during the pass.
    edits: list[Edit] = field(default_factory=list)
    unreadable: list[tuple[PageKey, Unreadable]] = field(default_factory=list)
    taken: set[PageKey] = field(default_factory=set)  # pages whose team edits this run takes

    def sync_page(self, want: DesiredPage) -> PageResult:
        """Create, update or leave one page; errors become a failed result, never an abort."""
        try:
            found = self.observed.get(want.key)
            if found is None:
                return self._create(want)
            self.ids[want.key] = found.page.id
            if found.memory.newer:
                return _left_to_a_newer_version(want.key, found)
            return self._update(want, found)
        except ConfluenceError as exc:
            return PageResult(want.key, want.title, Action.FAILED, reason=str(exc))

    def retire(self, key: PageKey, found: Observed) -> PageResult:
        """Mark a page whose KPI, goal or team left the catalog; never delete it (ARCHITECTURE.md,
        rule 1)."""
        page, memory = found.page, found.memory
        if memory.newer:
            return _left_to_a_newer_version(key, found)
        if memory.retired:
            self._add_labels(page, {RETIRED_LABEL})
            return PageResult(key, page.title, Action.UNCHANGED, "retired earlier", page.id)
        if self.dry_run:
            return PageResult(key, page.title, Action.RETIRED, "no longer in the catalog", page.id)
        try:
            current = self.gateway.get_page(page.id, expand=("body.storage",))
            panel = render_retired_panel(self.locale, self.templates)
            updated = self.gateway.update_page(
                current,
                current.title,
                panel + (current.body or ""),
                version_message="confluence-kpi: retired",
            )
            # The panel becomes one of the bot's blocks: should the page come back to the
            # catalog, the next render drops it again.
            self._remember(
                key,
                memory.model_copy(
                    update={
                        "page_version": updated.version,
                        "retired": True,
                        "blocks": (*managed_signatures(panel), *memory.blocks),
                    }
                ),
            )
            self._add_labels(page, {RETIRED_LABEL})
        except ConfluenceError as exc:
            return PageResult(key, page.title, Action.FAILED, str(exc), page.id)
        return PageResult(key, page.title, Action.RETIRED, "no longer in the catalog", page.id)

    def _create(self, want: DesiredPage) -> PageResult:
        parent_id = self._parent_id(want)
        reason = "deleted in Confluence; created again" if want.key in self.deleted else "new page"
        if self.dry_run:
            return PageResult(want.key, want.title, Action.CREATE, reason=reason)
        # A title taken by a person's page is left alone: ours gets a free variant of it.
        for title in (want.title, *(f"{want.title} ({n})" for n in range(2, 10))):
            try:
                created = self.gateway.create_page(
                    self.space.key,
                    title,
                    want.body,
                    parent_id=parent_id,
                    labels=want.labels,
                    properties={PROPERTY_KEY: _memory(want, 1, title).to_json()},
                )
            except TitleTakenError:
                mine = self._made_by_another_run(want, title)
                if mine is not None:
                    return self._update(want, mine)
                reason = f"the title {want.title!r} belongs to another page; created as"
                continue
            if title != want.title:
                reason = f"{reason} {title!r}"
            self.ids[want.key] = created.id
            self.props[want.key] = created.properties.get(PROPERTY_KEY)
            self.memories[want.key] = _memory(want, 1, title)
            return PageResult(want.key, title, Action.CREATE, reason, page_id=created.id)
        raise ConfluenceError(f"no free title like {want.title!r} in space {self.space.key}")

    def _made_by_another_run(self, want: DesiredPage, title: str) -> Observed | None:
        """The page holding `title` when it is this very page, created by another run of the
        bot at the same moment (two containers started by mistake): then it is adopted."""
        existing = self.gateway.find_page(self.space.key, title, expand=_LISTING)
        mine = _ours([existing] if existing else []).get(want.key)
        if mine is not None:
            self.observed[want.key] = mine
            self.ids[want.key] = mine.page.id
            self.props[want.key] = mine.page.properties.get(PROPERTY_KEY)
        return mine

    def _update(self, want: DesiredPage, found: Observed) -> PageResult:
        page, memory = found.page, found.memory
        title = _title(want, page, memory)
        if page.version == memory.page_version and title == page.title and _same(memory, want):
            return self._labels_only(want, page)
        for _attempt in range(MAX_CONFLICT_RETRIES):
            current = self.bodies.get(want.key)
            if current is None:
                current = self._read(page)
                if current.version != page.version:
                    # Saved after the listing, while the sources were measured: merged in as
                    # after a version conflict, never written over.
                    want = self._take(want.key, current)
            title = _title(want, current, memory)
            stored = current.body or ""
            body = compose(stored, memory.blocks, want.body)
            if want.kept_rows:
                body = keep_cells(body, stored, want.kept_rows, locale=self.locale)
            new_memory = _memory(want, current.version, title, memory.index)
            if canonical(stored) == canonical(body) and title == current.title:
                if new_memory != memory and not self.dry_run:
                    self._remember(want.key, new_memory)
                edited = current.version != memory.page_version
                return self._labels_only(want, page, "edited in Confluence; kept" if edited else "")
            diff = _diff(stored, body, current.title) if self.show_diff else None
            reason = self._why(want, current, memory, title, stored)
            if self.dry_run:
                return PageResult(want.key, title, Action.UPDATE, reason, page.id, diff)
            try:
                updated = self.gateway.update_page(
                    current, title, body, version_message="confluence-kpi sync"
                )
            except ConflictError:
                # Someone saved between our read and our write: read again, merge their edit
                # in again, render again, and try again.
                want = self._take(want.key, self._read(page))
                continue
            self._remember(want.key, _memory(want, updated.version, title, memory.index))
            self._add_labels(page, want.labels)
            return PageResult(want.key, title, Action.UPDATE, reason, page.id, diff)
        return PageResult(
            want.key,
            want.title,
            Action.FAILED,
            reason=f"page kept changing under us ({MAX_CONFLICT_RETRIES} version conflicts)",
            page_id=page.id,
        )

    def _read(self, page: Page) -> Page:
        """The page as it is now, body included."""
        return self.gateway.get_page(page.id, expand=("body.storage",))

    def _take(self, key: PageKey, current: Page) -> DesiredPage:
        """The page planned again with the version someone saved during this pass: their
        edits merged in (and reported) the way the first plan merges the listed versions."""
        self.bodies[key] = current
        again = self.replan(key, current.body or "")
        edits = [edit for edit in again.edits if edit.key == key]
        unreadable = [found for found in again.unreadable if found[0] == key]
        self.edits.extend(edit for edit in edits if edit not in self.edits)
        self.unreadable.extend(found for found in unreadable if found not in self.unreadable)
        if edits or unreadable:
            self.taken.add(key)
        return again.pages[key]

    def _why(
        self, want: DesiredPage, current: Page, memory: PageMemory, title: str, stored: str
    ) -> str:
        """Why a page is written: a rename, measurements people typed (data entry, not an edit
        of the bot's values), a person's edit of what the bot computes (replaced, and said
        so), or changed content."""
        if title != current.title:
            return f"renamed from {current.title!r}"
        typed = _typed_rows(memory.rows, want.rows)
        if typed:
            return typed
        edited = current.version != memory.page_version and want.key not in self.taken
        if edited and edited_bot_blocks(stored, memory.blocks, memory.block_digests):
            return "a person's edit of values the bot computes was replaced"
        return "content changed"

    def _labels_only(self, want: DesiredPage, page: Page, reason: str = "") -> PageResult:
        added = self._add_labels(page, want.labels)
        return PageResult(
            want.key,
            page.title,
            Action.UNCHANGED,
            reason=reason or ("labels restored" if added else ""),
            page_id=page.id,
        )

    def _add_labels(self, page: Page, labels: frozenset[str] | set[str]) -> bool:
        """Put back labels the page lacks (people may remove them); whether any was missing."""
        missing = set(labels) - page.labels
        if missing and not self.dry_run:
            self.gateway.add_labels(page.id, missing)
        return bool(missing)

    def _remember(self, key: PageKey, memory: PageMemory) -> None:
        """Write the page's memory, tracking the property's version for the next write."""
        value = memory.to_json()
        try:
            self.props[key] = self.gateway.set_property(
                self.ids[key], PROPERTY_KEY, value, current=self.props.get(key)
            )
        except ConflictError:
            # Another run of the bot wrote the memory first (two started by mistake): when it
            # wrote what we would, all is well; else ours goes on top of its version.
            current = self.gateway.get_property(self.ids[key], PROPERTY_KEY)
            if current is None or current.value != value:
                self.props[key] = self.gateway.set_property(
                    self.ids[key], PROPERTY_KEY, value, current=current
                )
            else:
                self.props[key] = current
        self.memories[key] = memory

    def _parent_id(self, want: DesiredPage) -> str | None:
        if want.parent is None:
            return self.space.homepage_id
        parent = self.ids.get(want.parent)
        if parent is None and not self.dry_run:
            # Either the parent failed earlier in this pass, or --only left it out while it
            # does not exist yet: a page is never created in the wrong place.
            raise ConfluenceError(f"its parent page ({want.parent}) does not exist")
        return parent


def run_sync(
    catalog: Catalog,
    gateway: ConfluenceApi,
    *,
    now: datetime,
    dry_run: bool = False,
    show_diff: bool = False,
    only: Iterable[str] = (),
    prefer: Prefer = "page",
    progress: Callable[[PageResult], None] = lambda _result: None,
) -> SyncReport:
    """One reconcile pass; connection, auth and space errors propagate before any write."""
    space = gateway.check_space(catalog.space)
    observed = observe(gateway, catalog.space)
    deleted = recover(gateway, catalog.space, observed, _keys(catalog))
    measured = measure_catalog(catalog)
    memories = {key: obs.memory for key, obs in observed.items()}
    bodies = read_moved(gateway, observed)
    texts = {key: page.body or "" for key, page in bodies.items()}
    first = plan(catalog, measured, memories, texts, now=now, prefer=prefer)

    def replan(key: PageKey, body: str) -> Plan:
        texts[key] = body
        return plan(catalog, measured, memories, texts, now=now, prefer=prefer)

    syncer = Syncer(
        gateway,
        space,
        observed,
        bodies,
        replan,
        deleted=deleted,
        locale=catalog.locale,
        templates=catalog.templates,
        dry_run=dry_run,
        show_diff=show_diff,
    )
    # Pages not being synced this pass still serve as parents.
    syncer.ids.update({key: obs.page.id for key, obs in observed.items()})
    syncer.props.update(
        {key: obs.page.properties.get(PROPERTY_KEY) for key, obs in observed.items()}
    )
    syncer.memories.update(memories)
    syncer.taken.update(edit.key for edit in first.edits)
    syncer.taken.update(key for key, _ in first.unreadable)
    report = SyncReport(
        dry_run=dry_run,
        kpi_errors=dict(first.evaluations.errors),
        kpi_status={kpi_id: ev.status for kpi_id, ev in first.evaluations.kpis.items()},
        edits=list(first.edits),
        unreadable=list(first.unreadable),
        data_warnings=[
            DataWarning(kpi_id, warning)
            for kpi_id, ev in first.evaluations.kpis.items()
            for warning in ev.warnings
        ],
    )
    chosen = set(only)
    for want in sorted(first.pages.values(), key=lambda w: KIND_ORDER.index(w.key.kind)):
        if chosen and want.key.id not in chosen:
            continue
        result = syncer.sync_page(want)
        report.pages.append(result)
        progress(result)
    if not chosen:
        for key in sorted(set(observed) - set(first.pages)):
            result = syncer.retire(key, observed[key])
            report.pages.append(result)
            progress(result)
        _update_index(syncer)
    report.edits.extend(edit for edit in syncer.edits if edit not in report.edits)
    report.unreadable.extend(u for u in syncer.unreadable if u not in report.unreadable)
    report.requests = gateway.request_count
    return report


def _update_index(syncer: Syncer) -> None:
    """Keep every managed page's id in the root's memory, so a page whose label a person
    removed is still found (one property write, only when pages came or went)."""
    memory = syncer.memories.get(_ROOT)
    if syncer.dry_run or memory is None or memory.newer or _ROOT not in syncer.ids:
        return
    index = {str(key): page_id for key, page_id in sorted(syncer.ids.items()) if key != _ROOT}
    if dict(memory.index) != index:
        syncer._remember(_ROOT, memory.model_copy(update={"index": index}))


def _left_to_a_newer_version(key: PageKey, found: Observed) -> PageResult:
    """A page whose memory a newer version of the bot wrote: this one does not know all that
    memory says, so it neither overwrites the page nor makes a second one; the run fails on it
    until the bot that runs is upgraded."""
    reason = (
        f"written by a newer confluence-kpi (memory schema {found.memory.schema_version}, "
        f"this version knows {SCHEMA_VERSION}): left as it is; upgrade confluence-kpi"
    )
    return PageResult(key, found.page.title, Action.FAILED, reason, found.page.id)


def _keys(catalog: Catalog) -> list[PageKey]:
    """Every page the catalog calls for."""
    return [
        _ROOT,
        *(PageKey("team", t) for t in catalog.teams),
        *(PageKey("goal", g.id) for g in catalog.goals),
        *(PageKey("kpi", k.id) for k in catalog.kpis),
    ]


def _ours(pages: Iterable[Page]) -> dict[PageKey, Observed]:
    """The pages whose content property is the bot's memory, by the identity it claims."""
    found: dict[PageKey, Observed] = {}
    for page in pages:
        prop = page.properties.get(PROPERTY_KEY)
        memory = read_memory(prop.value if prop else None)
        if memory is None:
            continue
        # Two pages claiming one identity (a copy made in Confluence keeps the property):
        # the older one, the lower id, is the bot's.
        known = found.get(memory.key)
        if known is None or int(page.id) < int(known.page.id):
            found[memory.key] = Observed(page, memory)
    return found


def _typed_rows(before: Sequence[ManualRow], now: Sequence[ManualRow]) -> str:
    """Data entry on a manual KPI's page, in words: "3 measurements read from the page"
    (typed or changed since the last run), or those taken off it; "" when none."""
    added = sum((Counter(now) - Counter(before)).values())
    removed = sum((Counter(before) - Counter(now)).values())
    if added:
        return f"{_measurements(added)} read from the page"
    return f"{_measurements(removed)} removed from the page" if removed else ""


def _measurements(count: int) -> str:
    return f"{count} measurement{'' if count == 1 else 's'}"


def _title(want: DesiredPage, page: Page, memory: PageMemory) -> str:
    """The title to write: a catalog rename is applied, unless people renamed the page."""
    renamed_in_catalog = memory.wanted_title and memory.wanted_title != want.title
    renamed_by_people = memory.title and page.title != memory.title
    return want.title if renamed_in_catalog and not renamed_by_people else page.title


def _same(memory: PageMemory, want: DesiredPage) -> bool:
    """Whether the memory already says what writing `want` would make it say."""
    return (
        memory.digest == want.digest
        and memory.fields == want.fields
        and memory.catalog == want.catalog
        and memory.wanted_title == want.title
        and memory.kept_rows == want.kept_rows
        and memory.rows == want.rows
        and not memory.retired
    )


def _memory(
    want: DesiredPage, version: int, title: str, index: Mapping[str, str] | None = None
) -> PageMemory:
    """What the bot remembers of a page it wrote (or confirmed) at `version`."""
    return PageMemory.of(
        want.key,
        version,
        want.digest,
        title=title,
        wanted_title=want.title,
        fields=want.fields,
        catalog=want.catalog,
        blocks=want.blocks,
        block_digests=want.block_digests,
        kept_rows=want.kept_rows,
        rows=want.rows,
        index=index or {},
    )


def _diff(stored: str, wanted: str, title: str) -> str:
    """A readable unified diff of the canonical forms, one element per line."""
    before = canonical(stored).replace("><", ">\n<").splitlines()
    after = canonical(wanted).replace("><", ">\n<").splitlines()
    return "\n".join(
        difflib.unified_diff(
            before, after, f"{title} (in Confluence)", f"{title} (new)", lineterm=""
        )
    )
