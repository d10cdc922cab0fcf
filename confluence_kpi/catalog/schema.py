"""The catalog's schema: what a catalog file may say, as pydantic models.

A catalog holds sources, teams, goals and KPIs (the KPI's own definitions are in
`confluence_kpi.model`). Relative paths in sources (a csv `path`, a `sqlite:///file` URL) and
the `templates` directory are resolved against the directory the catalog file is in, passed as
the validation context's `base_dir`, so a catalog and its data move together.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from confluence_kpi.model import (
    Bands,
    Definition,
    Goal,
    KpiDefinition,
    RollUp,
    Team,
    WholeNumber,
)
from confluence_kpi.plain_errors import did_you_mean, shown
from confluence_kpi.plugins import PluginError, load_plugin, plugin_types

DEFAULT_TEAM_KPIS = 10  # the catalog's `max_team_kpis` when not set

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# --- source configurations -------------------------------------------------------------------


def _beside_catalog(path: Path, info: ValidationInfo) -> Path:
    """A relative path taken from the catalog's directory (passed as validation context)."""
    base = info.context.get("base_dir") if isinstance(info.context, dict) else None
    return base / path if isinstance(base, Path) and not path.is_absolute() else path


class CsvSourceConfig(Definition):
    """A CSV file with a header row; `path` is relative to the catalog's directory."""

    type: Literal["csv"]
    path: Path
    delimiter: str = ","
    encoding: str = "utf-8"
    decimal: Literal[".", ","] = "."

    @field_validator("path")
    @classmethod
    def _resolve(cls, value: Path, info: ValidationInfo) -> Path:
        return _beside_catalog(value, info)

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1:
            raise ValueError(f"must be one character, like , or ; (got {value!r})")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(
                f"must be a text encoding like utf-8 or cp1252 (got {value!r})"
            ) from None
        return value


class SqlSourceConfig(Definition):
    """A database reached through SQLAlchemy: `url`, or `url_env` naming a variable holding it.

    `url_env` keeps passwords out of the catalog; the source reads the variable when it runs.
    """

    type: Literal["sql"]
    url: str | None = None
    url_env: str | None = None

    @field_validator("url")
    @classmethod
    def _database_url(cls, value: str, info: ValidationInfo) -> str:
        """A URL SQLAlchemy understands; a relative SQLite file lives beside the catalog."""
        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            # The value is not quoted back: a malformed URL may still hold a password.
            raise ValueError(
                "must be a database URL like postgresql://host/db or sqlite:///demo/data.sqlite"
            ) from None
        database = sqlite_file(url)
        if database is not None:
            url = url.set(database=str(_beside_catalog(database, info)))
        return url.render_as_string(hide_password=False)

    @field_validator("url_env")
    @classmethod
    def _variable_name(cls, value: str) -> str:
        if not _VARIABLE_NAME.fullmatch(value):
            raise ValueError(
                f"must be an environment variable name like KPI_DB_URL (got {value!r})"
            )
        return value

    @model_validator(mode="after")
    def _one_url(self) -> SqlSourceConfig:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("needs exactly one of url and url_env")
        return self


class StaticSourceConfig(Definition):
    """Values written in the catalog itself, in each KPI's `values`."""

    type: Literal["static"]


def _page_id(value: object) -> str:
    """A page id as YAML gives it (a number) or as text, read as the text Confluence takes."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not text.isascii() or not text.isdigit():
        raise ValueError(
            f"must be the page's number, as in its address …/pages/123456/… (got {value!r})"
        )
    return text


def _table(value: object) -> int | str:
    """Which table: a place on the page (a whole number from 1) or a header cell's text."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if isinstance(value, str) and value.strip():
        return value
    raise ValueError(
        "must name a cell of the table's header row, like Month, or its place on the page "
        f"counting from 1 (got {value!r})"
    )


class ConfluenceTableConfig(Definition):
    """A table on a Confluence page, read through the sync's own connection to Confluence.

    The page is named by `page_id`, or by `space` and `title`; `table` picks the first table
    whose header row holds a cell with that text, or (a whole number) the table at that place
    on the page, counting from 1. `decimal` is how the page's numbers mark decimals.
    """

    type: Literal["confluence_table"]
    page_id: Annotated[str, PlainValidator(_page_id)] | None = None
    space: str | None = Field(default=None, min_length=1)
    title: str | None = Field(default=None, min_length=1)
    table: Annotated[int | str, PlainValidator(_table)] = 1
    decimal: Literal[".", ","] = "."

    @model_validator(mode="after")
    def _one_page(self) -> ConfluenceTableConfig:
        by_title = self.space is not None or self.title is not None
        if self.page_id is not None and by_title:
            raise ValueError("needs page_id, or space and title, not both")
        if self.page_id is None and (self.space is None or self.title is None):
            raise ValueError("needs page_id, or space and title")
        return self


class PluginSourceConfig(Definition):
    """A source of a type that an installed plugin adds (see confluence_kpi/plugins.py).

    `options` are the source's fields other than `type`, as written; `validated` is what the
    plugin's own `config_model` made of them, None when the plugin has no model.
    """

    type: str
    options: dict[str, Any] = Field(default_factory=dict)
    validated: BaseModel | None = None


BUILT_IN_TYPES = ("csv", "sql", "static", "confluence_table")
_PLUGIN_TAG = "plugin"  # where pydantic's error locations put a plugin source's errors


def source_tag(value: object) -> str:
    """The member of the source union that validates `value`: a built-in type by its name,
    anything else as a plugin's (which says what is wrong when it is no plugin's either)."""
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if isinstance(kind, str) and kind in BUILT_IN_TYPES else _PLUGIN_TAG


class _PluginType(BaseModel):
    """A plugin source's `type`, checked against the installed plugins; the other fields are
    the plugin's options, validated by its own model afterwards."""

    model_config = ConfigDict(extra="allow")

    type: object

    @field_validator("type")
    @classmethod
    def _installed(cls, kind: object) -> str:
        known = sorted({*BUILT_IN_TYPES, *plugin_types()})
        if not isinstance(kind, str) or kind not in known:
            hint = did_you_mean(str(kind), known)
            raise ValueError(
                f"must be one of {', '.join(known)} (got {shown(str(kind))}): the built-in "
                f"source types and those installed plugins add{hint}"
            )
        try:
            load_plugin(kind)
        except PluginError as error:
            raise ValueError(f"{shown(kind)} cannot be used: {error}") from None
        return kind


def _plugin_source(value: object, info: ValidationInfo) -> PluginSourceConfig:
    """A source whose type no built-in has: resolved against the installed plugins as the
    catalog loads, so that a type no plugin adds is an error with its line, not a failed run."""
    if isinstance(value, PluginSourceConfig):
        return value
    named = _PluginType.model_validate(value)
    kind = str(named.type)
    options = dict(named.model_extra or {})
    model = load_plugin(kind).config_model
    validated = None if model is None else model.model_validate(options, context=info.context)
    return PluginSourceConfig(type=kind, options=options, validated=validated)


# Sources that return tables of rows, from which a KPI picks its columns.
TABULAR = (CsvSourceConfig, SqlSourceConfig, ConfluenceTableConfig, PluginSourceConfig)

SourceConfig = Annotated[
    Annotated[CsvSourceConfig, Tag("csv")]
    | Annotated[SqlSourceConfig, Tag("sql")]
    | Annotated[StaticSourceConfig, Tag("static")]
    | Annotated[ConfluenceTableConfig, Tag("confluence_table")]
    | Annotated[PluginSourceConfig, PlainValidator(_plugin_source), Tag(_PLUGIN_TAG)],
    Discriminator(source_tag),
]


# --- the catalog -----------------------------------------------------------------------------


class Defaults(Definition):
    """Catalog-wide defaults that KPIs may override."""

    bands: Bands = Field(default_factory=Bands)
    rollup: RollUp = RollUp.WORST  # how a goal's status follows from its KPIs'


class Catalog(Definition):
    """The whole catalog, as validated from its YAML file."""

    path: Path
    space: str = Field(min_length=1)
    root_page: str = Field(min_length=1)
    locale: Literal["en", "nl"] = "en"
    timezone: str = "UTC"
    week_start: Literal["monday", "sunday"] = "monday"
    # The catalog's own page templates and strings, over the shipped ones (pages.templates);
    # relative to the catalog's directory.
    templates: Path | None = None
    defaults: Defaults = Field(default_factory=Defaults)
    # More KPIs than this on one team is a warning: too many KPIs and none gets attention.
    max_team_kpis: WholeNumber = Field(default=DEFAULT_TEAM_KPIS, ge=1)
    sources: dict[str, SourceConfig] = Field(default_factory=dict)
    teams: dict[str, Team] = Field(default_factory=dict)
    goals: tuple[Goal, ...] = ()
    kpis: tuple[KpiDefinition, ...] = ()

    @field_validator("templates")
    @classmethod
    def _resolve_templates(cls, value: Path, info: ValidationInfo) -> Path:
        return _beside_catalog(value, info)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(
                f"must be a time zone name like Europe/Amsterdam or UTC (got {value!r})"
            ) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The zone periods are cut in."""
        return ZoneInfo(self.timezone)

    @property
    def week_start_index(self) -> int:
        """The first day of the week as `date.weekday()` counts: 0 for Monday, 6 for Sunday."""
        return 0 if self.week_start == "monday" else 6

    def kpi(self, kpi_id: str) -> KpiDefinition:
        """The KPI with this id; KeyError when there is none."""
        for kpi in self.kpis:
            if kpi.id == kpi_id:
                return kpi
        raise KeyError(kpi_id)

    def team_kpis(self, team_id: str) -> tuple[KpiDefinition, ...]:
        """The team's KPIs, in catalog order."""
        return tuple(kpi for kpi in self.kpis if kpi.team == team_id)


def sqlite_file(url: URL) -> Path | None:
    """The file a SQLite URL names; None for other databases and in-memory SQLite."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)
