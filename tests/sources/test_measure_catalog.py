"""Measuring a whole catalog: every KPI's series, and the interpreter left as it was found."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from confluence_kpi.catalog import Catalog, load_catalog
from confluence_kpi.confluence import Gateway, Transport
from confluence_kpi.demo import DEMO_CATALOG, demo_sources
from confluence_kpi.model import TimeSeries
from confluence_kpi.pipeline import measure_catalog
from confluence_kpi.sandbox import SandboxConfig, SandboxServer

NOW = datetime(2026, 3, 15, 7, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Catalog, Gateway]]:
    """The example catalog with what its sources read set up, and the sandbox's gateway, which
    its confluence_table source reads through."""
    with SandboxServer(SandboxConfig(port=0)) as server:
        gateway = Gateway(Transport(server.base_url, username="admin", api_token="admin"))
        with demo_sources(load_catalog(DEMO_CATALOG), gateway) as catalog:
            yield catalog, gateway


def test_every_source_backed_kpi_gets_a_time_series(demo: tuple[Catalog, Gateway]) -> None:
    catalog, gateway = demo
    measured = measure_catalog(catalog, now=NOW, pages=gateway)
    backed = {k.id for k in catalog.kpis if k.formula is None and not k.manual}
    assert set(measured.series) | set(measured.errors) == backed
    assert not measured.errors
    assert all(isinstance(series, TimeSeries) and series for series in measured.series.values())


def test_measuring_leaves_the_garbage_collector_as_it_found_it(
    demo: tuple[Catalog, Gateway],
) -> None:
    catalog, gateway = demo
    assert gc.isenabled()
    measure_catalog(catalog, now=NOW, pages=gateway)
    assert gc.isenabled()
    gc.disable()
    try:
        measure_catalog(catalog, now=NOW, pages=gateway)
        assert not gc.isenabled()
    finally:
        gc.enable()
