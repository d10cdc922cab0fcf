"""Cloud's content state (the status a person may set beside a page's title, "In progress" and
the like): the sandbox keeps none, so every page reads as having none. Data Center has no such
resource, so there the path answers as an unknown one."""

from __future__ import annotations

from confluence_kpi.sandbox import lookup
from confluence_kpi.sandbox.errors import bad_request
from confluence_kpi.sandbox.messages import Response
from confluence_kpi.sandbox.routes import Call, Router, unknown_path

STATUSES = ("current", "draft", "archived")


def register(router: Router) -> None:
    """Adds the content state route."""
    router.add("GET", "/rest/api/content/{id}/state", get_state)


def get_state(call: Call) -> Response:
    """`GET /content/{id}/state[?status=current|draft|archived]`: Confluence's docs give
    `{"contentState", "lastUpdated"}`; with no state ever set both are null ([UNVERIFIED]:
    the docs mark both optional, so a client must cope with either being absent or null)."""
    if call.services.flavour != "cloud":
        raise unknown_path(call)
    status = call.request.param("status") or "current"
    if status not in STATUSES:
        raise bad_request(f"status must be one of {', '.join(STATUSES)}, but was: {status}")
    with call.services.store.reading() as state:
        # The sandbox keeps no drafts and archives nothing: those read as missing content.
        lookup.content(state, call.params["id"], call.user, allowed=frozenset({status}))
    return Response.json(200, {"contentState": None, "lastUpdated": None})
