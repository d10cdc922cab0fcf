"""An API's pages, one at a time: each answer says where the next page is, or that it was the last.

A source reads each page as it comes and keeps only the rows it makes of it, so a long result
is never held whole as JSON. More pages than `max_pages` is an error, not a cut: a table
without its last pages would be used as if it were whole (ARCHITECTURE.md, rule 8).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin

import jmespath

from confluence_kpi.sources.table import SourceError
from confluence_kpi.sources.web import Answer


@dataclass(frozen=True)
class Request:
    """One page's request: its address and query parameters."""

    url: str
    params: Mapping[str, str] = field(default_factory=dict)

    def asking(self, name: str, value: object) -> Request:
        """This request with the parameter `name` set to `value`."""
        return Request(self.url, {**self.params, name: str(value)})


class Turn(Protocol):
    """How an API says where its next page is."""

    def after(self, request: Request, answer: Answer, count: int) -> Request | None:
        """The request for the page after `answer`, which held `count` items; None after the
        last page. ValueError when the answer says it in a way that cannot be followed."""
        ...


@dataclass(frozen=True)
class NextLink:
    """The next page's address, from the answer (`expression`) or its Link header (None)."""

    expression: str | None = None

    def after(self, request: Request, answer: Answer, count: int) -> Request | None:
        """The address the answer gives, relative to this page's; it carries its own query."""
        if self.expression is None:
            link = answer.next_link
        else:
            link = jmespath.search(self.expression, answer.body)
        if link is None or link == "":
            return None
        if not isinstance(link, str):
            raise ValueError(f"`{self.expression}` is {type(link).__name__}, not an address")
        return Request(urljoin(request.url, link))


@dataclass(frozen=True)
class Cursor:
    """A cursor the answer holds at `expression`, sent back as the parameter `param`; the last
    page has none."""

    expression: str
    param: str

    def after(self, request: Request, answer: Answer, count: int) -> Request | None:
        """This request asking for the page after the cursor."""
        cursor = jmespath.search(self.expression, answer.body)
        if cursor is None or cursor == "":
            return None
        if not isinstance(cursor, str | int):
            raise ValueError(f"`{self.expression}` is {type(cursor).__name__}, not a cursor")
        return request.asking(self.param, cursor)


@dataclass(frozen=True)
class PageNumber:
    """Pages numbered in the parameter `param`; an empty page, or one shorter than `size`
    (when the API is asked for pages of that size), is the last."""

    param: str
    size: int | None = None

    def after(self, request: Request, answer: Answer, count: int) -> Request | None:
        """This request asking for the next page number."""
        if count == 0 or (self.size is not None and count < self.size):
            return None
        return request.asking(self.param, int(request.params[self.param]) + 1)


@dataclass(frozen=True)
class Offset:
    """Pages from the item numbered in `param` (Jira's `startAt`): the last is empty, says
    `isLast`, or reaches the answer's `total`."""

    param: str

    def after(self, request: Request, answer: Answer, count: int) -> Request | None:
        """This request asking for the items after this page's."""
        start = int(request.params.get(self.param, 0)) + count
        body = answer.body if isinstance(answer.body, dict) else {}
        total = body.get("total")
        if count == 0 or body.get("isLast") is True or (isinstance(total, int) and start >= total):
            return None
        return request.asking(self.param, start)


def walk(
    first: Request,
    fetch: Callable[[Request], Answer],
    turn: Turn | None,
    *,
    read: Callable[[int, Any], int],
    max_pages: int,
    origin: str,
) -> None:
    """Fetch `first` and the pages after it, `read` each answer's body (given the page's
    number, from 1; it returns how many items the page held); SourceError beyond
    `max_pages`, or when a page leads back to one already read."""
    request, asked = first, {_key(first)}
    for page in range(1, max_pages + 1):
        answer = fetch(request)
        count = read(page, answer.body)
        try:
            following = None if turn is None else turn.after(request, answer, count)
        except ValueError as error:
            raise SourceError(f"{origin}, page {page}: {error}") from None
        if following is None:
            return
        if _key(following) in asked:
            raise SourceError(f"{origin}, page {page}: the next page is one already read")
        asked.add(_key(following))
        request = following
    raise SourceError(
        f"{origin}: more than {max_pages} pages (`max_pages`): raise it, or ask for less"
    )


def _key(request: Request) -> tuple[str, tuple[tuple[str, str], ...]]:
    return request.url, tuple(sorted(request.params.items()))
