"""Measuring a whole catalog: every KPI's series, and the interpreter left as it was found."""

from __future__ import annotations

import gc
from datetime import datetime
from zoneinfo import ZoneInfo

from confluence_kpi.catalog import load_catalog
from confluence_kpi.demo import DEMO_CATALOG
from confluence_kpi.model import TimeSeries
from confluence_kpi.pipeline import measure_catalog

NOW = datetime(2026, 3, 15, 7, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


def test_every_source_backed_kpi_gets_a_time_series() -> None:
    catalog = load_catalog(DEMO_CATALOG)
    measured = measure_catalog(catalog, now=NOW)
    backed = {k.id for k in catalog.kpis if k.formula is None and not k.manual}
    assert set(measured.series) | set(measured.errors) == backed
    assert not measured.errors
    assert all(isinstance(series, TimeSeries) and series for series in measured.series.values())


def test_measuring_leaves_the_garbage_collector_as_it_found_it() -> None:
    catalog = load_catalog(DEMO_CATALOG)
    assert gc.isenabled()
    measure_catalog(catalog, now=NOW)
    assert gc.isenabled()
    gc.disable()
    try:
        measure_catalog(catalog, now=NOW)
        assert not gc.isenabled()
    finally:
        gc.enable()
