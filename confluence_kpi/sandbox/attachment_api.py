"""Attachments: multipart upload (with the XSRF header), list by file name, new data, new
properties (name, media type, comment, page), download.

Attachments come with their `metadata` (media type and comment) unless the client names other
expansions: Confluence's docs say the attachment listing expands `metadata` by default."""

from __future__ import annotations

import mimetypes
from typing import Any

from confluence_kpi.sandbox import lookup
from confluence_kpi.sandbox.errors import ApiError, PlainError, bad_request, not_found
from confluence_kpi.sandbox.expand import Expand
from confluence_kpi.sandbox.listing import listing
from confluence_kpi.sandbox.messages import Response
from confluence_kpi.sandbox.model import Content, Version
from confluence_kpi.sandbox.multipart import Part, field, parse_form
from confluence_kpi.sandbox.payload import (
    json_object,
    optional_id,
    optional_int,
    optional_object,
    optional_str,
)
from confluence_kpi.sandbox.render import child_contents
from confluence_kpi.sandbox.routes import Call, Router
from confluence_kpi.sandbox.store import State, Txn

ATTACHMENTS = "/rest/api/content/{id}/child/attachment"
# What the listing and every write answer with when the client names no expansions.
DEFAULT_EXPAND = "metadata"
CONTAINER_TYPES = ("page", "blogpost")
MAX_NAME = 255


def register(router: Router) -> None:
    """Adds the attachment routes."""
    router.add("GET", ATTACHMENTS, list_attachments)
    router.add("POST", ATTACHMENTS, create_attachments)
    router.add("PUT", ATTACHMENTS, create_or_update_attachments)
    router.add("PUT", ATTACHMENTS + "/{attachment}", update_attachment_properties)
    router.add("POST", ATTACHMENTS + "/{attachment}/data", update_attachment_data)
    router.add("GET", "/download/attachments/{id}/{filename}", download)


def list_attachments(call: Call) -> Response:
    """`GET .../child/attachment[?filename&mediaType]`."""
    request = call.request
    expand = _expand(call)
    filename = request.param("filename")
    media_type = request.param("mediaType")
    renderer = call.services.renderer
    with call.services.store.reading() as state:
        page = lookup.content(state, call.params["id"], call.user)
        items = [
            a
            for a in child_contents(state, page, "attachment")
            if (filename is None or a.title == filename)
            and (media_type is None or a.media_type == media_type)
        ]
        body = listing(call, items, lambda a: renderer.content(state, a, expand), expand)
    return Response.json(200, body)


def create_attachments(call: Call) -> Response:
    """`POST .../child/attachment`: 400 when a file of the same name is already attached."""
    return _upload(call, replace_existing=False)


def create_or_update_attachments(call: Call) -> Response:
    """`PUT .../child/attachment`: a file with an existing name becomes its new version."""
    return _upload(call, replace_existing=True)


def update_attachment_data(call: Call) -> Response:
    """`POST .../child/attachment/{attId}/data`: a new version of one attachment."""
    parts = _checked_form(call)
    files = _files(parts)
    if len(files) != 1:
        raise bad_request("Exactly one file is expected when updating an attachment's data")
    store = call.services.store
    with store.reading() as state:
        with store.writing() as txn:
            page, attachment = _attachment_of_page(call, state)
            updated = _put_file(call, txn, page, attachment, files[0], field(parts, "comment"))
        return _written(call, state, updated.id)


def update_attachment_properties(call: Call) -> Response:
    """`PUT .../child/attachment/{attId}`: a new name, media type or comment, or another page
    (`container`), without new data. Confluence's docs ask for the attachment's current
    version number, "only incremented when updating the actual attachment"; the update is then
    stored as the next version, as an upload is ([UNVERIFIED]: the docs do not say)."""
    body = json_object(call.request)
    kind = optional_str(body, "type")
    if kind != "attachment":
        raise bad_request(
            "Type is required and must match existing entity type of attachment, "
            f"but received {kind or 'null'}"
        )
    number = optional_int(optional_object(body, "version"), "number")
    if number is None:
        raise bad_request("Must supply the attachment's current version. No version supplied.")
    metadata = optional_object(body, "metadata")
    title = optional_str(body, "title")
    media_type = optional_str(metadata, "mediaType")
    comment = optional_str(metadata, "comment")
    container_id = optional_id(optional_object(body, "container"), "id")
    store = call.services.store
    with store.reading() as state:
        with store.writing() as txn:
            page, attachment = _attachment_of_page(call, state)
            body_id = optional_id(body, "id")
            if body_id is not None and body_id.removeprefix("att") != attachment.id:
                raise bad_request(f"The id in the body ({body_id}) is not the attachment's")
            if number != attachment.version.number:
                # [UNVERIFIED] text and status: the one Confluence sends for a stale page.
                raise ApiError(
                    409,
                    "Version must be the attachment's current version. "
                    f"Current version is: {attachment.version.number}",
                )
            target = page if container_id is None else _container(call, state, container_id)
            name = attachment.title if title is None else _checked_name(title)
            clash = _by_name(state, target, name)
            if clash is not None and clash.id != attachment.id:
                raise _name_taken(name)
            now = call.services.now()
            updated = attachment.model_copy(
                update={
                    "title": name,
                    "media_type": media_type or attachment.media_type,
                    "comment": attachment.comment if comment is None else comment,
                    "space_key": target.space_key,
                    "parent_id": target.id,
                    "ancestor_ids": (*target.ancestor_ids, target.id),
                    "version": Version(number=number + 1, when=now, by=call.user.name),
                    "last_modified": now,
                }
            )
            txn.put(updated)
        return _written(call, state, updated.id)


def download(call: Call) -> Response:
    """`GET /download/attachments/{pageId}/{filename}`: the latest bytes."""
    with call.services.store.reading() as state:
        page = lookup.content(state, call.params["id"], call.user)
        attachment = _by_name(state, page, call.params["filename"])
        if attachment is None:
            raise not_found(f"No attachment named {call.params['filename']} on content {page.id}")
        data = state.blobs.get(attachment.id, b"")
    disposition = f'attachment; filename="{attachment.title}"'
    return Response(200, data, attachment.media_type, (("Content-Disposition", disposition),))


def _upload(call: Call, *, replace_existing: bool) -> Response:
    parts = _checked_form(call)
    files = _files(parts)
    if not files:
        raise bad_request("No file was given: expected a multipart part named 'file'")
    comment = field(parts, "comment")
    store = call.services.store
    with store.reading() as state:
        with store.writing() as txn:
            page = lookup.content(state, call.params["id"], call.user)
            written = []
            for part in files:
                name = part.filename or ""
                existing = _by_name(state, page, name)
                if existing is not None and not replace_existing:
                    raise _name_taken(name)
                written.append(_put_file(call, txn, page, existing, part, comment))
        renderer = call.services.renderer
        expand = _expand(call)
        results = [renderer.content(state, state.contents[a.id], expand) for a in written]
        return Response.json(
            200,
            {
                "results": results,
                "size": len(results),
                "_links": renderer.top_links(call.request.path),
            },
        )


def _checked_form(call: Call) -> list[Part]:
    # Confluence refuses uploads without this header (its XSRF guard), as plain text.
    if call.request.header("x-atlassian-token").lower() != "no-check":
        raise PlainError(403, "XSRF check failed")
    return parse_form(call.request.header("content-type"), call.request.body)


def _files(parts: list[Part]) -> list[Part]:
    files = [p for p in parts if p.filename is not None and p.name == "file"]
    for part in files:
        _checked_name(part.filename or "")
    return files


def _checked_name(name: str) -> str:
    if not name or "/" in name or "\\" in name or len(name) > MAX_NAME:
        raise bad_request(f"Invalid attachment file name: {name!r}")
    return name


def _name_taken(name: str) -> ApiError:
    return bad_request(
        f"Cannot add a new attachment with same file name as an existing attachment: {name}"
    )


def _expand(call: Call) -> Expand:
    return Expand.parse(call.request.param("expand") or DEFAULT_EXPAND)


def _written(call: Call, state: State, attachment_id: str) -> Response:
    """The answer to a write of one attachment: the attachment as it now is."""
    renderer = call.services.renderer
    out = renderer.content(state, state.contents[attachment_id], _expand(call))
    out["_links"].update(renderer.top_links(f"/rest/api/content/{out['id']}"))
    return Response.json(200, out)


def _attachment_of_page(call: Call, state: State) -> tuple[Content, Content]:
    """The page of the path and the attachment of the path, which must be on it."""
    page = lookup.content(state, call.params["id"], call.user)
    attachment = lookup.content(state, call.params["attachment"], call.user)
    if attachment.type != "attachment" or attachment.parent_id != page.id:
        raise not_found(f"No attachment with id {call.params['attachment']} on content {page.id}")
    return page, attachment


def _container(call: Call, state: State, container_id: str) -> Content:
    """The page or blog post an attachment moves to."""
    target = lookup.content(state, container_id, call.user)
    if target.type not in CONTAINER_TYPES:
        raise bad_request(f"An attachment cannot be attached to content of type {target.type}")
    return target


def _by_name(state: State, page: Content, name: str) -> Content | None:
    for attachment in child_contents(state, page, "attachment"):
        if attachment.title == name:
            return attachment
    return None


def _put_file(
    call: Call, txn: Txn, page: Content, existing: Content | None, part: Part, comment: str | None
) -> Content:
    now = call.services.now()
    name = part.filename or ""
    media_type = part.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    fields: dict[str, Any] = {
        "media_type": media_type,
        "file_size": len(part.data),
        "comment": comment if comment is not None else f"Uploaded {name}.",
        "last_modified": now,
    }
    if existing is not None:
        number = existing.version.number + 1
        version = Version(number=number, when=now, by=call.user.name)
        attachment = existing.model_copy(update={"version": version, **fields})
    else:
        attachment = Content(
            id=txn.new_id(),
            type="attachment",
            status="current",
            title=name,
            space_key=page.space_key,
            parent_id=page.id,
            ancestor_ids=(*page.ancestor_ids, page.id),
            labels=frozenset(),
            created=now,
            creator=call.user.name,
            version=Version(number=1, when=now, by=call.user.name),
            **fields,
        )
    txn.put(attachment)
    txn.put_blob(attachment.id, part.data)
    return attachment
