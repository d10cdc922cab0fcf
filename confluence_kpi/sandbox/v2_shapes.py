"""Records as Cloud's v2 JSON. Every id is a string; people are account ids (`authorId`), as v1's
`accountId`; times are v1's (`2026-06-30T09:15:02.123Z`) under v2's names (`createdAt`).

- Page: `id, status, title, spaceId, parentId, parentType, position, authorId, ownerId,
  lastOwnerId, createdAt, version, body, _links`. `parentId` is null and `parentType` null for
  a page at the top of its space, else `"page"`. `body` is `{}` unless the body was asked for,
  then `{"storage": {"representation": "storage", "value": ...}}`. `_links` are v1's `webui`,
  `editui` and `tinyui`; a page answered on its own (not in a list) adds `base`. The sandbox
  has no owners apart from authors: `ownerId` is the author, `lastOwnerId` null.
- `position` / `childPosition`: where a page stands among its parent's current child pages (or
  the top pages of its space), counting from 0 in the order they were created, the order v1
  lists children in. [UNVERIFIED] Cloud's numbers need not be consecutive.
- Version: `number, message, minorEdit, authorId, createdAt`; content properties carry one too.
- Space: `id, key, name, type ("global"), status ("current"), authorId, createdAt,
  homepageId, description (null), icon (null), _links.webui`. The sandbox records neither who
  created a space nor when: they are its home page's author and creation time, which the
  space was created with.
- Label: `id, name, prefix ("global")`; ancestor: `id, type ("page")`.
"""

from __future__ import annotations

from typing import Any

from confluence_kpi.sandbox.expand import Expand
from confluence_kpi.sandbox.model import Content, Label, Property, Revision, Space, Version
from confluence_kpi.sandbox.render import Renderer, account_id, in_order, iso
from confluence_kpi.sandbox.store import State

Json = dict[str, Any]
_PAGE_LINKS = ("webui", "editui", "tinyui")


class Shapes:
    """Builds v2 JSON for one request's view of the state (the lock held by the caller)."""

    def __init__(self, renderer: Renderer, state: State) -> None:
        self._renderer = renderer
        self._state = state
        self._positions: dict[str, int] | None = None  # page id -> position, made once

    def page(
        self,
        content: Content,
        *,
        body: bool,
        top: bool = False,
        revision: Revision | None = None,
        version: bool = True,
    ) -> Json:
        """A page; `revision` shows it as it was at an earlier version."""
        shown = revision or Revision.of(content)
        out: Json = {
            "id": content.id,
            "status": content.status,
            "title": shown.title,
            "spaceId": self._space_id(content),
            "parentId": content.parent_id,
            "parentType": "page" if content.parent_id else None,
            "position": self.position(content),
            "authorId": account_id(content.creator),
            "ownerId": account_id(content.creator),
            "lastOwnerId": None,
            "createdAt": iso(content.created),
        }
        if version:
            out["version"] = self.version(shown.version)
        out["body"] = self.body(shown.body) if body else {}
        v1_links = self._renderer.content(self._state, content, Expand())["_links"]
        out["_links"] = {name: v1_links[name] for name in _PAGE_LINKS}
        if top:
            out["_links"]["base"] = self._renderer.base
        return out

    @staticmethod
    def body(storage: str) -> Json:
        """The `body` of a page that was asked for it."""
        return {"storage": {"representation": "storage", "value": storage}}

    @staticmethod
    def version(version: Version) -> Json:
        """A version stamp of a page or a content property."""
        return {
            "number": version.number,
            "message": version.message,
            "minorEdit": version.minor_edit,
            "authorId": account_id(version.by),
            "createdAt": iso(version.when),
        }

    def page_version(self, content: Content, revision: Revision, *, body: bool) -> Json:
        """One entry of a page's version list: the stamp, and the page it made."""
        page: Json = {"id": content.id, "title": revision.title}
        if body:
            page["body"] = self.body(revision.body)
        return {**self.version(revision.version), "page": page}

    def child(self, content: Content, *, typed: bool = False) -> Json:
        """A child page as `/children` lists it (`/direct-children` adds its `type`)."""
        out: Json = {"id": content.id, "status": content.status, "title": content.title}
        if typed:
            out["type"] = content.type
        out["spaceId"] = self._space_id(content)
        out["childPosition"] = self.position(content)
        return out

    @staticmethod
    def ancestor(content_id: str) -> Json:
        """An ancestor, as `/ancestors` lists it."""
        return {"id": content_id, "type": "page"}

    @staticmethod
    def label(label: Label) -> Json:
        """A label (every label the sandbox keeps is global)."""
        return {"id": label.id, "name": label.name, "prefix": "global"}

    def content_property(self, prop: Property) -> Json:
        """A content property."""
        return {
            "id": prop.id,
            "key": prop.key,
            "value": prop.value,
            "version": self.version(prop.version),
        }

    def space(self, space: Space) -> Json:
        """A space."""
        home = self._state.contents.get(space.homepage_id or "")
        v1 = self._renderer.space(self._state, space, Expand())
        return {
            "id": str(space.id),
            "key": space.key,
            "name": space.name,
            "type": "global",
            "status": "current",
            "authorId": account_id(home.creator) if home else None,
            "createdAt": iso(home.created) if home else None,
            "homepageId": space.homepage_id,
            "description": None,
            "icon": None,
            "_links": {"webui": v1["_links"]["webui"]},
        }

    def position(self, content: Content) -> int:
        """Where a page stands among the current pages under the same parent, from 0."""
        if self._positions is None:
            siblings: dict[tuple[str, str | None], list[Content]] = {}
            for other in self._state.contents.values():
                if other.type == "page" and other.status == "current":
                    siblings.setdefault((other.space_key, other.parent_id), []).append(other)
            self._positions = {
                page.id: place
                for pages in siblings.values()
                for place, page in enumerate(in_order(pages))
            }
        return self._positions.get(content.id, 0)

    def _space_id(self, content: Content) -> str:
        space = self._state.spaces.get(content.space_key)
        return str(space.id) if space else ""
