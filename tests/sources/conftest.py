"""Shared helpers for the source tests: the catalog zone, KPI definitions, CSV files, and a
local web server for the web API sources."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from confluence_kpi.model import Direction, KpiDefinition

from .web_server import WebServer

ZONE = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def zone() -> ZoneInfo:
    """The catalog's time zone in these tests: one with a UTC offset, so mistakes show."""
    return ZONE


@pytest.fixture
def make_kpi() -> Callable[..., KpiDefinition]:
    """Build a KPI definition; keyword arguments override the defaults."""

    def build(**fields: Any) -> KpiDefinition:
        defaults: dict[str, Any] = {
            "id": "revenue",
            "name": "Revenue",
            "team": "sales",
            "direction": Direction.INCREASE,
            "source": "sales_sheet",
        }
        return KpiDefinition(**{**defaults, **fields})

    return build


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write `text` to a CSV file in tmp_path (in `encoding`) and return its path."""

    def write(text: str, name: str = "sales.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode(encoding))
        return path

    return write


@pytest.fixture
def web_server() -> Iterator[WebServer]:
    """A running local web server (web_server.py), stopped when the test ends."""
    server = WebServer()
    server.start()
    yield server
    server.stop()
