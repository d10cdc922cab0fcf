"""Turns records into JSON documents for the SQLite file and back."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from confluence_kpi.sandbox.model import Content, Label, Property, Record, Space, Version


def record_key(record: Record) -> tuple[str, str]:
    """The (kind, key) a record is stored under."""
    if isinstance(record, Space):
        return "space", record.key
    if isinstance(record, Content):
        return "content", record.id
    if isinstance(record, Property):
        return "property", record.id
    return "label", record.name


def encode(record: Record) -> str:
    """The record as a JSON document."""
    if isinstance(record, Space):
        doc: dict[str, Any] = {
            "id": record.id,
            "key": record.key,
            "name": record.name,
            "homepage_id": record.homepage_id,
        }
    elif isinstance(record, Content):
        doc = {
            "id": record.id,
            "type": record.type,
            "status": record.status,
            "title": record.title,
            "space_key": record.space_key,
            "parent_id": record.parent_id,
            "ancestor_ids": list(record.ancestor_ids),
            "labels": sorted(record.labels),
            "created": record.created.isoformat(),
            "creator": record.creator,
            "version": _encode_version(record.version),
            "last_modified": record.last_modified.isoformat(),
            "body": record.body,
            "hidden_from": sorted(record.hidden_from),
            "media_type": record.media_type,
            "file_size": record.file_size,
            "comment": record.comment,
        }
    elif isinstance(record, Property):
        doc = {
            "id": record.id,
            "content_id": record.content_id,
            "key": record.key,
            "value": record.value,
            "version": _encode_version(record.version),
        }
    else:
        doc = {"name": record.name, "id": record.id}
    return json.dumps(doc)


def decode(kind: str, text: str) -> Record:
    """The record a JSON document of the given kind holds."""
    doc = json.loads(text)
    if kind == "space":
        return Space(doc["id"], doc["key"], doc["name"], doc["homepage_id"])
    if kind == "content":
        return Content(
            id=doc["id"],
            type=doc["type"],
            status=doc["status"],
            title=doc["title"],
            space_key=doc["space_key"],
            parent_id=doc["parent_id"],
            ancestor_ids=tuple(doc["ancestor_ids"]),
            labels=frozenset(doc["labels"]),
            created=datetime.fromisoformat(doc["created"]),
            creator=doc["creator"],
            version=_decode_version(doc["version"]),
            last_modified=datetime.fromisoformat(doc["last_modified"]),
            body=doc["body"],
            hidden_from=frozenset(doc["hidden_from"]),
            media_type=doc["media_type"],
            file_size=doc["file_size"],
            comment=doc["comment"],
        )
    if kind == "property":
        return Property(
            doc["id"], doc["content_id"], doc["key"], doc["value"], _decode_version(doc["version"])
        )
    if kind == "label":
        return Label(doc["name"], doc["id"])
    raise ValueError(f"unknown record kind {kind!r}")


def _encode_version(version: Version) -> dict[str, Any]:
    return {
        "number": version.number,
        "when": version.when.isoformat(),
        "by": version.by,
        "message": version.message,
        "minor_edit": version.minor_edit,
    }


def _decode_version(doc: dict[str, Any]) -> Version:
    return Version(
        doc["number"],
        datetime.fromisoformat(doc["when"]),
        doc["by"],
        doc["message"],
        doc["minor_edit"],
    )
