"""The bot's memory of a page, kept in the page's content property `confluence-kpi`.

It says which KPI, goal, team or root the page is (identity never comes from titles or
labels), which version the bot wrote, a digest of what it rendered, and the team-editable
values it wrote and the catalog values it saw: the two bases of the three-way merge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from confluence_kpi.model import ManualRow
from confluence_kpi.pages.merge import Values

PROPERTY_KEY = "confluence-kpi"
SCHEMA_VERSION = 1
KINDS = ("root", "team", "goal", "kpi")


@dataclass(frozen=True, order=True)
class PageKey:
    """A managed page's identity: its kind and the catalog id of what it shows."""

    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


@dataclass(frozen=True)
class PageMemory:
    """What the bot remembers of one page since its last write."""

    key: PageKey
    page_version: int
    digest: str
    title: str = ""  # the title the bot last wrote
    wanted_title: str = ""  # the catalog's title at the last write (a rename shows as a change)
    fields: Values = field(default_factory=dict)  # team-editable values the bot wrote
    catalog: Values = field(default_factory=dict)  # the catalog's values it saw then
    blocks: tuple[str, ...] = ()  # signatures of the top-level blocks the bot wrote
    block_digests: tuple[str, ...] = ()  # and short digests of their canonical form
    # Rows kept as a person typed them because they could not be read: the page is read again
    # on every run until they are corrected.
    kept_rows: tuple[str, ...] = ()
    rows: tuple[ManualRow, ...] = ()  # manual KPIs: the measurements people typed
    retired: bool = False
    index: Mapping[str, str] = field(default_factory=dict)  # root only: page ids by key

    def to_json(self) -> dict[str, Any]:
        """The property value."""
        value: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            "kind": self.key.kind,
            "id": self.key.id,
            "page_version": self.page_version,
            "digest": self.digest,
            "title": self.title,
            "wanted_title": self.wanted_title,
            "fields": self.fields,
            "catalog": self.catalog,
            "blocks": list(self.blocks),
            "block_digests": list(self.block_digests),
        }
        if self.kept_rows:
            value["kept_rows"] = list(self.kept_rows)
        if self.rows:
            value["rows"] = [
                {"period": row.period, "value": row.value, "comment": row.comment}
                for row in self.rows
            ]
        if self.retired:
            value["retired"] = True
        if self.index:
            value["index"] = dict(self.index)
        return value

    def at_version(self, version: int) -> PageMemory:
        """The same memory, for a page now at `version`."""
        return replace(self, page_version=version)


def read_memory(value: object) -> PageMemory | None:
    """The memory in a property value, or None when the value is not the bot's (or damaged).

    Tolerant on purpose: a person can edit properties through the API, and a damaged memory
    must not stop the sync; the page is then treated as one the bot never wrote.
    """
    if not isinstance(value, Mapping):
        return None
    kind, ident, version = value.get("kind"), value.get("id"), value.get("page_version")
    if kind not in KINDS or not isinstance(ident, str) or not isinstance(version, int):
        return None
    return PageMemory(
        key=PageKey(kind, ident),
        page_version=version,
        digest=_text(value.get("digest")),
        title=_text(value.get("title")),
        wanted_title=_text(value.get("wanted_title")),
        fields=_mapping(value.get("fields")),
        catalog=_mapping(value.get("catalog")),
        blocks=_texts(value.get("blocks")),
        block_digests=_texts(value.get("block_digests")),
        kept_rows=_texts(value.get("kept_rows")),
        rows=tuple(row for row in map(_row, value.get("rows") or ()) if row is not None),
        retired=value.get("retired") is True,
        index={
            k: v
            for k, v in _mapping(value.get("index")).items()
            if isinstance(k, str) and isinstance(v, str)
        },
    )


def _row(value: object) -> ManualRow | None:
    """A remembered manual measurement, or None when the entry is damaged.

    A memory written before rows were kept as typed holds the period as `label` and the value
    as a number (or, when unreadable, as `text`): read so, the rows on a page that is not read
    again survive the first run of this version instead of being rendered away.
    """
    if not isinstance(value, Mapping):
        return None
    amount = value.get("value")
    if isinstance(amount, int | float) and not isinstance(amount, bool):
        amount = format(amount, "g")
    return ManualRow(
        period=_text(value.get("period", value.get("label"))),
        value=_text(amount) or _text(value.get("text")),
        comment=_text(value.get("comment")),
    )


def _texts(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _mapping(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}
