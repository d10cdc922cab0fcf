"""Confluence Cloud's REST API v2 as one piece for the app: the root of its paths (below the
context path: `/wiki/api/v2/...`), its routes, and its error body.

Only the cloud flavour serves it (`SandboxApp`); Data Center has no v2, so there its paths are
not API paths and answer 404 as any unknown page does. It works on the same store as v1, so
whatever one API writes the other reads.

Every error under v2 is answered in v2's shape, `{"errors": [{"status", "code", "title",
"detail"}]}`, whoever raised it: a v2 handler, a v1 handler a v2 write went through, the app
(401 for bad credentials, 403 for a read-only user, 404 and 405 for paths and methods it does
not serve) or an injected fault (whose headers, `Retry-After` among them, are kept)."""

from __future__ import annotations

import json
from http import HTTPStatus

from confluence_kpi.sandbox import (
    v2_labels,
    v2_page_writes,
    v2_pages,
    v2_properties,
    v2_spaces,
    v2_tree,
    v2_versions,
)
from confluence_kpi.sandbox.errors import message_of, v2_error_body
from confluence_kpi.sandbox.messages import JSON_TYPE, Outcome, Response
from confluence_kpi.sandbox.routes import Router

ROOT = "/api/v2/"


def register(router: Router) -> None:
    """Adds every v2 route."""
    for module in (
        v2_spaces,
        v2_pages,
        v2_page_writes,
        v2_tree,
        v2_labels,
        v2_versions,
        v2_properties,
    ):
        module.register(router)


def shaped(outcome: Outcome) -> Outcome:
    """The answer with an error body in v2's shape (successes and drops unchanged)."""
    if not isinstance(outcome, Response) or outcome.status < 400:
        return outcome
    body = v2_error_body(outcome.status, _title(outcome))
    return Response.json(outcome.status, body, outcome.headers)


def _title(response: Response) -> str:
    """What the error says: a v1 body's message, a plain text's text, or the status's name."""
    if response.content_type == JSON_TYPE:
        said = message_of(json.loads(response.body))
        if said is not None:
            return said
    elif response.content_type.startswith("text/plain"):
        return response.body.decode()
    try:
        return HTTPStatus(response.status).phrase
    except ValueError:
        return "Error"
