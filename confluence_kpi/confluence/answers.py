"""What Confluence answered, read: v1 JSON into the typed results the sync works with, a
refusal (4xx) into the error that says why.

An answer without what it should hold is a ConfluenceError that says what was expected, never
a KeyError from somewhere deep in the sync. Confluence's own reason for a refusal is kept,
without its Java class names.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any

import requests

from confluence_kpi.confluence.errors import (
    AuthError,
    ConflictError,
    ConfluenceError,
    ForbiddenError,
    NotFoundError,
    StorageFormatRejected,
    Target,
    TitleTakenError,
)
from confluence_kpi.confluence.protocol import Page, Property, SpaceInfo


def page_from(data: Any, *, space_key: str | None = None, parent_id: str | None = None) -> Page:
    """A Page from v1 content JSON; space and parent default to the given ones when not in it."""
    try:
        metadata = data.get("metadata") or {}
        labels = metadata.get("labels", {}).get("results", [])
        properties = metadata.get("properties", {})
        ancestors = data.get("ancestors")
        # Ancestors run from the root down, so the last one is the direct parent; an empty list
        # is a top-level page, a missing one means the answer did not say.
        parent = (
            parent_id if ancestors is None else (str(ancestors[-1]["id"]) if ancestors else None)
        )
        space = data.get("space")
        return Page(
            id=str(data["id"]),
            title=data["title"],
            version=int(data["version"]["number"]),
            space_key=space["key"] if space else _required(space_key, "space"),
            parent_id=parent,
            labels=frozenset(label["name"] for label in labels),
            body=_storage(data),
            properties=MappingProxyType(
                {
                    key: property_from(prop)
                    for key, prop in properties.items()
                    # Skip _links and _expandable, which sit beside the properties.
                    if isinstance(prop, dict) and "key" in prop
                }
            ),
        )
    except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
        raise malformed("a page", exc) from None


def property_from(data: Any) -> Property:
    """A Property from content property JSON (v1 and v2 share its shape)."""
    try:
        return Property(
            key=data["key"],
            value=data["value"],
            version=int(data["version"]["number"]),
            id=str(data.get("id") or ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise malformed("a content property", exc) from None


def space_from(data: Any, key: str) -> SpaceInfo:
    """A SpaceInfo from v1 space JSON expanded with its homepage."""
    try:
        homepage = data.get("homepage")
        return SpaceInfo(
            id=str(data["id"]),
            key=data["key"],
            name=data["name"],
            homepage_id=str(homepage["id"]) if homepage else None,
        )
    except (AttributeError, KeyError, TypeError) as exc:
        raise malformed(f"space {key}", exc) from None


def results(answer: Any, what: str = "a list of pages") -> tuple[list[Any], str | None]:
    """A list's items and its next link, if any (v1 and v2 lists share this shape)."""
    try:
        return list(answer["results"]), answer.get("_links", {}).get("next")
    except (AttributeError, KeyError, TypeError) as exc:
        raise malformed(what, exc) from None


def error_for(
    response: requests.Response, target: Target, *, who: str, shown_url: str
) -> ConfluenceError:
    """The ConfluenceError for a 4xx answer other than 429, with Confluence's own reason.

    `who` names the credentials ("user 'jane'"), `shown_url` the site without any password.
    """
    status = response.status_code
    message, is_json = _server_message(response)
    reason = f": {message}" if message else ""
    if status == 401:
        return AuthError(
            f"authentication failed for {who} at {shown_url} (HTTP 401){reason}\n"
            "  what to do: the token may be wrong or expired; on Cloud use the account's "
            "e-mail and an API token from id.atlassian.com, on Data Center a personal access "
            "token (CONFLUENCE_PAT)"
        )
    if status == 403:
        return ForbiddenError(
            f"no permission to {target.action} {target.subject}{reason}\n"
            "  what to do: give the bot's account permission to add and edit pages in the "
            "space (and on the root page, if it is restricted)"
        )
    if status == 404:
        # A 404 that is not Confluence's JSON usually means the URL does not point at
        # Confluence's REST API (on Cloud, a URL without /wiki).
        hint = "" if is_json else f" (is {shown_url} the right Confluence URL?)"
        return NotFoundError(target.not_found() + hint)
    if status == 413:
        sent = len(response.request.body or b"") if response.request is not None else 0
        size = f"{sent / 1e6:.1f} MB" if sent >= 1e6 else f"{sent / 1e3:.0f} KB"
        return ConfluenceError(
            f"cannot {target.action} {target.subject}: Confluence refused it as too large "
            f"({size} sent){reason}\n"
            "  what to do: a page's storage format must stay under about 5 MB, a property's "
            "value under 32 KB; split the team or goal with this many KPIs into smaller ones"
        )
    if status == 409:
        return ConflictError(
            f"cannot {target.action} {target.subject}: someone else changed it first{reason}"
        )
    lowered = message.lower()
    if status == 400 and "title already exists" in lowered:
        return TitleTakenError(f"cannot {target.action} {target.subject}{reason}")
    if status == 400 and "already exists" in lowered:
        # A property created first by someone else: their write won, as with a 409.
        return ConflictError(
            f"cannot {target.action} {target.subject}: someone else changed it first{reason}"
        )
    if status == 400 and "error parsing xhtml" in lowered:
        return StorageFormatRejected(
            f"Confluence rejected the storage format of {target.subject}{reason}"
        )
    return ConfluenceError(
        f"cannot {target.action} {target.subject}: "
        f"Confluence answered {status} {response.reason}{reason}"
    )


def malformed(what: str, exc: Exception) -> ConfluenceError:
    """The error for an answer that lacks what `what` should hold."""
    lacks = f"it has no {exc.args[0]!r}" if isinstance(exc, KeyError) else "not the shape expected"
    return ConfluenceError(
        f"unexpected answer from Confluence for {what} ({lacks}): is CONFLUENCE_URL the "
        "Confluence site itself, not a proxy or a login page in front of it?"
    )


_EXCEPTION_PREFIX = re.compile(r"^(?:[\w$]+\.)+[\w$]*(?:Exception|Error):\s*")


def _server_message(response: requests.Response) -> tuple[str, bool]:
    """Confluence's reason in one line (v1 "message" or v2 "errors"), and whether it was JSON.

    Java class prefixes ("com.atlassian...BadRequestException: ") are dropped; HTML error
    pages (Tomcat, proxies) give no message, plain text is kept short.
    """
    try:
        data = response.json()
    except ValueError:
        text = response.text.strip()
        looks_html = text.startswith("<") or "html" in response.headers.get("Content-Type", "")
        return ("" if looks_html else " ".join(text.split())[:300]), False
    message = ""
    if isinstance(data, dict):
        errors = data.get("errors")
        if isinstance(data.get("message"), str):
            message = data["message"]
        elif isinstance(errors, list) and errors and isinstance(errors[0], dict):
            message = str(errors[0].get("title") or errors[0].get("message") or "")
    while (stripped := _EXCEPTION_PREFIX.sub("", message)) != message:
        message = stripped
    return " ".join(message.split()), True


def _storage(data: Any) -> str | None:
    storage = (data.get("body") or {}).get("storage") or {}
    value = storage.get("value")
    return value if isinstance(value, str) else None


def _required(value: str | None, name: str) -> str:
    if value is None:
        raise KeyError(name)
    return value
