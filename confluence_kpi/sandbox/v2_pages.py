"""Reading pages through v2: `GET /pages`, `GET /pages/{id}` and `GET /spaces/{id}/pages`.

- Lists show `current` (and `archived`, of which the sandbox has none) pages unless `status`
  asks for others (`trashed`, `deleted`); they are ordered by `sort` (`id`, `title`,
  `created-date`, `modified-date`, each also with `-` for descending; `id` when not given) and
  cursor-paged (see `cursor`). A body is in each result only with `body-format=storage`.
- `GET /pages/{id}` answers a current page; a trashed one only when `status` asks for it.
  [UNVERIFIED] Cloud's default statuses here; the sandbox takes the stricter reading.
  `version=N` shows the title, body and version stamp the page had at version N (404 for a
  version it never had). `include-labels` and `include-properties` add the first 50 labels or
  properties as `{"results", "meta": {"hasMore", "cursor"}, "_links": {"self"}}`;
  `include-version=false` leaves out `version`. The other `include-*` flags Cloud has
  (operations, likes, versions, collaborators, favourites, web resources) are read as flags
  and add nothing: the sandbox keeps none of that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from confluence_kpi.sandbox import cursor, v2_lookup, v2_orders
from confluence_kpi.sandbox.cursor import Order
from confluence_kpi.sandbox.errors import not_found
from confluence_kpi.sandbox.messages import Response
from confluence_kpi.sandbox.model import Content, Revision
from confluence_kpi.sandbox.routes import Call, Router
from confluence_kpi.sandbox.store import State
from confluence_kpi.sandbox.v2_params import choice, flag, ids, numeric, statuses, wants_body
from confluence_kpi.sandbox.v2_shapes import Json, Shapes

T = TypeVar("T")

INCLUDED = 50  # how many labels or properties `include-*` shows before `meta.hasMore`
_IGNORED_FLAGS = (
    "include-operations",
    "include-likes",
    "include-versions",
    "include-collaborators",
    "include-favorited-by-current-user-status",
    "include-webresources",
    "get-draft",
)


def register(router: Router) -> None:
    """Adds the routes that read pages."""
    router.add("GET", "/api/v2/pages", list_pages)
    router.add("GET", "/api/v2/pages/{id}", get_page)
    router.add("GET", "/api/v2/spaces/{id}/pages", list_space_pages)


def list_pages(call: Call) -> Response:
    """`GET /pages?id&space-id&title&status&sort&body-format&limit&cursor`."""
    request = call.request
    wanted_ids = set(ids(request, "id", 250))
    space_ids = ids(request, "space-id", 100)
    with call.services.store.reading() as state:
        keys = v2_lookup.space_keys(state, space_ids) if space_ids else None
        pages = [
            page
            for page in listed_pages(call, state.contents.values())
            if (not wanted_ids or page.id in wanted_ids)
            and (keys is None or page.space_key in keys)
        ]
        return page_list(call, state, pages)


def list_space_pages(call: Call) -> Response:
    """`GET /spaces/{id}/pages?depth=all|root&title&status&sort&body-format&limit&cursor`."""
    root_only = choice(call.request, "depth", ("all", "root"), "all") == "root"
    with call.services.store.reading() as state:
        space = v2_lookup.space(state, call.params["id"])
        pages = [
            page
            for page in listed_pages(call, state.contents.values())
            if page.space_key == space.key and (page.parent_id is None or not root_only)
        ]
        return page_list(call, state, pages)


def listed_pages(call: Call, contents: Iterable[Content]) -> list[Content]:
    """The pages a list shows by the request's `status` and `title`, as the caller sees them."""
    wanted = statuses(call.request, v2_lookup.PAGE_STATUSES, v2_lookup.LISTED)
    title = call.request.param("title")
    return [
        c
        for c in contents
        if c.type == "page"
        and c.status in wanted
        and (title is None or c.title == title)
        and c.visible_to(call.user.name)
    ]


def page_list(call: Call, state: State, pages: list[Content]) -> Response:
    """A page list in the request's order and body format."""
    body = wants_body(call.request)
    order = v2_orders.order(call.request, v2_orders.PAGES, "id")
    shapes = Shapes(call.services.renderer, state)
    return cursor.answer(call, pages, order, lambda page: shapes.page(page, body=body))


def get_page(call: Call) -> Response:
    """`GET /pages/{id}?body-format&version&status&include-labels&include-properties...`."""
    request = call.request
    body = wants_body(request)
    allowed = statuses(request, v2_lookup.PAGE_STATUSES, v2_lookup.LISTED)
    number = request.param("version")
    with_labels = flag(request, "include-labels")
    with_properties = flag(request, "include-properties")
    with_version = flag(request, "include-version", default=True)
    for name in _IGNORED_FLAGS:
        flag(request, name)
    with call.services.store.reading() as state:
        page = v2_lookup.page(state, call.params["id"], call.user, allowed)
        revision = _revision(state, page, number) if number else None
        shapes = Shapes(call.services.renderer, state)
        out = shapes.page(page, body=body, top=True, revision=revision, version=with_version)
        if with_labels:
            out["labels"] = _included(
                call,
                f"/api/v2/pages/{page.id}/labels",
                v2_lookup.labels(state, page),
                v2_orders.LABELS["name"],
                shapes.label,
            )
        if with_properties:
            out["properties"] = _included(
                call,
                f"/api/v2/pages/{page.id}/properties",
                list(state.properties.get(page.id, {}).values()),
                v2_orders.PROPERTIES["id"],
                shapes.content_property,
            )
        return Response.json(200, out)


def _revision(state: State, page: Content, text: str) -> Revision | None:
    """The page at version `text`: None for the current version, 404 for one it never had."""
    number = int(numeric(text, "version"))
    if number == page.version.number:
        return None
    revision = state.revisions.get(page.id, {}).get(number)
    if revision is None:
        raise not_found(f"Page {page.id} has no version {number}")
    return revision


def _included(
    call: Call, path: str, items: list[T], order: Order[T], render: Callable[[T], Json]
) -> Json:
    """A list a page includes: its first `INCLUDED` items, whether there are more, and where
    the list itself is (its default order is `order`, so its `cursor` takes `meta.cursor`)."""
    chunk = cursor.chunk(items, order, INCLUDED, None)
    meta: Json = {"hasMore": chunk.cursor is not None}
    if chunk.cursor is not None:
        meta["cursor"] = chunk.cursor
    return {
        "results": [render(item) for item in chunk.items],
        "meta": meta,
        "_links": {"self": call.services.renderer.context + path},
    }
