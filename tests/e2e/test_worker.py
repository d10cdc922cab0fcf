"""`confluence-kpi run`, the scheduled worker, run as its own process against the sandbox over
HTTP with a schedule of one second, and `health` reading the heartbeat it writes."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from .helpers import PROPERTY, SMALL_PAGES, Cli, Wiki, edit_catalog

LEASE = "confluence-kpi-lease"


@pytest.fixture
def site() -> str:
    """The worker's logic does not depend on the REST API: Data Center's is enough."""
    return "dc"


class Worker:
    """A `run` process, its log in a file so it can be read while it runs."""

    def __init__(self, cli: Cli, log: Path, *options: str) -> None:
        self.log = log
        with log.open("w", encoding="utf-8") as stderr:
            self.process = cli.spawn_command(
                "run", "--config", str(cli.catalog), *options, stderr=stderr
            )

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def count(self, phrase: str) -> int:
        return self.text().count(phrase)

    def wait_for(self, ready: Callable[[], bool], what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            assert self.process.poll() is None or ready(), f"exited before {what}:\n{self.text()}"
            assert time.monotonic() < deadline, f"no {what} in {timeout}s:\n{self.text()}"
            time.sleep(0.05)

    def stop(self, timeout: float = 10) -> int:
        """SIGTERM, then the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)


@pytest.fixture
def heartbeat(tmp_path: Path) -> Path:
    return tmp_path / "state" / "heartbeat.json"


@pytest.fixture
def worker_cli(cli: Cli, heartbeat: Path) -> Cli:
    """The CLI with a one-second schedule, its own heartbeat file, and no retries of a failed
    request (a failure shows at once)."""
    cli.catalog.write_text(
        cli.catalog.read_text(encoding="utf-8") + "schedule: {every: 1s}\n", encoding="utf-8"
    )
    cli.env(KPI_HEARTBEAT_FILE=str(heartbeat), CONFLUENCE_MAX_RETRIES="0")
    return cli


@pytest.fixture
def start(worker_cli: Cli, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Starts workers; any still running at the end is killed."""
    started: list[Worker] = []

    def begin(*options: str) -> Worker:
        worker = Worker(worker_cli, tmp_path / f"worker-{len(started)}.log", *options)
        started.append(worker)
        return worker

    yield begin
    for worker in started:
        if worker.process.poll() is None:
            worker.process.kill()
        worker.process.communicate()


def write_lease(wiki: Wiki, holder: str, expires: datetime) -> None:
    """A lease on the root page, as another worker leaves it."""
    url = f"{wiki.server.base_url}/rest/api/content/{wiki.page_id('E2E KPI handbook')}/property"
    value = {"holder": holder, "expires": expires.isoformat()}
    response = wiki.session.post(url, json={"key": LEASE, "value": value}, timeout=10)
    assert response.status_code == 200, response.text


def lease(wiki: Wiki) -> dict[str, str]:
    root = wiki.page_id("E2E KPI handbook")
    found: dict[str, str] = wiki.get(f"/rest/api/content/{root}/property/{LEASE}")["value"]
    return found


def test_the_worker_syncs_at_start_and_on_every_tick(
    start: Callable[..., Worker], wiki: Wiki
) -> None:
    worker = start()
    worker.wait_for(lambda: worker.count("run finished") >= 3, "three runs")

    assert worker.stop() == 0
    assert {expected.title for expected in SMALL_PAGES.values()} <= set(wiki.titles())
    assert "tick skipped" not in worker.text()
    assert lease(wiki)["holder"] == ""  # released at the end of each run


def test_a_tick_while_a_run_is_still_going_is_skipped_and_said(
    start: Callable[..., Worker], wiki: Wiki
) -> None:
    wiki.inject({"method": "GET", "path": "/rest/api/content/search", "latency_ms": 700})
    worker = start()
    worker.wait_for(lambda: worker.count("run finished") >= 1, "a run")

    assert worker.stop() == 0
    assert "tick skipped: the previous run is still going" in worker.text()


def test_a_second_worker_waits_for_the_lease_and_takes_it_when_it_expires(
    cli: Cli, start: Callable[..., Worker], wiki: Wiki
) -> None:
    cli.sync()
    # Long enough for the process to start first, even on a busy machine.
    expires = datetime.now(UTC) + timedelta(seconds=10)
    write_lease(wiki, "other-worker", expires)

    worker = start("--once")
    code = worker.process.wait(45)

    assert code in (0, 1), worker.text()  # 1: the KPIs' data warnings as of today
    assert "worker other-worker holds the lease" in worker.text()
    assert datetime.now(UTC) >= expires
    assert lease(wiki)["holder"] == ""


def test_a_lease_left_by_a_killed_worker_is_taken_at_once_once_expired(
    cli: Cli, start: Callable[..., Worker], wiki: Wiki
) -> None:
    cli.sync()
    write_lease(wiki, "killed-worker", datetime.now(UTC) - timedelta(minutes=1))

    worker = start("--once")
    worker.process.wait(15)

    assert "holds the lease" not in worker.text()
    assert "run finished" in worker.text()


def test_sigterm_mid_run_finishes_the_page_being_written_and_exits_0(
    cli: Cli, start: Callable[..., Worker], wiki: Wiki
) -> None:
    cli.sync()  # as of AS_OF: the worker, syncing as of today, rewrites the pages
    wiki.inject({"method": "PUT", "path": "/rest/api/content/*", "latency_ms": 400})
    wiki.reset_stats()
    worker = start()
    update = wiki.route("update")
    worker.wait_for(lambda: wiki.routes().get(update, 0) >= 1, "a page update")

    assert worker.stop() == 0
    assert "stopped:" in worker.text()
    assert wiki.routes().get(update, 0) < len(SMALL_PAGES)  # it did not go on to the end
    ours = [page for page in wiki.pages() if PROPERTY in page["metadata"]["properties"]]
    assert len(ours) == len(SMALL_PAGES)
    for page in ours:  # every page written has its memory of that version
        memory = page["metadata"]["properties"][PROPERTY]["value"]
        assert memory["page_version"] == page["version"]["number"], page["title"]


def test_a_second_signal_ends_the_worker_at_once(start: Callable[..., Worker], wiki: Wiki) -> None:
    wiki.inject({"method": "GET", "path": "/rest/api/content/search", "latency_ms": 3000})
    wiki.reset_stats()
    worker = start()
    worker.wait_for(lambda: wiki.stats()["total"] >= 2, "the listing")
    worker.process.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    began = time.monotonic()
    worker.process.send_signal(signal.SIGTERM)

    assert worker.process.wait(5) == 128 + signal.SIGTERM
    assert time.monotonic() - began < 2


def test_health_says_0_after_a_run_in_time_and_1_before_any_or_when_late(
    worker_cli: Cli, start: Callable[..., Worker], heartbeat: Path
) -> None:
    before = worker_cli("health")
    start("--once").process.wait(15)
    fresh = worker_cli("health")
    stale = datetime.now(UTC) - timedelta(hours=2)
    heartbeat.write_text(
        json.dumps({"finished": stale.isoformat(), "outcome": "ok", "interval_seconds": 3600})
    )
    late = worker_cli("health")

    assert (before.code, fresh.code, late.code) == (1, 0, 1)
    assert before.out.startswith("unhealthy: no run has finished yet")
    assert fresh.out.startswith("healthy: last run finished")
    assert late.out.startswith("unhealthy: last run finished 7200s ago (ok); expected within")
    assert len(late.out.splitlines()) == 1


def test_an_invalid_catalog_edit_keeps_the_last_valid_one_and_a_valid_one_is_picked_up(
    worker_cli: Cli, start: Callable[..., Worker], wiki: Wiki
) -> None:
    worker = start()
    worker.wait_for(lambda: worker.count("run finished") >= 1, "a run")
    valid = worker_cli.catalog.read_text(encoding="utf-8")
    worker_cli.catalog.write_text(valid + "bogus: 1\n", encoding="utf-8")
    worker.wait_for(lambda: "the catalog is invalid" in worker.text(), "the report")
    runs = worker.count("run finished")
    worker.wait_for(lambda: worker.count("run finished") > runs, "a run with the last valid one")
    worker_cli.catalog.write_text(valid, encoding="utf-8")
    edit_catalog(worker_cli.catalog, "name: Uptime", "name: Availability")
    worker.wait_for(lambda: "KPI: Availability" in wiki.titles(), "the renamed page")

    assert worker.stop() == 0
    assert "unknown field 'bogus'" in worker.text()


def test_a_worker_backs_off_while_confluence_is_down_and_recovers_by_itself(
    start: Callable[..., Worker], wiki: Wiki
) -> None:
    wiki.inject({"method": "GET", "path": "/rest/api/space/*", "status": 503, "count": 2})
    worker = start()
    worker.wait_for(lambda: "run finished" in worker.text(), "a run after the outage", 20)

    assert worker.stop() == 0
    assert worker.count("run failed") == 2
    assert "trying again in 1s" in worker.text()  # capped at the one-second schedule
    assert {expected.title for expected in SMALL_PAGES.values()} <= set(wiki.titles())


def test_run_with_an_invalid_catalog_at_start_exits_2(
    worker_cli: Cli, start: Callable[..., Worker]
) -> None:
    worker_cli.catalog.write_text("space: [\n", encoding="utf-8")
    worker = start()

    assert worker.process.wait(10) == 2
