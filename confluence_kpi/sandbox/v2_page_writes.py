"""Writing pages through v2: `POST /pages`, `PUT /pages/{id}`, `DELETE /pages/{id}`.

A v2 write is said again as the v1 request that does the same, and handed to v1's handler
(`content_api`, through `v1_bridge`), as the sandbox's own editor does (`content_api.save_edit`):
one set of rules serves both APIs, in one transaction, so a page written through one reads the
same through the other. From v1 come: the version rule (the number sent must be the current one
plus one, else 409 "Version must be incremented on update. Current version is: N"), unique
titles per space (400 "A page with this title already exists: ..."), the title's checks, the
storage format's checks and normalisation, moves under another parent (descendants follow,
ancestors stay consistent), a PUT that restores a trashed page, trash and purge. Their errors
reach the client in v2's shape (`v2_api.shaped`). What is v2's own is checked here:

- The body comes as `{"representation": "storage", "value"}` or nested as
  `{"storage": {"representation": "storage", "value"}}`; the sandbox keeps storage only, so
  `atlas_doc_format`, `wiki` and any other representation are a 400.
- `POST` needs `spaceId`, a space that does not exist is a 404 (as Cloud documents it);
  without `parentId` the page goes under the space's home page, as Cloud does, or at the top
  of the space with `?root-level=true`. It answers 200 with the page and its storage body.
  `status=draft` is a 400: the sandbox keeps no drafts. `?private=true` is a 400 too: the
  sandbox cannot keep a page from the other users. `?embedded` is ignored.
- `PUT` needs `id` (the path's), `status` (`current`), `title`, `body` and `version.number`,
  as Cloud documents them required; `spaceId`, when sent, must be the page's space (Cloud does
  not move pages between spaces); `parentId` moves the page; `ownerId` is ignored.
  [UNVERIFIED] the texts of these 400s.
- `DELETE` trashes a current page (204); `?purge=true` deletes a trashed one for good, as v1's
  `status=trashed` does (a current page is then a 404, v1's answer). `?draft=true` asks for a
  draft, which the sandbox never has: 404.
"""

from __future__ import annotations

import json
from typing import Any

from confluence_kpi.sandbox import content_api, lookup, v1_bridge, v2_lookup
from confluence_kpi.sandbox.errors import bad_request, not_found
from confluence_kpi.sandbox.messages import Response
from confluence_kpi.sandbox.payload import as_object, json_object, optional_id, optional_str
from confluence_kpi.sandbox.routes import Call, Handler, Router
from confluence_kpi.sandbox.v2_params import flag
from confluence_kpi.sandbox.v2_shapes import Shapes

_NOT_KEPT = {
    "atlas_doc_format": "Atlassian Document Format bodies are not supported by the sandbox",
    "wiki": "Wiki markup bodies are not supported by the sandbox",
}


def register(router: Router) -> None:
    """Adds the routes that write pages."""
    router.add("POST", "/api/v2/pages", create_page)
    router.add("PUT", "/api/v2/pages/{id}", update_page)
    router.add("DELETE", "/api/v2/pages/{id}", delete_page)


def create_page(call: Call) -> Response:
    """`POST /pages` with `{spaceId, status, title, parentId?, body}`."""
    body = json_object(call.request)
    space_id = optional_id(body, "spaceId")
    if space_id is None:
        raise bad_request("spaceId is required to create a page")
    parent_id = optional_id(body, "parentId")
    if flag(call.request, "private"):
        raise bad_request("Private pages are not supported by the sandbox")
    flag(call.request, "embedded")
    root_level = flag(call.request, "root-level")
    v1: dict[str, Any] = {
        "type": "page",
        "status": optional_str(body, "status") or "current",
        "title": body.get("title"),
    }
    storage = _storage(body)
    if storage is not None:
        v1["body"] = storage
    store = call.services.store
    with store.reading() as state:
        space = v2_lookup.space(state, space_id)
        v1["space"] = {"key": space.key}
        parent_id = parent_id or (None if root_level else space.homepage_id)
        if parent_id is not None:
            v1["ancestors"] = [{"id": parent_id}]
        written = _v1(call, content_api.create_content, "POST", None, v1)
        page_id = json.loads(written.body)["id"]
        page = Shapes(call.services.renderer, state).page(
            state.contents[page_id], body=True, top=True
        )
        return Response.json(200, page)


def update_page(call: Call) -> Response:
    """`PUT /pages/{id}` with `{id, status, title, parentId?, body, version: {number}}`."""
    page_id = call.params["id"]
    body = json_object(call.request)
    sent_id = optional_id(body, "id")
    if sent_id != page_id:
        raise bad_request(f"The id in the body ({sent_id}) must be the page's id ({page_id})")
    status = optional_str(body, "status")
    if status != "current":
        raise bad_request(f"status must be current (the sandbox keeps no drafts), not {status}")
    storage = _storage(body)
    if storage is None:
        raise bad_request("body is required to update a page")
    v1: dict[str, Any] = {
        "type": "page",
        "title": body.get("title"),
        "version": body.get("version"),
        "body": storage,
    }
    parent_id = optional_id(body, "parentId")
    if parent_id is not None:
        v1["ancestors"] = [{"id": parent_id}]
    space_id = optional_id(body, "spaceId")
    store = call.services.store
    with store.reading() as state:
        page = v2_lookup.page(state, page_id, call.user, lookup.CURRENT_OR_TRASHED)
        space = state.spaces.get(page.space_key)
        if space_id is not None and (space is None or str(space.id) != space_id):
            raise bad_request("A page cannot be moved to another space")
        _v1(call, content_api.update_content, "PUT", page.id, v1)
        shown = Shapes(call.services.renderer, state).page(
            state.contents[page.id], body=True, top=True
        )
        return Response.json(200, shown)


def delete_page(call: Call) -> Response:
    """`DELETE /pages/{id}[?purge=true]`: trash, or purge a trashed page; 204."""
    purge = flag(call.request, "purge")
    if flag(call.request, "draft"):
        raise not_found(f"No draft found for page {call.params['id']}")
    store = call.services.store
    with store.reading() as state:
        page = v2_lookup.page(state, call.params["id"], call.user, lookup.CURRENT_OR_TRASHED)
        query = "status=trashed" if purge else ""
        _v1(call, content_api.delete_content, "DELETE", page.id, None, query)
    return Response.no_content()


def _storage(body: dict[str, Any]) -> dict[str, Any] | None:
    """The v2 body as v1's `{"storage": {...}}`; None when there is none."""
    raw = body.get("body")
    if raw is None:
        return None
    sent = as_object(raw, "body")
    if "representation" in sent or "value" in sent:
        entry, representation = sent, optional_str(sent, "representation")
    elif len(sent) == 1:
        ((representation, inner),) = sent.items()
        entry = as_object(inner, f"body.{representation}")
        if optional_str(entry, "representation") not in (None, representation):
            raise bad_request(f"body.{representation}.representation must be {representation}")
    else:
        raise bad_request("body must hold one representation and its value")
    if representation != "storage":
        if representation is None:
            raise bad_request("body.representation is required")
        raise bad_request(
            _NOT_KEPT.get(representation, f"Unsupported body representation: {representation}")
        )
    value = entry.get("value")
    if not isinstance(value, str):
        raise bad_request("body.value is required and must be a string")
    return {"storage": {"representation": "storage", "value": value}}


def _v1(
    call: Call,
    handler: Handler,
    method: str,
    page_id: str | None,
    payload: dict[str, Any] | None,
    query: str = "",
) -> Response:
    """A v1 content handler's answer: on `/content` without a page id, `/content/{id}` with."""
    if page_id is None:
        return v1_bridge.run(call, handler, method, "/rest/api/content", {}, payload, query)
    path = f"/rest/api/content/{page_id}"
    return v1_bridge.run(call, handler, method, path, {"id": page_id}, payload, query)
