"""The `/_sandbox` surface for tests and benchmarks: stats, faults, users, restrictions.

Outside the context path and without auth; on by default only on a loopback address."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from confluence_kpi.sandbox.auth import Directory
from confluence_kpi.sandbox.faults import FaultRules, Faults
from confluence_kpi.sandbox.messages import Request, Response
from confluence_kpi.sandbox.model import User
from confluence_kpi.sandbox.stats import Stats
from confluence_kpi.sandbox.store import Store

PREFIX = "/_sandbox"


class ControlError(ValueError):
    """A malformed control request: 400 with `{"error": ...}`."""


class Control:
    """Answers `/_sandbox/...` requests."""

    def __init__(self, stats: Stats, faults: Faults, directory: Directory, store: Store) -> None:
        self._stats = stats
        self._faults = faults
        self._directory = directory
        self._store = store
        self._routes: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "/stats"): lambda _: Response.json(200, self._stats.snapshot()),
            ("POST", "/stats/reset"): self._reset_stats,
            ("GET", "/faults"): lambda _: Response.json(200, {"rules": self._faults.describe()}),
            ("POST", "/faults"): self._set_faults,
            ("DELETE", "/faults"): self._clear_faults,
            ("POST", "/users"): self._add_user,
            ("POST", "/restrictions"): self._restrict,
        }

    def handle(self, request: Request) -> Response:
        """Dispatches one control request."""
        route = self._routes.get((request.method, request.path.removeprefix(PREFIX).rstrip("/")))
        if route is None:
            return Response.json(
                404, {"error": f"no control endpoint {request.method} {request.path}"}
            )
        try:
            return route(request)
        except ControlError as exc:
            return Response.json(400, {"error": str(exc)})

    def _reset_stats(self, _: Request) -> Response:
        self._stats.reset()
        return Response.json(200, self._stats.snapshot())

    def _set_faults(self, request: Request) -> Response:
        try:
            rules = FaultRules.model_validate(_object(request)).rules
        except ValidationError as exc:
            raise ControlError(_problems(exc)) from None
        # All or none: one bad rule rejected the lot above, before anything was installed.
        self._faults.replace(rules)
        return Response.json(200, {"rules": self._faults.describe()})

    def _clear_faults(self, _: Request) -> Response:
        self._faults.clear()
        return Response.json(200, {"rules": []})

    def _add_user(self, request: Request) -> Response:
        body = _object(request)
        name, secret = body.get("name"), body.get("secret")
        read_only = body.get("read_only", False)
        if not isinstance(name, str) or not name or not isinstance(secret, str) or not secret:
            raise ControlError('expected {"name": str, "secret": str, "read_only": bool}')
        if not isinstance(read_only, bool):
            raise ControlError("read_only must be true or false")
        self._directory.add(User(name, secret, read_only))
        return Response.json(200, {"name": name, "read_only": read_only})

    def _restrict(self, request: Request) -> Response:
        body = _object(request)
        content_id, hidden = body.get("content_id"), body.get("hidden_from")
        if not isinstance(content_id, str | int) or not isinstance(hidden, list):
            raise ControlError('expected {"content_id": str, "hidden_from": [user names]}')
        if not all(isinstance(name, str) for name in hidden):
            raise ControlError("hidden_from must list user names")
        with self._store.writing() as txn:
            content = txn.state.contents.get(str(content_id))
            if content is None:
                raise ControlError(f"no content with id {content_id}")
            txn.put(content.model_copy(update={"hidden_from": frozenset(hidden)}))
        return Response.json(200, {"content_id": str(content_id), "hidden_from": sorted(hidden)})


def _object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ControlError(f"body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    return body


def _problems(exc: ValidationError) -> str:
    """Every problem of a body, each where it is: `rules[0].status: Input should be ...`."""
    return "; ".join(f"{_where(e['loc'])}: {_message(e)}" for e in exc.errors())


def _where(loc: tuple[int | str, ...]) -> str:
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
    return path.removeprefix(".")


def _message(error: ErrorDetails) -> str:
    # Our own validators' words, without pydantic's "Value error, " before them.
    cause = error.get("ctx", {}).get("error")
    return str(cause) if isinstance(cause, ValueError) else error["msg"]
