"""A source plugin as a third party writes one, for the end-to-end tests.

With `kpi_monthly_plugin-1.0.dist-info` beside it, this directory on the path is the plugin
installed, as pip leaves it: its entry point adds the source type `monthly-series`, whose
options (`first_month`, `values`) its own pydantic model validates.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from confluence_kpi.sources import SourceError, Table


class MonthlyOptions(BaseModel):
    """The source's fields in the catalog, `type` aside."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_month: date
    values: tuple[float, ...] = Field(min_length=1)


class MonthlySeries:
    """One row per month from `first_month` on, holding the next of `values`."""

    config_model = MonthlyOptions

    def __init__(self, name: str, config: MonthlyOptions) -> None:
        self._name = name
        self._config = config

    def fetch(self, query: str | None) -> Table:
        """The months and their values; a query is refused, since there is nothing to ask."""
        if query is not None:
            raise SourceError(f"{self._name}: a monthly series takes no query")
        first = self._config.first_month
        rows = tuple((_month(first, n), value) for n, value in enumerate(self._config.values))
        return Table(("month", "value"), rows, f"{self._name} (monthly series)")

    def close(self) -> None:
        """Nothing to release."""


def _month(first: date, later: int) -> date:
    """The first day of the month `later` months after `first`'s."""
    index = first.year * 12 + first.month - 1 + later
    return date(index // 12, index % 12 + 1, 1)
