"""Content properties: JSON values under a key, versioned on their own (page version unchanged).

The error texts here are [UNVERIFIED]: the reference gives only their meaning."""

from __future__ import annotations

import json
from typing import Any

from confluence_kpi.sandbox import lookup
from confluence_kpi.sandbox.errors import ApiError, bad_request, not_found, stale_version
from confluence_kpi.sandbox.expand import Expand
from confluence_kpi.sandbox.listing import listing
from confluence_kpi.sandbox.messages import Response
from confluence_kpi.sandbox.model import Property, Version
from confluence_kpi.sandbox.payload import json_object, optional_int, optional_object, optional_str
from confluence_kpi.sandbox.routes import Call, Router
from confluence_kpi.sandbox.store import State

MAX_VALUE_BYTES = 32 * 1024
MAX_KEY = 255


def register(router: Router) -> None:
    """Adds the property routes."""
    router.add("GET", "/rest/api/content/{id}/property", list_properties)
    router.add("POST", "/rest/api/content/{id}/property", create_property)
    router.add("GET", "/rest/api/content/{id}/property/{key}", get_property)
    router.add("POST", "/rest/api/content/{id}/property/{key}", create_property)
    router.add("PUT", "/rest/api/content/{id}/property/{key}", update_property)
    router.add("DELETE", "/rest/api/content/{id}/property/{key}", delete_property)


def check_value_size(value: Any) -> None:
    """Confluence refuses property values over 32 KB of JSON with 413."""
    size = len(json.dumps(value, separators=(",", ":")).encode())
    if size > MAX_VALUE_BYTES:
        raise ApiError(
            413,
            f"The value of the content property is too long: {size} bytes, "
            f"the maximum is {MAX_VALUE_BYTES} bytes",
        )


def list_properties(call: Call) -> Response:
    """`GET /content/{id}/property`."""
    renderer = call.services.renderer
    with call.services.store.reading() as state:
        content = lookup.content(state, call.params["id"], call.user)
        items = list(state.properties.get(content.id, {}).values())
        body = listing(call, items, renderer.property, Expand())
    return Response.json(200, body)


def get_property(call: Call) -> Response:
    """`GET /content/{id}/property/{key}`: 404 when the key is not set."""
    with call.services.store.reading() as state:
        prop = _existing(state, call)
        return Response.json(200, call.services.renderer.property(prop))


def create_property(call: Call) -> Response:
    """`POST /content/{id}/property` with `{"key", "value"}`: version 1; 400 if the key is set."""
    body = json_object(call.request)
    key = _checked_key(call.params.get("key") or optional_str(body, "key"))
    value = _value(body)
    store = call.services.store
    with store.reading() as state:
        with store.writing() as txn:
            content = lookup.content(state, call.params["id"], call.user)
            if key in state.properties.get(content.id, {}):
                raise bad_request(
                    f"A content property with key '{key}' already exists on content {content.id}"
                )
            version = _version(call, 1, body)
            prop = Property(
                id=txn.new_id(), content_id=content.id, key=key, value=value, version=version
            )
            txn.put(prop)
        return Response.json(200, call.services.renderer.property(prop))


def update_property(call: Call) -> Response:
    """`PUT /content/{id}/property/{key}`: version must be current+1 (409 otherwise); a missing
    key is created when the version sent is 1 [UNVERIFIED]."""
    body = json_object(call.request)
    key = _checked_key(call.params["key"])
    sent_key = optional_str(body, "key")
    if sent_key is not None and sent_key != key:
        raise bad_request(
            f"The key in the body ({sent_key}) does not match the key in the path ({key})"
        )
    value = _value(body)
    number = optional_int(optional_object(body, "version"), "number")
    if number is None:
        raise bad_request(
            "Must supply an incremented version when updating a content property. "
            "No version supplied."
        )
    store = call.services.store
    with store.reading() as state:
        with store.writing() as txn:
            content = lookup.content(state, call.params["id"], call.user)
            old = state.properties.get(content.id, {}).get(key)
            if old is None and number != 1:
                raise _missing(key, content.id)
            current = old.version.number if old else 0
            if number != current + 1:
                raise stale_version(current)
            version = _version(call, number, body)
            if old is None:
                prop = Property(
                    id=txn.new_id(), content_id=content.id, key=key, value=value, version=version
                )
            else:
                prop = old.model_copy(update={"value": value, "version": version})
            txn.put(prop)
        return Response.json(200, call.services.renderer.property(prop))


def delete_property(call: Call) -> Response:
    """`DELETE /content/{id}/property/{key}`: 204, or 404 when not set."""
    with call.services.store.writing() as txn:
        txn.delete(_existing(txn.state, call))
    return Response.no_content()


def _existing(state: State, call: Call) -> Property:
    content = lookup.content(state, call.params["id"], call.user)
    key = call.params["key"]
    prop = state.properties.get(content.id, {}).get(key)
    if prop is None:
        raise _missing(key, content.id)
    return prop


def _missing(key: str, content_id: str) -> ApiError:
    return not_found(f"No content property with key '{key}' found on content {content_id}")


def _checked_key(key: str | None) -> str:
    if not key:
        raise bad_request("A content property needs a key")
    if len(key) > MAX_KEY:
        raise bad_request(f"A content property key cannot be longer than {MAX_KEY} characters")
    return key


def _value(body: dict[str, Any]) -> Any:
    if body.get("value") is None:
        raise bad_request("A content property needs a value")
    check_value_size(body["value"])
    return body["value"]


def _version(call: Call, number: int, body: dict[str, Any]) -> Version:
    version = optional_object(body, "version")
    return Version(
        number=number,
        when=call.services.now(),
        by=call.user.name,
        message=optional_str(version, "message") or "",
        minor_edit=version.get("minorEdit") is True,
    )
