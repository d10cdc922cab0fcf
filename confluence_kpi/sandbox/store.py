"""The authoritative state in memory, guarded by one lock, written through to SQLite.

A write request runs inside `Store.writing()`: it validates against the state, collects its
changes in a `Txn`, and only when the block ends without an exception are the changes committed
to the file and then applied in memory. A request that fails half way changes nothing.

Every write passes through `Txn`, so it is there that a content's history is kept: storing a
content under a new version number keeps the one it replaces as a `Revision`, whichever API
wrote it, and deleting a content deletes its revisions."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from confluence_kpi.sandbox.database import Change, Database
from confluence_kpi.sandbox.model import Content, Label, Property, Record, Revision, Space, Watch

FIRST_ID = 65537  # ids are numeric strings that only grow, like Confluence's


@dataclass
class State:
    """Every record, indexed the way the handlers look them up."""

    spaces: dict[str, Space] = field(default_factory=dict)
    contents: dict[str, Content] = field(default_factory=dict)
    properties: dict[str, dict[str, Property]] = field(default_factory=dict)  # content id -> key
    labels: dict[str, Label] = field(default_factory=dict)
    # content id -> version number -> the content as it was at that version (current excluded)
    revisions: dict[str, dict[int, Revision]] = field(default_factory=dict)
    watches: set[Watch] = field(default_factory=set)
    blobs: dict[str, bytes] = field(default_factory=dict)
    next_id: int = FIRST_ID

    def put(self, record: Record) -> None:
        """Adds or replaces a record."""
        if isinstance(record, Space):
            self.spaces[record.key] = record
        elif isinstance(record, Content):
            self.contents[record.id] = record
        elif isinstance(record, Property):
            self.properties.setdefault(record.content_id, {})[record.key] = record
        elif isinstance(record, Revision):
            self.revisions.setdefault(record.content_id, {})[record.version.number] = record
        elif isinstance(record, Watch):
            self.watches.add(record)
        else:
            self.labels[record.name] = record

    def delete(self, record: Record) -> None:
        """Removes a record."""
        if isinstance(record, Space):
            self.spaces.pop(record.key, None)
        elif isinstance(record, Content):
            self.contents.pop(record.id, None)
        elif isinstance(record, Property):
            self.properties.get(record.content_id, {}).pop(record.key, None)
        elif isinstance(record, Revision):
            self.revisions.get(record.content_id, {}).pop(record.version.number, None)
        elif isinstance(record, Watch):
            self.watches.discard(record)
        else:
            self.labels.pop(record.name, None)

    def apply(self, changes: list[Change]) -> None:
        """Applies committed changes."""
        for change in changes:
            if change.record is not None:
                self.put(change.record)
            if change.deleted is not None:
                self.delete(change.deleted)
            if change.blob_id and change.blob is not None:
                self.blobs[change.blob_id] = change.blob
            elif change.blob_id:
                self.blobs.pop(change.blob_id, None)


class Txn:
    """The changes of one write request, not yet visible to anyone."""

    def __init__(self, state: State) -> None:
        self.state = state  # read-only here: validate against it
        self.next_id = state.next_id
        self.changes: list[Change] = []

    def new_id(self) -> str:
        """A fresh id; the counter only advances if the write commits."""
        value = self.next_id
        self.next_id += 1
        return str(value)

    def put(self, record: Record) -> None:
        """Stores a record (new or replacing one with the same key); a content stored under a
        new version number keeps the version it replaces as a revision."""
        if isinstance(record, Content):
            stored = self.state.contents.get(record.id)
            if stored is not None and stored.version.number != record.version.number:
                self.changes.append(Change(record=Revision.of(stored)))
        self.changes.append(Change(record=record))

    def delete(self, record: Record) -> None:
        """Deletes a record; a content goes with its revisions."""
        if isinstance(record, Content):
            for revision in self.state.revisions.get(record.id, {}).values():
                self.changes.append(Change(deleted=revision))
        self.changes.append(Change(deleted=record))

    def put_blob(self, content_id: str, data: bytes | None) -> None:
        """Stores (or with None deletes) an attachment's bytes."""
        self.changes.append(Change(blob_id=content_id, blob=data))


class Store:
    """One lock for readers and writers: correctness first, and fast enough in memory."""

    def __init__(self, database: Database | None = None) -> None:
        self._lock = threading.RLock()
        self._database = database
        self._state = State()
        if database is not None:
            snapshot = database.load()
            for record in snapshot.records:
                self._state.put(record)
            self._state.blobs.update(snapshot.blobs)
            self._state.next_id = snapshot.next_id or FIRST_ID

    @contextmanager
    def reading(self) -> Iterator[State]:
        """A consistent view of the state for the duration of the block."""
        with self._lock:
            yield self._state

    @contextmanager
    def writing(self) -> Iterator[Txn]:
        """A transaction: committed (file first, then memory) if the block ends normally."""
        with self._lock:
            txn = Txn(self._state)
            yield txn
            if txn.changes:
                if self._database is not None:
                    self._database.save(txn.changes, txn.next_id)
                self._state.apply(txn.changes)
                self._state.next_id = txn.next_id

    def close(self) -> None:
        """Closes the file, if any."""
        with self._lock:
            if self._database is not None:
                self._database.close()
                self._database = None
