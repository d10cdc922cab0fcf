"""A page's content properties through v2, where a property is named by its id rather than its
key: `GET|POST /pages/{id}/properties`, `GET|PUT|DELETE /pages/{id}/properties/{property-id}`.

They are the properties v1 keeps (`property_api`), and writes go through v1's handlers
(`v1_bridge`), so the rules are v1's: a property is versioned on its own and leaves the page's
version alone; an update must send the current version plus one (409 "Version must be
incremented on update. Current version is: N"); a value over 32 KB of JSON is a 413; a POST of
a key the page already has is a 400 ([UNVERIFIED] Cloud may answer otherwise; the sandbox takes
the stricter reading). v2's own rules, checked here:

- A property: `{id, key, value, version: {number, message, minorEdit, authorId, createdAt}}`.
- The list: `?key=` keeps the property with that key (case-sensitive); `sort` is `key` or
  `-key`, in the order created when not given; cursor-paged.
- `PUT` sends `{key, value, version: {number, message?, minorEdit?}}`; `key` must be the
  property's own: [UNVERIFIED] whether Cloud renames a property this way; the sandbox refuses.
- `DELETE` answers 204. A property id that is not on the page is a 404.
"""

from __future__ import annotations

import json

from confluence_kpi.sandbox import cursor, property_api, v1_bridge, v2_lookup, v2_orders
from confluence_kpi.sandbox.errors import bad_request
from confluence_kpi.sandbox.messages import Response
from confluence_kpi.sandbox.model import Content, Property
from confluence_kpi.sandbox.payload import json_object, optional_str
from confluence_kpi.sandbox.routes import Call, Router
from confluence_kpi.sandbox.store import State
from confluence_kpi.sandbox.v2_shapes import Shapes

_ITEM = "/api/v2/pages/{id}/properties/{property_id}"


def register(router: Router) -> None:
    """Adds the content property routes."""
    router.add("GET", "/api/v2/pages/{id}/properties", list_properties)
    router.add("POST", "/api/v2/pages/{id}/properties", create_property)
    router.add("GET", _ITEM, get_property)
    router.add("PUT", _ITEM, update_property)
    router.add("DELETE", _ITEM, delete_property)


def list_properties(call: Call) -> Response:
    """`GET /pages/{id}/properties?key&sort&limit&cursor`."""
    key = call.request.param("key")
    order = v2_orders.order(call.request, v2_orders.PROPERTIES, "id")
    with call.services.store.reading() as state:
        page = v2_lookup.page(state, call.params["id"], call.user)
        props = [
            p for p in state.properties.get(page.id, {}).values() if key is None or p.key == key
        ]
        shapes = Shapes(call.services.renderer, state)
        return cursor.answer(call, props, order, shapes.content_property)


def get_property(call: Call) -> Response:
    """`GET /pages/{id}/properties/{property-id}`."""
    with call.services.store.reading() as state:
        _, prop = _existing(call, state)
        return Response.json(200, Shapes(call.services.renderer, state).content_property(prop))


def create_property(call: Call) -> Response:
    """`POST /pages/{id}/properties` with `{key, value}`: 200 and the property at version 1."""
    body = json_object(call.request)
    with call.services.store.reading() as state:
        page = v2_lookup.page(state, call.params["id"], call.user)
        created = v1_bridge.run(
            call, property_api.create_property, "POST", _v1_path(page), {"id": page.id}, body
        )
        key = json.loads(created.body)["key"]
        prop = state.properties[page.id][key]
        return Response.json(200, Shapes(call.services.renderer, state).content_property(prop))


def update_property(call: Call) -> Response:
    """`PUT /pages/{id}/properties/{property-id}` with `{key, value, version: {number}}`."""
    body = json_object(call.request)
    with call.services.store.reading() as state:
        page, prop = _existing(call, state)
        sent = optional_str(body, "key")
        if sent != prop.key:
            raise bad_request(
                f"key must be the property's key ({prop.key}); a property cannot be renamed"
            )
        v1_bridge.run(
            call,
            property_api.update_property,
            "PUT",
            _v1_path(page, prop),
            {"id": page.id, "key": prop.key},
            body,
        )
        updated = state.properties[page.id][prop.key]
        return Response.json(200, Shapes(call.services.renderer, state).content_property(updated))


def delete_property(call: Call) -> Response:
    """`DELETE /pages/{id}/properties/{property-id}`: 204."""
    with call.services.store.reading() as state:
        page, prop = _existing(call, state)
        params = {"id": page.id, "key": prop.key}
        v1_bridge.run(call, property_api.delete_property, "DELETE", _v1_path(page, prop), params)
    return Response.no_content()


def _existing(call: Call, state: State) -> tuple[Content, Property]:
    page = v2_lookup.page(state, call.params["id"], call.user)
    return page, v2_lookup.content_property(state, page, call.params["property_id"])


def _v1_path(page: Content, prop: Property | None = None) -> str:
    path = f"/rest/api/content/{page.id}/property"
    return f"{path}/{prop.key}" if prop else path
