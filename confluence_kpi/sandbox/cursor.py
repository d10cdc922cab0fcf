"""Cloud v2's cursor paging, for every v2 list.

- `limit` is 25 when not given and at most 250; a larger one is lowered to 250 without a word,
  one below 1 is a 400 (the documented minimum is 1).
- The `cursor` is opaque to clients. Here it holds the name of the order and the sort key of the
  last item served, so the next page starts after that item: a walk sees every item once even
  while items before it are added or trashed (an offset would skip or repeat one). A cursor
  that does not decode, or was made for another order, is a 400.
- An answer that has more after it carries the next page's address twice: in `_links.next` and
  in an HTTP `Link: <...>; rel="next"` header. The address starts at the site root with the
  context path (`/wiki/api/v2/pages?...`), keeps every parameter of the request and replaces
  `cursor` and `limit`; `_links.base` is the site's base URL with the context path, so a client
  joins the two as URLs (urljoin), not as strings. The last page has no `next`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from confluence_kpi.sandbox.errors import ApiError, bad_request
from confluence_kpi.sandbox.messages import Request, Response
from confluence_kpi.sandbox.payload import int_param
from confluence_kpi.sandbox.routes import Call

T = TypeVar("T")
Json = dict[str, Any]
SortKey = tuple[str | int, ...]

DEFAULT_LIMIT = 25
MAX_LIMIT = 250


@dataclass(frozen=True)
class Order(Generic[T]):
    """One way to order a list: `key` gives each item a sort key that no other item shares
    (end it with the id) made of strings and numbers, so that it survives the cursor's JSON."""

    name: str
    key: Callable[[T], SortKey]
    descending: bool = False


@dataclass(frozen=True)
class Chunk(Generic[T]):
    """One page of a list, and the cursor of the page after it (None on the last)."""

    items: list[T]
    cursor: str | None


def limit_of(request: Request, most: int = MAX_LIMIT) -> int:
    """The `limit` parameter: 25 by default, capped at `most`; below 1 is a 400."""
    limit = int_param(request, "limit", DEFAULT_LIMIT)
    if limit < 1:
        raise bad_request(f"Parameter limit must be at least 1, but was: {limit}")
    return min(limit, most)


def chunk(items: Sequence[T], order: Order[T], limit: int, token: str | None) -> Chunk[T]:
    """The items that follow the cursor `token` (from the start without one), at most `limit`."""
    ordered = sorted(items, key=order.key, reverse=order.descending)
    if token:
        after = _decode(token, order.name)
        try:
            ordered = [
                item
                for item in ordered
                if (order.key(item) < after if order.descending else order.key(item) > after)
            ]
        except TypeError:  # a key of other types than this order makes: not our cursor
            raise _invalid(token) from None
    page = ordered[:limit]
    more = len(ordered) > limit
    return Chunk(page, _encode(order.name, order.key(page[-1])) if more and page else None)


def answer(
    call: Call, items: Sequence[T], order: Order[T], render: Callable[[T], Json]
) -> Response:
    """The 200 for a list request: `{"results", "_links"}` and, when more follow, the next
    page's address in `_links.next` and in the `Link` header."""
    request = call.request
    limit = limit_of(request)
    page = chunk(items, order, limit, request.param("cursor"))
    base = call.services.renderer.base
    links: Json = {}
    headers: tuple[tuple[str, str], ...] = ()
    if page.cursor is not None:
        following = next_link(call, page.cursor, limit)
        links["next"] = following
        # [UNVERIFIED] Cloud's header is taken to name the base too, as its `_links` do.
        headers = (("Link", f'<{following}>; rel="next", <{base}>; rel="base"'),)
    links["base"] = base
    body = {"results": [render(item) for item in page.items], "_links": links}
    return Response.json(200, body, headers)


def next_link(call: Call, token: str, limit: int) -> str:
    """The next page's address: from the site root, the request's parameters kept."""
    request = call.request
    kept = [
        (k, v)
        for k, values in request.query.items()
        if k not in ("cursor", "limit")
        for v in values
    ]
    query = urlencode([*kept, ("limit", limit), ("cursor", token)])
    return f"{call.services.renderer.context}{request.path}?{query}"


def _encode(order: str, key: SortKey) -> str:
    text = json.dumps({"order": order, "after": list(key)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(token: str, order: str) -> SortKey:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError):
        raise _invalid(token) from None
    if not isinstance(value, dict) or value.get("order") != order:
        raise _invalid(token)
    after = value.get("after")
    if not isinstance(after, list) or not all(isinstance(part, str | int) for part in after):
        raise _invalid(token)
    return tuple(after)


def _invalid(token: str) -> ApiError:
    return bad_request(f"Invalid cursor: {token}")
