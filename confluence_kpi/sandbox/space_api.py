"""Spaces: get, list, create, update. A new space gets its home page "<Name> Home", as in
Confluence; an update may change the name, the plain-text description and the home page."""

from __future__ import annotations

import re
from datetime import datetime
from html import escape

from confluence_kpi.sandbox import lookup
from confluence_kpi.sandbox.errors import bad_request
from confluence_kpi.sandbox.expand import Expand
from confluence_kpi.sandbox.listing import listing
from confluence_kpi.sandbox.messages import Response
from confluence_kpi.sandbox.model import Content, Space, Version
from confluence_kpi.sandbox.payload import json_object, optional_id, optional_object, optional_str
from confluence_kpi.sandbox.routes import Call, Router
from confluence_kpi.sandbox.store import Txn

_KEY = re.compile(r"[A-Za-z0-9]{1,255}")


def register(router: Router) -> None:
    """Adds the space routes."""
    router.add("GET", "/rest/api/space", list_spaces)
    router.add("POST", "/rest/api/space", create_space)
    router.add("GET", "/rest/api/space/{key}", get_space)
    router.add("PUT", "/rest/api/space/{key}", update_space)


def list_spaces(call: Call) -> Response:
    """`GET /space[?spaceKey]`."""
    expand = Expand.parse(call.request.param("expand"))
    keys = call.request.query.get("spaceKey")
    renderer = call.services.renderer
    with call.services.store.reading() as state:
        spaces = [s for s in state.spaces.values() if not keys or s.key in keys]
        body = listing(call, spaces, lambda s: renderer.space(state, s, expand), expand)
    return Response.json(200, body)


def get_space(call: Call) -> Response:
    """`GET /space/{key}[?expand=homepage]`."""
    expand = Expand.parse(call.request.param("expand"))
    with call.services.store.reading() as state:
        space = lookup.space(state, call.params["key"])
        return Response.json(200, call.services.renderer.space(state, space, expand))


def create_space(call: Call) -> Response:
    """`POST /space` with `{"key", "name"}`."""
    body = json_object(call.request)
    key = optional_str(body, "key") or ""
    name = optional_str(body, "name") or ""
    store = call.services.store
    with store.reading() as state:
        with store.writing() as txn:
            space = add_space(txn, key, name, call.user.name, call.services.now())
        return Response.json(
            200, call.services.renderer.space(state, state.spaces[space.key], Expand())
        )


def update_space(call: Call) -> Response:
    """`PUT /space/{key}` with any of `name`, `description.plain` and `homepage.id`; what is
    not sent stays. Answers with the space, its description expanded."""
    body = json_object(call.request)
    key = optional_str(body, "key")
    if key is not None and key != call.params["key"]:
        # [UNVERIFIED] Confluence cannot change a space's key; say so rather than ignore it.
        raise bad_request(f"A space's key cannot be changed: {call.params['key']} to {key}")
    name = optional_str(body, "name")
    if name is not None and not name.strip():
        raise bad_request("A space needs a name")
    plain = optional_object(optional_object(body, "description"), "plain")
    description = optional_str(plain, "value")
    if optional_str(plain, "representation") not in (None, "plain"):
        raise bad_request("A space's description is updated as plain text")
    homepage_id = optional_id(optional_object(body, "homepage"), "id")
    store = call.services.store
    with store.reading() as state:
        with store.writing() as txn:
            space = lookup.space(state, call.params["key"])
            if homepage_id is not None:
                home = lookup.content(state, homepage_id, call.user)
                if home.type != "page" or home.space_key != space.key:
                    raise bad_request(f"The home page must be a page in space {space.key}")
            changes = {
                "name": name,
                "description": description,
                "homepage_id": homepage_id,
            }
            space = space.model_copy(update={k: v for k, v in changes.items() if v is not None})
            txn.put(space)
        expand = Expand.parse(call.request.param("expand") or "description.plain")
        return Response.json(200, call.services.renderer.space(state, space, expand))


def add_space(txn: Txn, key: str, name: str, user: str, now: datetime) -> Space:
    """Validates and adds a space with its home page; shared by the API and `--space`."""
    if not _KEY.fullmatch(key):
        raise bad_request(f"Space key must only contain alphanumeric characters, but was: {key!r}")
    if not name.strip():
        raise bad_request("A space needs a name")
    if key in txn.state.spaces:
        raise bad_request(f"A space already exists with key {key}")
    space_id = int(txn.new_id())
    home = Content(
        id=txn.new_id(),
        type="page",
        status="current",
        title=f"{name} Home",
        space_key=key,
        parent_id=None,
        ancestor_ids=(),
        labels=frozenset(),
        created=now,
        creator=user,
        version=Version(number=1, when=now, by=user),
        last_modified=now,
        body=f"<p>Welcome to {escape(name)}.</p>",
    )
    space = Space(id=space_id, key=key, name=name, homepage_id=home.id)
    txn.put(home)
    txn.put(space)
    return space
