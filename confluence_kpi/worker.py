"""`confluence-kpi run`: the long-running worker that syncs on the catalog's `schedule:`.

One run at start, then one per tick of the schedule (`schedule` library), each in a thread of
its own while the main thread keeps time and takes signals. Never two syncs at once: in this
process a lock (a tick that comes while a run is still going is skipped, and said), across
processes the lease on the root page (lease.py). Each run reads the catalog again, so an edit
is picked up without a restart; an edit that makes it invalid is reported and the last valid
catalog is synced. A run that cannot reach Confluence is tried again after a delay that doubles
with each failure, capped at the interval (the next tick would come then anyway). After each
run the heartbeat file says when it finished (heartbeat.py).

SIGTERM or SIGINT: the page being written is finished, with its memory, and the worker exits 0;
a second signal ends the process at once.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

import schedule

from confluence_kpi.catalog import Catalog
from confluence_kpi.catalog.schema import Schedule
from confluence_kpi.confluence import ConfluenceApi, ConfluenceError
from confluence_kpi.heartbeat import Beat, write_beat
from confluence_kpi.lease import Lease
from confluence_kpi.runner import Setup, SetupError, catalog_for, site_gateway, sync_once
from confluence_kpi.settings import Settings
from confluence_kpi.sync.observe import find_root

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=5)  # after a failed run; doubled after each further failure
MAX_RETRY = timedelta(minutes=15)
LEASE_POLL = timedelta(seconds=5)  # how often a waiting worker looks whether the lease is free
TICK = 0.1  # seconds between two looks at the schedule: the timing's resolution


def _now() -> datetime:
    return datetime.now(UTC)


class Stop:
    """A shutdown asked for by SIGTERM or SIGINT; a second signal exits at once."""

    def __init__(self) -> None:
        self._asked = threading.Event()

    def install(self) -> None:
        """Handle both signals (from the main thread, as Python requires)."""
        signal.signal(signal.SIGTERM, self._signalled)
        signal.signal(signal.SIGINT, self._signalled)

    @property
    def asked(self) -> bool:
        return self._asked.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, woken by a stop; whether one was asked for."""
        return self._asked.wait(seconds)

    def _signalled(self, signum: int, _frame: FrameType | None) -> None:
        if self._asked.is_set():
            os._exit(128 + signum)  # the operator insists: no page is finished first
        log.info("%s: finishing the pages being written, then stopping", signal.strsignal(signum))
        self._asked.set()


class Worker:
    """Runs the sync of one catalog on its schedule; see the module docstring."""

    def __init__(self, config: Path | None, settings: Settings, stop: Stop) -> None:
        self._config = config
        self._settings = settings
        self._stop = stop
        self._holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # The last valid catalog: SetupError here, at start, when there is none.
        self._catalog: Catalog = catalog_for(config, settings)
        self._gateway: ConfluenceApi | None = None  # made at the first run that reaches the site
        self._running = threading.Lock()
        self._run: threading.Thread | None = None
        self._failures = 0
        self._retry_at: datetime | None = None

    def serve(self) -> int:
        """Run at start and on every tick until a signal; then 0 once the run in progress has
        finished its page."""
        self._start_run()
        scheduler = schedule.Scheduler()
        planned: tuple[Schedule, str] | None = None
        while not self._stop.asked:
            wanted = (self._catalog.schedule, self._catalog.timezone)
            if wanted != planned:  # the catalog's schedule changed: follow the new one
                scheduler.clear()
                _plan(scheduler, *wanted).do(self._tick)
                planned = wanted
            scheduler.run_pending()
            if self._retry_at is not None and _now() >= self._retry_at:
                self._retry_at = None
                self._start_run()
            self._stop.wait(TICK)
        if self._run is not None:
            self._run.join()
        return 0

    def run_once(self) -> int:
        """One run: the catalog read again, the lease taken, one sync pass, the lease released,
        the heartbeat written; the exit code `sync` would have (0 when stopped by a signal)."""
        code, outcome = self._attempt()
        interval = self._catalog.schedule.interval
        if code == 2:
            self._failures += 1
            delay = min(FIRST_RETRY * 2 ** (self._failures - 1), MAX_RETRY, interval)
            self._retry_at = _now() + delay
            log.warning("run failed: %s; trying again in %ds", outcome, delay.total_seconds())
        else:
            self._failures = 0
            self._retry_at = None
            log.info("run finished: %s", outcome)
        beat = Beat(finished=_now(), outcome=outcome, interval_seconds=interval.total_seconds())
        write_beat(self._settings.heartbeat_file, beat)
        return code

    def _attempt(self) -> tuple[int, str]:
        """One sync under the lease: its exit code and a line saying how it went."""
        catalog = self._reload()
        try:
            gateway = self._gateway or site_gateway(self._settings)
            self._gateway = gateway
            lease = self._take_lease(gateway, catalog)
            if lease is None:
                return 0, "stopped while waiting for the lease"
            try:
                report = sync_once(
                    Setup(
                        catalog,
                        gateway,
                        source_workers=self._settings.source_workers,
                        write_workers=self._settings.write_workers,
                    ),
                    now=_now(),
                    go_on=lambda: not self._stop.asked and lease.renew(),
                )
            finally:
                lease.release()
        except (SetupError, ConfluenceError) as exc:
            return 2, str(exc).replace("\n", " ")
        said = f"{len(report.pages)} pages synced, exit code {report.exit_code}"
        if self._stop.asked:
            return 0, f"stopped: {said}"
        return report.exit_code, said

    def _reload(self) -> Catalog:
        """The catalog as the file says now; the last valid one when the file is invalid."""
        try:
            self._catalog = catalog_for(self._config, self._settings)
        except SetupError as exc:
            log.error("the catalog is invalid; syncing the last valid one: %s", exc)
        return self._catalog

    def _take_lease(self, gateway: ConfluenceApi, catalog: Catalog) -> Lease | None:
        """The lease, once no other worker holds it; None when a stop came while waiting."""
        root = find_root(gateway, catalog.space)
        page_id = root.id if root else gateway.check_space(catalog.space).homepage_id
        if page_id is None:
            raise SetupError(f"space {catalog.space} has no home page to keep the lease on")
        ttl = timedelta(seconds=self._settings.lease_seconds)
        lease = Lease(gateway, page_id, holder=self._holder, ttl=ttl, clock=_now)
        waiting_for = ""
        while (busy := lease.take()) is not None:
            if busy.holder != waiting_for:
                log.info("worker %s holds the lease until %s: waiting", busy.holder, busy.until)
                waiting_for = busy.holder
            left = (busy.until - _now()).total_seconds()
            if self._stop.wait(min(max(left, TICK), LEASE_POLL.total_seconds())):
                return None
        return lease

    def _tick(self) -> None:
        if self._retry_at is not None:
            log.info("tick skipped: backing off until %s", self._retry_at.isoformat())
            return
        self._start_run()

    def _start_run(self) -> None:
        """A run in its own thread, unless one is going: then this tick is skipped."""
        if not self._running.acquire(blocking=False):
            log.warning("tick skipped: the previous run is still going")
            return
        self._run = threading.Thread(target=self._locked_run, name="sync", daemon=True)
        self._run.start()

    def _locked_run(self) -> None:
        try:
            self.run_once()
        except Exception:
            # A bug must not end the worker: the next tick tries again, and the heartbeat,
            # not written, tells the probes should it keep happening.
            log.exception("run failed unexpectedly")
        finally:
            self._running.release()


def _plan(scheduler: schedule.Scheduler, when: Schedule, zone: str) -> schedule.Job:
    """The schedule's job, waiting for its callable."""
    job: schedule.Job  # the library's unit properties are not annotated
    if when.daily is not None:
        job = scheduler.every().day.at(when.daily, zone)
    else:
        job = scheduler.every(int(when.interval.total_seconds())).seconds
    return job
