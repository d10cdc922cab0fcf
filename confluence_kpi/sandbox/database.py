"""The SQLite file behind `--data`: one transaction per write request, loaded at start-up."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from confluence_kpi.sandbox.codec import decode, encode, record_key
from confluence_kpi.sandbox.model import Record

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (kind TEXT, key TEXT, doc TEXT, PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, data BLOB);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
"""


@dataclass(frozen=True)
class Change:
    """One part of a write: a record to store or delete, or an attachment's bytes."""

    record: Record | None = None
    deleted: Record | None = None
    blob_id: str = ""
    blob: bytes | None = None  # None with a blob_id deletes the bytes


@dataclass(frozen=True)
class Snapshot:
    """Everything the file holds, for loading into memory."""

    records: list[Record]
    blobs: dict[str, bytes]
    next_id: int | None


class Database:
    """The file; callers serialise access (the store's lock), so one connection serves all."""

    def __init__(self, path: Path) -> None:
        # isolation_level=None: we open and commit transactions ourselves, one per request.
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SCHEMA)

    def load(self) -> Snapshot:
        """Reads every record, attachment and the id counter."""
        records = [
            decode(kind, doc) for kind, doc in self._conn.execute("SELECT kind, doc FROM records")
        ]
        blobs = {row[0]: bytes(row[1]) for row in self._conn.execute("SELECT id, data FROM blobs")}
        row = self._conn.execute("SELECT value FROM meta WHERE name = 'next_id'").fetchone()
        return Snapshot(records, blobs, int(row[0]) if row else None)

    def save(self, changes: Sequence[Change], next_id: int) -> None:
        """Writes one request's changes as one transaction: all of them or none."""
        cur = self._conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            for change in changes:
                self._apply(cur, change)
            cur.execute("INSERT OR REPLACE INTO meta VALUES ('next_id', ?)", (str(next_id),))
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise

    @staticmethod
    def _apply(cur: sqlite3.Cursor, change: Change) -> None:
        if change.record is not None:
            kind, key = record_key(change.record)
            cur.execute(
                "INSERT OR REPLACE INTO records VALUES (?, ?, ?)",
                (kind, key, encode(change.record)),
            )
        if change.deleted is not None:
            cur.execute(
                "DELETE FROM records WHERE kind = ? AND key = ?", record_key(change.deleted)
            )
        if change.blob_id and change.blob is not None:
            cur.execute("INSERT OR REPLACE INTO blobs VALUES (?, ?)", (change.blob_id, change.blob))
        elif change.blob_id:
            cur.execute("DELETE FROM blobs WHERE id = ?", (change.blob_id,))

    def close(self) -> None:
        """Closes the file."""
        self._conn.close()
