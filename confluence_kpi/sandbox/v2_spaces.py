"""Spaces through v2: `GET /spaces` and `GET /spaces/{id}` (a space's pages are in `v2_pages`).

The list takes `ids` and `keys` (comma-separated, at most 250 each), `type` (`global`,
`personal`) and `status` (`current`, `archived`): every sandbox space is a current global one.
It is ordered by `sort` (`id`, `key`, `name`, each also with `-`; by id when not given), as
Cloud documents, and cursor-paged. `description-format` and `include-icon` are read and add
nothing: the sandbox keeps no descriptions or icons, so both stay null."""

from __future__ import annotations

from confluence_kpi.sandbox import cursor, v2_lookup, v2_orders
from confluence_kpi.sandbox.messages import Response
from confluence_kpi.sandbox.routes import Call, Router
from confluence_kpi.sandbox.v2_params import choice, flag, ids, values
from confluence_kpi.sandbox.v2_shapes import Shapes


def register(router: Router) -> None:
    """Adds the space routes."""
    router.add("GET", "/api/v2/spaces", list_spaces)
    router.add("GET", "/api/v2/spaces/{id}", get_space)


def list_spaces(call: Call) -> Response:
    """`GET /spaces?ids&keys&type&status&sort&limit&cursor`."""
    request = call.request
    wanted_ids = set(ids(request, "ids", 250))
    keys = set(values(request, "keys", 250))
    kind = choice(request, "type", ("global", "personal"), "global")
    status = choice(request, "status", ("current", "archived"), "current")
    _ignored(call)
    order = v2_orders.order(request, v2_orders.SPACES, "id")
    with call.services.store.reading() as state:
        spaces = [
            s
            for s in state.spaces.values()
            if (not wanted_ids or str(s.id) in wanted_ids)
            and (not keys or s.key in keys)
            and kind == "global"
            and status == "current"
        ]
        return cursor.answer(call, spaces, order, Shapes(call.services.renderer, state).space)


def get_space(call: Call) -> Response:
    """`GET /spaces/{id}`."""
    _ignored(call)
    with call.services.store.reading() as state:
        space = v2_lookup.space(state, call.params["id"])
        return Response.json(200, Shapes(call.services.renderer, state).space(space))


def _ignored(call: Call) -> None:
    """Reads the parameters the sandbox has nothing for, so that a wrong value is still a 400."""
    choice(call.request, "description-format", ("plain", "view"), "plain")
    flag(call.request, "include-icon")
