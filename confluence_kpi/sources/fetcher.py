"""One sync run's access to the sources: each (source, query) is fetched once, errors included,
and distinct queries may be fetched in parallel, a bounded number at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from threading import Lock
from types import TracebackType
from typing import TypeVar
from zoneinfo import ZoneInfo

from confluence_kpi.catalog import SourceConfig, SqlSourceConfig, StaticSourceConfig
from confluence_kpi.model import Grain, KpiDefinition, TimeSeries, Window
from confluence_kpi.sources.confluence_table import PageReader, TakingTurns
from confluence_kpi.sources.http_source import HttpSource
from confluence_kpi.sources.jira import JiraSource
from confluence_kpi.sources.prometheus import PrometheusSource
from confluence_kpi.sources.registry import open_source
from confluence_kpi.sources.sql import SqlSource
from confluence_kpi.sources.sql_pushdown import grouped_series
from confluence_kpi.sources.table import Source, SourceError, Table

K = TypeVar("K")
V = TypeVar("V")
Query = tuple[str, str | None]  # a source's name and the query run on it
# The sources that read only the span of time the sync needs, when told it.
_WINDOWED = (SqlSource, HttpSource, PrometheusSource, JiraSource)


class Fetcher:
    """Opens sources on first use and caches each table for the run; close it when done.

    Safe to share between threads: a source is opened once and a query fetched once, however
    many threads ask for it at the same time (the later ones wait for the first one's result).
    `pages` is the run's connection to Confluence, for sources that read pages.

    `windows` are the spans of time the sync needs from each (source, query), which a SQL
    query gets as `:start` and `:end` and a web API as its request's bounds; `grains` the
    grains of the KPIs that read each, which Prometheus's step follows; `now` is the
    moment the sync evaluates, with which a SQL source aggregates a KPI's rows by day where it
    can (`grouped`).
    """

    def __init__(
        self,
        sources: Mapping[str, SourceConfig],
        *,
        pages: PageReader | None = None,
        windows: Mapping[Query, Window] | None = None,
        grains: Mapping[Query, frozenset[Grain]] | None = None,
        now: datetime | None = None,
    ) -> None:
        self._configs = dict(sources)
        self._windows = dict(windows or {})
        self._grains = dict(grains or {})
        self._now = now
        self._pages = None if pages is None else TakingTurns(pages)
        self._lock = Lock()
        self._open: dict[str, Future[Source]] = {}
        self._tables: dict[Query, Future[Table | SourceError]] = {}
        self.fetch_count = 0

    def config(self, source: str) -> SourceConfig:
        """The configuration of `source`; SourceError when the catalog has no such source."""
        try:
            return self._configs[source]
        except KeyError:
            known = ", ".join(sorted(self._configs)) or "none"
            raise SourceError(f"unknown source {source!r}; the sources are: {known}") from None

    def table(self, source: str, query: str | None) -> Table:
        """The table of `query` on `source`, fetched on the first call of the run only."""
        found = self._cached(source, query)
        if isinstance(found, SourceError):
            # A failure is kept too: retrying within the run would only repeat it (and its
            # wait) for every KPI sharing the query, and could give them different data.
            # The old traceback is dropped so it cannot pile up, one frame per KPI.
            raise found.with_traceback(None)
        return found

    def grouped(self, kpi: KpiDefinition, *, zone: ZoneInfo) -> TimeSeries | None:
        """The KPI's series aggregated by day in its database (sources/sql_pushdown.py), or
        None when its rows are to be read: a source other than SQL, no `now` to group by, or
        an aggregation the database cannot do alike. A query that failed or timed out before
        fails again here at once, and a timeout here fails the query's later KPIs too."""
        key = (kpi.source, kpi.query)
        if self._now is None or not isinstance(self.config(kpi.source), SqlSourceConfig):
            return None
        with self._lock:
            known = self._tables.get(key)
        if known is not None:
            found = known.result()
            if isinstance(found, SourceError):
                raise found.with_traceback(None)
            return None  # its rows are here already
        try:
            opened = self._source(kpi.source)
            assert isinstance(opened, SqlSource)  # what a sql source's config opens
            with self._lock:
                self.fetch_count += 1
            return grouped_series(opened, kpi, self._windows.get(key), now=self._now, zone=zone)
        except SourceError as exc:
            failed: Future[Table | SourceError] = Future()
            failed.set_result(exc)
            with self._lock:
                self._tables.setdefault(key, failed)
            raise

    def open(self, source: str) -> None:
        """Open `source` now, as its first fetch would: a SourceError says why it cannot be
        (a setting it needs is missing or wrong). Nothing is fetched."""
        self._source(source)

    def prefetch(self, queries: Iterable[Query], *, workers: int) -> None:
        """Fetch these queries ahead, `workers` at a time, for `table` to answer from the cache.

        Queries on static or unknown sources are passed over: they have no table, and
        `measure` says so for each KPI that reads one; so are SQL queries, which each KPI may
        have its database aggregate (`grouped`) rather than read row by row. Failures are kept
        like any other.
        """
        fetchable = [
            (source, query)
            for source, query in dict.fromkeys(queries)
            if source in self._configs
            and not isinstance(self._configs[source], StaticSourceConfig | SqlSourceConfig)
        ]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="source") as pool:
            for source, query in fetchable:
                pool.submit(self._cached, source, query)

    def _cached(self, source: str, query: str | None) -> Table | SourceError:
        return self._once(self._tables, (source, query), lambda: self._fetch(source, query))

    def _fetch(self, source: str, query: str | None) -> Table | SourceError:
        try:
            opened = self._source(source)
            with self._lock:
                self.fetch_count += 1
            if isinstance(opened, PrometheusSource):
                key = (source, query)
                return opened.fetch(
                    query, self._windows.get(key), self._grains.get(key, frozenset())
                )
            if isinstance(opened, _WINDOWED):
                return opened.fetch(query, self._windows.get((source, query)))
            return opened.fetch(query)
        except SourceError as exc:
            return exc
        except Exception as exc:
            return _bug(source, exc)

    def _source(self, source: str) -> Source:
        """The source, opened on first use; SourceError (kept, like a fetch's) when it cannot be."""
        return self._once(self._open, source, lambda: self._opened(source))

    def _opened(self, source: str) -> Source:
        try:
            return open_source(source, self.config(source), pages=self._pages)
        except SourceError:
            raise
        except Exception as exc:
            raise _bug(source, exc) from None

    def _once(self, done: dict[K, Future[V]], key: K, make: Callable[[], V]) -> V:
        """`make()` for the first caller of `key`, raised or returned again to every later
        caller, which waits for it while it runs."""
        with self._lock:
            pending = done.get(key)
            first = pending is None
            if pending is None:
                pending = done[key] = Future()
        if first:
            try:
                pending.set_result(make())
            except BaseException as exc:  # kept, so that no waiting thread hangs
                pending.set_exception(exc)
        return pending.result()

    def close(self) -> None:
        """Close every source opened in this run."""
        for opened in self._open.values():
            if opened.exception() is None:  # a source that could not be opened has no close
                opened.result().close()
        self._open.clear()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def query_grains(kpis: Sequence[KpiDefinition]) -> dict[Query, frozenset[Grain]]:
    """The grains of the KPIs that read each (source, query)."""
    grains: dict[Query, frozenset[Grain]] = {}
    for kpi in kpis:
        key = (kpi.source, kpi.query)
        grains[key] = grains.get(key, frozenset()) | {kpi.grain}
    return grains


def _bug(source: str, exc: Exception) -> SourceError:
    """A plugin's bug as the failure of its own source only (ARCHITECTURE.md, rule 5)."""
    return SourceError(f"{source}: {type(exc).__name__}: {exc}")
