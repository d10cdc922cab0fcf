"""A page's history through v2: `GET /pages/{id}/versions` and `/versions/{number}`.

Every version of a page is kept (`store.Txn.put`), whichever API wrote it, so the list holds
them all: newest first, or oldest first with `sort=modified-date`; cursor-paged. Each entry is
the version stamp (`number, message, minorEdit, authorId, createdAt`) with the page it made,
`page: {id, title}`, and that version's body with `body-format=storage`. `/versions/{number}`
answers one stamp with `contentTypeModified` (false), `collaborators` (its author),
`prevVersion` and `nextVersion` (absent at either end); a number the page never had is a 404.
"""

from __future__ import annotations

from confluence_kpi.sandbox import cursor, v2_lookup, v2_orders
from confluence_kpi.sandbox.errors import not_found
from confluence_kpi.sandbox.messages import Response
from confluence_kpi.sandbox.model import Content, Revision
from confluence_kpi.sandbox.render import account_id
from confluence_kpi.sandbox.routes import Call, Router
from confluence_kpi.sandbox.store import State
from confluence_kpi.sandbox.v2_params import numeric, wants_body
from confluence_kpi.sandbox.v2_shapes import Json, Shapes


def register(router: Router) -> None:
    """Adds the page history routes."""
    router.add("GET", "/api/v2/pages/{id}/versions", list_versions)
    router.add("GET", "/api/v2/pages/{id}/versions/{number}", get_version)


def list_versions(call: Call) -> Response:
    """`GET /pages/{id}/versions?body-format&sort&limit&cursor`."""
    body = wants_body(call.request)
    order = v2_orders.order(call.request, v2_orders.VERSIONS, "-modified-date")
    with call.services.store.reading() as state:
        page = v2_lookup.page(state, call.params["id"], call.user)
        shapes = Shapes(call.services.renderer, state)
        return cursor.answer(
            call,
            _history(state, page),
            order,
            lambda revision: shapes.page_version(page, revision, body=body),
        )


def get_version(call: Call) -> Response:
    """`GET /pages/{id}/versions/{number}`."""
    number = int(numeric(call.params["number"], "version-number"))
    with call.services.store.reading() as state:
        page = v2_lookup.page(state, call.params["id"], call.user)
        history = {r.version.number: r for r in _history(state, page)}
        found = history.get(number)
        if found is None:
            raise not_found(f"Page {page.id} has no version {number}")
        numbers = sorted(history)
        out: Json = {
            **Shapes.version(found.version),
            "contentTypeModified": False,
            "collaborators": [account_id(found.version.by)],
        }
        at = numbers.index(number)
        if at > 0:
            out["prevVersion"] = numbers[at - 1]
        if at + 1 < len(numbers):
            out["nextVersion"] = numbers[at + 1]
        return Response.json(200, out)


def _history(state: State, page: Content) -> list[Revision]:
    """Every version of the page, the current one included."""
    return [*state.revisions.get(page.id, {}).values(), Revision.of(page)]
