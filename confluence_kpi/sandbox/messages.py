"""Requests and responses as the sandbox sees them, independent of the HTTP plumbing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import parse_qs

JSON_TYPE = "application/json;charset=UTF-8"  # exactly what DC sends; clients compare it


@dataclass(frozen=True)
class Request:
    """One HTTP request: `path` is undecoded of its query string, headers are lower-cased."""

    method: str
    path: str
    query_string: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @cached_property
    def query(self) -> dict[str, list[str]]:
        """The query parameters; `+` and `%xx` decoded as clients encode them."""
        return parse_qs(self.query_string, keep_blank_values=True)

    def param(self, name: str) -> str | None:
        """The first value of a query parameter, or None."""
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> str:
        """A request header ("" when absent)."""
        return self.headers.get(name.lower(), "")


@dataclass(frozen=True)
class Response:
    """What the plumbing writes back: always with a Content-Length, so keep-alive works."""

    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(
        cls, status: int, value: object, headers: tuple[tuple[str, str], ...] = ()
    ) -> Response:
        """A JSON response."""
        return cls(status, json.dumps(value).encode(), JSON_TYPE, headers)

    @classmethod
    def text(
        cls, status: int, text: str, content_type: str = "text/plain;charset=UTF-8"
    ) -> Response:
        """A plain text (or HTML) response."""
        return cls(status, text.encode(), content_type)

    @classmethod
    def no_content(cls) -> Response:
        """204, as Confluence answers a DELETE."""
        return cls(204, b"", "")


class Drop:
    """Tells the plumbing to close the connection without answering (an injected fault)."""


DROP = Drop()
Outcome = Response | Drop
