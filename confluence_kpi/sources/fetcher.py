"""One sync run's access to the sources: each (source, query) is fetched once, errors included."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from zoneinfo import ZoneInfo

from confluence_kpi.catalog import SourceConfig, SqlSourceConfig
from confluence_kpi.model import KpiDefinition, TimeSeries, Window
from confluence_kpi.sources.http_source import HttpSource
from confluence_kpi.sources.jira import JiraSource
from confluence_kpi.sources.prometheus import PrometheusSource
from confluence_kpi.sources.registry import open_source
from confluence_kpi.sources.sql import SqlSource
from confluence_kpi.sources.sql_pushdown import grouped_series
from confluence_kpi.sources.table import Source, SourceError, Table

# The sources that read only the span of time the sync needs, when told it.
_WINDOWED = (SqlSource, HttpSource, PrometheusSource, JiraSource)


class Fetcher:
    """Opens sources on first use and caches each table for the run; close it when done.

    `windows` are the spans of time the sync needs from each (source, query), which a SQL
    query gets as `:start` and `:end` and a web API as its request's bounds; `now` is the
    moment the sync evaluates, with which a SQL source aggregates a KPI's rows by day where it
    can (`grouped`).
    """

    def __init__(
        self,
        sources: Mapping[str, SourceConfig],
        *,
        windows: Mapping[tuple[str, str | None], Window] | None = None,
        now: datetime | None = None,
    ) -> None:
        self._configs = dict(sources)
        self._windows = dict(windows or {})
        self._now = now
        self._open: dict[str, Source] = {}
        self._tables: dict[tuple[str, str | None], Table | SourceError] = {}
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
        key = (source, query)
        if key not in self._tables:
            self._tables[key] = self._fetch(source, query)
        found = self._tables[key]
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
        known = self._tables.get(key)
        if isinstance(known, SourceError):
            raise known.with_traceback(None)
        if known is not None:
            return None  # its rows are here already
        try:
            opened = self._opened(kpi.source)
            assert isinstance(opened, SqlSource)  # what a sql source's config opens
            self.fetch_count += 1
            return grouped_series(opened, kpi, self._windows.get(key), now=self._now, zone=zone)
        except SourceError as exc:
            self._tables[key] = exc
            raise

    def _opened(self, source: str) -> Source:
        if source not in self._open:
            self._open[source] = open_source(source, self.config(source))
        return self._open[source]

    def _fetch(self, source: str, query: str | None) -> Table | SourceError:
        try:
            opened = self._opened(source)
            self.fetch_count += 1
            if isinstance(opened, _WINDOWED):
                return opened.fetch(query, self._windows.get((source, query)))
            return opened.fetch(query)
        except SourceError as exc:
            return exc
        except Exception as exc:
            # A plugin's bug fails its own source only (ARCHITECTURE.md, rule 5).
            return SourceError(f"{source}: {type(exc).__name__}: {exc}")

    def close(self) -> None:
        """Close every source opened in this run."""
        for opened in self._open.values():
            opened.close()
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
