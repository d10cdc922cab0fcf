"""JSON web APIs as a source: one endpoint, its pages, and the points in them as one table.

The window of time the sync needs goes into the request through placeholders (`{start}`,
`{end}`, ...: sources/window.py) in the address, the query parameters and a POST's body. The
KPI's `query` is not used, as with a CSV file: each KPI picks its columns from the table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from confluence_kpi.catalog import HttpSourceConfig
from confluence_kpi.catalog.schema import Paging
from confluence_kpi.model import Window
from confluence_kpi.sources.json_points import PointReader
from confluence_kpi.sources.paging import Cursor, NextLink, PageNumber, Request, Turn, walk
from confluence_kpi.sources.table import Table
from confluence_kpi.sources.web import Answer, WebClient
from confluence_kpi.sources.window import fill, window_or_default


class HttpSource:
    """Asks the configured endpoint for the window on each fetch, page after page."""

    def __init__(
        self, name: str, config: HttpSourceConfig, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._config = config
        self._web = WebClient(name, config, sleep=sleep)

    def fetch(self, query: str | None, window: Window | None = None) -> Table:
        """Every page's points over `window` (the default span without one) as one table."""
        config, span = self._config, window_or_default(window)
        body = _filled(config.body, span)
        first = Request(
            fill(config.url, span), {k: fill(v, span) for k, v in config.params.items()}
        )
        paging = config.paging
        if paging is not None and paging.type == "page":
            first = first.asking(str(paging.param), paging.first)
            if paging.size_param is not None:
                first = first.asking(paging.size_param, paging.size)

        def page(request: Request) -> Answer:
            if config.method == "POST":
                return self._web.post(request.url, request.params, body)
            return self._web.get(request.url, request.params)

        reader = PointReader(config.points, config.columns, self._web.origin)
        walk(
            first,
            page,
            None if paging is None else _turn(paging),
            read=reader.read,
            max_pages=config.max_pages,
            origin=self._web.origin,
        )
        return reader.table()

    def close(self) -> None:
        """Close the source's connections."""
        self._web.close()


def _turn(paging: Paging) -> Turn:
    """How the configured paging finds the next page."""
    match paging.type:
        case "next":
            return NextLink(paging.next)
        case "link_header":
            return NextLink()
        case "cursor":
            return Cursor(str(paging.cursor), str(paging.param))
        case "page":
            return PageNumber(str(paging.param), paging.size)


def _filled(value: Any, window: Window) -> Any:
    """A JSON body with the window's placeholders filled in every text it holds."""
    if isinstance(value, str):
        return fill(value, window)
    if isinstance(value, dict):
        return {key: _filled(item, window) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, window) for item in value]
    return value
