"""Benchmark, run by hand: requests, wall time and memory of syncing 1,000 KPIs, through REST API
v1 (a Data Center sandbox) and v2 (a Cloud sandbox) side by side; a first run written by one
page writer against 4 and 8 (KPI_WRITE_WORKERS); and a run at 10,000 KPIs.

Run: .venv/bin/python tests/benchmarks/bench_sync.py [--kpis 1000] [--latency-ms 20] [--quick]
     [--only budgets|concurrency|scale ...] [--concurrency-latency-ms 100] [--scale-kpis 10000]
Exits 1 when a limit is exceeded: ARCHITECTURE.md's "Budgets", set for 1,000 KPIs, scaled to the
run's size (see `Limits`), so that the test suite's small `--quick` run fails on a line that
says OVER.
"""

from __future__ import annotations

import argparse
import csv
import logging
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import requests
import yaml
from atlassian import Confluence

from confluence_kpi.catalog import Catalog, load_catalog
from confluence_kpi.confluence import CloudGateway, ConfluenceApi, Gateway, Transport
from confluence_kpi.confluence.rate_limit import RateLimiter
from confluence_kpi.memory import PageKey
from confluence_kpi.pipeline import DesiredPage, evaluate_catalog, measure_catalog
from confluence_kpi.report import Action, SyncReport
from confluence_kpi.sandbox import SandboxConfig, SandboxServer
from confluence_kpi.settings import DEFAULT_REQUESTS_PER_SECOND, DEFAULT_WRITE_WORKERS
from confluence_kpi.sync import plan, run_sync

SEED = 20260315
DAYS = 730  # two years of daily data, ending the day before NOW
NOW = datetime(2026, 3, 15, 7, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
AUTH = ("admin", "admin")
WRITE_METHODS = ("POST", "PUT", "DELETE", "PATCH")
BUMPED_DAYS = 7  # a changed KPI gets its last week of data raised by a third
# (grain, aggregation, direction, unit): cycled through, so every code path is in the workload.
SHAPES: tuple[tuple[str, str, str, str], ...] = (
    ("week", "sum", "increase", "orders"),
    ("month", "mean", "maintain_above", "%"),
    ("week", "median", "decrease", "h"),
    ("month", "p90", "maintain_below", "ms"),
    ("day", "last", "increase", "users"),
    ("quarter", "sum", "increase", "€"),
    ("month", "ratio", "increase", "%"),
    ("week", "max", "range", "°C"),
    ("month", "min", "maintain_above", "items"),
    ("week", "mean", "decrease", "days"),
)
DAYS_IN = {"day": 1, "week": 7, "month": 30, "quarter": 91}
# Aggregations where raising the last week's values always moves the current period's value.
MOVABLE = frozenset({"sum", "mean", "last"})
FULL_SIZE = 1_000  # the KPIs the budgets are set for
# atlassian-python-api's update_or_create looks for the page among its parent's children with
# one CQL search, without paging: Confluence answers with the first 25 only.
NAIVE_SEARCH_PAGE = 25


# --- the workload ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiSpec:
    """One generated KPI: where its data is and how it behaves."""

    id: str
    team: str
    column: str
    grain: str
    aggregation: str
    direction: str
    unit: str
    level: float
    trend: float


def plan_kpis(count: int) -> list[KpiSpec]:
    """`count` KPIs spread over up to ten teams, with seeded levels and trends."""
    rng = random.Random(SEED)
    teams = max(2, min(10, round(count / 100)))
    kpis = []
    for number in range(count):
        grain, aggregation, direction, unit = SHAPES[number % len(SHAPES)]
        kpis.append(
            KpiSpec(
                id=f"kpi-{number:04d}",
                # Ten in a row share a team, so every team gets every shape.
                team=f"team-{number // len(SHAPES) % teams:02d}",
                column=f"k{number:04d}",
                grain=grain,
                aggregation=aggregation,
                direction=direction,
                unit=unit,
                level=round(rng.uniform(20, 500), 1),
                trend=rng.uniform(-0.15, 0.35),
            )
        )
    return kpis


def write_data(folder: Path, kpis: Sequence[KpiSpec], bumped: frozenset[str]) -> None:
    """One CSV per team (all its KPIs share that one read), a row per day; seeded noise."""
    first = NOW.date() - timedelta(days=DAYS)
    for team in sorted({k.team for k in kpis}):
        members = [k for k in kpis if k.team == team]
        rng = random.Random(f"{SEED}-{team}")
        header = ["date"]
        for kpi in members:
            if kpi.aggregation == "ratio":
                header += [f"{kpi.column}_won", f"{kpi.column}_all"]
            else:
                header.append(kpi.column)
        rows = []
        for day in range(DAYS):
            row: list[str] = [(first + timedelta(days=day)).isoformat()]
            for kpi in members:
                factor = 1 + kpi.trend * day / DAYS
                if kpi.id in bumped and day >= DAYS - BUMPED_DAYS:
                    factor *= 4 / 3
                if kpi.aggregation == "ratio":
                    total = rng.randint(80, 120)
                    share = min(1.0, 0.2 * factor + rng.gauss(0, 0.02))
                    row += [str(max(0, round(total * share))), str(total)]
                else:
                    value = kpi.level * factor * (1 + rng.gauss(0, 0.05))
                    row.append(f"{max(value, 0.0):.2f}")
            rows.append(row)
        with (folder / f"{team}.csv").open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(header)
            writer.writerows(rows)


def write_catalog(folder: Path, kpis: Sequence[KpiSpec]) -> Path:
    """The catalog YAML: teams, about one goal per 20 KPIs, and the KPIs; returns its path."""
    first = NOW.date() - timedelta(days=DAYS)
    deadline = NOW.date() + timedelta(days=365)
    teams = sorted({k.team for k in kpis})
    goals = []
    for number in range(max(2, len(kpis) // 20)):
        team = teams[number % len(teams)]
        members = [k.id for k in kpis if k.team == team]
        start = (number // len(teams)) * 4 % max(1, len(members))
        goals.append(
            {
                "id": f"goal-{number:03d}",
                "team": team,
                "title": f"Goal {number} of {team}: improve what matters by {deadline:%d %B %Y}",
                "specific": "The KPIs below, each towards its own target.",
                "measurable": "Each KPI's value per period from the team's data.",
                "achievable": "Last year's trend reaches most of the targets.",
                "relevant": "These numbers drive the team's plan.",
                "time_bound": f"By {deadline:%d %B %Y}.",
                "deadline": deadline,
                "owner": f"Owner {number % 7}",
                "kpis": (members[start:] + members[:start])[:4],
            }
        )
    document = {
        "space": "KPI",
        "root_page": "KPI handbook",
        "locale": "en",
        "timezone": "Europe/Amsterdam",
        "sources": {team: {"type": "csv", "path": f"{team}.csv"} for team in teams},
        "teams": {team: {"name": f"Team {team[-2:]}"} for team in teams},
        "goals": goals,
        "kpis": [_kpi_entry(kpi, first, deadline) for kpi in kpis],
    }
    path = folder / "catalog.yaml"
    text = yaml.dump(document, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True)
    path.write_text(text, "utf-8")
    return path


class _PlainDumper(yaml.SafeDumper):
    """Writes shared values out in full: the catalog refuses YAML aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _kpi_entry(kpi: KpiSpec, first: date, deadline: date) -> dict[str, Any]:
    """One KPI of the catalog; its target sits where a good trend would take it."""
    entry: dict[str, Any] = {
        "id": kpi.id,
        "name": f"KPI {kpi.id[4:]} ({kpi.aggregation} per {kpi.grain})",
        "team": kpi.team,
        "description": f"Generated {kpi.direction} KPI for the sync benchmark.",
        "unit": kpi.unit,
        "decimals": 1,
        "direction": kpi.direction,
        "grain": kpi.grain,
        "aggregation": kpi.aggregation,
        "source": kpi.team,
        "time_column": "date",
        "owner": f"Owner {kpi.id[-1]}",
    }
    if kpi.aggregation == "ratio":
        entry.update(numerator=f"{kpi.column}_won", denominator=f"{kpi.column}_all", scale=100)
        level = 20.0
    else:
        entry["column"] = kpi.column
        # A sum adds up the days of its period; every other aggregation stays at a day's level.
        level = kpi.level * (DAYS_IN[kpi.grain] if kpi.aggregation == "sum" else 1)
    if kpi.direction in ("increase", "decrease"):
        sign = 1 if kpi.direction == "increase" else -1
        entry["baseline"] = {"value": round(level, 1), "date": first}
        entry["target"] = {"value": round(level * (1 + sign * 0.25), 1), "date": deadline}
    elif kpi.direction == "range":
        entry["target"] = {"value": round(level * 0.9, 1), "upper": round(level * 1.3, 1)}
    else:
        entry["target"] = {"value": round(level * (0.9 if "above" in kpi.direction else 1.3), 1)}
    return entry


def movable_kpis(kpis: Sequence[KpiSpec], count: int) -> frozenset[str]:
    """`count` KPIs whose current value must move when their last week is raised, spread out."""
    candidates = [k.id for k in kpis if k.aggregation in MOVABLE]
    return frozenset(random.Random(SEED).sample(candidates, min(count, len(candidates))))


# --- measuring against a sandbox ------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One measured run: wall time and the sandbox's request counts."""

    seconds: float
    total: int
    by_method: dict[str, int]
    by_route: dict[str, int]

    @property
    def writes(self) -> int:
        """Requests that change something on the server."""
        return sum(self.by_method.get(method, 0) for method in WRITE_METHODS)

    def routes(self, top: int = 6) -> str:
        """The busiest routes, for seeing where the requests go."""
        ranked = sorted(self.by_route.items(), key=lambda item: (-item[1], item[0]))[:top]
        return ", ".join(f"{route} x{count}" for route, count in ranked)


# Each REST API against the flavour that serves it: v1 on Data Center, v2 on Cloud.
FLAVOURS: dict[str, Literal["dc", "cloud"]] = {"v1": "dc", "v2": "cloud"}
# Requests a page costs on a first run: v1 creates a page with its memory in one request and
# adds its labels in a second; v2 creates a page with neither, so its memory is a third.
FIRST_RUN_PER_PAGE = {"v1": 2, "v2": 3}


@contextmanager
def sandbox(latency_ms: int, api: str = "v1") -> Iterator[SandboxServer]:
    """A fresh in-process sandbox of the flavour that serves `api`, with the given latency."""
    server = SandboxServer(SandboxConfig(port=0, latency_ms=latency_ms, flavour=FLAVOURS[api]))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def measured(server: SandboxServer, work: Callable[[], object]) -> Run:
    """Runs `work` between a reset and a read of `/_sandbox/stats`."""
    requests.post(f"{server.url}/_sandbox/stats/reset", timeout=10).raise_for_status()
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    stats = requests.get(f"{server.url}/_sandbox/stats", timeout=10).json()
    return Run(seconds, stats["total"], stats["by_method"], stats["by_route"])


def gateway_of(
    server: SandboxServer,
    api: str = "v1",
    *,
    writers: int = DEFAULT_WRITE_WORKERS,
    per_second: float = 0,
) -> ConfluenceApi:
    """The product's gateway for `api`, logged in as the sandbox's admin, with a connection
    for each of `writers` and a rate limit (0: none)."""
    transport = Transport(
        server.base_url,
        username=AUTH[0],
        api_token=AUTH[1],
        connections=writers,
        limiter=RateLimiter(per_second),
    )
    return CloudGateway(transport) if api == "v2" else Gateway(transport)


# --- the naive way --------------------------------------------------------------------------


@dataclass
class NaiveOutcome:
    """What the naive loop left behind: page ids by key, and failures by reason."""

    ids: dict[PageKey, str] = field(default_factory=dict)
    failures: Counter[str] = field(default_factory=Counter)


def naive_sample(pages: Sequence[DesiredPage], size: int) -> list[DesiredPage]:
    """Root and team pages, then every k-th goal and KPI page: `size` pages in all (0: all)."""
    if size <= 0 or size >= len(pages):
        return list(pages)
    parents = [p for p in pages if p.key.kind in ("root", "team")]
    rest = [p for p in pages if p.key.kind not in ("root", "team")]
    wanted = max(1, size - len(parents))
    step = len(rest) / wanted
    return parents + [rest[int(i * step)] for i in range(wanted)]


def beyond_first_search_page(pages: Sequence[DesiredPage]) -> int:
    """Pages past the 25th child of their parent (the CQL search's default page size)."""
    children = Counter(page.parent for page in pages)
    return sum(max(0, n - NAIVE_SEARCH_PAGE) for n in children.values())


def naive_sync(
    client: Confluence, pages: Sequence[DesiredPage], home_id: str, outcome: NaiveOutcome
) -> None:
    """What users of atlassian-python-api write: `update_or_create` for every page."""
    for page in pages:
        parent = home_id if page.parent is None else outcome.ids.get(page.parent)
        try:
            result = client.update_or_create(parent, page.title, page.body)
            outcome.ids[page.key] = str(result["id"])
        except Exception as exc:  # the loop goes on, as a user's script with a try would
            reason = str(exc).splitlines()[0][:90] if str(exc) else type(exc).__name__
            outcome.failures[reason] += 1


# --- the limits and the result block -------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """The budgets (ARCHITECTURE.md, "Budgets") at the size of one run.

    The per-page limits (3 requests per page created, 3 more per page that changed, no
    failure, no write when nothing changed) hold at any size. The budgets of a whole run (2 s
    to evaluate and render, 300 MB, 30 requests whatever changed) are set for 1,000 KPIs and
    follow the number of KPIs, down to a floor: what a run of any size spends (one timed run is
    noisy to tenths of a second on a shared machine; the imports and compiled templates take
    their megabytes; a listing takes a space lookup and a search), so that a small run's
    budget is neither below its fixed costs nor large enough to hide a request per page.
    """

    seconds: float
    megabytes: float
    run_requests: int

    @classmethod
    def at(cls, kpis: int) -> Limits:
        """The limits for a run of `kpis` KPIs."""
        share = kpis / FULL_SIZE
        return cls(
            seconds=max(2.0 * share, 0.5),
            megabytes=max(300.0 * share, 30.0),
            run_requests=max(round(30 * share), 5),
        )


@dataclass
class Results:
    """The result lines; `over` is set when a limit is exceeded."""

    lines: list[str] = field(default_factory=list)
    over: bool = False

    def check(
        self,
        name: str,
        value: float,
        limit: float,
        shown: str,
        limit_shown: str,
        *,
        at_least: bool = False,
    ) -> None:
        """A line with a limit: OK when `value <= limit` (`at_least`: `value >= limit`)."""
        ok = value >= limit if at_least else value <= limit
        self.over |= not ok
        self.lines.append(f"{name}: {shown} (limit: {limit_shown}) {'OK' if ok else 'OVER'}")

    def info(self, name: str, shown: str) -> None:
        """A line without a limit."""
        self.lines.append(f"{name}: {shown}")


def note(text: str) -> None:
    """Progress on stderr, so stdout holds the results only."""
    print(text, file=sys.stderr, flush=True)


def ratio(naive: float, ours: float) -> str:
    """naive / ours, readable."""
    return f"{naive / ours:.1f}x" if ours else "inf"


def describe(report: SyncReport) -> str:
    """Pages per action, the non-zero ones."""
    return ", ".join(f"{n} {action}" for action, n in report.counts().items() if n) or "no pages"


# --- the benchmark --------------------------------------------------------------------------


@dataclass(frozen=True)
class Offline:
    """The offline stage: the pages it rendered (before any data change), and what a sync
    spends before its first request for a page (sources, evaluation and rendering)."""

    pages: list[DesiredPage]
    seconds: float


def offline_pass(catalog: Catalog) -> list[DesiredPage]:
    """The sync's work without HTTP: measure, then plan (merge, evaluate, render)."""
    return list(
        plan(
            catalog, measure_catalog(catalog, now=NOW), {}, {}, now=NOW, prefer="page"
        ).pages.values()
    )


def median_time(work: Callable[[], object], repeats: int) -> float:
    """The median wall time of `repeats` runs of `work`."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def reference_loop() -> None:
    """A fixed piece of pure Python: its time shows how fast the shared machine runs now."""
    sum(i * i for i in range(3_000_000))


def bench_offline(
    results: Results, catalog_path: Path, repeats: int, limits: Limits, label: str = ""
) -> Offline:
    """Measure, evaluate and render without HTTP: median times, their split, and peak memory;
    every line's name starts with `label`.

    The budget is on evaluation and rendering; reading the sources is timed on its own, and
    the total is shown too."""
    catalog = load_catalog(catalog_path)
    # The memory run goes first: it is the cold one (imports, template compilation), which
    # counts towards the peak, and it warms up the timed runs.
    tracemalloc.start()
    offline_pass(catalog)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    measured = measure_catalog(catalog, now=NOW)
    sources = median_time(lambda: measure_catalog(catalog, now=NOW), repeats)
    evaluating = median_time(lambda: evaluate_catalog(catalog, measured, now=NOW), repeats)
    planned = median_time(lambda: plan(catalog, measured, {}, {}, now=NOW, prefer="page"), repeats)
    reference = median_time(reference_loop, repeats)
    pages = list(plan(catalog, measured, {}, {}, now=NOW, prefer="page").pages.values())
    results.check(
        f"{label}evaluate + render {len(catalog.kpis)} KPIs x {DAYS} days (median of {repeats})",
        planned,
        limits.seconds,
        f"{planned:.2f} s",
        f"{limits.seconds:g} s",
    )
    results.info(
        f"{label}evaluate + render: split (medians)",
        f"evaluating {evaluating:.2f} s, merging and rendering {planned - evaluating:.2f} s "
        f"({len(pages)} pages, {sum(len(p.body) for p in pages) / 2**20:.1f} MB of storage format)",
    )
    results.info(
        f"{label}sources: reading the CSV files into series (median, not in the limit)",
        f"{sources:.2f} s ({sum(len(s) for s in measured.series.values())} measurements); "
        f"sources + evaluate + render {sources + planned:.2f} s",
    )
    results.info(
        f"{label}machine speed: reference loop (median; compare runs by it)", f"{reference:.3f} s"
    )
    results.check(
        f"{label}evaluate + render: peak memory, sources included (tracemalloc)",
        peak,
        limits.megabytes,
        f"{peak:.0f} MB",
        f"{limits.megabytes:g} MB",
    )
    return Offline(pages, sources + planned)


def bench_ours(
    results: Results,
    api: str,
    latency_ms: int,
    workload: tuple[Path, Sequence[KpiSpec]],
    offline: Offline,
    changed: int,
    limits: Limits,
) -> tuple[Run, Run]:
    """Through `api` on a fresh sandbox: first run, no-change run, and a run after `changed`
    KPIs' data changed (their data is put back afterwards); the first two."""
    catalog_path, kpis = workload
    with sandbox(latency_ms, api) as server:
        try:
            return _bench_ours(results, api, server, workload, offline, changed, limits)
        finally:
            write_data(catalog_path.parent, kpis, frozenset())


def _bench_ours(
    results: Results,
    api: str,
    server: SandboxServer,
    workload: tuple[Path, Sequence[KpiSpec]],
    offline: Offline,
    changed: int,
    limits: Limits,
) -> tuple[Run, Run]:
    catalog_path, kpis = workload
    catalog = load_catalog(catalog_path)
    gateway = gateway_of(server, api)
    ours = f"ours {api}"
    reports: list[SyncReport] = []

    def sync(target: Catalog) -> Callable[[], None]:
        return lambda: reports.append(run_sync(target, gateway, now=NOW))

    note(f"{ours}: first run (empty space) ...")
    first = measured(server, sync(catalog))
    created = reports[-1].counts()[Action.CREATE.value]
    failed = sum(p.action is Action.FAILED for p in reports[-1].pages)
    per_page = first.total / max(created, 1)
    # A page's own requests, plus the few every run makes (space, listing, root index).
    first_limit = FIRST_RUN_PER_PAGE[api] * created + limits.run_requests
    results.info(f"{ours}, first run", f"{describe(reports[-1])} in {first.seconds:.1f} s")
    results.check(
        f"{ours}, first run: requests per page created",
        first.total,
        first_limit,
        f"{per_page:.2f} ({first.total} requests, {first.writes} writes, {created} pages)",
        f"{FIRST_RUN_PER_PAGE[api]} x {created} + {limits.run_requests} = {first_limit}",
    )
    results.check(f"{ours}, first run: failed pages", failed, 0, str(failed), "0")
    results.info(f"{ours}, first run: routes", first.routes())

    note(f"{ours}: run with nothing changed ...")
    idle = measured(server, sync(catalog))
    results.check(
        f"{ours}, no-change run: requests",
        idle.total,
        limits.run_requests,
        f"{idle.total} in {idle.seconds:.1f} s ({describe(reports[-1])})",
        str(limits.run_requests),
    )
    results.check(f"{ours}, no-change run: writes", idle.writes, 0, str(idle.writes), "0")
    results.info(f"{ours}, no-change run: routes", idle.routes())

    bumped = movable_kpis(kpis, changed)
    write_data(catalog_path.parent, kpis, bumped)
    catalog = load_catalog(catalog_path)
    before = {p.key: p.digest for p in offline.pages}
    after = offline_pass(catalog)
    really = {p.key for p in after if before.get(p.key) != p.digest}
    kinds = Counter(key.kind for key in really)
    note(f"{ours}: run after the data of {len(bumped)} KPIs changed ...")
    moved = measured(server, sync(catalog))
    updated = {p.key for p in reports[-1].pages if p.action is Action.UPDATE}
    limit = limits.run_requests + 3 * len(really)
    results.info(
        f"{ours}, changed run: pages that really changed",
        f"{len(really)} ({', '.join(f'{n} {kind}' for kind, n in sorted(kinds.items()))}) "
        f"after the data of {len(bumped)} KPIs changed",
    )
    results.check(
        f"{ours}, changed run: requests",
        moved.total,
        limit,
        f"{moved.total} ({moved.writes} writes) in {moved.seconds:.1f} s",
        f"{limits.run_requests} + 3 x {len(really)} = {limit}",
    )
    wrong = len(updated ^ really)
    results.check(
        f"{ours}, changed run: pages updated that did not change, or not updated that did",
        wrong,
        0,
        f"{wrong} ({len(updated)} updated)",
        "0",
    )
    results.info(f"{ours}, changed run: routes", moved.routes())
    return first, idle


def side_by_side(results: Results, runs: dict[str, tuple[Run, Run]]) -> None:
    """The first and no-change runs of each REST API on one line each, to compare at a glance."""
    for name, index in (("first run", 0), ("no-change run", 1)):
        results.info(
            f"v1 | v2, {name}",
            " | ".join(
                f"{run[index].total} requests, {run[index].writes} writes, "
                f"{run[index].seconds:.1f} s"
                for run in runs.values()
            ),
        )


def bench_naive(
    results: Results, latency_ms: int, offline: Offline, ours: tuple[Run, Run], size: int
) -> None:
    """The naive loop, first run and no-change run, on a fresh sandbox; its figures and ratios."""
    pages = offline.pages
    sample = naive_sample(pages, size)
    scale = len(pages) / len(sample)
    with sandbox(latency_ms) as server:
        home = gateway_of(server).check_space("KPI").homepage_id or ""
        # atlassian-python-api's constructor has no annotations; the instance is typed all the same.
        client = Confluence(  # type: ignore[no-untyped-call]
            url=server.base_url, username=AUTH[0], password=AUTH[1], cloud=False
        )
        outcome = NaiveOutcome()
        note(f"naive: first run over {len(sample)} of {len(pages)} pages ...")
        first = measured(server, lambda: naive_sync(client, sample, home, outcome))
        first_failed = sum(outcome.failures.values())
        note(f"naive: no-change run over {len(sample)} pages ...")
        outcome.failures.clear()
        idle = measured(server, lambda: naive_sync(client, sample, home, outcome))
    if scale > 1:
        results.info(
            "naive: SAMPLED",
            f"ran on {len(sample)} of {len(pages)} pages (root, teams, and an even spread of "
            f"goals and KPIs); its requests and HTTP time are extrapolated x{scale:.2f}",
        )
        hidden = beyond_first_search_page(pages)
        if hidden and not beyond_first_search_page(sample):
            results.info(
                "naive: caveat",
                f"{hidden} pages are a parent's 26th or later child: update_or_create finds a "
                "child only in the first 25 results of its CQL search, so a full no-change run "
                "fails on them ('A page with this title already exists'); the sample has none "
                "(--naive-pages 0 shows it)",
            )
    results.info(
        "naive: wall time",
        f"its HTTP time plus our sources + evaluate + render medians ({offline.seconds:.1f} s), "
        "since its bodies were rendered beforehand while our runs render their own",
    )
    for name, run, failed, mine in (
        ("naive, first run", first, first_failed, ours[0]),
        ("naive, no-change run", idle, sum(outcome.failures.values()), ours[1]),
    ):
        wall = run.seconds * scale + offline.seconds
        results.info(
            name,
            f"{run.total * scale:.0f} requests ({run.total / len(sample):.2f} per page, "
            f"{run.writes * scale:.0f} writes) in {wall:.1f} s"
            + (" (extrapolated)" if scale > 1 else "")
            + (f"; {failed} of {len(sample)} pages failed" if failed else ""),
        )
        results.info(f"{name}: routes", run.routes())
        results.info(
            f"{name}: ratio naive/ours",
            f"requests {ratio(run.total * scale, mine.total)}, "
            f"wall time {ratio(wall, mine.seconds)}",
        )
    for reason, count in outcome.failures.most_common(3):
        results.info("naive, no-change run: failure", f"{count} x {reason}")


# Page writers a first run is timed with; the rate limit is off for them, so that the writers
# alone are measured, and one more run shows what the default limit leaves of their gain.
WRITERS = (1, 4, 8)
SPEED_UP_GOAL = 4.0  # the best of 4 and 8 writers over one, at full size


def syncing(
    catalog: Catalog, gateway: ConfluenceApi, reports: list[SyncReport], writers: int
) -> Callable[[], None]:
    """A sync pass with `writers` page writers, its report added to `reports`."""
    return lambda: reports.append(run_sync(catalog, gateway, now=NOW, write_workers=writers))


def bench_concurrency(
    results: Results, catalog_path: Path, latency_ms: int, full_size: bool
) -> None:
    """First runs on an empty space with one page writer, then several: wall time, speed-up,
    and no page failed. The speed-up goal is checked at full size only: a small run's time
    is mostly the part no writer shortens (sources, evaluation, one root page)."""
    catalog = load_catalog(catalog_path)
    seconds: dict[tuple[int, float], float] = {}
    runs = [(writers, 0.0) for writers in WRITERS] + [(4, DEFAULT_REQUESTS_PER_SECOND)]
    for writers, per_second in runs:
        limit = f" at {per_second:g} requests/s (the default limit)" if per_second else ""
        name = f"concurrency, first run, {writers} writer{'s' if writers > 1 else ''}{limit}"
        with sandbox(latency_ms) as server:
            gateway = gateway_of(server, writers=writers, per_second=per_second)
            reports: list[SyncReport] = []
            note(f"{name} ...")
            run = measured(server, syncing(catalog, gateway, reports, writers))
        seconds[writers, per_second] = run.seconds
        speed_up = seconds[1, 0.0] / run.seconds
        failed = sum(p.action is Action.FAILED for p in reports[-1].pages)
        results.info(
            name,
            f"{run.seconds:.1f} s, speed-up {speed_up:.1f}x ({describe(reports[-1])}, "
            f"{run.total} requests)",
        )
        results.check(f"{name}: failed pages", failed, 0, str(failed), "0")
    best = max(seconds[1, 0.0] / seconds[writers, 0.0] for writers in WRITERS[1:])
    name = "concurrency, first run: best speed-up of 4 and 8 writers"
    if full_size:
        shown = f"{best:.1f}x"
        results.check(
            name, best, SPEED_UP_GOAL, shown, f"at least {SPEED_UP_GOAL:g}x", at_least=True
        )
    else:
        results.info(name, f"{best:.1f}x (the goal is checked at {FULL_SIZE:,} KPIs or more)")


def bench_scale(results: Results, count: int) -> None:
    """`count` KPIs (10,000 by default): evaluating and rendering them, its peak memory, and
    the requests of a run in which nothing changed, against the budgets scaled to the size."""
    limits = Limits.at(count)
    label = f"scale {count:,}: "
    with tempfile.TemporaryDirectory(prefix="bench-sync-scale-") as tmp:
        kpis = plan_kpis(count)
        note(f"{label}generating {count} KPIs x {DAYS} days of data in {tmp} ...")
        write_data(Path(tmp), kpis, frozenset())
        catalog_path = write_catalog(Path(tmp), kpis)
        note(f"{label}evaluate + render, no HTTP ...")
        bench_offline(results, catalog_path, 1, limits, label)
        catalog = load_catalog(catalog_path)
        with sandbox(0) as server:
            gateway = gateway_of(server, writers=8)
            reports: list[SyncReport] = []
            note(f"{label}first run, 8 writers ...")
            first = measured(server, lambda: reports.append(run_sync(catalog, gateway, now=NOW)))
            results.info(
                f"{label}first run, 8 writers, no latency",
                f"{describe(reports[-1])}: {first.total} requests in {first.seconds:.1f} s",
            )
            failed = [p for p in reports[-1].pages if p.action is Action.FAILED]
            results.check(
                f"{label}first run: failed pages",
                len(failed),
                0,
                f"{len(failed)}" + (f" (the first: {failed[0].reason})" if failed else ""),
                "0",
            )
            note(f"{label}run with nothing changed ...")
            idle = measured(server, lambda: reports.append(run_sync(catalog, gateway, now=NOW)))
    results.check(
        f"{label}no-change run: requests",
        idle.total,
        limits.run_requests,
        f"{idle.total} in {idle.seconds:.1f} s ({describe(reports[-1])})",
        str(limits.run_requests),
    )
    results.check(f"{label}no-change run: writes", idle.writes, 0, str(idle.writes), "0")
    # ru_maxrss is in KiB on Linux: the whole process, the in-process sandbox and its pages too.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results.info(f"{label}peak resident memory of the process (sandbox included)", f"{peak:.0f} MB")


def bench_budgets(results: Results, args: argparse.Namespace) -> tuple[int, int]:
    """ARCHITECTURE.md's "Budgets" at `--kpis`: offline, ours through v1 and v2, the naive
    loop; the KPIs and pages it ran with."""
    limits = Limits.at(args.kpis)
    results.info(
        "limits",
        f"the budgets for {FULL_SIZE:,} KPIs, at {args.kpis:,}: evaluate + render "
        f"{limits.seconds:g} s, {limits.megabytes:g} MB, {limits.run_requests} requests a run",
    )
    kpis = plan_kpis(args.kpis)
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        note(f"generating {args.kpis} KPIs x {DAYS} days of data in {tmp} ...")
        write_data(Path(tmp), kpis, frozenset())
        catalog_path = write_catalog(Path(tmp), kpis)
        note("evaluate + render, no HTTP ...")
        offline = bench_offline(results, catalog_path, 1 if args.quick else 5, limits)
        runs = {
            api: bench_ours(
                results, api, args.latency_ms, (catalog_path, kpis), offline, args.changed, limits
            )
            for api in FLAVOURS
        }
        side_by_side(results, runs)
        bench_naive(results, args.latency_ms, offline, runs["v1"], args.naive_pages)
    return args.kpis, len(offline.pages)


def concurrency_part(results: Results, args: argparse.Namespace) -> None:
    """`bench_concurrency` on a workload of `--kpis` KPIs of its own."""
    with tempfile.TemporaryDirectory(prefix="bench-sync-writers-") as tmp:
        kpis = plan_kpis(args.kpis)
        write_data(Path(tmp), kpis, frozenset())
        catalog_path = write_catalog(Path(tmp), kpis)
        bench_concurrency(
            results, catalog_path, args.concurrency_latency_ms, args.kpis >= FULL_SIZE
        )


PARTS = ("budgets", "concurrency", "scale")


def main(argv: Sequence[str] | None = None) -> int:
    """Runs every part in one go and prints the result block; 1 when a limit is exceeded."""
    parser = argparse.ArgumentParser(description="Requests, wall time and memory of a sync.")
    parser.add_argument("--kpis", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--changed", type=int, default=10, help="KPIs whose data changes")
    parser.add_argument(
        "--naive-pages",
        type=int,
        default=250,
        help="pages the naive loop runs on, extrapolated to all (0: all pages)",
    )
    parser.add_argument("--quick", action="store_true", help="one timing run instead of five")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=PARTS,
        default=list(PARTS),
        help="the parts to run (default: all): the budgets at --kpis; one page writer against "
        "4 and 8 at --kpis and --concurrency-latency-ms; a no-change run at --scale-kpis",
    )
    parser.add_argument("--concurrency-latency-ms", type=int, default=100)
    parser.add_argument("--scale-kpis", type=int, default=10_000)
    args = parser.parse_args(argv)
    logging.getLogger("atlassian").setLevel(logging.CRITICAL)
    results = Results()
    started = time.perf_counter()
    said = f"{args.kpis} KPIs"
    if "budgets" in args.only:
        kpis, pages = bench_budgets(results, args)
        said = f"{kpis} KPIs, {pages} pages"
    if "concurrency" in args.only:
        concurrency_part(results, args)
    if "scale" in args.only:
        bench_scale(results, args.scale_kpis)
    print(
        f"== bench_sync: {said}, sandbox latency {args.latency_ms} ms per request "
        f"({args.concurrency_latency_ms} ms for the writers); parts: {', '.join(args.only)} =="
    )
    print("\n".join(results.lines))
    verdict = "LIMIT EXCEEDED" if results.over else "all limits met"
    print(f"== {verdict} (benchmark took {time.perf_counter() - started:.0f} s) ==")
    return 1 if results.over else 0


if __name__ == "__main__":
    sys.exit(main())
