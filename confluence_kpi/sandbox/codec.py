"""Turns records into JSON documents for the SQLite file and back, through their models."""

from __future__ import annotations

from typing import Final

from confluence_kpi.sandbox.model import Content, Label, Property, Record, Revision, Space, Watch

_MODELS: Final[dict[str, type[Record]]] = {
    "space": Space,
    "content": Content,
    "property": Property,
    "label": Label,
    "revision": Revision,
    "watch": Watch,
}


def record_key(record: Record) -> tuple[str, str]:
    """The (kind, key) a record is stored under."""
    if isinstance(record, Space):
        return "space", record.key
    if isinstance(record, Content):
        return "content", record.id
    if isinstance(record, Property):
        return "property", record.id
    if isinstance(record, Revision):
        return "revision", f"{record.content_id}/{record.version.number}"
    if isinstance(record, Watch):
        # A content id has no colon, so the first one ends it.
        return "watch", f"{record.content_id}:{record.user}"
    return "label", record.name


def encode(record: Record) -> str:
    """The record as a JSON document."""
    return record.model_dump_json()


def decode(kind: str, text: str) -> Record:
    """The record a JSON document of the given kind holds."""
    model = _MODELS.get(kind)
    if model is None:
        raise ValueError(f"unknown record kind {kind!r}")
    return model.model_validate_json(text)
