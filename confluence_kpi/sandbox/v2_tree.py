"""Where a page stands through v2: `GET /pages/{id}/children`, `/direct-children` and
`/ancestors`.

- Children are a page's current child pages, `{id, status, title, spaceId, childPosition}`
  (`/direct-children` adds `type`, always `page`: the sandbox has no folders, whiteboards or
  databases), in the order they were created unless `sort` says otherwise; cursor-paged.
- Ancestors run from the top of the space down to the parent, `{id, type: "page"}`. With
  `limit` (25 by default, at most 250) they are the nearest ones, still top first: Cloud asks
  a client to go on by asking for the ancestors of the first one it got, and gives no `next`.
"""

from __future__ import annotations

from confluence_kpi.sandbox import cursor, v2_lookup, v2_orders
from confluence_kpi.sandbox.messages import Response
from confluence_kpi.sandbox.render import child_contents
from confluence_kpi.sandbox.routes import Call, Router
from confluence_kpi.sandbox.v2_shapes import Shapes


def register(router: Router) -> None:
    """Adds the page tree routes."""
    router.add("GET", "/api/v2/pages/{id}/children", list_children)
    router.add("GET", "/api/v2/pages/{id}/direct-children", list_direct_children)
    router.add("GET", "/api/v2/pages/{id}/ancestors", list_ancestors)


def list_children(call: Call) -> Response:
    """`GET /pages/{id}/children?sort&limit&cursor`."""
    return _children(call, typed=False)


def list_direct_children(call: Call) -> Response:
    """`GET /pages/{id}/direct-children?sort&limit&cursor`."""
    return _children(call, typed=True)


def list_ancestors(call: Call) -> Response:
    """`GET /pages/{id}/ancestors?limit`."""
    limit = cursor.limit_of(call.request)
    with call.services.store.reading() as state:
        page = v2_lookup.page(state, call.params["id"], call.user)
        above = [
            a
            for a in page.ancestor_ids
            if a in state.contents and state.contents[a].visible_to(call.user.name)
        ]
        return Response.json(200, {"results": [Shapes.ancestor(a) for a in above[-limit:]]})


def _children(call: Call, *, typed: bool) -> Response:
    order = v2_orders.order(call.request, v2_orders.CHILDREN, "child-position")
    with call.services.store.reading() as state:
        page = v2_lookup.page(state, call.params["id"], call.user)
        children = [c for c in child_contents(state, page, "page") if c.visible_to(call.user.name)]
        shapes = Shapes(call.services.renderer, state)
        return cursor.answer(call, children, order, lambda c: shapes.child(c, typed=typed))
