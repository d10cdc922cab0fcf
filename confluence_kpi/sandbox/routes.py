"""The route table: method + path template -> handler. Templates also name routes in the stats."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

from confluence_kpi.sandbox.messages import Request, Response
from confluence_kpi.sandbox.model import User

if TYPE_CHECKING:
    from confluence_kpi.sandbox.services import Services


@dataclass(frozen=True)
class Call:
    """What a handler gets: the request, the path's parameters, the caller, the services."""

    request: Request
    params: dict[str, str]
    user: User
    services: Services


Handler = Callable[[Call], Response]


@dataclass(frozen=True)
class Route:
    """One endpoint."""

    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    """Matches paths (relative to the context path) against templates like `/content/{id}`."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        """Registers a handler; `{name}` matches one path segment."""
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        self._routes.append(Route(method, template, re.compile(regex + "/?"), handler))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route and path parameters for a request, or None."""
        for route in self._routes:
            if route.method == method:
                found = route.pattern.fullmatch(path)
                if found:
                    return route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def allows_path(self, path: str) -> bool:
        """Whether some method has a route for this path (405 rather than 404)."""
        return any(route.pattern.fullmatch(path) for route in self._routes)
