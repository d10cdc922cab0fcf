"""List responses (`results`, `start`, `limit`, `size`, `_links`) shared by every list endpoint."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from confluence_kpi.sandbox.expand import Expand
from confluence_kpi.sandbox.paging import DEFAULT_LIMIT, cursor_next, offset_next, window
from confluence_kpi.sandbox.render import Json
from confluence_kpi.sandbox.routes import Call

T = TypeVar("T")


def listing(
    call: Call,
    items: Sequence[T],
    render: Callable[[T], Json],
    expand: Expand,
    *,
    cursor: bool = False,
    default_limit: int = DEFAULT_LIMIT,
    extra: dict[str, Any] | None = None,
) -> Json:
    """One page of `items`, rendering only that page; `cursor` gives Cloud-style next links."""
    request = call.request
    win = window(request, expand, cursor=cursor, default_limit=default_limit)
    chunk = items[win.start : win.start + win.limit]
    query = f"?{request.query_string}" if request.query_string else ""
    links = call.services.renderer.top_links(request.path + query)
    following = win.next_start(len(items))
    if following is not None:
        make_next = cursor_next if cursor else offset_next
        links["next"] = make_next(request.path, request, following, win.limit)
    return {
        "results": [render(item) for item in chunk],
        "start": win.start,
        "limit": win.limit,
        "size": len(chunk),
        **(extra or {}),
        "_links": links,
    }
