"""Labels: add (one object or an array), list, remove. Labels do not change the page version."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from confluence_kpi.sandbox import lookup
from confluence_kpi.sandbox.errors import bad_request, not_found
from confluence_kpi.sandbox.expand import Expand
from confluence_kpi.sandbox.listing import listing
from confluence_kpi.sandbox.messages import Response
from confluence_kpi.sandbox.model import Label
from confluence_kpi.sandbox.payload import as_object, json_body, optional_str
from confluence_kpi.sandbox.routes import Call, Router

LABEL_LIMIT = 200
PREFIXES = ("global", "my", "team")
MAX_NAME = 255
_WHITESPACE = re.compile(r"\s")


def register(router: Router) -> None:
    """Adds the label routes."""
    router.add("GET", "/rest/api/content/{id}/label", list_labels)
    router.add("POST", "/rest/api/content/{id}/label", add_labels)
    router.add("DELETE", "/rest/api/content/{id}/label", remove_label)
    router.add("DELETE", "/rest/api/content/{id}/label/{name}", remove_label)


def list_labels(call: Call) -> Response:
    """`GET /content/{id}/label[?prefix]`, sorted by name."""
    prefix = call.request.param("prefix")
    with call.services.store.reading() as state:
        content = lookup.content(state, call.params["id"], call.user)
        # Every label the sandbox stores is global.
        names = sorted(content.labels) if prefix in (None, "", "global") else []
        render = partial(call.services.renderer.label, state)
        body = listing(call, names, render, Expand(), default_limit=LABEL_LIMIT)
    return Response.json(200, body)


def add_labels(call: Call) -> Response:
    """`POST /content/{id}/label`: the docs send an array, atlassian-python-api one object;
    answers with every label of the content."""
    names = _names(json_body(call.request))
    store = call.services.store
    with store.reading() as state:
        with store.writing() as txn:
            content = lookup.content(state, call.params["id"], call.user)
            for name in names:
                if name not in state.labels:
                    txn.put(Label(name=name, id=txn.new_id()))
            txn.put(content.model_copy(update={"labels": content.labels | set(names)}))
        return list_labels(call)


def remove_label(call: Call) -> Response:
    """`DELETE /content/{id}/label?name=X` or `/label/X`: 204, 404 when the label is not there."""
    name = call.params.get("name") or call.request.param("name") or ""
    with call.services.store.writing() as txn:
        content = lookup.content(txn.state, call.params["id"], call.user)
        if name not in content.labels:
            # [UNVERIFIED] text; the status follows the library's reading of a 404 here.
            raise not_found(f"Label '{name}' is not on content {content.id}")
        txn.put(content.model_copy(update={"labels": content.labels - {name}}))
    return Response.no_content()


def _names(body: Any) -> list[str]:
    entries = body if isinstance(body, list) else [body]
    names = []
    for index, entry in enumerate(entries):
        label = as_object(entry, f"label {index}")
        prefix = optional_str(label, "prefix") or "global"
        name = optional_str(label, "name")
        if prefix not in PREFIXES:
            raise bad_request(f"Invalid label prefix: {prefix}")
        if not name:
            raise bad_request("A label needs a name")
        # [UNVERIFIED] Confluence lower-cases names and refuses whitespace in them.
        if _WHITESPACE.search(name) or len(name) > MAX_NAME:
            raise bad_request(
                f"Invalid label name: {name!r} (no spaces, at most {MAX_NAME} characters)"
            )
        names.append(name.lower())
    return names
