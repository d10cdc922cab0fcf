"""The Cloud gateway: `ConfluenceApi` over Confluence Cloud's REST API v2, with v1 only where
v2 has no endpoint for what the sync does.

Atlassian deprecated the v1 space, page, child and content-property endpoints on Cloud and
has been removing them, so every operation v2 offers goes through v2: spaces, pages (read,
find by title, create, update), content properties. Two v1 endpoints remain, because v2 has
nothing in their place:

- `GET /rest/api/content/search` (CQL). v2 has no CQL, and no way to read many pages'
  content properties in one request: its page listings carry no properties, so observing the
  bot's pages through v2 would cost one request per page. The CQL listing reads every page's
  memory with the page, 200 pages a request, exactly as on v1 (ARCHITECTURE.md, rule 4).
- `POST /rest/api/content/{id}/label`. v2 reads a page's labels but cannot add any.

A v2 page names its space by id; the gateway learns the ids it meets from the spaces it reads
and asks for an unknown one once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from confluence_kpi.confluence.answers import malformed, property_from, results
from confluence_kpi.confluence.errors import ConflictError, NotFoundError, Target
from confluence_kpi.confluence.gateway import Gateway, property_recheck, segment
from confluence_kpi.confluence.paging import follow
from confluence_kpi.confluence.protocol import JSON, Page, Property, SpaceInfo
from confluence_kpi.confluence.transport import Transport, landed
from confluence_kpi.confluence.v2_answers import (
    label_names,
    page_from_v2,
    same_text,
    space_from_v2,
)

_MOST = 250  # the largest page of results v2 gives; asking for more gets this many
_BODY = "body.storage"
_LABELS = "metadata.labels"
_PROPERTY = "metadata.properties."


class CloudGateway:
    """Typed access to the pages, labels and properties the sync manages, through REST API v2."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._v1 = Gateway(transport)
        self._keys: dict[str, str] = {}  # space key by space id

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far, retries and re-reads included (for reports and benchmarks)."""
        return self._transport.request_count

    def check_space(self, key: str) -> SpaceInfo:
        """Read the space first, so bad URL, credentials or space key fail before any write.

        v2 answers a space nobody can see with an empty list, not a 404.
        """
        target = Target("read", f"space {key}")
        answer = self._transport.call("GET", "api/v2/spaces", params={"keys": key}, target=target)
        found = [item for item in results(answer, "a list of spaces")[0] if _key_of(item) == key]
        if not found:
            raise NotFoundError(target.not_found())
        space = space_from_v2(found[0], key)
        self._keys[space.id] = space.key
        return space

    def search(self, cql: str, *, expand: Sequence[str] = (), limit: int = 200) -> Iterator[Page]:
        """Yield the pages a CQL query finds, through v1's search (v2 has no CQL)."""
        return self._v1.search(cql, expand=expand, limit=limit)

    def find_page(self, space: str, title: str, *, expand: Sequence[str] = ()) -> Page | None:
        """The page titled exactly `title` in the space, or None (current right after a write,
        which CQL is not)."""
        found = self._pages_titled(space, title, expand)
        return self._complete(found[0], expand) if found else None

    def get_page(self, page_id: str, *, expand: Sequence[str] = (_BODY,)) -> Page:
        """One page as it is now; its labels and properties cost a request each when asked."""
        data = self._transport.call(
            "GET",
            f"api/v2/pages/{segment(page_id)}",
            params=_body_format(expand),
            target=Target("read", f"page {page_id}"),
        )
        return self._complete(data, expand)

    def create_page(
        self,
        space: str,
        title: str,
        body: str,
        *,
        parent_id: str | None,
        labels: Iterable[str] = (),
        properties: Mapping[str, JSON] = MappingProxyType({}),
    ) -> Page:
        """Create a page, then its properties and its labels: v2 creates a page with neither.

        If an attempt fails in a way that may have created the page, the page is looked up by
        title before anything is sent again; it is ours when it holds our body's text at
        version 1 (its properties come after it, so they cannot tell yet).
        """
        target = Target(
            "create",
            f"page {title!r} in space {space}",
            missing=f"space {space}" + (f" or parent page {parent_id}" if parent_id else ""),
        )
        request: dict[str, Any] = {
            "spaceId": self._space_id(space),
            "status": "current",
            "title": title,
            "body": {"representation": "storage", "value": body},
        }
        if parent_id is not None:
            request["parentId"] = parent_id

        def find_created() -> Any:
            for candidate in self._pages_titled(space, title, (_BODY,)):
                seen = page_from_v2(candidate, space_key=space)
                if seen.version == 1 and same_text(seen.body or "", body):
                    return candidate
            return None

        data = self._transport.call(
            "POST", "api/v2/pages", body=request, target=target, recheck=find_created
        )
        created = page_from_v2(data, space_key=space)
        written = {
            key: self.set_property(created.id, key, value, current=None)
            for key, value in properties.items()
        }
        label_set = frozenset(labels)
        self.add_labels(created.id, label_set)
        return replace(created, labels=label_set, properties=MappingProxyType(written))

    def update_page(self, page: Page, title: str, body: str, *, version_message: str = "") -> Page:
        """Write a new version (page.version + 1); ConflictError if someone else wrote first."""
        target = Target("edit", f"page {page.id} {page.title!r}")
        path = f"api/v2/pages/{segment(page.id)}"
        request = {
            "id": page.id,
            "status": "current",
            "title": title,
            "body": {"representation": "storage", "value": body},
            "version": {"number": page.version + 1, "message": version_message},
        }

        def find_updated() -> Any:
            answer = self._transport.call("GET", path, params=_body_format((_BODY,)), target=target)
            seen = page_from_v2(answer, space_key=page.space_key)
            return landed(
                target,
                before=page.version,
                now=seen.version,
                ours=seen.title == title and same_text(seen.body or "", body),
                answer=answer,
            )

        data = self._transport.call("PUT", path, body=request, target=target, recheck=find_updated)
        updated = page_from_v2(data, space_key=page.space_key)
        return replace(updated, labels=page.labels, properties=page.properties)

    def get_property(self, page_id: str, key: str) -> Property | None:
        """A content property of a page, or None when the page has none by that key."""
        found = self._property_answer(page_id, key)
        return None if found is None else property_from(found)

    def set_property(
        self, page_id: str, key: str, value: JSON, *, current: Property | None
    ) -> Property:
        """Create the property (POST) or write its next version (PUT by the property's id)."""
        target = Target("write", f"property {key!r} of page {page_id}")
        base = f"api/v2/pages/{segment(page_id)}/properties"
        before = current.version if current else 0

        find_written = property_recheck(
            target, before, value, lambda: self._property_answer(page_id, key)
        )

        if current is None:
            data = self._transport.call(
                "POST", base, body={"key": key, "value": value}, target=target, recheck=find_written
            )
            return property_from(data)
        request = {"key": key, "value": value, "version": {"number": before + 1}}
        path = f"{base}/{segment(current.id or self._property_id(page_id, key, target))}"
        data = self._transport.call("PUT", path, body=request, target=target, recheck=find_written)
        return property_from(data)

    def add_labels(self, page_id: str, labels: Iterable[str]) -> None:
        """Add labels through v1 (v2 cannot add labels); adding one the page has is a no-op."""
        self._v1.add_labels(page_id, labels)

    def _pages_titled(self, space: str, title: str, expand: Sequence[str]) -> list[Any]:
        """The current pages titled exactly `title` in the space (none, or one)."""
        params = {
            "space-id": self._space_id(space),
            "title": title,
            "status": "current",
            **_body_format(expand),
        }
        answer = self._transport.call(
            "GET",
            "api/v2/pages",
            params=params,
            target=Target("read", f"page {title!r} in space {space}"),
        )
        return results(answer)[0]

    def _complete(self, data: Any, expand: Sequence[str]) -> Page:
        """A page with the labels and properties `expand` names, read from their endpoints."""
        page = page_from_v2(data, space_key=self._space_key(data))
        if _LABELS in expand:
            target = Target("read", f"labels of page {page.id}")
            link = f"api/v2/pages/{segment(page.id)}/labels"
            labels = follow(self._transport, link, {"limit": _MOST}, target=target)
            page = replace(page, labels=label_names(labels))
        keys = [name.removeprefix(_PROPERTY) for name in expand if name.startswith(_PROPERTY)]
        found = {key: self.get_property(page.id, key) for key in keys}
        properties = {key: prop for key, prop in found.items() if prop is not None}
        return replace(page, properties=MappingProxyType(properties)) if properties else page

    def _property_answer(self, page_id: str, key: str) -> Any:
        """The property's JSON, or None when the page has no property by that key."""
        answer = self._transport.call(
            "GET",
            f"api/v2/pages/{segment(page_id)}/properties",
            params={"key": key},
            target=Target("read", f"property {key!r} of page {page_id}"),
        )
        listed = results(answer, "a list of properties")[0]
        return next((item for item in listed if _key_of(item) == key), None)

    def _property_id(self, page_id: str, key: str, target: Target) -> str:
        """The id of a property known only by its key; gone since it was read is a conflict."""
        found = self._property_answer(page_id, key)
        if found is None:
            raise ConflictError(
                f"cannot {target.action} {target.subject}: it was deleted since it was read"
            )
        return str(found.get("id", ""))

    def _space_id(self, key: str) -> str:
        """The id of a space known by key (read once)."""
        for space_id, known in self._keys.items():
            if known == key:
                return space_id
        return self.check_space(key).id

    def _space_key(self, data: Any) -> str:
        """The key of the space a v2 page names by id (read once per unknown space)."""
        space_id = data.get("spaceId") if isinstance(data, dict) else None
        if space_id is None:  # an error body or a proxy's answer, not a page
            raise malformed("a page", KeyError("spaceId"))
        space_id = str(space_id)
        if space_id not in self._keys:
            answer = self._transport.call(
                "GET",
                f"api/v2/spaces/{segment(space_id)}",
                target=Target("read", f"space {space_id}"),
            )
            self._keys[space_id] = space_from_v2(answer, space_id).key
        return self._keys[space_id]


def _body_format(expand: Sequence[str]) -> dict[str, str]:
    """The query that makes v2 include the storage body, when `expand` asks for it."""
    return {"body-format": "storage"} if _BODY in expand else {}


def _key_of(item: Any) -> object:
    return item.get("key") if isinstance(item, dict) else None
