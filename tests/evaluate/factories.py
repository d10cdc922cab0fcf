"""Builders for evaluation tests: a KPI with sensible defaults and short series."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from confluence_kpi.model import Baseline, KpiDefinition, Measurement, Target

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
UTC_ZONE = ZoneInfo("UTC")


def kpi(**fields: Any) -> KpiDefinition:
    """A KPI definition; `fields` override the defaults (monthly sum, increase, no target)."""
    defaults: dict[str, Any] = {
        "id": "k",
        "name": "K",
        "team": "t",
        "direction": "increase",
        "grain": "month",
        "aggregation": "sum",
        "source": "s",
    }
    return KpiDefinition.model_validate(defaults | fields)


def target(value: float, due: date | None = None, upper: float | None = None) -> Target:
    """A target, dated when `due` is given."""
    return Target(value=value, date=due, upper=upper)


def baseline(value: float, since: date) -> Baseline:
    """A baseline value on a date."""
    return Baseline(value=value, date=since)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def at(*points: tuple[datetime, float]) -> list[Measurement]:
    """Measurements at the given (time, value) points."""
    return [Measurement(ts, value) for ts, value in points]


def daily(first: datetime, values: Iterable[float]) -> list[Measurement]:
    """One measurement a day from `first`."""
    return [Measurement(first + timedelta(days=n), value) for n, value in enumerate(values)]
