"""What Confluence Cloud's REST API v2 answered, read into the typed results the sync works with.

v2 differs from v1 in ways that matter here: ids are strings, a page names its space by id
(`spaceId`) and its parent by `parentId`, nothing is expanded (a page's labels and properties
come from endpoints of their own), and lists page by an opaque cursor in `_links.next`.
An answer without what it should hold is a ConfluenceError that says what was expected.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from confluence_kpi.confluence.answers import malformed
from confluence_kpi.confluence.protocol import Page, SpaceInfo


def page_from_v2(data: Any, *, space_key: str) -> Page:
    """A Page from a v2 page object; its body only when it was asked for (`body-format`)."""
    try:
        storage = (data.get("body") or {}).get("storage") or {}
        body = storage.get("value")
        parent = data.get("parentId")
        return Page(
            id=str(data["id"]),
            title=data["title"],
            version=int(data["version"]["number"]),
            space_key=space_key,
            parent_id=str(parent) if parent else None,
            body=body if isinstance(body, str) else None,
        )
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise malformed("a page", exc) from None


def space_from_v2(data: Any, key: str) -> SpaceInfo:
    """A SpaceInfo from a v2 space object."""
    try:
        homepage = data.get("homepageId")
        return SpaceInfo(
            id=str(data["id"]),
            key=data["key"],
            name=data["name"],
            homepage_id=str(homepage) if homepage else None,
        )
    except (AttributeError, KeyError, TypeError) as exc:
        raise malformed(f"space {key}", exc) from None


def label_names(labels: Iterable[Any]) -> frozenset[str]:
    """The names of v2 label objects."""
    try:
        return frozenset(str(label["name"]) for label in labels)
    except (KeyError, TypeError) as exc:
        raise malformed("a list of labels", exc) from None


_TAG = re.compile(r"<[^>]*>")


def same_text(stored: str, sent: str) -> bool:
    """Whether a stored body says what a sent one said, word for word.

    Confluence rewrites a storage body as it saves it (macro ids, schema versions, table
    layouts, entity forms), so the bytes differ; the text between the tags does not.
    """
    return _text(stored) == _text(sent)


def _text(storage: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", storage)).split())
