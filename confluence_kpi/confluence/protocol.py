"""What the sync asks of Confluence, and the terms it is answered in.

`ConfluenceApi` is all the sync knows of Confluence: `Gateway` answers it over HTTP, and the
tests answer it in memory as well, so the sync's decisions can be tested without a server.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol, TypeAlias

# Read-only containers, so that a dict[str, str] is a JSON value too (dict is invariant).
JSON: TypeAlias = "Mapping[str, JSON] | Sequence[JSON] | str | int | float | bool | None"


@dataclass(frozen=True)
class Property:
    """A content property: the bot's memory of a page, versioned like the page itself."""

    key: str
    value: JSON
    version: int
    # Confluence's id of the property: v2 addresses a property by it, v1 by its key. Not part
    # of what the property is: one read with it and one read without are the same property.
    id: str = field(default="", compare=False)


@dataclass(frozen=True)
class Page:
    """A page as read; labels, body and properties hold only what was expanded (else empty)."""

    id: str
    title: str
    version: int
    space_key: str
    parent_id: str | None
    labels: frozenset[str] = frozenset()
    body: str | None = None
    properties: Mapping[str, Property] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class SpaceInfo:
    """What check_space learns: the space exists, these credentials can read it, and its home."""

    id: str
    key: str
    name: str
    homepage_id: str | None


class ConfluenceApi(Protocol):
    """The pages, labels and content properties of one site, as the sync reads and writes them.

    Pages carry their id, title, version, space and parent; `expand` names what else to read,
    in Confluence's terms: "body.storage", "metadata.labels", "metadata.properties.<key>".
    Failures are `ConfluenceError`s (errors.py); a write that finds the page or property
    changed since it was read raises `ConflictError`, for the sync to resolve.
    """

    @property
    def request_count(self) -> int:
        """Requests sent so far, for the report."""

    def check_space(self, key: str) -> SpaceInfo:
        """The space, read before anything else so that bad settings fail before any write."""

    def search(self, cql: str, *, expand: Sequence[str]) -> Iterator[Page]:
        """Every page a CQL query finds, all pages of the answer followed."""

    def find_page(self, space: str, title: str, *, expand: Sequence[str]) -> Page | None:
        """The page titled exactly `title` in the space, or None; current even right after a
        write (CQL may trail writes)."""

    def get_page(self, page_id: str, *, expand: Sequence[str]) -> Page:
        """One page as it is now."""

    def create_page(
        self,
        space: str,
        title: str,
        body: str,
        *,
        parent_id: str | None,
        labels: Iterable[str],
        properties: Mapping[str, JSON],
    ) -> Page:
        """A new page with its labels and properties; `TitleTakenError` if the space has a page
        of that title."""

    def update_page(self, page: Page, title: str, body: str, *, version_message: str) -> Page:
        """The page's next version (`page.version + 1`); `ConflictError` if someone wrote first."""

    def get_property(self, page_id: str, key: str) -> Property | None:
        """A content property of a page, or None when it has none by that key."""

    def set_property(
        self, page_id: str, key: str, value: JSON, *, current: Property | None
    ) -> Property:
        """Create the property (`current` None) or write its next version; `ConflictError` if
        it changed since `current` was read."""

    def add_labels(self, page_id: str, labels: Iterable[str]) -> None:
        """Add labels to a page; adding one it has already changes nothing."""
