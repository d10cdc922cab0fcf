"""Static sources: the values are written in the catalog, on the KPI itself."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from confluence_kpi.catalog import StaticSourceConfig
from confluence_kpi.model import KpiDefinition, Measurement, TimeSeries
from confluence_kpi.sources.table import SourceError, Table


class StaticSource:
    """Has no table: `measure` reads a static KPI's `values`; fetching is a mistake said plainly."""

    def __init__(self, name: str, config: StaticSourceConfig) -> None:
        self._name = name

    def fetch(self, query: str | None) -> Table:
        """Refuse: a static source's values belong to each KPI, not to a shared table."""
        raise SourceError(
            f"{self._name}: a static source has no table; its values are the KPIs' `values`"
        )

    def close(self) -> None:
        """Nothing to release."""


def static_series(kpi: KpiDefinition, *, zone: ZoneInfo) -> TimeSeries:
    """The KPI's catalog values as measurements at midnight of their date in the catalog zone."""
    origin = f"{kpi.source} (catalog, KPI {kpi.id!r})"
    if not kpi.values:
        raise SourceError(f"{origin}: no rows: the KPI has no `values`")
    return TimeSeries.of(
        Measurement(datetime.combine(entry.date, time(), zone), entry.value) for entry in kpi.values
    )
