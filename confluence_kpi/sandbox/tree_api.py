"""The page tree: a content's children and descendants (all types as a map, or one type as a
list), and moving a page before, after or below another, its descendants with it."""

from __future__ import annotations

from collections.abc import Callable

from confluence_kpi.sandbox import lookup
from confluence_kpi.sandbox.errors import bad_request
from confluence_kpi.sandbox.expand import Expand
from confluence_kpi.sandbox.listing import listing
from confluence_kpi.sandbox.messages import Response
from confluence_kpi.sandbox.model import Content
from confluence_kpi.sandbox.payload import int_param
from confluence_kpi.sandbox.render import (
    CHILD_TYPES,
    Json,
    Renderer,
    child_contents,
    child_types,
    descendant_contents,
    in_order,
)
from confluence_kpi.sandbox.routes import Call, Router, unknown_path
from confluence_kpi.sandbox.store import State

CONTENT = "/rest/api/content/{id}"
POSITIONS = ("before", "after", "append")
# Kinds a `{type}` segment may name: any other is no resource (Jersey's 404 for a path
# parameter it cannot convert).
KINDS = frozenset(kind for kinds in CHILD_TYPES.values() for kind in kinds)
MAX_DEPTH = 100


def register(router: Router) -> None:
    """Adds the tree routes."""
    router.add("GET", CONTENT + "/child", get_children)
    router.add("GET", CONTENT + "/child/{type}", list_children)
    router.add("GET", CONTENT + "/descendant", get_descendants)
    router.add("GET", CONTENT + "/descendant/{type}", list_descendants)
    router.add("PUT", CONTENT + "/move/{position}/{targetId}", move_page)


def get_children(call: Call) -> Response:
    """`GET /content/{id}/child[?expand=page,attachment,comment]`: a map by type."""
    return _map(call, Renderer.children)


def get_descendants(call: Call) -> Response:
    """`GET /content/{id}/descendant[?expand=page,...]`: a map by type, pages at any depth."""
    return _map(call, Renderer.descendants)


def list_children(call: Call) -> Response:
    """`GET /content/{id}/child/{type}`: the direct children of one type."""
    return _list(call, lambda state, content, kind: child_contents(state, content, kind))


def list_descendants(call: Call) -> Response:
    """`GET /content/{id}/descendant/{type}[?depth=all|root|N]`: pages at any depth (or down to
    `depth` levels), or the content's own attachments or comments."""
    depth = _depth(call)

    def find(state: State, content: Content, kind: str) -> list[Content]:
        found = descendant_contents(state, content, kind)
        top = len(content.ancestor_ids)
        return [c for c in found if depth is None or len(c.ancestor_ids) - top <= depth]

    return _list(call, find)


def move_page(call: Call) -> Response:
    """`PUT /content/{pageId}/move/{position}/{targetId}`: `append` puts the page last below
    the target, `before` and `after` beside it under the target's parent (the top of the
    space when it has none). The page's descendants follow; its version stays ([UNVERIFIED]:
    a move is no edit of the page). Answers `{"pageId"}`, as Confluence's docs show."""
    position = call.params["position"]
    if position not in POSITIONS:
        raise bad_request(f"Unknown position {position!r}: expected one of {', '.join(POSITIONS)}")
    store = call.services.store
    with store.writing() as txn:
        state = txn.state
        page = _page(state, call, call.params["id"])
        target = _page(state, call, call.params["targetId"])
        check_not_below(page, target)
        if position == "append":
            moved = relocated(state, page, target, None, target.space_key)
        else:
            parent = state.contents.get(target.parent_id or "")
            siblings = [s for s in _siblings(state, parent, target.space_key) if s.id != page.id]
            index = [s.id for s in siblings].index(target.id) + (position == "after")
            siblings.insert(index, page)
            for number, sibling in enumerate(siblings):
                if sibling.id != page.id and sibling.position != number:
                    txn.put(sibling.model_copy(update={"position": number}))
            moved = relocated(state, page, parent, index, target.space_key)
        for item in moved:
            if item.type == "page":
                lookup.check_title_free(state, item)
            txn.put(item)
    return Response.json(200, {"pageId": page.id})


def check_not_below(page: Content, target: Content) -> None:
    """A page goes nowhere in its own subtree."""
    if target.id == page.id or page.id in target.ancestor_ids:
        raise bad_request("A page cannot be moved below itself or one of its descendants")


def relocated(
    state: State, page: Content, parent: Content | None, position: int | None, space: str
) -> list[Content]:
    """The page below `parent` (at the top of `space` when None) at `position` among its
    siblings (None: after those placed), then its descendants, their ancestors and space to
    match."""
    chain = (*parent.ancestor_ids, parent.id) if parent is not None else ()
    moved = page.model_copy(
        update={
            "parent_id": parent.id if parent is not None else None,
            "ancestor_ids": chain,
            "space_key": space,
            "position": position,
        }
    )
    below = lookup.rebased(lookup.descendants(state, page.id), page.id, (*chain, page.id))
    return [moved, *(item.model_copy(update={"space_key": space}) for item in below)]


def _siblings(state: State, parent: Content | None, space_key: str) -> list[Content]:
    """The pages below `parent`, or at the top of the space, in their order."""
    if parent is not None:
        return child_contents(state, parent, "page")
    tops = [
        c
        for c in state.contents.values()
        if c.type == "page" and c.status == "current" and c.space_key == space_key
    ]
    return [c for c in in_order(tops) if c.parent_id is None]


def _page(state: State, call: Call, content_id: str) -> Content:
    found = lookup.content(state, content_id, call.user)
    if found.type != "page":
        # [UNVERIFIED] text; Confluence's docs speak of moving pages only.
        raise bad_request(f"Only pages can be moved, and relative to pages: {found.id} is not")
    return found


def _map(call: Call, render: Callable[[Renderer, State, Content, Expand], Json]) -> Response:
    expand = Expand.parse(call.request.param("expand"))
    renderer = call.services.renderer
    with call.services.store.reading() as state:
        found = lookup.content(state, call.params["id"], call.user)
        body = render(renderer, state, found, expand)
        body["_links"] = renderer.top_links(call.request.path)
        return Response.json(200, body)


def _list(call: Call, find: Callable[[State, Content, str], list[Content]]) -> Response:
    kind = call.params["type"]
    if kind not in KINDS:
        raise unknown_path(call)
    expand = Expand.parse(call.request.param("expand"))
    renderer = call.services.renderer
    with call.services.store.reading() as state:
        parent = lookup.content(state, call.params["id"], call.user)
        found = find(state, parent, kind) if kind in child_types(parent) else []
        items = [c for c in found if c.visible_to(call.user.name)]
        body = listing(call, items, lambda c: renderer.content(state, c, expand), expand)
    return Response.json(200, body)


def _depth(call: Call) -> int | None:
    """`depth`: `all` (the default: None), `root` (the level just below) or 1 to 100 levels."""
    text = call.request.param("depth") or "all"
    if text == "all":
        return None
    if text == "root":
        return 1
    depth = int_param(call.request, "depth", 1)
    if not 1 <= depth <= MAX_DEPTH:
        raise bad_request(f"depth must be all, root or 1 to {MAX_DEPTH}, but was: {text}")
    return depth
