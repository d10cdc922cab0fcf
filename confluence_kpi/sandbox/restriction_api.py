"""A content's restrictions, read-only, as the `restrictions` link of every content leads to them.

The sandbox restricts content one way only: `/_sandbox/restrictions` hides it from some users.
Confluence says the same thing the other way round, as the users who may read it, so content
hidden from anyone reads as restricted to every other user the sandbox knows; nothing
restricts who may update (the sandbox has read-only users instead) and there are no groups."""

from __future__ import annotations

from confluence_kpi.sandbox import lookup
from confluence_kpi.sandbox.messages import Response
from confluence_kpi.sandbox.model import Content
from confluence_kpi.sandbox.render import API, Json
from confluence_kpi.sandbox.routes import Call, Router, unknown_path

RESTRICTIONS = "/rest/api/content/{id}/restriction/byOperation"
OPERATIONS = ("read", "update")
LIMIT = 200


def register(router: Router) -> None:
    """Adds the restriction routes."""
    router.add("GET", RESTRICTIONS, by_operation)
    router.add("GET", RESTRICTIONS + "/{operationKey}", for_operation)


def by_operation(call: Call) -> Response:
    """`GET .../restriction/byOperation`: `{"read": ..., "update": ..., "_links"}`."""
    with call.services.store.reading() as state:
        content = lookup.content(state, call.params["id"], call.user)
    out: Json = {operation: _restriction(call, content, operation) for operation in OPERATIONS}
    links = call.services.renderer.top_links(call.request.path)
    out["_links"] = {"base": links["base"], "context": links["context"]}
    return Response.json(200, out)


def for_operation(call: Call) -> Response:
    """`GET .../restriction/byOperation/{read|update}`: one operation's restriction."""
    operation = call.params["operationKey"]
    if operation not in OPERATIONS:
        raise unknown_path(call)
    with call.services.store.reading() as state:
        content = lookup.content(state, call.params["id"], call.user)
    return Response.json(200, _restriction(call, content, operation))


def _restriction(call: Call, content: Content, operation: str) -> Json:
    renderer = call.services.renderer
    readers = [
        user.name
        for user in call.services.directory.users()
        if operation == "read" and content.hidden_from and user.name not in content.hidden_from
    ]
    users = [renderer.user(name) for name in sorted(readers)[:LIMIT]]
    path = f"{API}/content/{content.id}/restriction/byOperation/{operation}"
    return {
        "operation": operation,
        "restrictions": {
            "user": {"results": users, "start": 0, "limit": LIMIT, "size": len(users)},
            "group": {"results": [], "start": 0, "limit": LIMIT, "size": 0},
        },
        "_expandable": {"content": f"{API}/content/{content.id}"},
        "_links": {"self": renderer.base + path},
    }
