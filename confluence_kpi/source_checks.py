"""What `validate` finds wrong with the catalog's sources, each problem under its source's name.

Every source is opened as a sync opens it, which reads its settings (a variable that is not
set, a database driver that is not installed) without querying anything; `--check-sources`
then runs every KPI's query as a sync runs it, through the same connections: a table on a
Confluence page through the sync's own gateway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from confluence_kpi.catalog import Catalog, ConfluenceTableConfig
from confluence_kpi.confluence import ConfluenceError, Page
from confluence_kpi.pipeline import measure_catalog
from confluence_kpi.runner import SetupError, gateway_for
from confluence_kpi.settings import Settings
from confluence_kpi.sources import Fetcher, PageReader, SourceError


@dataclass(frozen=True)
class SourceProblem:
    """Why one source cannot be used, said as `validate` prints it."""

    source: str
    message: str

    def __str__(self) -> str:
        # A source's own errors begin with its name ("sales_db (postgresql://...): ..."); the
        # others (a KPI's column, say) are given it.
        named = self.message.startswith((f"{self.source} ", f"{self.source}:"))
        return self.message if named else f"{self.source}: {self.message}"


def setting_problems(catalog: Catalog) -> list[SourceProblem]:
    """The sources that cannot even be opened: their settings are missing or wrong."""
    problems = []
    with Fetcher(catalog.sources) as fetcher:
        for name in catalog.sources:
            try:
                fetcher.open(name)
            except SourceError as exc:
                problems.append(SourceProblem(name, str(exc)))
    return problems


def query_problems(catalog: Catalog, settings: Settings) -> tuple[list[str], list[SourceProblem]]:
    """The sources the KPIs read, and what went wrong running their queries (each distinct
    message once per source, in catalog order)."""
    measured = measure_catalog(
        catalog,
        now=datetime.now(UTC),
        pages=_confluence(catalog, settings),
        workers=settings.source_workers,
    )
    read = [kpi for kpi in catalog.kpis if kpi.formula is None and not kpi.manual]
    problems = [
        SourceProblem(kpi.source, measured.errors[kpi.id])
        for kpi in read
        if kpi.id in measured.errors
    ]
    return list(dict.fromkeys(kpi.source for kpi in read)), list(dict.fromkeys(problems))


def _confluence(catalog: Catalog, settings: Settings) -> PageReader | None:
    """The connection a sync would read Confluence tables through; None when no source needs
    one or no site is set (the table sources then say what to set)."""
    needed = any(isinstance(config, ConfluenceTableConfig) for config in catalog.sources.values())
    if not needed or settings.url is None:
        return None
    try:
        return gateway_for(settings, settings.url)
    except SetupError as exc:
        return _Unreachable(str(exc))


class _Unreachable:
    """Confluence that could not be connected to: every read fails with the reason, so that
    each table source reports it under its own name."""

    def __init__(self, reason: str) -> None:
        self._reason = reason

    def get_page(self, page_id: str, *, expand: Sequence[str]) -> Page:
        raise ConfluenceError(self._reason)

    def find_page(self, space: str, title: str, *, expand: Sequence[str]) -> Page | None:
        raise ConfluenceError(self._reason)
