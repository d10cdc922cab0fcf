"""Pages and blog posts: list, get, create, update, trash, restore, purge, history."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from confluence_kpi.sandbox import lookup
from confluence_kpi.sandbox.errors import ApiError, bad_request, stale_version
from confluence_kpi.sandbox.expand import Expand
from confluence_kpi.sandbox.listing import listing
from confluence_kpi.sandbox.messages import Request, Response
from confluence_kpi.sandbox.model import Content, Property, User, Version
from confluence_kpi.sandbox.payload import (
    as_object,
    json_object,
    optional_id,
    optional_int,
    optional_list,
    optional_object,
    optional_str,
)
from confluence_kpi.sandbox.property_api import check_value_size
from confluence_kpi.sandbox.routes import Call, Router
from confluence_kpi.sandbox.store import State, Txn
from confluence_kpi.sandbox.tree_api import check_not_below, relocated
from confluence_kpi.sandbox.xhtml import StorageFormatError, normalise_storage

if TYPE_CHECKING:
    from confluence_kpi.sandbox.services import Services

# What GET answers with when no `expand` is given, and what POST/PUT answer with.
DEFAULT_EXPAND = "space,history,version"
WRITE_EXPAND = Expand.parse("body.storage,history,space,container,version,ancestors")
EDITABLE_TYPES = ("page", "blogpost")
MAX_TITLE = 255
# Who saves the edits that fault rules land between a client's read and its write.
EDITOR = User("sandbox-editor", "")


def register(router: Router) -> None:
    """Adds the content routes."""
    router.add("GET", "/rest/api/content", list_content)
    router.add("POST", "/rest/api/content", create_content)
    router.add("GET", "/rest/api/content/{id}", get_content)
    router.add("PUT", "/rest/api/content/{id}", update_content)
    router.add("DELETE", "/rest/api/content/{id}", delete_content)
    router.add("GET", "/rest/api/content/{id}/history", get_history)


def list_content(call: Call) -> Response:
    """`GET /content?spaceKey&title&type&status`: exact title match, page by default."""
    request = call.request
    expand = Expand.parse(request.param("expand"))
    wanted = lookup.statuses(request.param("status"))
    kind = request.param("type") or "page"
    space_key = request.param("spaceKey")
    title = request.param("title")
    with call.services.store.reading() as state:
        items = [
            c
            for c in state.contents.values()
            if c.type == kind
            and c.status in wanted
            and (space_key is None or c.space_key == space_key)
            and (title is None or c.title == title)
            and c.visible_to(call.user.name)
        ]
        body = listing(call, items, lambda c: _render(call, state, c, expand), expand)
    return Response.json(200, body)


def get_content(call: Call) -> Response:
    """`GET /content/{id}`; a trashed page needs `status=trashed` or `status=any`."""
    request = call.request
    expand = Expand.parse(request.param("expand") or DEFAULT_EXPAND)
    with call.services.store.reading() as state:
        found = lookup.content(
            state, call.params["id"], call.user, allowed=lookup.statuses(request.param("status"))
        )
        return Response.json(200, _render(call, state, found, expand, top=True))


def create_content(call: Call) -> Response:
    """`POST /content`: validates everything, then stores page and properties in one write."""
    body = json_object(call.request)
    kind = optional_str(body, "type")
    if not kind:
        raise bad_request("type is required to create content")
    if kind not in EDITABLE_TYPES:
        raise bad_request(f"Could not create content with type {kind}")
    status = optional_str(body, "status") or "current"
    if status != "current":
        # [UNVERIFIED] the sandbox keeps no drafts; say so rather than pretend.
        raise bad_request(f"Could not create content with status {status}")
    title = _title(body)
    space_key = optional_str(optional_object(body, "space"), "key")
    if not space_key:
        raise bad_request("Space key is required to create content")
    stored = _storage(call, body) or ""
    parent_id = _parent_id(body)
    message = optional_str(optional_object(body, "version"), "message") or ""
    properties = _metadata_properties(body)
    store = call.services.store
    # Hold the lock across write and render, so the answer shows exactly what was written.
    with store.reading() as state:
        with store.writing() as txn:
            space = lookup.space(state, space_key)
            ancestors: tuple[str, ...] = ()
            if parent_id is not None:
                parent = lookup.content(state, parent_id, call.user)
                if parent.space_key != space.key:
                    raise bad_request("The parent page must be in the same space")
                ancestors = (*parent.ancestor_ids, parent.id)
            now = call.services.now()
            page = Content(
                id=txn.new_id(),
                type=kind,
                status="current",
                title=title,
                space_key=space.key,
                parent_id=ancestors[-1] if ancestors else None,
                ancestor_ids=ancestors,
                labels=frozenset(),
                created=now,
                creator=call.user.name,
                version=Version(number=1, when=now, by=call.user.name, message=message),
                last_modified=now,
                body=stored,
            )
            lookup.check_title_free(state, page)
            txn.put(page)
            _put_properties(txn, page, properties, call.user.name)
        return _written(call, state, page.id)


def update_content(call: Call) -> Response:
    """`PUT /content/{id}`: version must be current+1; a trashed page is restored."""
    body = json_object(call.request)
    version = optional_object(body, "version")
    number = optional_int(version, "number")
    if number is None:
        raise bad_request(
            "Must supply an incremented version when updating Content. No version supplied."
        )
    kind = optional_str(body, "type")
    title = _title(body)
    stored = _storage(call, body)
    parent_id = _parent_id(body)
    minor_edit = version.get("minorEdit") is True
    message = optional_str(version, "message") or ""
    properties = _metadata_properties(body)
    content_id = call.params["id"]
    store = call.services.store
    with store.reading() as state:
        with store.writing() as txn:
            current = lookup.content(
                state,
                content_id,
                call.user,
                allowed=lookup.CURRENT_OR_TRASHED,
                missing=ApiError(404, f"Could not find Content for update with id {content_id}"),
            )
            if kind != current.type:
                raise bad_request(
                    "Type is required and must match existing entity type of "
                    f"{current.type}, but received {kind or 'null'}"
                )
            if number != current.version.number + 1:
                raise stale_version(current.version.number)
            now = call.services.now()
            stamp = Version(
                number=number, when=now, by=call.user.name, message=message, minor_edit=minor_edit
            )
            updated = current.model_copy(
                update={
                    "status": "current",
                    "title": title,
                    "body": current.body if stored is None else stored,
                    "version": stamp,
                    "last_modified": now,
                }
            )
            lookup.check_title_free(state, updated)
            if parent_id is not None and parent_id != current.parent_id:
                updated = _move(txn, state, call, updated, parent_id)
            txn.put(updated)
            _put_properties(txn, updated, properties, call.user.name)
        return _written(call, state, current.id)


def save_edit(services: Services, content_id: str, change: Callable[[str], str | None]) -> bool:
    """Saves a new version of a page as another user's editor would (version + 1, through the
    PUT handler); `change` gives the new body, or None to save nothing. Whether it was saved."""
    with services.store.reading() as state:
        current = state.contents.get(content_id)
        if current is None or current.type not in EDITABLE_TYPES or current.status != "current":
            return False
        body = change(current.body)
        if body is None:
            return False
        payload = {
            "type": current.type,
            "title": current.title,
            "version": {"number": current.version.number + 1},
            "body": {"storage": {"value": body, "representation": "storage"}},
        }
        request = Request(
            "PUT", f"/rest/api/content/{content_id}", body=json.dumps(payload).encode()
        )
        try:
            update_content(Call(request, {"id": content_id}, EDITOR, services))
        except ApiError:
            return False
    return True


def delete_content(call: Call) -> Response:
    """`DELETE /content/{id}` trashes; with `status=trashed` it purges a trashed page."""
    content_id = call.params["id"]
    purge = call.request.param("status") == "trashed"
    with call.services.store.writing() as txn:
        state = txn.state
        found = lookup.content(
            state,
            content_id,
            call.user,
            allowed=frozenset({"trashed" if purge else "current"}),
            missing=ApiError(404, f"Cannot delete content with id '{content_id}': not found."),
        )
        if purge:
            _purge(txn, state, found)
        else:
            txn.put(found.model_copy(update={"status": "trashed"}))
    return Response.no_content()


def get_history(call: Call) -> Response:
    """`GET /content/{id}/history`, always with `lastUpdated`."""
    with call.services.store.reading() as state:
        found = lookup.content(
            state, call.params["id"], call.user, allowed=lookup.CURRENT_OR_TRASHED
        )
        return Response.json(200, call.services.renderer.history(found))


def _written(call: Call, state: State, content_id: str) -> Response:
    """The answer to a create or update: the content as Confluence returns it after a write."""
    return Response.json(
        200, _render(call, state, state.contents[content_id], WRITE_EXPAND, top=True)
    )


def _render(
    call: Call, state: State, content: Content, expand: Expand, *, top: bool = False
) -> dict[str, Any]:
    out = call.services.renderer.content(state, content, expand)
    if top:
        out["_links"].update(call.services.renderer.top_links(f"/rest/api/content/{out['id']}"))
    return out


def _title(body: dict[str, Any]) -> str:
    title = optional_str(body, "title")
    if not title or not title.strip():
        raise bad_request("Title is required and cannot be empty")
    if len(title) > MAX_TITLE:
        raise bad_request(f"Title cannot be longer than {MAX_TITLE} characters.")
    return title


def _storage(call: Call, body: dict[str, Any]) -> str | None:
    """The storage body, checked and normalised as Confluence stores it (None when not sent)."""
    bodies = optional_object(body, "body")
    if not bodies:
        return None
    if len(bodies) > 1:
        raise bad_request(
            f"Maximum number of permitted body entries is 1 but found {len(bodies)}: "
            + ", ".join(bodies)
        )
    ((representation, entry),) = bodies.items()
    if representation != "storage":
        raise bad_request(
            f"Unsupported body representation: {representation} (the sandbox keeps storage only)"
        )
    value = optional_str(as_object(entry, "body.storage"), "value")
    if value is None:
        raise bad_request("body.storage.value is required")
    try:
        return normalise_storage(
            value, flavour=call.services.flavour, new_id=call.services.macro_id
        )
    except StorageFormatError as exc:
        raise bad_request(str(exc)) from None


def _parent_id(body: dict[str, Any]) -> str | None:
    """The one ancestor a client may name."""
    ancestors = optional_list(body, "ancestors")
    if len(ancestors) > 1:
        raise bad_request("Only one ancestor may be specified: the parent page")
    if not ancestors:
        return None
    parent_id = optional_id(as_object(ancestors[0], "ancestors[0]"), "id")
    if parent_id is None:
        raise bad_request("ancestors[0].id is required")
    return parent_id


def _metadata_properties(body: dict[str, Any]) -> dict[str, Any]:
    """`metadata.properties`: key -> {"value": ...}, stored with the page."""
    raw = optional_object(optional_object(body, "metadata"), "properties")
    out = {}
    for key, entry in raw.items():
        entry_obj = as_object(entry, f"metadata.properties.{key}")
        if "value" not in entry_obj:
            raise bad_request(f"metadata.properties.{key}.value is required")
        check_value_size(entry_obj["value"])
        out[key] = entry_obj["value"]
    return out


def _put_properties(txn: Txn, content: Content, values: dict[str, Any], user: str) -> None:
    existing = txn.state.properties.get(content.id, {})
    for key, value in values.items():
        old = existing.get(key)
        if old is None:
            version = Version(number=1, when=content.last_modified, by=user)
            txn.put(
                Property(
                    id=txn.new_id(), content_id=content.id, key=key, value=value, version=version
                )
            )
        elif old.value != value:
            number = old.version.number + 1
            version = Version(number=number, when=content.last_modified, by=user)
            txn.put(old.model_copy(update={"value": value, "version": version}))


def _move(txn: Txn, state: State, call: Call, page: Content, parent_id: str) -> Content:
    """Moves a page under another in its space, and its descendants with it."""
    parent = lookup.content(state, parent_id, call.user)
    if parent.space_key != page.space_key:
        raise bad_request("The parent page must be in the same space")
    check_not_below(page, parent)
    moved, *below = relocated(state, page, parent, None, page.space_key)
    for item in below:
        txn.put(item)
    return moved


def _purge(txn: Txn, state: State, page: Content) -> None:
    """Deletes a trashed page for good, with its properties, watches and attachments; its child
    pages move up to its parent."""
    below = lookup.descendants(state, page.id)
    attachments = [c for c in below if c.parent_id == page.id and c.type == "attachment"]
    for item in [page, *attachments]:
        for prop in state.properties.get(item.id, {}).values():
            txn.delete(prop)
        for watch in state.watches:
            if watch.content_id == item.id:
                txn.delete(watch)
        txn.delete(item)
    for attachment in attachments:
        txn.put_blob(attachment.id, None)
    rest = [c for c in below if c not in attachments]
    for item in lookup.rebased(rest, page.id, page.ancestor_ids):
        txn.put(item)
