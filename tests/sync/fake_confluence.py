"""An in-memory Confluence that answers `ConfluenceApi` the way the gateway does over HTTP, so
that the sync's decisions can be tested without a server: versions and the conflicts they
raise, titles unique per space, labels, content properties, and reads that hold only what
was expanded.

People's doings are methods of their own (`save`, `remove_label`, `copy`,
`save_before_next_write`): what the bot does is what `calls` records.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Concatenate, ParamSpec, TypeVar

from confluence_kpi.confluence import (
    JSON,
    ConflictError,
    NotFoundError,
    Page,
    Property,
    SpaceInfo,
    TitleTakenError,
)

_PROPERTIES = "metadata.properties."
P = ParamSpec("P")
R = TypeVar("R")


def _one_at_a_time(
    request: Callable[Concatenate[FakeConfluence, P], R],
) -> Callable[Concatenate[FakeConfluence, P], R]:
    """A request handled whole before the next, as a server handles each (the sync sends
    several at once from its page writers)."""

    def handled(fake: FakeConfluence, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with fake.lock:
            return request(fake, *args, **kwargs)

    return handled


@dataclass
class StoredPage:
    """A page as the fake keeps it: everything, whatever a read expands."""

    id: str
    title: str
    version: int
    space_key: str
    parent_id: str | None
    body: str
    labels: set[str] = field(default_factory=set)
    properties: dict[str, Property] = field(default_factory=dict)


class FakeConfluence:
    """One space and its pages, in memory; `calls` lists every request the bot made."""

    def __init__(self, space: str = "KPI") -> None:
        self.space = SpaceInfo(id="1", key=space, name="KPIs", homepage_id="1")
        self.pages: dict[str, StoredPage] = {}
        self.calls: list[str] = []
        self.lock = threading.RLock()
        self._saves_before_write: dict[str, list[Callable[[str], str]]] = {}
        self._add(title="Home", parent_id=None, body="<p>Welcome</p>")

    # --- ConfluenceApi ------------------------------------------------------------------------

    @property
    def request_count(self) -> int:
        return len(self.calls)

    @_one_at_a_time
    def check_space(self, key: str) -> SpaceInfo:
        self.calls.append(f"check_space {key}")
        if key != self.space.key:
            raise NotFoundError(f"space {key} not found")
        return self.space

    @_one_at_a_time
    def search(self, cql: str, *, expand: Sequence[str]) -> Iterator[Page]:
        self.calls.append(f"search {cql}")
        found = [page for page in self.pages.values() if _matches(page, cql)]
        return iter([_read(page, expand) for page in found])

    @_one_at_a_time
    def find_page(self, space: str, title: str, *, expand: Sequence[str]) -> Page | None:
        self.calls.append(f"find_page {title}")
        found = self._titled(space, title)
        return None if found is None else _read(found, expand)

    @_one_at_a_time
    def get_page(self, page_id: str, *, expand: Sequence[str]) -> Page:
        self.calls.append(f"get_page {page_id}")
        return _read(self._page(page_id), expand)

    @_one_at_a_time
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
        self.calls.append(f"create_page {title}")
        if self._titled(space, title) is not None:
            raise TitleTakenError(f"cannot create page {title!r}: title already exists")
        page = self._add(title=title, parent_id=parent_id, body=body, space=space)
        page.labels.update(labels)
        page.properties.update({k: Property(k, v, 1) for k, v in properties.items()})
        # As the gateway does: the page as created, with what it was created with.
        created = _read(page, ("body.storage", "metadata.labels"))
        return replace(created, properties=MappingProxyType(dict(page.properties)))

    @_one_at_a_time
    def update_page(self, page: Page, title: str, body: str, *, version_message: str) -> Page:
        self.calls.append(f"update_page {page.id}")
        stored = self._page(page.id)
        saves = self._saves_before_write.get(page.id)
        if saves:
            self.save(page.id, body=saves.pop(0)(stored.body))
        if stored.version != page.version:
            raise ConflictError(f"cannot edit page {page.id}: someone else changed it first")
        taken = self._titled(stored.space_key, title)
        if taken is not None and taken is not stored:
            raise TitleTakenError(f"cannot edit page {page.id}: title already exists")
        stored.title, stored.body, stored.version = title, body, stored.version + 1
        # As the gateway does: what the caller knew of labels and properties, kept.
        return Page(
            stored.id,
            stored.title,
            stored.version,
            stored.space_key,
            stored.parent_id,
            labels=page.labels,
            body=stored.body,
            properties=page.properties,
        )

    @_one_at_a_time
    def get_property(self, page_id: str, key: str) -> Property | None:
        self.calls.append(f"get_property {page_id}")
        return self._page(page_id).properties.get(key)

    @_one_at_a_time
    def set_property(
        self, page_id: str, key: str, value: JSON, *, current: Property | None
    ) -> Property:
        self.calls.append(f"set_property {page_id}")
        properties = self._page(page_id).properties
        stored = properties.get(key)
        known = current.version if current else 0
        if (stored.version if stored else 0) != known:
            raise ConflictError(f"cannot write property {key!r} of page {page_id}")
        written = Property(key, value, known + 1)
        properties[key] = written
        return written

    @_one_at_a_time
    def add_labels(self, page_id: str, labels: Iterable[str]) -> None:
        self.calls.append(f"add_labels {page_id}")
        self._page(page_id).labels.update(labels)

    # --- people ------------------------------------------------------------------------------

    def save(self, page_id: str, *, body: str | None = None, title: str | None = None) -> None:
        """A person saves the page: a new version, with whatever they changed."""
        page = self._page(page_id)
        page.body = page.body if body is None else body
        page.title = page.title if title is None else title
        page.version += 1

    def save_before_next_write(self, page_id: str, edit: Callable[[str], str]) -> None:
        """A person saves the page (`edit` of its body) just before the bot's next write of it
        lands: between the bot's read and its write. Called again, before the write after."""
        self._saves_before_write.setdefault(page_id, []).append(edit)

    def remove_label(self, page_id: str, label: str) -> None:
        """A person takes a label off the page (no new version: labels are not content)."""
        self._page(page_id).labels.discard(label)

    def copy(self, page_id: str, title: str) -> StoredPage:
        """A person copies the page, its content properties along with it, as Confluence does."""
        original = self._page(page_id)
        copied = self._add(title=title, parent_id=original.parent_id, body=original.body)
        copied.labels.update(original.labels)
        copied.properties.update(
            {key: Property(key, prop.value, 1) for key, prop in original.properties.items()}
        )
        return copied

    def titled(self, title: str) -> StoredPage:
        """The page with this title in the space."""
        found = self._titled(self.space.key, title)
        assert found is not None, f"no page titled {title!r}"
        return found

    # --- inside ------------------------------------------------------------------------------

    def _add(
        self, *, title: str, parent_id: str | None, body: str, space: str | None = None
    ) -> StoredPage:
        page_id = str(len(self.pages) + 1)
        page = StoredPage(page_id, title, 1, space or self.space.key, parent_id, body)
        self.pages[page_id] = page
        return page

    def _page(self, page_id: str) -> StoredPage:
        if page_id not in self.pages:
            raise NotFoundError(f"page {page_id} not found")
        return self.pages[page_id]

    def _titled(self, space: str, title: str) -> StoredPage | None:
        return next(
            (p for p in self.pages.values() if p.space_key == space and p.title == title), None
        )


def _read(page: StoredPage, expand: Sequence[str]) -> Page:
    """The page as a read with these expansions shows it: body, labels and properties only
    when asked for, as the gateway's reads."""
    keys = {name.removeprefix(_PROPERTIES) for name in expand if name.startswith(_PROPERTIES)}
    return Page(
        page.id,
        page.title,
        page.version,
        page.space_key,
        page.parent_id,
        labels=frozenset(page.labels) if "metadata.labels" in expand else frozenset(),
        body=page.body if "body.storage" in expand else None,
        properties=MappingProxyType({k: v for k, v in page.properties.items() if k in keys}),
    )


def _matches(page: StoredPage, cql: str) -> bool:
    """Whether the page meets every clause of the CQL the sync sends (`space = "KPI" and type
    = page and label = "confluence-kpi"`, `id in (4,7) and type = page`); other CQL fails the
    test rather than being guessed at."""
    return all(_meets(page, clause) for clause in cql.split(" and "))


def _meets(page: StoredPage, clause: str) -> bool:
    name, operator, value = clause.split(" ", 2)
    if (name, operator) == ("space", "="):
        return page.space_key == value.strip('"')
    if (name, operator) == ("type", "="):
        return value == "page"
    if (name, operator) == ("label", "="):
        return value.strip('"') in page.labels
    if (name, operator) == ("id", "in"):
        return page.id in value.strip("()").split(",")
    raise AssertionError(f"the fake knows no CQL like {clause!r}")
