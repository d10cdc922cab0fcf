"""One reconcile pass, start to end: the loop of ARCHITECTURE.md, "The reconcile loop"."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime

from confluence_kpi.catalog import Catalog
from confluence_kpi.confluence.protocol import ConfluenceApi, Page
from confluence_kpi.memory import PROPERTY_KEY, PageKey
from confluence_kpi.model import Status
from confluence_kpi.pages.merge import Prefer
from confluence_kpi.pipeline import measure_catalog
from confluence_kpi.report import Action, DataWarning, GoalVerdict, PageResult, SyncReport
from confluence_kpi.settings import DEFAULT_SOURCE_WORKERS, DEFAULT_WRITE_WORKERS
from confluence_kpi.sync.apply import Syncer
from confluence_kpi.sync.observe import ROOT, Observed, find_root, observe, read_moved, recover
from confluence_kpi.sync.planning import Planner
from confluence_kpi.sync.shards import WHOLE, Shard, part_of, recalled, remembered
from confluence_kpi.verdicts import verdicts

log = logging.getLogger(__name__)

# Parents come before children, so a page created in this run has its parent's id.
KIND_ORDER = ("root", "team", "goal", "kpi")
ROOT_WAIT = 300.0  # seconds a shard waits for shard 0 to create the root on a first run
_ROOT_POLL = 2.0  # seconds between two looks for it
_STATUSES = frozenset(status.value for status in Status)


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
    go_on: Callable[[], bool] = lambda: True,
    source_workers: int = DEFAULT_SOURCE_WORKERS,
    write_workers: int = DEFAULT_WRITE_WORKERS,
    shard: Shard = WHOLE,
    root_wait: float = ROOT_WAIT,
) -> SyncReport:
    """One reconcile pass; connection, auth and space errors propagate before any write.

    The sources are read `source_workers` at a time; a table on a Confluence page is read
    through `gateway`, the pass's own connection. Pages are written `write_workers` at a time,
    parents first (`Syncer.sync_pages`), and reported in the plan's order. `go_on` is asked
    before each page is synced: when it says False, the pass ends once the pages being written
    are, each complete with its memory, and retires nothing (a worker asked to stop; the next
    pass picks up the rest).

    `shard` syncs only its share of the pages (sync/shards.py); a shard other than 0 waits up
    to `root_wait` seconds for the root page, which shard 0 creates, before it writes."""
    started, clock = datetime.now(UTC), time.monotonic()
    space = gateway.check_space(catalog.space)
    observed = observe(gateway, catalog.space)
    deleted = recover(gateway, catalog.space, observed, _keys(catalog))
    part = part_of(catalog, shard)
    measured = measure_catalog(
        catalog, now=now, pages=gateway, workers=source_workers, only=part.kpis
    )
    memories = {key: obs.memory for key, obs in observed.items()}
    mine = {key: obs for key, obs in observed.items() if part.reads(key)}
    moved = read_moved(gateway, mine, failed=measured.errors)
    # A manual KPI whose rows only its page holds (their digest in memory) cannot be evaluated
    # when that page could not be read: the other pages show it as its memory last said.
    unread_rows = {
        key.id: remembered(key.id, memories[key], now=now)
        for key in moved.unread
        if key.kind == "kpi" and memories[key].rows_digest
    }
    planner = Planner(
        catalog,
        measured,
        memories,
        moved.pages,
        now=now,
        prefer=prefer,
        recalled={**recalled(catalog, part, memories, now=now), **unread_rows},
        wanted=part.pages,
    )
    first = planner.plan()
    syncer = Syncer(
        gateway,
        space,
        observed,
        planner,
        deleted=deleted,
        locale=catalog.locale,
        templates=catalog.templates,
        dry_run=dry_run,
        show_diff=show_diff,
        unread=moved.unread,
    )
    # Pages not being synced this pass still serve as parents.
    syncer.ids.update({key: obs.page.id for key, obs in observed.items()})
    syncer.props.update(
        {key: obs.page.properties.get(PROPERTY_KEY) for key, obs in observed.items()}
    )
    syncer.memories.update(memories)
    syncer.taken.update(edit.key for edit in first.edits)
    syncer.taken.update(key for key, _ in first.unreadable)
    # Pages to create under the root, which shard 0 creates: wait for it.
    new = any(want.parent == ROOT and want.key not in observed for want in first.pages.values())
    if new and not (shard.first or dry_run or ROOT in syncer.ids):
        syncer.ids.update(_root_of_shard_0(gateway, catalog.space, root_wait, go_on))
        syncer.root_missing = (
            f"the root page does not exist yet: shard 0 of the sharded sync creates it "
            f"(waited {root_wait:g} s for it)"
        )
    # The report speaks of this shard's KPIs only (all of them when not sharded).
    evaluated = {k: ev for k, ev in first.evaluations.kpis.items() if part.owns(k)}
    report = SyncReport(
        dry_run=dry_run,
        as_of=now,
        started=started,
        verdicts=verdicts(catalog, evaluated),
        kpi_status_before={
            kpi_id: status
            for kpi_id, status in _status_before(observed, "kpi").items()
            if part.owns(kpi_id)
        },
        goals=[
            GoalVerdict(goal.id, goal.title, first.evaluations.goals[goal.id].status)
            for goal in catalog.goals
            if goal.id in first.evaluations.goals and PageKey("goal", goal.id) in part.pages
        ],
        goal_status_before=_status_before(observed, "goal"),
        kpi_errors={k: e for k, e in first.evaluations.errors.items() if part.owns(k)},
        kpi_status={kpi_id: ev.status for kpi_id, ev in evaluated.items()},
        edits=list(first.edits),
        unreadable=list(first.unreadable),
        data_warnings=[
            DataWarning(kpi_id, warning)
            for kpi_id, ev in evaluated.items()
            for warning in ev.warnings
        ],
    )
    chosen = set(only)
    wanted = [
        want
        for want in sorted(first.pages.values(), key=lambda w: KIND_ORDER.index(w.key.kind))
        if not chosen or want.key.id in chosen
    ]

    def done(result: PageResult) -> None:
        report.pages.append(result)
        progress(result)

    stopped = not syncer.sync_pages(wanted, workers=write_workers, go_on=go_on, done=done)
    # Only a whole pass knows which pages left the catalog and every page's id; of a sharded
    # sync, shard 0 retires them and keeps the index (other shards' new pages join it next pass).
    if not (chosen or stopped) and shard.first:
        for key in sorted(set(observed) - set(_keys(catalog))):
            result = syncer.retire(key, observed[key])
            report.pages.append(result)
            progress(result)
        if problem := syncer.update_index():
            report.pages = [
                replace(page, action=Action.FAILED, reason=problem) if page.key == ROOT else page
                for page in report.pages
            ]
    report.edits.extend(edit for edit in syncer.edits if edit not in report.edits)
    report.unreadable.extend(u for u in syncer.unreadable if u not in report.unreadable)
    report.requests = gateway.request_count
    report.duration = time.monotonic() - clock
    return report


def _root_of_shard_0(
    gateway: ConfluenceApi, space: str, seconds: float, go_on: Callable[[], bool]
) -> dict[PageKey, str]:
    """The root page's id once shard 0 has created it, looked for every few seconds for up to
    `seconds`: a shard never creates the root (it would write it with half the knowledge);
    {} when it is not there in time: the shard's team pages then fail for want of a parent."""
    deadline = time.monotonic() + seconds
    root: Page | None = find_root(gateway, space)
    if root is None and seconds > 0:
        log.warning("no root page yet: waiting up to %g s for shard 0 to create it", seconds)
    while root is None and (left := deadline - time.monotonic()) > 0 and go_on():
        time.sleep(min(_ROOT_POLL, left))
        root = find_root(gateway, space)
    return {} if root is None else {ROOT: root.id}


def _status_before(observed: Mapping[PageKey, Observed], kind: str) -> dict[str, Status]:
    """The status each page of `kind` showed when the bot last wrote it, by id, where known."""
    return {
        key.id: Status(obs.memory.status)
        for key, obs in observed.items()
        if key.kind == kind and obs.memory.status in _STATUSES
    }


def _keys(catalog: Catalog) -> list[PageKey]:
    """Every page the catalog calls for."""
    return [
        ROOT,
        *(PageKey("team", t) for t in catalog.teams),
        *(PageKey("goal", g.id) for g in catalog.goals),
        *(PageKey("kpi", k.id) for k in catalog.kpis),
    ]
