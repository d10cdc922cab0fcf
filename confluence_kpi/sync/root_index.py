"""The root page's index of the bot's pages: page ids by identity, with which a sync finds a page
whose label people removed (observe.recover).

A small index lives in the root's memory. A large catalog's does not fit there: Confluence
refuses a content property value over 32 KB, and an index entry takes about 30 bytes (with
Cloud's ten-digit ids), so past roughly a thousand pages the index is split over properties
of its own, `confluence-kpi-index-1`, `-2`, …, and the memory keeps how many there are and a
digest, so that an unchanged index costs no request. The parts are written before the memory
that counts them: a write cut short leaves parts that do not match the digest, which reading
notices (the sync then scans the space, as without a root).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from confluence_kpi.confluence.errors import ConflictError
from confluence_kpi.confluence.protocol import ConfluenceApi
from confluence_kpi.memory import PageMemory

INDEX_KEY = "confluence-kpi-index"
# JSON per property: under Confluence's 32 KB per value, with room for the wrapping object.
PART_BYTES = 24_000


def index_digest(index: Mapping[str, str]) -> str:
    """A short digest of the index, the same for the same entries in any order."""
    text = json.dumps(dict(sorted(index.items())), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def split_index(index: Mapping[str, str], limit: int) -> list[dict[str, str]]:
    """The index in parts whose JSON stays within `limit` bytes each, in key order."""
    parts: list[dict[str, str]] = [{}]
    size = 2  # the braces
    for key, page_id in sorted(index.items()):
        entry = len(json.dumps({key: page_id})) - 2  # `"key": "id"`, without the braces
        if parts[-1] and size + 2 + entry > limit:  # 2: the ", " before it
            parts.append({})
            size = 2
        size += entry + (2 if parts[-1] else 0)
        parts[-1][key] = page_id
    return parts


def part_key(number: int) -> str:
    """The property key of the index's part `number` (from 1)."""
    return f"{INDEX_KEY}-{number}"


def read_index(gateway: ConfluenceApi, root_id: str, memory: PageMemory) -> dict[str, str] | None:
    """The root's index: from its memory, or read from its parts (one request each). None when
    the parts do not add up to the index the memory's digest names: a part deleted or changed
    through the API, or a write of the parts cut short; the caller then looks further."""
    if not memory.index_parts:
        return dict(memory.index)
    index: dict[str, str] = {}
    for number in range(1, memory.index_parts + 1):
        found = gateway.get_property(root_id, part_key(number))
        value = found.value if found is not None else None
        part = value.get("index") if isinstance(value, dict) else None
        if not isinstance(part, dict):
            return None
        index.update({str(k): str(v) for k, v in part.items()})
    return index if index_digest(index) == memory.index_digest else None


def same_index(memory: PageMemory, index: Mapping[str, str]) -> bool:
    """Whether the root's memory already holds (or points to parts holding) `index`."""
    if memory.index_parts:
        return memory.index_digest == index_digest(index)
    return dict(memory.index) == dict(index)


def stored_index(
    gateway: ConfluenceApi, root_id: str, memory: PageMemory, index: Mapping[str, str]
) -> PageMemory:
    """The root's memory holding `index`: in itself when it fits, else pointing to the parts,
    which this writes first (each read for its version, and written only when it changed)."""
    if len(json.dumps(dict(index)).encode()) <= PART_BYTES:
        return memory.model_copy(
            update={"index": dict(index), "index_parts": 0, "index_digest": ""}
        )
    parts = split_index(index, PART_BYTES)
    for number, part in enumerate(parts, 1):
        _write_part(gateway, root_id, part_key(number), {"index": part})
    # Parts beyond the new count stay: reads follow the count, and the next larger index
    # writes over them.
    return memory.model_copy(
        update={"index": {}, "index_parts": len(parts), "index_digest": index_digest(index)}
    )


def _write_part(gateway: ConfluenceApi, root_id: str, key: str, value: dict[str, Any]) -> None:
    """One part written unless it holds `value` already; written over another run's version of
    it (two runs started by mistake), as the memory is."""
    current = gateway.get_property(root_id, key)
    if current is not None and current.value == value:
        return
    try:
        gateway.set_property(root_id, key, value, current=current)
    except ConflictError:
        gateway.set_property(root_id, key, value, current=gateway.get_property(root_id, key))
