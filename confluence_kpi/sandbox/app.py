"""The sandbox as a function of requests: routes each to the control surface, the Confluence
API (with faults and auth around it) or the viewer, counting every request but the control
surface's in the stats; knows nothing of sockets."""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import replace

from confluence_kpi.sandbox import (
    attachment_api,
    content_api,
    label_api,
    property_api,
    restriction_api,
    search_api,
    space_api,
    state_api,
    tree_api,
    user_api,
    v2_api,
)
from confluence_kpi.sandbox.auth import Directory, unauthorized
from confluence_kpi.sandbox.config import SandboxConfig
from confluence_kpi.sandbox.control import PREFIX, Control
from confluence_kpi.sandbox.database import Database
from confluence_kpi.sandbox.errors import ApiError, PlainError, error_body
from confluence_kpi.sandbox.faults import FaultPlan, Faults
from confluence_kpi.sandbox.messages import DROP, JSON_TYPE, Outcome, Request, Response
from confluence_kpi.sandbox.preview.viewer import Viewer
from confluence_kpi.sandbox.render import Renderer
from confluence_kpi.sandbox.routes import Call, Route, Router, missing_resource
from confluence_kpi.sandbox.services import Services
from confluence_kpi.sandbox.space_api import add_space
from confluence_kpi.sandbox.stats import UNMATCHED, VIEWER, Stats
from confluence_kpi.sandbox.store import Store

MAX_BODY = 5 * 1024 * 1024
MAX_ATTACHMENT_BODY = 100 * 1024 * 1024
_API_ROOTS = ("/rest/", "/download/")


def build_router() -> Router:
    """Every Confluence endpoint (the router prefers specific paths to `{id}` patterns)."""
    router = Router()
    for module in (
        search_api,
        attachment_api,
        content_api,
        tree_api,
        state_api,
        restriction_api,
        property_api,
        label_api,
        space_api,
        user_api,
        v2_api,
    ):
        module.register(router)
    return router


class SandboxApp:
    """One sandbox's state and behaviour; `base_url` is what its links start with."""

    def __init__(self, config: SandboxConfig, base_url: str) -> None:
        self.config = config
        self.context_path = config.effective_context_path
        database = Database(config.data) if config.data is not None else None
        self.services = Services(
            flavour=config.flavour,
            store=Store(database),
            directory=Directory(config.effective_users, config.effective_pats),
            renderer=Renderer(config.flavour, base_url, self.context_path),
            seed=config.seed,
        )
        self.router = build_router()
        self.stats = Stats()
        self.faults = Faults(config.seed)
        self.control = (
            Control(self.stats, self.faults, self.services.directory, self.services.store)
            if config.control_enabled
            else None
        )
        # The read-only HTML viewer: a local preview, so only where the control surface is on.
        self.viewer: Callable[[Request], Response] | None = (
            Viewer(config, self.services) if config.control_enabled else None
        )
        self._create_spaces()

    def handle(self, request: Request) -> Outcome:
        """Answers one request (or says to drop the connection)."""
        path = request.path
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return self.control.handle(request) if self.control else _not_found_text()
        api_path = self._api_path(path)
        if api_path is None:
            return self._view(request)
        outcome = self._api(replace(request, path=api_path))
        if isinstance(outcome, _AsGiven) or not api_path.startswith(v2_api.ROOT):
            return outcome
        return v2_api.shaped(outcome)

    def max_body(self, path: str) -> int:
        """The largest request body accepted: 100 MB for attachment uploads, 5 MB otherwise."""
        return MAX_ATTACHMENT_BODY if "/child/attachment" in path else MAX_BODY

    def too_large(self, limit: int) -> Response:
        """The 413 for a body over `max_body`."""
        return self._error(ApiError(413, f"Request body too large: the limit is {limit} bytes"))

    def close(self) -> None:
        """Releases the data file."""
        self.services.store.close()

    def _api_path(self, path: str) -> str | None:
        """The path below the context path, if it is a Confluence API path."""
        if self.context_path:
            if not path.startswith(self.context_path + "/"):
                return None
            path = path[len(self.context_path) :]
        roots = (*_API_ROOTS, v2_api.ROOT) if self.config.flavour == "cloud" else _API_ROOTS
        return path if path.startswith(roots) else None

    def _view(self, request: Request) -> Response:
        """The viewer's answer, counted as the viewer's unless it knows no such page."""
        response = self.viewer(request) if self.viewer else _not_found_text()
        self.stats.record(request.method, UNMATCHED if response.status == 404 else VIEWER)
        return response

    def _api(self, request: Request) -> Outcome:
        matched = self.router.match(request.method, request.path)
        self.stats.record(request.method, matched[0].template if matched else UNMATCHED)
        plan = self.faults.plan(request.method, request.path)
        delay_ms = self.config.latency_ms + plan.latency_ms
        if delay_ms:
            time.sleep(delay_ms / 1000)
        if plan.edits and matched is not None and "id" in matched[1]:
            for edit in plan.edits:
                content_api.save_edit(self.services, matched[1]["id"], edit.apply)
        if plan.drop == "before":
            return DROP
        if plan.status is not None:
            return self._fault(plan.status, plan)
        response = self._answer(request, matched)
        # "after": the write was applied and committed; the client just never hears of it.
        return DROP if plan.drop == "after" else response

    def _answer(self, request: Request, matched: tuple[Route, dict[str, str]] | None) -> Response:
        user = self.services.directory.authenticate(request)
        if user is None:
            return unauthorized(self.config.flavour)
        if matched is None:
            allowed = self.router.allowed(request.path)
            if allowed:
                refusal = ApiError(405, f"Method {request.method} is not allowed here")
                body = error_body(refusal, self.config.flavour)
                return Response.json(405, body, (("Allow", ", ".join(allowed)),))
            return self._error(missing_resource(self.services.renderer.base, request.path))
        route, params = matched
        if user.read_only and request.method != "GET":
            return self._error(ApiError(403, "You do not have permission to edit this content"))
        try:
            return route.handler(Call(request, params, user, self.services))
        except ApiError as exc:
            return self._error(exc)
        except PlainError as exc:
            return Response.text(exc.status, exc.text)
        except Exception:
            # Never a traceback on the wire: log it here, answer in Confluence's shape.
            traceback.print_exc(file=sys.stderr)
            return self._error(ApiError(500, "An unexpected error occurred in the sandbox"))

    def _fault(self, status: int, plan: FaultPlan) -> Response:
        headers: tuple[tuple[str, str], ...] = ()
        if plan.retry_after is not None:
            headers += (("Retry-After", plan.retry_after),)
        if plan.location is not None:
            headers += (("Location", plan.location),)
        if plan.body is not None:
            content_type = plan.content_type or JSON_TYPE
            return _AsGiven(status, plan.body.encode(), content_type, headers)
        message = "Rate limit exceeded." if status == 429 else "Injected fault."
        body = error_body(ApiError(status, message), self.config.flavour)
        return Response.json(status, body, headers)

    def _error(self, error: ApiError) -> Response:
        return Response.json(error.status, error_body(error, self.config.flavour))

    def _create_spaces(self) -> None:
        """The `--space` spaces (kept when the data file already has them)."""
        owner = self.config.effective_users[0].name
        store = self.services.store
        for spec in self.config.effective_spaces:
            with store.writing() as txn:
                if spec.key not in txn.state.spaces:
                    add_space(txn, spec.key, spec.name, owner, self.services.now())


class _AsGiven(Response):
    """A fault's answer with the body its rule gives: sent as it is, never reshaped for v2."""


def _not_found_text() -> Response:
    return Response.text(404, "Not found")
