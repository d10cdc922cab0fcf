"""The route table: method + path template -> handler. Templates also name routes in the stats."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

from confluence_kpi.sandbox.errors import ApiError, not_found
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


def unknown_path(call: Call) -> ApiError:
    """The 404 for a path Confluence has no resource at (Jersey's words)."""
    return missing_resource(call.services.renderer.base, call.request.path)


def missing_resource(base: str, path: str) -> ApiError:
    """The 404 for a path no resource answers, below the site's `base`."""
    return not_found(f"null for uri: {base}{path}")


@dataclass(frozen=True)
class Route:
    """One endpoint."""

    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    """Matches paths (relative to the context path) against templates like `/content/{id}`.

    As in JAX-RS, which Confluence's REST API is built on, a path names one resource: the
    template with the most literal segments that matches it (the first registered among
    equals), whatever the method. A method that resource lacks is a 405, even when a more
    general template has that method (`PUT /content/search` is not an update of content
    "search"); a path no template matches is a 404."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        """Registers a handler; `{name}` matches one path segment."""
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        self._routes.append(Route(method, template, re.compile(regex + "/?"), handler))
        # Stable: among templates as specific as each other, the first registered wins.
        self._routes.sort(key=lambda route: -_literal_segments(route.template))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route and path parameters for a request, or None (see `allowed`)."""
        template = self._resource(path)
        for route in self._routes:
            if route.template == template and route.method == method:
                found = route.pattern.fullmatch(path)
                assert found is not None, "the resource's template matched this path"
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def allowed(self, path: str) -> tuple[str, ...]:
        """The methods of the resource a path names: none for a 404, else what a 405 allows."""
        template = self._resource(path)
        return tuple(route.method for route in self._routes if route.template == template)

    def _resource(self, path: str) -> str | None:
        """The template of the resource a path names, or None."""
        for route in self._routes:
            if route.pattern.fullmatch(path):
                return route.template
        return None


def _literal_segments(template: str) -> int:
    return sum(1 for segment in template.split("/") if segment and "{" not in segment)
