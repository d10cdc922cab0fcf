"""How fast the sandbox answers, so that it is never what a benchmark measures.

Run by hand: `python tests/benchmarks/bench_sandbox.py`. Starts the sandbox as its own process
(as `confluence-kpi sandbox` runs) and in this process (as the test fixture runs it), fills a
space with 2,000 KPI-like pages, and prints medians: single-client page GETs per second (limit:
at least 300) and a CQL page of 50 bodies (limit: under 50 ms), each line ending OK or OVER.
Exits 1 when a line says OVER."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import requests

from confluence_kpi.sandbox import SandboxConfig, SandboxServer

PAGES = 2000
GETS = 600
SEARCHES = 40
MIN_GETS_PER_SECOND = 300
MAX_SEARCH_MS = 50
AUTH = ("admin", "admin")
# The CQL search timed: one page of 50 KPI pages, bodies included.
SEARCH: dict[str, str | int] = {
    "cql": 'space = KPI AND label = "kpi" ORDER BY title',
    "limit": 50,
    "expand": "body.storage,version",
}
BODY = (
    '<p>Kept by confluence-kpi.</p><ac:structured-macro ac:name="details"><ac:rich-text-body>'
    "<table><tbody><tr><th><p>Status</p></th><td><p>"
    '<ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">Green</ac:parameter>'
    '<ac:parameter ac:name="title">On track</ac:parameter></ac:structured-macro></p></td></tr>'
    + "".join(f"<tr><td><p>Week {w}</p></td><td><p>{w * 1.5}</p></td></tr>" for w in range(40))
    + "</tbody></table></ac:rich-text-body></ac:structured-macro><h2>Notes</h2><p>None yet.</p>"
)


@contextmanager
def own_process() -> Iterator[str]:
    """The sandbox as `confluence-kpi sandbox --port 0`; yields its base URL."""
    command = [sys.executable, "-m", "confluence_kpi", "sandbox", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield process.stdout.readline().rsplit(" at ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def in_process() -> Iterator[str]:
    """The sandbox in this process, sharing its interpreter with the client, as tests run it."""
    server = SandboxServer(SandboxConfig(port=0))
    server.start()
    try:
        yield server.base_url
    finally:
        server.stop()


def fill(session: requests.Session, base: str) -> list[str]:
    """Creates the pages (each labelled `kpi`) and returns their ids."""
    ids = []
    for n in range(PAGES):
        page = session.post(
            f"{base}/rest/api/content",
            json={
                "type": "page",
                "title": f"KPI {n:04d}",
                "space": {"key": "KPI"},
                "body": {"storage": {"value": BODY, "representation": "storage"}},
            },
        )
        page.raise_for_status()
        ids.append(page.json()["id"])
        session.post(f"{base}/rest/api/content/{ids[-1]}/label", json={"name": "kpi"})
    return ids


def median_ms(run: Callable[[], object], times: int) -> float:
    """The median duration of `run`, in milliseconds."""
    durations = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        durations.append((time.perf_counter() - started) * 1000)
    return statistics.median(durations)


def measure(label: str, start: Callable[[], AbstractContextManager[str]]) -> bool:
    """Prints the two medians for one way of running the sandbox; whether both are in limits."""
    with start() as base:
        session = requests.Session()
        session.auth = AUTH
        ids = fill(session, base)
        get_url = f"{base}/rest/api/content/{ids[len(ids) // 2]}"

        def page_get() -> None:
            session.get(get_url, params={"expand": "body.storage,version"}).raise_for_status()

        def cql_page() -> None:
            response = session.get(
                f"{base}/rest/api/content/search",
                params=SEARCH,
            )
            response.raise_for_status()
            assert len(response.json()["results"]) == 50

        get_ms = median_ms(page_get, GETS)
        cql_ms = median_ms(cql_page, SEARCHES)
    gets_ok = 1000 / get_ms >= MIN_GETS_PER_SECOND
    cql_ok = cql_ms < MAX_SEARCH_MS
    print(
        f"{label}: page GET median {get_ms:.2f} ms = {1000 / get_ms:.0f}/s "
        f"(limit: >= {MIN_GETS_PER_SECOND}/s) {verdict(gets_ok)}"
    )
    print(
        f"{label}: CQL page of 50 bodies from {PAGES} pages median {cql_ms:.1f} ms "
        f"(limit: < {MAX_SEARCH_MS} ms) {verdict(cql_ok)}"
    )
    return gets_ok and cql_ok


def verdict(ok: bool) -> str:
    """How a result line ends."""
    return "OK" if ok else "OVER"


if __name__ == "__main__":
    # Both ways are measured even when the first is over: the two lines are read together.
    results = [measure("own process", own_process), measure("in process", in_process)]
    sys.exit(0 if all(results) else 1)
