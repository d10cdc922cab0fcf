"""Records as Confluence's v1 JSON: content, spaces, users, versions, labels, properties, lists."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import quote, quote_plus

from confluence_kpi.sandbox.config import Flavour
from confluence_kpi.sandbox.expand import Expand
from confluence_kpi.sandbox.model import Content, Property, Space, Version
from confluence_kpi.sandbox.store import State

Json = dict[str, Any]

API = "/rest/api"
# Everyone has Confluence's default picture; its path is [UNVERIFIED] for Cloud.
_PROFILE_PICTURE = {
    "path": "/images/icons/profilepics/default.svg",
    "width": 48,
    "height": 48,
    "isDefault": True,
}
CHILD_TYPES: dict[str, tuple[str, ...]] = {
    "page": ("page", "comment", "attachment"),
    "blogpost": ("comment", "attachment"),
    "attachment": ("comment",),
}


def iso(when: datetime) -> str:
    """Confluence's timestamp form: milliseconds and a Z."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def user_key(name: str) -> str:
    """A stable DC userKey for a user name (32 hex digits, like the real ones)."""
    return hashlib.sha1(name.encode()).hexdigest()[:32]


def account_id(name: str) -> str:
    """A stable Cloud accountId for a user name (24 hex digits, like the real ones)."""
    return hashlib.sha1(b"account:" + name.encode()).hexdigest()[:24]


def attachment_id(content: Content) -> str:
    """Attachments show their id with an `att` prefix; paths accept both forms."""
    return f"att{content.id}" if content.type == "attachment" else content.id


class Renderer:
    """Builds JSON with the links of one sandbox: `base` includes the context path."""

    def __init__(self, flavour: Flavour, base_url: str, context_path: str) -> None:
        self.flavour = flavour
        self.base = base_url
        self.context = context_path

    def top_links(self, self_path: str) -> Json:
        """`_links` of a top-level response: absolute `self`, plus `base` and `context`."""
        return {"self": self.base + self_path, "base": self.base, "context": self.context}

    def user(self, name: str) -> Json:
        """A user as `/user`, `version.by` and `history.createdBy` show it: Cloud names users
        by account id (and shows an email only where it has one, here a name that is one), Data
        Center by user name and key."""
        if self.flavour == "cloud":
            ident = account_id(name)
            return {
                "type": "known",
                "accountId": ident,
                "accountType": "atlassian",
                **({"email": name} if "@" in name else {}),
                "publicName": name,
                "displayName": name,
                "profilePicture": _PROFILE_PICTURE,
                "_links": {"self": f"{self.base}{API}/user?accountId={ident}"},
            }
        key = user_key(name)
        return {
            "type": "known",
            "username": name,
            "userKey": key,
            "displayName": name,
            "profilePicture": _PROFILE_PICTURE,
            "_links": {"self": f"{self.base}{API}/user?key={key}"},
        }

    def version(self, version: Version) -> Json:
        """A version stamp."""
        return {
            "by": self.user(version.by),
            "when": iso(version.when),
            "message": version.message,
            "number": version.number,
            "minorEdit": version.minor_edit,
        }

    def history(self, content: Content) -> Json:
        """`history`, with `lastUpdated` always present: atlassian-python-api reads it."""
        return {
            "latest": True,
            "createdBy": self.user(content.creator),
            "createdDate": iso(content.created),
            "lastUpdated": self.version(content.version),
            "_links": {"self": f"{self.base}{API}/content/{content.id}/history"},
        }

    def space(self, state: State, space: Space, expand: Expand) -> Json:
        """A space; `expand=homepage` includes its home page, `description.plain` its
        description (the only representation the sandbox keeps)."""
        webui = f"/spaces/{space.key}" if self.flavour == "cloud" else f"/display/{space.key}"
        out: Json = {
            "id": space.id,
            "key": space.key,
            "name": space.name,
            "type": "global",
            "status": "current",
            "_links": {"webui": webui, "self": f"{self.base}{API}/space/{space.key}"},
            "_expandable": {},
        }
        if "description" in expand:
            out["description"] = _description(space, expand.sub("description"))
        else:
            out["_expandable"]["description"] = ""
        home = state.contents.get(space.homepage_id or "")
        if "homepage" in expand and home is not None:
            out["homepage"] = self.content(state, home, expand.sub("homepage"))
        elif home is not None:
            out["_expandable"]["homepage"] = f"{API}/content/{home.id}"
        return out

    def content(self, state: State, content: Content, expand: Expand) -> Json:
        """A page, blog post or attachment with the requested expansions."""
        out: Json = {
            "id": attachment_id(content),
            "type": content.type,
            "status": content.status,
            "title": content.title,
        }
        expandable: Json = {}
        space = state.spaces.get(content.space_key)
        if "space" in expand and space is not None:
            out["space"] = self.space(state, space, expand.sub("space"))
        else:
            expandable["space"] = f"{API}/space/{content.space_key}"
        if "history" in expand:
            out["history"] = self.history(content)
        else:
            expandable["history"] = f"{API}/content/{content.id}/history"
        if "version" in expand or content.type == "attachment":
            out["version"] = self.version(content.version)
        else:
            expandable["version"] = ""
        if "ancestors" in expand:
            out["ancestors"] = [
                self.content(state, state.contents[a], Expand())
                for a in content.ancestor_ids
                if a in state.contents
            ]
        else:
            expandable["ancestors"] = ""
        if "container" in expand:
            out["container"] = self._container(state, content, expand.sub("container"))
        else:
            expandable["container"] = self._container_path(content)
        if "body" in expand:
            out["body"] = self._body(content, expand.sub("body"))
        else:
            expandable["body"] = ""
        if "metadata" in expand:
            out["metadata"] = self._metadata(state, content, expand.sub("metadata"))
        else:
            expandable["metadata"] = ""
        if "children" in expand:
            out["children"] = self.children(state, content, expand.sub("children"))
        else:
            expandable["children"] = f"{API}/content/{content.id}/child"
        if "descendants" in expand:
            out["descendants"] = self.descendants(state, content, expand.sub("descendants"))
        else:
            expandable["descendants"] = f"{API}/content/{content.id}/descendant"
        expandable["restrictions"] = f"{API}/content/{content.id}/restriction/byOperation"
        if content.type == "attachment":
            out["extensions"] = {
                "mediaType": content.media_type,
                "fileSize": content.file_size,
                "comment": content.comment,
            }
        out["_links"] = self._content_links(content)
        out["_expandable"] = expandable
        return out

    def children(self, state: State, content: Content, expand: Expand) -> Json:
        """`children`: the direct children of each type the content can have, those asked for
        as lists and the others as links."""
        return self._related(state, content, expand, "child", child_contents)

    def descendants(self, state: State, content: Content, expand: Expand) -> Json:
        """`descendants`: like `children`, but pages at any depth below."""
        return self._related(state, content, expand, "descendant", descendant_contents)

    def _related(
        self,
        state: State,
        content: Content,
        expand: Expand,
        relation: str,
        find: Callable[[State, Content, str], list[Content]],
    ) -> Json:
        out: Json = {"_expandable": {}}
        for kind in child_types(content):
            path = f"{API}/content/{content.id}/{relation}/{kind}"
            if kind in expand:
                results = [
                    self.content(state, c, expand.sub(kind)) for c in find(state, content, kind)
                ]
                out[kind] = {
                    "results": results,
                    "start": 0,
                    "limit": len(results),
                    "size": len(results),
                    "_links": {"self": self.base + path},
                }
            else:
                out["_expandable"][kind] = path
        return out

    def label(self, state: State, name: str) -> Json:
        """One label."""
        label = state.labels.get(name)
        return {"prefix": "global", "name": name, "id": label.id if label else "", "label": name}

    def labels(self, state: State, content: Content, start: int, limit: int) -> Json:
        """The labels of a content, sorted by name, as a list response."""
        names = sorted(content.labels)
        window = [self.label(state, n) for n in names[start : start + limit]]
        return {"results": window, "start": start, "limit": limit, "size": len(window)}

    def property(self, prop: Property) -> Json:
        """A content property."""
        return {
            "id": prop.id,
            "key": prop.key,
            "value": prop.value,
            "version": {
                "when": iso(prop.version.when),
                "message": prop.version.message,
                "number": prop.version.number,
                "minorEdit": prop.version.minor_edit,
            },
            "_links": {
                "self": f"{self.base}{API}/content/{prop.content_id}/property/{quote(prop.key)}"
            },
        }

    def webui(self, content: Content) -> str:
        """The page's address in the UI, relative to `base`."""
        words = quote_plus(content.title)
        if content.type == "attachment":
            return f"/pages/viewpageattachments.action?pageId={content.parent_id}"
        if self.flavour == "cloud":
            return f"/spaces/{content.space_key}/pages/{content.id}/{words}"
        return f"/display/{content.space_key}/{words}"

    def _content_links(self, content: Content) -> Json:
        links: Json = {
            "webui": self.webui(content),
            "self": f"{self.base}{API}/content/{attachment_id(content)}",
        }
        if content.type == "attachment":
            # No short or edit link for an attachment ([UNVERIFIED], as public samples show).
            name = quote(content.title)
            links["download"] = (
                f"/download/attachments/{content.parent_id}/{name}"
                f"?version={content.version.number}&api=v2"
            )
            return links
        links["tinyui"] = _tiny(content.id)
        edit = f"/pages/resumedraft.action?draftId={content.id}"
        links["editui" if self.flavour == "cloud" else "edit"] = edit
        return links

    def _container(self, state: State, content: Content, expand: Expand) -> Json:
        parent = state.contents.get(content.parent_id or "")
        if content.type == "attachment" and parent is not None:
            return self.content(state, parent, expand)
        space = state.spaces[content.space_key]
        return self.space(state, space, expand)

    @staticmethod
    def _container_path(content: Content) -> str:
        if content.type == "attachment":
            return f"{API}/content/{content.parent_id}"
        return f"{API}/space/{content.space_key}"

    @staticmethod
    def _body(content: Content, expand: Expand) -> Json:
        out: Json = {"_expandable": {}}
        if "storage" in expand:
            out["storage"] = {
                "value": content.body,
                "representation": "storage",
                "embeddedContent": [],
                "_expandable": {"content": f"{API}/content/{content.id}"},
            }
        else:
            out["_expandable"]["storage"] = ""
        return out

    def _metadata(self, state: State, content: Content, expand: Expand) -> Json:
        out: Json = {"_expandable": {}}
        if "labels" in expand:
            out["labels"] = self.labels(state, content, 0, 200)
        else:
            out["_expandable"]["labels"] = f"{API}/content/{content.id}/label"
        if "properties" in expand:
            props = state.properties.get(content.id, {})
            out["properties"] = {
                key: self.property(props[key])
                for key in expand.sub("properties").children
                if key in props
            }
        if content.type == "attachment":
            out["mediaType"] = content.media_type
            # Confluence leaves an empty comment out (seen in public client code).
            if content.comment:
                out["comment"] = content.comment
        return out


def child_types(content: Content) -> tuple[str, ...]:
    """The types of content below one of this type, as Confluence's docs list them."""
    return CHILD_TYPES.get(content.type, ())


def child_contents(state: State, parent: Content, kind: str) -> list[Content]:
    """The current children of one kind: those a move placed in their order, then the rest in
    creation order ([UNVERIFIED] Confluence orders the rest by title, some say)."""
    return in_order(
        c
        for c in state.contents.values()
        if c.parent_id == parent.id and c.type == kind and c.status == "current"
    )


def descendant_contents(state: State, content: Content, kind: str) -> list[Content]:
    """Pages at any depth below, each before its own and in its siblings' order; attachments
    and comments are those of the content itself, as Confluence's docs say of
    `descendants.attachment` and `descendants.comment`."""
    if kind != "page":
        return child_contents(state, content, kind)

    def tree_order(page: Content) -> list[tuple[bool, int, int]]:
        below = page.ancestor_ids[page.ancestor_ids.index(content.id) + 1 :]
        return [
            *(sibling_place(state.contents[a]) for a in below if a in state.contents),
            sibling_place(page),
        ]

    pages = [
        c
        for c in state.contents.values()
        if content.id in c.ancestor_ids and c.type == "page" and c.status == "current"
    ]
    return sorted(pages, key=tree_order)


def in_order(contents: Iterable[Content]) -> list[Content]:
    """Siblings as Confluence lists them: those a move placed, then the rest as created."""
    return sorted(contents, key=sibling_place)


def sibling_place(content: Content) -> tuple[bool, int, int]:
    """Where a page stands among its siblings: placed by a move first, then as created."""
    return (content.position is None, content.position or 0, int(content.id))


def _description(space: Space, expand: Expand) -> Json:
    out: Json = {"_expandable": {"view": ""}}
    if "plain" in expand:
        out["plain"] = {
            "value": space.description,
            "representation": "plain",
            "embeddedContent": [],
        }
    else:
        out["_expandable"]["plain"] = ""
    return out


def _tiny(content_id: str) -> str:
    # Confluence's short link: the id's little-endian bytes in URL-safe base64, trimmed.
    raw = int(content_id).to_bytes(8, "little").rstrip(b"\0") or b"\0"
    return "/x/" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def tiny_id(token: str) -> str | None:
    """The content id a short link's token (after `/x/`) stands for, None if it is none."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    return str(int.from_bytes(raw, "little")) if 0 < len(raw) <= 8 else None
