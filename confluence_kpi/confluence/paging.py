"""Lists that come in pages: every item, following the server's next links (v1 and v2 alike)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from confluence_kpi.confluence.answers import results
from confluence_kpi.confluence.errors import ConfluenceError, Target
from confluence_kpi.confluence.transport import Transport


def follow(
    transport: Transport, link: str, params: Mapping[str, Any], *, target: Target
) -> Iterator[Any]:
    """Yield a list's items lazily, one page of the answer at a time.

    The next link carries the whole query (offset on Data Center, cursor on Cloud, the
    server's capped limit), so it is followed as given rather than counted ourselves; a link
    seen before would repeat forever and is an error instead.
    """
    next_link: str | None = link
    query: Mapping[str, Any] | None = params
    followed: set[str] = set()
    while next_link is not None:
        items, next_link = results(transport.call("GET", next_link, params=query, target=target))
        yield from items
        query = None
        if next_link in followed:
            raise ConfluenceError(f"Confluence's paging loops back to {next_link}")
        if next_link is not None:
            followed.add(next_link)
