"""One reconcile pass, start to end: the loop of ARCHITECTURE.md, "The reconcile loop"."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime

from confluence_kpi.catalog import Catalog
from confluence_kpi.confluence.protocol import ConfluenceApi
from confluence_kpi.memory import PROPERTY_KEY, PageKey
from confluence_kpi.model import Status
from confluence_kpi.pages.merge import Prefer
from confluence_kpi.pipeline import measure_catalog
from confluence_kpi.report import DataWarning, GoalVerdict, PageResult, SyncReport
from confluence_kpi.settings import DEFAULT_SOURCE_WORKERS
from confluence_kpi.sync.apply import Syncer
from confluence_kpi.sync.observe import ROOT, Observed, observe, read_moved, recover
from confluence_kpi.sync.planning import Planner
from confluence_kpi.verdicts import verdicts

# Parents come before children, so a page created in this run has its parent's id.
KIND_ORDER = ("root", "team", "goal", "kpi")
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
) -> SyncReport:
    """One reconcile pass; connection, auth and space errors propagate before any write.

    The sources are read `source_workers` at a time; a table on a Confluence page is read
    through `gateway`, the pass's own connection. `go_on` is asked before each page is synced:
    when it says False, the pass ends there, every page written so far complete with its
    memory, and retires nothing (a worker asked to stop; the next pass picks up the rest)."""
    started, clock = datetime.now(UTC), time.monotonic()
    space = gateway.check_space(catalog.space)
    observed = observe(gateway, catalog.space)
    deleted = recover(gateway, catalog.space, observed, _keys(catalog))
    measured = measure_catalog(catalog, now=now, pages=gateway, workers=source_workers)
    memories = {key: obs.memory for key, obs in observed.items()}
    read = read_moved(gateway, observed, failed=measured.errors)
    planner = Planner(catalog, measured, memories, read, now=now, prefer=prefer)
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
        as_of=now,
        started=started,
        verdicts=verdicts(catalog, first.evaluations.kpis),
        kpi_status_before=_status_before(observed, "kpi"),
        goals=[
            GoalVerdict(goal.id, goal.title, first.evaluations.goals[goal.id].status)
            for goal in catalog.goals
            if goal.id in first.evaluations.goals
        ],
        goal_status_before=_status_before(observed, "goal"),
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
    stopped = False
    for want in sorted(first.pages.values(), key=lambda w: KIND_ORDER.index(w.key.kind)):
        if chosen and want.key.id not in chosen:
            continue
        if not go_on():
            stopped = True
            break
        result = syncer.sync_page(want)
        report.pages.append(result)
        progress(result)
    # Only a whole pass knows which pages left the catalog and every page's id.
    if not (chosen or stopped):
        for key in sorted(set(observed) - set(first.pages)):
            result = syncer.retire(key, observed[key])
            report.pages.append(result)
            progress(result)
        syncer.update_index()
    report.edits.extend(edit for edit in syncer.edits if edit not in report.edits)
    report.unreadable.extend(u for u in syncer.unreadable if u not in report.unreadable)
    report.requests = gateway.request_count
    report.duration = time.monotonic() - clock
    return report


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
