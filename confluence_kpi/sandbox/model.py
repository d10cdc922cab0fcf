"""The records the sandbox keeps: spaces, content (pages, blog posts, attachments), properties,
labels, the earlier versions of content, watches and users. Records are immutable; a write
replaces them whole (`model_copy`). The stored ones are pydantic models, so that the data file
holds each as its JSON (see `codec`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer

JsonValue = Any  # what json.loads returns
# Written sorted, so that a record always makes the same document.
Names = Annotated[frozenset[str], PlainSerializer(sorted, return_type=list[str], when_used="json")]


@dataclass(frozen=True)
class User:
    """A login; `read_only` users get 403 on every write. Never stored: they come from the
    command line and `/_sandbox/users`."""

    name: str
    secret: str
    read_only: bool = False


class _Stored(BaseModel):
    """A record of the store: immutable, checked when built and when read back from the file."""

    model_config = ConfigDict(frozen=True)


class Version(_Stored):
    """One version stamp of a page, attachment or content property."""

    number: int
    when: datetime
    by: str
    message: str = ""
    minor_edit: bool = False


class Space(_Stored):
    """A space; creating one also creates its home page."""

    id: int
    key: str
    name: str
    homepage_id: str | None
    description: str = ""  # plain text


class Content(_Stored):
    """A page, blog post or attachment. Satisfies `cql.Searchable`."""

    id: str
    type: str
    status: str
    title: str
    space_key: str
    parent_id: str | None  # the parent page, or the page an attachment belongs to
    ancestor_ids: tuple[str, ...]  # root first; kept in step when a page moves
    labels: Names
    created: datetime
    creator: str
    version: Version
    last_modified: datetime
    body: str = ""
    hidden_from: Names = frozenset()
    position: int | None = None  # among its siblings, once a move placed it; else after them
    media_type: str = ""  # attachments only
    file_size: int = 0  # attachments only
    comment: str = ""  # attachments only

    def visible_to(self, user: str) -> bool:
        """Content a user may not see does not exist for them (Confluence answers 404)."""
        return user not in self.hidden_from


class Property(_Stored):
    """A content property: a JSON value under a key, versioned on its own."""

    id: str
    content_id: str
    key: str
    value: JsonValue
    version: Version


class Revision(_Stored):
    """A page as it was before an update replaced it: its title, body and version stamp. The
    store keeps one for every version but the current one (see `store.Txn.put`), so that a
    page's history can be read back; trashing, moving or labelling a page makes none."""

    content_id: str
    title: str
    body: str
    version: Version

    @classmethod
    def of(cls, content: Content) -> Revision:
        """The revision that keeps `content` as it is now."""
        return cls(
            content_id=content.id, title=content.title, body=content.body, version=content.version
        )


class Label(_Stored):
    """A label name and its id, shared by every page that carries it."""

    name: str
    id: str


class Watch(_Stored):
    """A user watching a page or other content: they would be told of its changes."""

    content_id: str
    user: str


Record = Space | Content | Property | Label | Revision | Watch
