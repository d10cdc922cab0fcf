"""What `validate` finds wrong with the catalog's sources, each problem under its source's name.

Every source is opened as a sync opens it, which reads its settings (a variable that is not
set, a database driver that is not installed) without querying anything; `--check-sources`
then runs every KPI's query through the same connections a sync uses (a table on a Confluence
page through the sync's own gateway), over one day only: yesterday in the catalog's zone, as
`:start` and `:end`, a web API's span or Prometheus's range. A check asks whether a query
runs and gives the KPI's columns, and must not read two years of data to say so. Rows it gets
are read as a sync reads them (a cell that is not a number fails); a day without rows passes,
since a quiet day is no fault of the query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from confluence_kpi.catalog import Catalog, ConfluenceTableConfig, StaticSourceConfig
from confluence_kpi.confluence import ConfluenceError, Page
from confluence_kpi.model import KpiDefinition, Window
from confluence_kpi.periods import local_date, local_midnight
from confluence_kpi.runner import SetupError, gateway_for
from confluence_kpi.settings import Settings
from confluence_kpi.sources import Fetcher, PageReader, SourceError, extract_series
from confluence_kpi.sources.table import column_index


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


def query_problems(
    catalog: Catalog, settings: Settings, *, now: datetime | None = None
) -> tuple[list[str], list[SourceProblem]]:
    """The sources the KPIs read, and what went wrong running their queries over the day
    before `now` (each distinct message once per source, in catalog order)."""
    read = [kpi for kpi in catalog.kpis if kpi.formula is None and not kpi.manual]
    day = check_window(now or datetime.now(UTC), catalog.zone)
    windows = {(kpi.source, kpi.query): day for kpi in read}
    problems = []
    # Without `now` the fetcher reads rows: a SQL source runs the query itself, not the
    # grouped query built around it, so what fails is what the catalog wrote.
    with Fetcher(catalog.sources, pages=_confluence(catalog, settings), windows=windows) as fetcher:
        fetcher.prefetch(windows, workers=settings.source_workers)
        for kpi in read:
            try:
                _check(kpi, fetcher, catalog.zone)
            except SourceError as exc:
                problems.append(SourceProblem(kpi.source, str(exc)))
    return list(dict.fromkeys(kpi.source for kpi in read)), list(dict.fromkeys(problems))


def check_window(now: datetime, zone: ZoneInfo) -> Window:
    """The day a check reads: yesterday in the catalog's zone, whole (today's is not)."""
    today = local_date(now, zone)
    return Window(local_midnight(today - timedelta(days=1), zone), local_midnight(today, zone))


def _check(kpi: KpiDefinition, fetcher: Fetcher, zone: ZoneInfo) -> None:
    """SourceError when the KPI's query fails, lacks the KPI's columns, or gives rows a sync
    could not read."""
    if isinstance(fetcher.config(kpi.source), StaticSourceConfig):
        return  # its values are in the catalog, checked with it
    table = fetcher.table(kpi.source, kpi.query)
    if table.rows:
        extract_series(kpi, table, zone=zone)
        return
    if table.columns:  # an empty answer that says its columns (SQL's, a file's header)
        ratio = kpi.numerator is not None
        named = (kpi.numerator, kpi.denominator) if ratio else (kpi.column,)
        for column in (kpi.time_column, *named, kpi.period_column):
            if column is not None:
                column_index(table, column)


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
