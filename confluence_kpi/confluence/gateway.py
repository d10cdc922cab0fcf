"""The v1 gateway: the endpoints the sync uses (spaces, search, pages, properties, labels) over
the transport, answering `ConfluenceApi` over HTTP through REST API v1 (Data Center, and
Cloud where v1 is chosen; `v2_gateway` is Cloud's v2).

Each method builds its request, says what it acts on for error messages, and for a write
says how to tell whether an attempt that failed uncertainly landed after all: the transport
asks before it sends the write again (ARCHITECTURE.md, rule 9).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

from confluence_kpi.confluence.answers import (
    page_from,
    property_from,
    results,
    space_from,
)
from confluence_kpi.confluence.errors import NotFoundError, Target
from confluence_kpi.confluence.paging import follow
from confluence_kpi.confluence.protocol import JSON, Page, Property, SpaceInfo
from confluence_kpi.confluence.transport import Recheck, Transport, landed

# Every page we read carries these, so that a Page is always complete in id, title, version,
# space and parent; callers add body, labels and properties only where they need them.
_PAGE_EXPAND = ("version", "space", "ancestors")


class Gateway:
    """Typed access to the Confluence pages, labels and properties the sync manages."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far, retries and re-reads included (for reports and benchmarks)."""
        return self._transport.request_count

    def check_space(self, key: str) -> SpaceInfo:
        """Read the space first, so bad URL, credentials or space key fail before any write."""
        data = self._transport.call(
            "GET",
            f"rest/api/space/{segment(key)}",
            params={"expand": "homepage"},
            target=Target("read", f"space {key}"),
        )
        return space_from(data, key)

    def search(self, cql: str, *, expand: Sequence[str] = (), limit: int = 200) -> Iterator[Page]:
        """Yield the pages a CQL query finds, lazily, following the server's next links."""
        params = {"cql": cql, "expand": _expand(expand), "limit": limit}
        target = Target("search with", f"CQL {cql!r}")
        for item in follow(self._transport, "rest/api/content/search", params, target=target):
            yield page_from(item)

    def find_page(self, space: str, title: str, *, expand: Sequence[str] = ()) -> Page | None:
        """The page titled exactly `title` in the space, or None.

        The content endpoint, not CQL: CQL trails writes on Cloud by up to a minute, and this
        is asked right after another writer may have created the page.
        """
        found = self._transport.call(
            "GET",
            "rest/api/content",
            params={"spaceKey": space, "title": title, "type": "page", "expand": _expand(expand)},
            target=Target("read", f"page {title!r} in space {space}"),
        )
        items = results(found)[0]
        return page_from(items[0]) if items else None

    def get_page(
        self, page_id: str, *, expand: Sequence[str] = ("body.storage", "version")
    ) -> Page:
        """Read one page with the given expansions."""
        data = self._transport.call(
            "GET",
            f"rest/api/content/{segment(page_id)}",
            params={"expand": _expand(expand)},
            target=Target("read", f"page {page_id}"),
        )
        return page_from(data)

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
        """Create a page with its properties in one request, then its labels in one more.

        Labels go in a second request because Confluence's REST API documentation does not
        confirm that a create takes metadata.labels; metadata.properties it documents.
        If an attempt fails in a way that may have created the page, the page is looked up
        (by title, and by its first property when given) before anything is sent again.
        """
        target = Target(
            "create",
            f"page {title!r} in space {space}",
            missing=f"space {space}" + (f" or parent page {parent_id}" if parent_id else ""),
        )
        request: dict[str, Any] = {
            "type": "page",
            "title": title,
            "status": "current",
            "space": {"key": space},
            "body": {"storage": {"value": body, "representation": "storage"}},
        }
        if properties:
            # The shape atlassian-python-api sends for its own properties.
            request["metadata"] = {"properties": {k: {"value": v} for k, v in properties.items()}}
        if parent_id is not None:
            request["ancestors"] = [{"type": "page", "id": parent_id}]

        def find_created() -> Any:
            # The content endpoint, not CQL: CQL trails writes on Cloud by up to a minute, so it
            # could miss the page we just created and we would post a duplicate.
            found = self._transport.call(
                "GET",
                "rest/api/content",
                params={
                    "spaceKey": space,
                    "title": title,
                    "type": "page",
                    "expand": _expand(("body.storage",)),
                },
                target=target,
            )
            for candidate in results(found)[0]:
                if self._is_ours(page_from(candidate).id, properties):
                    return candidate
            return None

        data = self._transport.call(
            "POST", "rest/api/content", body=request, target=target, recheck=find_created
        )
        created = page_from(data, space_key=space, parent_id=parent_id)
        label_set = frozenset(labels)
        self.add_labels(created.id, label_set)
        return replace(
            created,
            labels=label_set,
            properties=MappingProxyType(
                {k: Property(key=k, value=v, version=1) for k, v in properties.items()}
            ),
        )

    def update_page(self, page: Page, title: str, body: str, *, version_message: str = "") -> Page:
        """Write a new version (page.version + 1); ConflictError if someone else wrote first.

        A 409 is not retried here: whether to merge, skip or overwrite is the sync's decision.
        """
        target = Target("edit", f"page {page.id} {page.title!r}")
        path = f"rest/api/content/{segment(page.id)}"
        version: dict[str, Any] = {"number": page.version + 1, "minorEdit": False}
        if version_message:
            version["message"] = version_message
        request = {
            "id": page.id,
            "type": "page",
            "title": title,
            "version": version,
            "body": {"storage": {"value": body, "representation": "storage"}},
        }

        def find_updated() -> Any:
            answer = self._transport.call(
                "GET", path, params={"expand": _expand(("body.storage",))}, target=target
            )
            seen = page_from(answer)
            return landed(
                target,
                before=page.version,
                now=seen.version,
                ours=seen.title == title and seen.body == body,
                answer=answer,
            )

        data = self._transport.call("PUT", path, body=request, target=target, recheck=find_updated)
        updated = page_from(data, space_key=page.space_key, parent_id=page.parent_id)
        return replace(updated, labels=page.labels, properties=page.properties)

    def set_property(
        self, page_id: str, key: str, value: JSON, *, current: Property | None
    ) -> Property:
        """Create the property (POST) or write its next version (PUT current.version + 1)."""
        target = Target("write", f"property {key!r} of page {page_id}")
        base = f"rest/api/content/{segment(page_id)}/property"
        before = current.version if current else 0

        find_written = property_recheck(
            target, before, value, lambda: self._property_or_none(page_id, key)
        )

        if current is None:
            data = self._transport.call(
                "POST", base, body={"key": key, "value": value}, target=target, recheck=find_written
            )
        else:
            # minorEdit: property writes are the bot's bookkeeping, nothing to notify anyone of.
            request = {
                "key": key,
                "value": value,
                "version": {"number": before + 1, "minorEdit": True},
            }
            path = f"{base}/{segment(key)}"
            data = self._transport.call(
                "PUT", path, body=request, target=target, recheck=find_written
            )
        return property_from(data)

    def add_labels(self, page_id: str, labels: Iterable[str]) -> None:
        """Add labels in one request; repeatable, since adding a label the page has is a no-op."""
        names = sorted(set(labels))
        if names:
            self._transport.call(
                "POST",
                f"rest/api/content/{segment(page_id)}/label",
                body=[{"prefix": "global", "name": name} for name in names],
                target=Target("label", f"page {page_id}"),
                repeatable=True,
            )

    def get_property(self, page_id: str, key: str) -> Property | None:
        """A content property of a page, or None when the page has none by that key."""
        data = self._property_or_none(page_id, key)
        return None if data is None else property_from(data)

    def _is_ours(self, page_id: str, properties: Mapping[str, JSON]) -> bool:
        """Whether a page found by title is the one our create made: it has our first property."""
        if not properties:
            return True  # nothing else to tell it by; titles are unique within a space
        key, value = next(iter(properties.items()))
        found = self._property_or_none(page_id, key)
        return found is not None and property_from(found).value == value

    def _property_or_none(self, page_id: str, key: str) -> Any:
        try:
            return self._transport.call(
                "GET",
                f"rest/api/content/{segment(page_id)}/property/{segment(key)}",
                target=Target("read", f"property {key!r} of page {page_id}"),
            )
        except NotFoundError:
            return None


def property_recheck(target: Target, before: int, value: JSON, read: Callable[[], Any]) -> Recheck:
    """How to tell whether a property write that failed uncertainly landed: read the property
    again (`read` gives its JSON, or None), and see whether it moved to our value."""

    def recheck() -> Any:
        answer = read()
        seen = property_from(answer) if answer is not None else None
        return landed(
            target,
            before=before,
            now=seen.version if seen else 0,
            ours=seen is not None and seen.value == value,
            answer=answer,
        )

    return recheck


def _expand(extra: Sequence[str]) -> str:
    return ",".join(dict.fromkeys((*_PAGE_EXPAND, *extra)))


def segment(value: str) -> str:
    """One URL path segment, escaped (property keys and space keys are user data)."""
    return quote(value, safe="")
