"""One sync run's access to the sources: each (source, query) is fetched once, errors included."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType

from confluence_kpi.catalog import SourceConfig
from confluence_kpi.sources.registry import open_source
from confluence_kpi.sources.table import Source, SourceError, Table


class Fetcher:
    """Opens sources on first use and caches each table for the run; close it when done."""

    def __init__(self, sources: Mapping[str, SourceConfig]) -> None:
        self._configs = dict(sources)
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

    def _fetch(self, source: str, query: str | None) -> Table | SourceError:
        try:
            if source not in self._open:
                self._open[source] = open_source(source, self.config(source))
            self.fetch_count += 1
            return self._open[source].fetch(query)
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
