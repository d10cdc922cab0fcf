"""`start`/`limit` with Confluence's caps, and the `_links.next` of each flavour."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import urlencode

from confluence_kpi.sandbox.errors import bad_request
from confluence_kpi.sandbox.expand import Expand
from confluence_kpi.sandbox.messages import Request
from confluence_kpi.sandbox.payload import int_param

DEFAULT_LIMIT = 25


@dataclass(frozen=True)
class Window:
    """Which slice of a result list to answer with."""

    start: int
    limit: int

    def next_start(self, total: int) -> int | None:
        """Where the next page starts, or None on the last page."""
        following = self.start + self.limit
        return following if following < total and self.limit > 0 else None


def cap(expand: Expand) -> int:
    """Confluence's limit caps: 50 with a body expansion, 200 with others, 1000 with none."""
    if "body" in expand or "body" in expand.sub("content"):
        return 50
    return 200 if expand else 1000


def window(
    request: Request, expand: Expand, *, cursor: bool = False, default_limit: int = DEFAULT_LIMIT
) -> Window:
    """The requested window; a Cloud `cursor` (when allowed) overrides `start`."""
    limit = min(int_param(request, "limit", default_limit), cap(expand))
    token = request.param("cursor") if cursor else None
    start = decode_cursor(token) if token else int_param(request, "start", 0)
    return Window(start, limit)


# Next links are relative to `base` but start at `/rest/api`, without the context path, as
# Confluence sends them; a client that joins them to the site root loses `/wiki`.


def offset_next(path: str, request: Request, start: int, limit: int) -> str:
    """A DC-style next link: the same query with the next `start`."""
    return f"{path}?{urlencode({**_kept_params(request), 'limit': limit, 'start': start})}"


def cursor_next(path: str, request: Request, start: int, limit: int) -> str:
    """A Cloud-style next link, with an opaque cursor in front of the rest of the query."""
    paging = {"next": "true", "cursor": encode_cursor(start), "limit": limit, "start": start}
    return f"{path}?{urlencode({**paging, **_kept_params(request)})}"


def _kept_params(request: Request) -> dict[str, str]:
    """The request's own parameters, without the paging ones a next link replaces."""
    paging = ("start", "limit", "cursor", "next")
    return {k: v[0] for k, v in request.query.items() if k not in paging}


def encode_cursor(start: int) -> str:
    """Cloud's cursors look like `_f_NTA=_sa_`: the offset, base64-encoded and wrapped."""
    return f"_f_{base64.b64encode(str(start).encode()).decode()}_sa_"


def decode_cursor(token: str) -> int:
    """The offset a cursor encodes."""
    inner = token.removeprefix("_f_").removesuffix("_sa_")
    try:
        return int(base64.b64decode(inner, validate=True).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_request(f"Invalid cursor: {token}") from None
