"""APPLY: one pass's plan written through the gateway, parents first, a few pages at a time;
nothing in a dry run.

A page is created, updated, left alone or retired; what fails fails that page only
(ARCHITECTURE.md, rule 5).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import Path
from types import MappingProxyType

from confluence_kpi.confluence.errors import ConflictError, ConfluenceError, TitleTakenError
from confluence_kpi.confluence.protocol import ConfluenceApi, Page, Property, SpaceInfo
from confluence_kpi.memory import PROPERTY_KEY, SCHEMA_VERSION, PageKey, PageMemory
from confluence_kpi.pages.canonical import canonical
from confluence_kpi.pages.layout import managed_signatures
from confluence_kpi.pages.parse import Unreadable
from confluence_kpi.pages.render import render_retired_panel
from confluence_kpi.pipeline import RETIRED_LABEL, DesiredPage
from confluence_kpi.report import Action, Edit, PageResult
from confluence_kpi.sync.observe import ROOT, Observed, find_titled, ours
from confluence_kpi.sync.planning import Planner
from confluence_kpi.sync.rewrite import Rewrite, as_written, memory_of, rewrite
from confluence_kpi.sync.root_index import same_index, stored_index

MAX_CONFLICT_RETRIES = 3


@dataclass(frozen=True)
class _Conflict:
    """A write someone else's save beat (409): their version, read again."""

    newer: Page


@dataclass
class Syncer:
    """Applies a plan with the gateway; one instance per pass.

    Pages are synced side by side (`sync_pages`), so the maps and lists below are shared: every
    read and write of them, and of the planner's pages read, holds `_lock`, and no request is
    sent while it is held. Planning again (a page saved during the pass, which is rare) holds
    it too: it reads every page read so far."""

    gateway: ConfluenceApi
    space: SpaceInfo
    observed: dict[PageKey, Observed]
    planner: Planner  # the pass's plan, made again with a page read during the pass
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
    root_missing: str = ""  # why a page under the root cannot be created (a shard's pass)
    unread: Mapping[PageKey, str] = field(default_factory=dict)  # edited pages not read, why
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def sync_pages(
        self,
        wants: Sequence[DesiredPage],
        *,
        workers: int,
        go_on: Callable[[], bool],
        done: Callable[[PageResult], None],
    ) -> bool:
        """Sync `wants` (sorted parents first) in waves of one kind of page, up to `workers`
        pages of a wave at once; the next wave starts once this one is written, since a child
        is created under its parent's id. `done` gets every result on this thread, in the
        order of `wants`. `go_on` is asked before each page is started: when it says False,
        the pages in flight are finished and no other is started; then this returns False."""
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sync-page") as pool:
            for _kind, wave in groupby(wants, key=lambda want: want.key.kind):
                if not self._sync_wave(pool, list(wave), workers, go_on, done):
                    return False
        return True

    def _sync_wave(
        self,
        pool: ThreadPoolExecutor,
        wave: list[DesiredPage],
        workers: int,
        go_on: Callable[[], bool],
        done: Callable[[PageResult], None],
    ) -> bool:
        """One wave of `sync_pages`; False when `go_on` stopped it."""
        started: list[Future[PageResult]] = []
        running: set[Future[PageResult]] = set()
        reported = 0
        going = True
        for want in wave:
            if len(running) >= workers:
                running = wait(running, return_when=FIRST_COMPLETED).not_done
            reported = _report_finished(started, reported, done)
            going = go_on()
            if not going:
                break
            future = pool.submit(self.sync_page, want)
            started.append(future)
            running.add(future)
        for future in started[reported:]:
            done(future.result())  # waits for the pages in flight; a bug in one is raised here
        return going

    def sync_page(self, want: DesiredPage) -> PageResult:
        """Create, update or leave one page; errors become a failed result, never an abort."""
        try:
            with self._lock:
                found = self.observed.get(want.key)
                if found is not None:
                    self.ids[want.key] = found.page.id
            if found is None:
                return self._create(want)
            if want.key in self.unread:
                return PageResult(want.key, want.title, Action.FAILED, self.unread[want.key])
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

    def update_index(self) -> str:
        """Keep every managed page's id in the root's memory, so a page whose label a person
        removed is still found (one property write, only when pages came or went). Returns why
        that write failed, or "": the pages are written by then, so it fails the root alone."""
        with self._lock:
            memory, ids = self.memories.get(ROOT), dict(self.ids)
        if self.dry_run or memory is None or memory.newer or ROOT not in ids:
            return ""
        index = {str(key): page_id for key, page_id in sorted(ids.items()) if key != ROOT}
        if same_index(memory, index):
            return ""
        try:
            self._remember(ROOT, stored_index(self.gateway, ids[ROOT], memory, index))
        except ConfluenceError as exc:
            return f"its index of the bot's pages was not saved (the next sync tries again): {exc}"
        return ""

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
                    properties={PROPERTY_KEY: memory_of(want, 1, title).to_json()},
                )
            except TitleTakenError:
                holder = find_titled(self.gateway, self.space.key, title)
                if holder is None:
                    # Taken, yet not to be seen: most likely the bot's own page, restricted since.
                    # A copy under another title would leave two pages of one KPI or team.
                    raise ConfluenceError(
                        f"the title {title!r} belongs to a page the bot's account cannot see "
                        "(restricted?): if it is this bot's page, give the account permission "
                        "to view and edit it; otherwise rename that page"
                    ) from None
                mine = self._made_by_another_run(want, holder, title)
                if mine is not None:
                    return self._update(want, mine)
                reason = f"the title {want.title!r} belongs to another page; created as"
                continue
            if title != want.title:
                reason = f"{reason} {title!r}"
            with self._lock:
                self.ids[want.key] = created.id
                self.props[want.key] = created.properties.get(PROPERTY_KEY)
                self.memories[want.key] = memory_of(want, 1, title)
            return PageResult(want.key, title, Action.CREATE, reason, page_id=created.id)
        raise ConfluenceError(f"no free title like {want.title!r} in space {self.space.key}")

    def _made_by_another_run(self, want: DesiredPage, page: Page, title: str) -> Observed | None:
        """`page`, which holds `title`, when it is this very page, created by another run of the
        bot at the same moment (two containers started by mistake): then it is adopted."""
        mine = ours(page).get(want.key)
        if mine is None and _unfinished(page, want):
            mine = self._finish(page, want, title)
        if mine is not None:
            with self._lock:
                self.observed[want.key] = mine
                self.ids[want.key] = mine.page.id
                self.props[want.key] = mine.page.properties.get(PROPERTY_KEY)
        return mine

    def _finish(self, page: Page, want: DesiredPage, title: str) -> Observed | None:
        """Give a page another run is still creating, or left half created, its memory; if
        that run writes it first, its memory is the page's."""
        memory = memory_of(want, page.version, title)
        try:
            prop = self.gateway.set_property(page.id, PROPERTY_KEY, memory.to_json(), current=None)
        except ConflictError:
            again = find_titled(self.gateway, self.space.key, title)
            return ours(again).get(want.key) if again is not None else None
        return Observed(replace(page, properties=MappingProxyType({PROPERTY_KEY: prop})), memory)

    def _update(self, want: DesiredPage, found: Observed) -> PageResult:
        """Bring one of the bot's pages up to date (ARCHITECTURE.md, rule 4): left unread while
        it is as the bot wrote it and its memory says what this render would; else read, and
        written only when that changes what it says. A save between our read and our write is
        merged in and the page written again, MAX_CONFLICT_RETRIES attempts in all."""
        if as_written(want, found.page, found.memory):
            return self._labels_only(want, found.page)
        for _attempt in range(MAX_CONFLICT_RETRIES):
            current, want = self._current(want, found.page)
            change = rewrite(want, current, found.memory, locale=self.locale)
            if not change.changes_page:
                return self._keep(change, found)
            written = self._write(change, found)
            if isinstance(written, PageResult):
                return written
            want = self._take(want.key, written.newer)  # their save merged in, planned again
        return _kept_changing(want, found.page)

    def _current(self, want: DesiredPage, page: Page) -> tuple[Page, DesiredPage]:
        """The page as it is now, body included, and the plan for it: read unless this pass
        read it already. A version saved after the listing, while the sources were measured,
        is merged in as after a version conflict, never written over."""
        with self._lock:
            current = self.planner.read.get(want.key)
        if current is not None:
            return current, want
        current = self._read(page)
        if current.version == page.version:
            return current, want
        return current, self._take(want.key, current)

    def _keep(self, change: Rewrite, found: Observed) -> PageResult:
        """A page that already says all this is not written; its memory is brought up to the
        version read, so that the next run leaves it unread."""
        if change.memory != found.memory and not self.dry_run:
            self._remember(change.want.key, change.memory)
        reason = "edited in Confluence; kept" if change.edited else ""
        return self._labels_only(change.want, found.page, reason)

    def _write(self, change: Rewrite, found: Observed) -> PageResult | _Conflict:
        """Write the page, then its memory and labels (in a dry run, only say so); a _Conflict
        when someone saved the page since it was read."""
        want, page = change.want, found.page
        with self._lock:
            taken = want.key in self.taken
        reason = change.reason(taken=taken)
        diff = change.diff() if self.show_diff else None
        result = PageResult(
            want.key, change.title, Action.UPDATE, reason, page.id, diff, change.changed_fields()
        )
        if self.dry_run:
            return result
        try:
            updated = self.gateway.update_page(
                change.current, change.title, change.body, version_message="confluence-kpi sync"
            )
        except ConflictError:
            return _Conflict(newer=self._read(page))
        self._remember(want.key, memory_of(want, updated.version, change.title, found.memory))
        self._add_labels(page, want.labels)
        return result

    def _read(self, page: Page) -> Page:
        """The page as it is now, body included."""
        return self.gateway.get_page(page.id, expand=("body.storage",))

    def _take(self, key: PageKey, current: Page) -> DesiredPage:
        """The page planned again with the version someone saved during this pass: their
        edits merged in (and reported) the way the first plan merges the listed versions."""
        with self._lock:
            again = self.planner.again(key, current)
            edits = [edit for edit in again.edits if edit.key == key]
            unreadable = [found for found in again.unreadable if found[0] == key]
            self.edits.extend(edit for edit in edits if edit not in self.edits)
            self.unreadable.extend(found for found in unreadable if found not in self.unreadable)
            if edits or unreadable:
                self.taken.add(key)
            return again.pages[key]

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
        with self._lock:
            page_id, prop = self.ids[key], self.props.get(key)
        try:
            prop = self.gateway.set_property(page_id, PROPERTY_KEY, value, current=prop)
        except ConflictError:
            # Another run of the bot wrote the memory first (two started by mistake): when it
            # wrote what we would, all is well; else ours goes on top of its version.
            current = self.gateway.get_property(page_id, PROPERTY_KEY)
            if current is None or current.value != value:
                prop = self.gateway.set_property(page_id, PROPERTY_KEY, value, current=current)
            else:
                prop = current
        with self._lock:
            self.props[key] = prop
            self.memories[key] = memory

    def _parent_id(self, want: DesiredPage) -> str | None:
        if want.parent is None:
            return self.space.homepage_id
        with self._lock:
            parent = self.ids.get(want.parent)
        if parent is None and not self.dry_run:
            # Either the parent failed earlier in this pass, or --only left it out while it
            # does not exist yet: a page is never created in the wrong place.
            why = self.root_missing if want.parent == ROOT else ""
            parent_name = "the root page" if want.parent == ROOT else f"the page of {want.parent}"
            raise ConfluenceError(why or f"not created: its parent, {parent_name}, does not exist")
        return parent


def _report_finished(
    started: list[Future[PageResult]], reported: int, done: Callable[[PageResult], None]
) -> int:
    """Hand `done` the results finished since `reported`, up to the first still running, so
    they come in the order the pages were started; how many are reported now."""
    while reported < len(started) and started[reported].done():
        done(started[reported].result())
        reported += 1
    return reported


def _left_to_a_newer_version(key: PageKey, found: Observed) -> PageResult:
    """A page whose memory a newer version of the bot wrote: this one does not know all that
    memory says, so it neither overwrites the page nor makes a second one; the run fails on it
    until the bot that runs is upgraded."""
    reason = (
        f"written by a newer confluence-kpi (memory schema {found.memory.schema_version}, "
        f"this version knows {SCHEMA_VERSION}): left as it is; upgrade confluence-kpi"
    )
    return PageResult(key, found.page.title, Action.FAILED, reason, found.page.id)


def _kept_changing(want: DesiredPage, page: Page) -> PageResult:
    """A page saved by someone between each of our reads and writes: it fails alone."""
    reason = f"page kept changing under us ({MAX_CONFLICT_RETRIES} version conflicts)"
    return PageResult(want.key, want.title, Action.FAILED, reason=reason, page_id=page.id)


def _unfinished(page: Page, want: DesiredPage) -> bool:
    """Whether a page is the one `want` describes, created without its memory yet.

    Where Confluence creates a page and its properties in two requests (REST API v2), another
    run of the bot may be between the two, or have stopped there. Such a page has no memory
    at all, was never edited, and says exactly what this run would create; a page a person
    made under the same title says something else.
    """
    return (
        PROPERTY_KEY not in page.properties
        and page.version == 1
        and canonical(page.body or "") == canonical(want.body)
    )
