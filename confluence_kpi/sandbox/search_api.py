"""CQL search: `/content/search` (content objects) and `/search` (result wrappers)."""

from __future__ import annotations

import json
import time
from typing import Any

from confluence_kpi.sandbox.cql import CqlContext, CqlError, CqlQuery, parse_cql
from confluence_kpi.sandbox.errors import bad_request
from confluence_kpi.sandbox.expand import Expand
from confluence_kpi.sandbox.listing import listing
from confluence_kpi.sandbox.messages import Response
from confluence_kpi.sandbox.model import Content
from confluence_kpi.sandbox.render import Json, iso
from confluence_kpi.sandbox.routes import Call, Router
from confluence_kpi.sandbox.store import State


def register(router: Router) -> None:
    """Adds the search routes (before `/content/{id}`, which would swallow `search`)."""
    router.add("GET", "/rest/api/content/search", search_content)
    router.add("GET", "/rest/api/search", search)


def search_content(call: Call) -> Response:
    """`GET /content/search?cql=...`: content objects, paged by offset (dc) or cursor (cloud)."""
    expand = Expand.parse(call.request.param("expand"))
    renderer = call.services.renderer
    with call.services.store.reading() as state:
        found = _run(call, state)
        body = listing(
            call,
            found,
            lambda c: renderer.content(state, c, expand),
            expand,
            cursor=call.services.flavour == "cloud",
        )
    return Response.json(200, body)


def search(call: Call) -> Response:
    """`GET /search?cql=...`: each hit wrapped with title, url, container and lastModified;
    `expand=content.x` expands `x` on the content."""
    started = time.perf_counter()
    expand = Expand.parse(call.request.param("expand"))
    with call.services.store.reading() as state:
        found = _run(call, state)
        body = listing(
            call,
            found,
            lambda c: _wrapper(call, state, c, expand.sub("content")),
            expand,
            cursor=call.services.flavour == "cloud",
            extra={
                "totalSize": len(found),
                "cqlQuery": call.request.param("cql"),
                "searchDuration": round((time.perf_counter() - started) * 1000),
            },
        )
    return Response.json(200, body)


def _run(call: Call, state: State) -> list[Content]:
    """The current content the caller may see that matches the query, in the query's order."""
    query, context = _query(call)
    visible = [
        c for c in state.contents.values() if c.status == "current" and c.visible_to(call.user.name)
    ]
    try:
        return query.select(visible, context)
    except CqlError as exc:
        raise bad_request(f"Could not parse cql : {exc}") from None


def _query(call: Call) -> tuple[CqlQuery, CqlContext]:
    text = call.request.param("cql")
    if not text:
        raise bad_request("Could not parse cql : null")
    try:
        query = parse_cql(text)
    except CqlError as exc:
        raise bad_request(f"Could not parse cql : {exc}") from None
    scope = _cql_context(call.request.param("cqlcontext"))
    context = CqlContext(
        now=call.services.now(),
        space_key=_str_or_none(scope.get("spaceKey")),
        content_id=_str_or_none(scope.get("contentId")),
        user=call.user.name,
    )
    return query, context


def _cql_context(text: str | None) -> dict[str, Any]:
    """`cqlcontext`: JSON naming the space and content that `currentSpace()` and
    `currentContent()` refer to."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise bad_request(f"Could not parse cqlcontext : {text}")
    return value


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _wrapper(call: Call, state: State, content: Content, expand: Expand) -> Json:
    renderer = call.services.renderer
    space = state.spaces.get(content.space_key)
    container = renderer.space(state, space, Expand()) if space else {}
    return {
        "content": renderer.content(state, content, expand),
        "title": content.title,
        "excerpt": "",
        "url": renderer.webui(content),
        "resultGlobalContainer": {
            "title": space.name if space else "",
            "displayUrl": container.get("_links", {}).get("webui", ""),
        },
        "breadcrumbs": [],
        "entityType": "content",
        "iconCssClass": f"aui-icon content-type-{content.type}",
        "lastModified": iso(content.last_modified),
    }
