"""Where the viewer shows what Confluence's UI addresses name. The API's `_links` hand out a
page's `webui`, `tinyui` (`/x/...`) and edit link (`/pages/resumedraft.action?draftId=`), an
attachment's `webui` (its page's attachments) and a space's `webui`; the viewer shows pages at
their Cloud `webui` and spaces on its index, so the other addresses lead there."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote, unquote

from confluence_kpi.sandbox.model import Content, Space
from confluence_kpi.sandbox.render import tiny_id


def page_path(content: Content) -> str:
    """The viewer address of a page: Cloud's `webui` form, so those links open here too."""
    return f"/spaces/{quote(content.space_key, safe='')}/pages/{content.id}"


def space_path(key: str) -> str:
    """The viewer address of a space: its section of the index."""
    return f"/#space-{quote(key, safe='')}"


def ui_address(
    segments: Sequence[str],
    query: Mapping[str, list[str]],
    pages: Mapping[str, Content],
    spaces: Mapping[str, Space],
) -> str | None:
    """The viewer address for one of Confluence's other UI addresses (as path segments and
    query), or None when it names nothing the viewer shows."""
    match list(segments):
        case ["x", token]:
            page = pages.get(tiny_id(token) or "")
        case ["pages", "resumedraft.action"]:
            page = pages.get(_first(query, "draftId"))
        case ["pages", "viewpageattachments.action"]:
            page = pages.get(_first(query, "pageId"))
        case ["spaces" | "display", key] if unquote(key) in spaces:
            return space_path(unquote(key))
        case _:
            page = None
    return page_path(page) if page is not None else None


def _first(query: Mapping[str, list[str]], name: str) -> str:
    values = query.get(name)
    return values[0] if values else ""
