"""Sources read side by side: distinct queries in parallel up to the bound, a query shared by
several KPIs still fetched once, and the same results whichever source answers first.

The sources here are a plugin (its entry point swapped in, as in test_source_registry.py) that
counts how many of its fetches run at once and waits as long as its query says.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from importlib.metadata import EntryPoint, EntryPoints
from pathlib import Path
from threading import Lock

import pytest

from confluence_kpi import plugins
from confluence_kpi.catalog import PluginSourceConfig, load_catalog
from confluence_kpi.pipeline import measure_catalog
from confluence_kpi.sources import PLUGIN_GROUP, Fetcher, Table


class Clock:
    """How many fetches run at once, at most, since the last reset."""

    lock = Lock()
    running = 0
    most = 0

    @classmethod
    def reset(cls) -> None:
        cls.running = cls.most = 0


class WaitingSource:
    """A plugin source whose query is "<seconds to wait>": one row (2026-11-01, seconds)."""

    def __init__(self, name: str, config: PluginSourceConfig) -> None:
        self.name = name

    def fetch(self, query: str | None) -> Table:
        with Clock.lock:
            Clock.running += 1
            Clock.most = max(Clock.most, Clock.running)
        time.sleep(float(query or 0))
        with Clock.lock:
            Clock.running -= 1
        return Table(("ts", "value"), (("2026-11-01", query),), f"{self.name} ({query})")

    def close(self) -> None:
        pass


@pytest.fixture(autouse=True)
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The waiting source as the only plugin, and a clock at zero."""
    found = EntryPoints(
        [EntryPoint(name="wait", value=f"{__name__}:WaitingSource", group=PLUGIN_GROUP)]
    )
    monkeypatch.setattr(plugins, "entry_points", lambda group: found.select(group=group))
    Clock.reset()


def waiting(*names: str) -> dict[str, PluginSourceConfig]:
    return {name: PluginSourceConfig(type="wait") for name in names}


def test_distinct_queries_run_side_by_side_up_to_the_bound() -> None:
    queries = [(name, "0.1") for name in ("a", "b", "c", "d", "e")]

    with Fetcher(waiting("a", "b", "c", "d", "e")) as fetcher:
        fetcher.prefetch(queries, workers=2)
        assert fetcher.fetch_count == 5

    assert Clock.most == 2


def test_a_query_asked_for_at_once_by_many_is_fetched_once() -> None:
    with Fetcher(waiting("a")) as fetcher, ThreadPoolExecutor(max_workers=8) as askers:
        tables = list(askers.map(lambda _: fetcher.table("a", "0.1"), range(8)))
        assert fetcher.fetch_count == 1

    assert all(table is tables[0] for table in tables)


def test_results_are_the_same_whichever_source_answers_first(tmp_path: Path) -> None:
    # The first KPI's source answers last; KPIs b1 and b2 share one query.
    kpis = [("a", "slow", "0.2"), ("b1", "quick", "0.01"), ("b2", "quick", "0.01")]
    lines = [
        "space: KPI",
        "root_page: KPI handbook",
        "sources: {slow: {type: wait}, quick: {type: wait}}",
        "teams: {ops: {name: Ops}}",
        "kpis:",
        *(
            f"  - {{id: {kpi}, name: {kpi}, team: ops, direction: increase, source: {source}, "
            f"query: '{query}', column: value}}"
            for kpi, source, query in kpis
        ),
    ]
    path = tmp_path / "catalog.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    catalog = load_catalog(path)

    now = datetime(2026, 12, 1, tzinfo=UTC)
    one_by_one = measure_catalog(catalog, now=now, workers=1)
    side_by_side = measure_catalog(catalog, now=now, workers=4)

    assert side_by_side == one_by_one
    assert list(side_by_side.series) == ["a", "b1", "b2"]
    assert [side_by_side.series[k][0].value for k in ("a", "b1")] == [0.2, 0.01]
    assert Clock.most == 2  # the two distinct queries ran at once, the shared one once
