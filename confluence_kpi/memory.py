"""The bot's memory of a page, kept in the page's content property `confluence-kpi`.

It says which KPI, goal, team or root the page is (identity never comes from titles or
labels), which version the bot wrote, a digest of what it rendered, and the team-editable
values it wrote and the catalog values it saw: the two bases of the three-way merge.

The property's JSON is this model's `model_dump`/`model_validate`. Its `schema` says which
shape it has: a memory of a newer schema was written by a newer version of the bot, which
knows things this one does not; such a page is recognised (never duplicated) but left as it
is (`PageMemory.newer`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_serializer,
)

from confluence_kpi.model import ManualRow, PeriodValue
from confluence_kpi.pages.merge import Values

PROPERTY_KEY = "confluence-kpi"
# The most JSON of typed rows a memory keeps (the whole property may hold 32 KB).
ROWS_BYTES = 16_000
SCHEMA_VERSION = 1
Kind = Literal["root", "team", "goal", "kpi"]


@dataclass(frozen=True, order=True)
class PageKey:
    """A managed page's identity: its kind and the catalog id of what it shows."""

    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


def _lenient(default: object) -> WrapValidator:
    """A damaged field reads as `default`, unset: a person can edit properties through the
    API, and one bad field must not make the bot forget which page this is."""

    def read(value: object, handler: ValidatorFunctionWrapHandler) -> object:
        try:
            return handler(value)
        except ValidationError:
            return default

    return WrapValidator(read)


class Shown(BaseModel):
    """What the root page shows of a KPI beside its status, and what its goals roll up: kept
    in the KPI page's memory so that a run that does not measure the KPI (`sync --shard`, the
    shard that writes the root) can still say it."""

    model_config = ConfigDict(frozen=True)

    current: PeriodValue | None = None
    stale_since: date | None = None
    progress: float | None = None


class PageMemory(BaseModel):
    """What the bot remembers of one page since its last write."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    schema_version: StrictInt = Field(default=SCHEMA_VERSION, alias="schema")
    kind: Kind
    id: str
    page_version: StrictInt
    digest: Annotated[str, _lenient("")] = ""
    title: Annotated[str, _lenient("")] = ""  # the title the bot last wrote
    # The catalog's title at the last write (a rename shows as a change).
    wanted_title: Annotated[str, _lenient("")] = ""
    fields: Annotated[Values, _lenient({})] = {}  # team-editable values the bot wrote
    catalog: Annotated[Values, _lenient({})] = {}  # the catalog's values it saw then
    # Signatures of the top-level blocks the bot wrote, and short digests of their canonical form.
    blocks: Annotated[tuple[str, ...], _lenient(())] = ()
    block_digests: Annotated[tuple[str, ...], _lenient(())] = ()
    # Rows kept as a person typed them because they could not be read: the page is read again
    # on every run until they are corrected.
    kept_rows: Annotated[tuple[str, ...], _lenient(())] = ()
    rows: Annotated[tuple[ManualRow, ...], _lenient(())] = ()  # manual KPIs: typed measurements
    # Manual KPIs whose typed rows are too many for this property (Confluence refuses a value
    # over 32 KB): their digest instead, and the page is read on every run for the rows
    # themselves. (A table people delete whole then comes back empty, not from memory.)
    rows_digest: Annotated[str, _lenient("")] = ""
    retired: Annotated[StrictBool, _lenient(False)] = False
    # KPI pages: since when the KPI's source has failed, while the page keeps its last good
    # values under a panel saying so; unset while the source answers.
    unavailable_since: Annotated[datetime | None, _lenient(None)] = None
    # The verdict the page showed when the bot wrote it (KPI and goal pages), so that a run can
    # say "at risk -> on track"; "" in memories written before it was kept. An added field
    # with a default: older versions of the bot ignore it, so the schema stays 1.
    status: Annotated[str, _lenient("")] = ""
    index: Annotated[dict[str, str], _lenient({})] = {}  # root only: page ids by key
    # Root only, for an index too large for this property: the number of properties it is
    # split over, and its digest (sync/root_index.py). Added fields, as `status`.
    index_parts: Annotated[StrictInt, Field(ge=0, le=1_000), _lenient(0)] = 0  # 24 MB of ids
    index_digest: Annotated[str, _lenient("")] = ""
    # KPI pages: what the root shows of the KPI (an added field with a default, as `status`).
    shown: Annotated[Shown | None, _lenient(None)] = None

    @property
    def key(self) -> PageKey:
        """The identity of the page this memory is of."""
        return PageKey(self.kind, self.id)

    @property
    def newer(self) -> bool:
        """Written by a newer version of the bot, whose memory this version cannot carry on."""
        return self.schema_version > SCHEMA_VERSION

    @classmethod
    def of(cls, key: PageKey, page_version: int, digest: str, **rest: Any) -> PageMemory:
        """The memory of the page `key` at `page_version`, in this version's schema."""
        return cls(kind=key.kind, id=key.id, page_version=page_version, digest=digest, **rest)

    @field_validator("rows", mode="before")
    @classmethod
    def _rows_of_earlier_versions(cls, value: object) -> object:
        """A memory written before rows were kept as typed holds the period as `label` and the
        value as a number (or, when unreadable, as `text`): read so, the rows on a page that is
        not read again survive the first run of this version instead of being rendered away."""
        if not isinstance(value, list):
            return value
        return [_typed_row(row) for row in value if isinstance(row, Mapping)]

    @model_serializer(mode="wrap")
    def _only_what_is_set(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The property value; what most pages never have is left out when empty."""
        value: dict[str, Any] = handler(self)
        for name in (
            "kept_rows",
            "rows",
            "rows_digest",
            "retired",
            "index",
            "index_parts",
            "index_digest",
            "unavailable_since",
            "status",
            "shown",
        ):
            if not value[name]:
                del value[name]
        return value

    def to_json(self) -> dict[str, Any]:
        """The property value."""
        return self.model_dump(mode="json", by_alias=True)

    def at_version(self, version: int) -> PageMemory:
        """The same memory, for a page now at `version`."""
        return self.model_copy(update={"page_version": version})


def remembered_rows(rows: tuple[ManualRow, ...]) -> tuple[tuple[ManualRow, ...], str]:
    """A manual KPI's typed rows as its memory keeps them: the rows while their JSON stays
    within `ROWS_BYTES`, else none and their digest (`PageMemory.rows_digest`)."""
    text = json.dumps([asdict(row) for row in rows], separators=(",", ":"))
    if len(text.encode()) <= ROWS_BYTES:
        return rows, ""
    return (), hashlib.sha256(text.encode()).hexdigest()[:16]


def read_memory(value: object) -> PageMemory | None:
    """The memory in a property value, or None when the value is not the bot's (or damaged).

    Tolerant on purpose: a damaged memory must not stop the sync; without a readable identity
    (kind, id, version) the page is treated as one the bot never wrote, and any other damaged
    field reads as unset.
    """
    try:
        return PageMemory.model_validate(value)
    except ValidationError:
        return None


def _typed_row(row: Mapping[str, object]) -> dict[str, object]:
    """A remembered manual measurement in this version's shape (see `_rows_of_earlier_versions`)."""
    amount = row.get("value")
    if isinstance(amount, int | float) and not isinstance(amount, bool):
        amount = format(amount, "g")
    return {
        "period": _text(row.get("period", row.get("label"))),
        "value": _text(amount) or _text(row.get("text")),
        "comment": _text(row.get("comment")),
    }


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
