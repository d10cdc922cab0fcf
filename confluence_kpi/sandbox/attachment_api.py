"""Attachments: multipart upload (with the XSRF header), list by file name, new data, download."""

from __future__ import annotations

import mimetypes
from typing import Any

from confluence_kpi.sandbox import lookup
from confluence_kpi.sandbox.errors import PlainError, bad_request, not_found
from confluence_kpi.sandbox.expand import Expand
from confluence_kpi.sandbox.listing import listing
from confluence_kpi.sandbox.messages import Response
from confluence_kpi.sandbox.model import Content, Version
from confluence_kpi.sandbox.multipart import Part, field, parse_form
from confluence_kpi.sandbox.render import child_contents
from confluence_kpi.sandbox.routes import Call, Router
from confluence_kpi.sandbox.store import State, Txn

ATTACHMENTS = "/rest/api/content/{id}/child/attachment"


def register(router: Router) -> None:
    """Adds the attachment routes (before the generic `/child/{type}` route)."""
    router.add("GET", ATTACHMENTS, list_attachments)
    router.add("POST", ATTACHMENTS, create_attachments)
    router.add("PUT", ATTACHMENTS, create_or_update_attachments)
    router.add("POST", ATTACHMENTS + "/{attachment}/data", update_attachment_data)
    router.add("GET", "/download/attachments/{id}/{filename}", download)


def list_attachments(call: Call) -> Response:
    """`GET .../child/attachment[?filename&mediaType]`."""
    request = call.request
    expand = Expand.parse(request.param("expand"))
    filename = request.param("filename")
    media_type = request.param("mediaType")
    renderer = call.services.renderer
    with call.services.store.reading() as state:
        page = lookup.content(state, call.params["id"], call.user)
        items = [
            a
            for a in child_contents(state, page.id, "attachment")
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
            page = lookup.content(state, call.params["id"], call.user)
            attachment = lookup.content(state, call.params["attachment"], call.user)
            if attachment.type != "attachment" or attachment.parent_id != page.id:
                raise not_found(
                    f"No attachment with id {call.params['attachment']} on content {page.id}"
                )
            updated = _put_file(call, txn, page, attachment, files[0], field(parts, "comment"))
        return Response.json(
            200, call.services.renderer.content(state, state.contents[updated.id], Expand())
        )


def download(call: Call) -> Response:
    """`GET /download/attachments/{pageId}/{filename}`: the latest bytes."""
    with call.services.store.reading() as state:
        page = lookup.content(state, call.params["id"], call.user)
        attachment = _by_name(state, page.id, call.params["filename"])
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
                existing = _by_name(state, page.id, name)
                if existing is not None and not replace_existing:
                    raise bad_request(
                        "Cannot add a new attachment with same file name as an existing "
                        f"attachment: {name}"
                    )
                written.append(_put_file(call, txn, page, existing, part, comment))
        renderer = call.services.renderer
        results = [renderer.content(state, state.contents[a.id], Expand()) for a in written]
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
        name = part.filename or ""
        if not name or "/" in name or "\\" in name:
            raise bad_request(f"Invalid attachment file name: {name!r}")
    return files


def _by_name(state: State, page_id: str, name: str) -> Content | None:
    for attachment in child_contents(state, page_id, "attachment"):
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
