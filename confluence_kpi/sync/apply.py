"""APPLY: one pass's plan written page by page through the gateway, parents first; nothing in
a dry run.

A page is created, updated, left alone or retired; what fails fails that page only
(ARCHITECTURE.md, rule 5).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from confluence_kpi.confluence.errors import ConflictError, ConfluenceError, TitleTakenError
from confluence_kpi.confluence.protocol import ConfluenceApi, Page, Property, SpaceInfo
from confluence_kpi.memory import PROPERTY_KEY, SCHEMA_VERSION, PageKey, PageMemory
from confluence_kpi.model import ManualRow
from confluence_kpi.pages.canonical import canonical
from confluence_kpi.pages.cells import keep_cells
from confluence_kpi.pages.layout import compose, edited_bot_blocks, managed_signatures
from confluence_kpi.pages.parse import Unreadable
from confluence_kpi.pages.render import render_retired_panel
from confluence_kpi.pipeline import RETIRED_LABEL, DesiredPage
from confluence_kpi.report import Action, Edit, PageResult
from confluence_kpi.sync.observe import Observed, observe_title
from confluence_kpi.sync.planning import Plan

MAX_CONFLICT_RETRIES = 3


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
        mine = observe_title(self.gateway, self.space.key, title).get(want.key)
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


def _left_to_a_newer_version(key: PageKey, found: Observed) -> PageResult:
    """A page whose memory a newer version of the bot wrote: this one does not know all that
    memory says, so it neither overwrites the page nor makes a second one; the run fails on it
    until the bot that runs is upgraded."""
    reason = (
        f"written by a newer confluence-kpi (memory schema {found.memory.schema_version}, "
        f"this version knows {SCHEMA_VERSION}): left as it is; upgrade confluence-kpi"
    )
    return PageResult(key, found.page.title, Action.FAILED, reason, found.page.id)


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
