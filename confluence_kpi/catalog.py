"""The YAML catalog: sources, teams, goals and KPIs, validated with every problem reported at once.

A problem names the file, the line, the item and the field in plain words, e.g.
`config/catalog.yaml:42: kpis[3] 'first-response-time': direction must be one of increase, ...`.
Relative paths in sources (a csv `path`, a `sqlite:///file` URL) are resolved against the
directory the catalog file is in, so a catalog and its data move together.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from confluence_kpi.derived import CycleError, evaluation_order
from confluence_kpi.formula import FormulaError, parse
from confluence_kpi.model import (
    Aggregation,
    Bands,
    Definition,
    Direction,
    Goal,
    Grain,
    KpiDefinition,
    RollUp,
    Target,
    Team,
    WholeNumber,
)
from confluence_kpi.pages.templates import template_problems
from confluence_kpi.plain_errors import accepted_fields, describe, did_you_mean, shown
from confluence_kpi.plugins import PluginError, load_plugin, plugin_types

MAX_FILE_BYTES = 5 * 1024 * 1024
# More KPIs than this and a goal has no focus (docs/kpi-formulas.md, "Goals and teams").
MAX_GOAL_KPIS = 5
DEFAULT_TEAM_KPIS = 10  # the catalog's `max_team_kpis` when not set
# Settings a catalog may hold for a feature still to come, with the reason they do nothing:
# accepted, so that such a catalog keeps loading, and warned about, so nobody counts on them.
NOT_USED_YET = {
    "schedule": "each `sync` is one pass, run on a schedule of your own (cron, a Kubernetes "
    "CronJob), and nothing reads this setting",
}

Severity = Literal["error", "warning"]
_Path = tuple[str | int, ...]  # a place in the YAML document: keys and list indexes

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_M = TypeVar("_M", bound=BaseModel)
# A reach KPI's targets going the wrong way: the word for it, and the sign of such a step.
_WRONG_WAY = {
    Direction.INCREASE: ("below", "down", -1.0),
    Direction.DECREASE: ("above", "up", 1.0),
}


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
        database = _sqlite_file(url)
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


class PluginSourceConfig(Definition):
    """A source of a type that an installed plugin adds (see confluence_kpi/plugins.py).

    `options` are the source's fields other than `type`, as written; `validated` is what the
    plugin's own `config_model` made of them, None when the plugin has no model.
    """

    type: str
    options: dict[str, Any] = Field(default_factory=dict)
    validated: BaseModel | None = None


BUILT_IN_TYPES = ("csv", "sql", "static")
_PLUGIN_TAG = "plugin"  # where pydantic's error locations put a plugin source's errors


def _source_tag(value: object) -> str:
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
_TABULAR = (CsvSourceConfig, SqlSourceConfig, PluginSourceConfig)

SourceConfig = Annotated[
    Annotated[CsvSourceConfig, Tag("csv")]
    | Annotated[SqlSourceConfig, Tag("sql")]
    | Annotated[StaticSourceConfig, Tag("static")]
    | Annotated[PluginSourceConfig, PlainValidator(_plugin_source), Tag(_PLUGIN_TAG)],
    Discriminator(_source_tag),
]
_SOURCE = TypeAdapter[SourceConfig](SourceConfig)


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


# --- problems --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or doubtful, for a warning) in the catalog, said where it is."""

    file: str
    line: int | None
    where: str  # the item: "kpis[3] 'first-response-time'", "sources 'db'"; "" for the top level
    field: str | None  # the field within the item: "target.upper"
    message: str  # the full sentence after `where`, field included
    severity: Severity = "error"

    def __str__(self) -> str:
        place = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [place, "warning" if self.severity == "warning" else "", self.where, self.message]
        return ": ".join(part for part in parts if part)


class CatalogError(Exception):
    """The catalog cannot be used; `problems` lists every error, `str()` one per line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


class _RefusedError(Exception):
    """The file cannot be read as a catalog at all; carries the one problem saying why."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


# --- loading ---------------------------------------------------------------------------------


def load_catalog(path: Path) -> Catalog:
    """The catalog at `path`; CatalogError listing every error when it has any."""
    catalog, problems = check_catalog(path)
    if catalog is None:
        raise CatalogError([problem for problem in problems if problem.severity == "error"])
    return catalog


def check_catalog(path: Path) -> tuple[Catalog | None, list[Problem]]:
    """The catalog (None when it has errors) and every problem, warnings included, by line."""
    try:
        document = _Document.read(path)
    except _RefusedError as refused:
        return None, [Problem(str(path), refused.line, "", None, refused.message)]
    base_dir = path.absolute().parent
    problems = document.duplicate_keys()
    if "path" in document.data:  # Catalog.path is where the file is, not something it sets
        problems.append(document.about(("path",), "is not a catalog setting: remove it"))
    data = {**document.data, "path": path}
    for setting, why in NOT_USED_YET.items():
        if setting in data:
            del data[setting]
            problems.append(document.about((setting,), f"is not used yet: {why}", "warning"))
    catalog = None
    try:
        catalog = Catalog.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as invalid:
        problems += [document.translate(error) for error in invalid.errors()]
    problems += _cross_checks(document, base_dir)
    problems.sort(key=lambda problem: problem.line or 0)
    if any(problem.severity == "error" for problem in problems):
        return None, problems
    return catalog, problems


class _Loader(yaml.SafeLoader):
    """Safe YAML that refuses aliases: expanded, a few lines can become gigabytes (billion laughs).

    A catalog has no need for them; refusing beats counting, and also rules out self-reference.
    """

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise yaml.MarkedYAMLError(
                problem="aliases (*name) are not allowed in a catalog: write the value out",
                problem_mark=self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        return super().compose_node(parent, index)

    def construct_timestamp_or_text(self, node: yaml.ScalarNode) -> object:
        """A date or time as YAML reads it; an impossible one (2027-02-30) stays text, so that
        the field's validation names it with its line instead of a traceback ending the run."""
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_timestamp_or_text)
# YAML 1.1 reads 1e6 as text and YAML 1.2 as the number it looks like; the catalog reads it as
# a number, since numbers written as text are refused.
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


@dataclass
class _Document:
    """The parsed YAML with the line of every key and list item, to say where problems are."""

    file: str
    data: dict[str, Any]
    lines: dict[_Path, int] = field(default_factory=dict)
    duplicates: list[tuple[_Path, int, int]] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> _Document:
        """Reads and parses the file; _RefusedError when it is no YAML mapping at all."""
        text = _read_text(path)
        try:
            node, data = _parse(text)
            if not isinstance(data, dict):
                raise _RefusedError(1, _not_a_mapping(data))
            document = cls(str(path), data)
            document.record(node, ())
        except yaml.MarkedYAMLError as error:
            raise _RefusedError(*_yaml_problem(error)) from None
        except yaml.reader.ReaderError as error:
            line = text.count("\n", 0, error.position) + 1
            raise _RefusedError(
                line,
                f"holds a control character (#x{error.character:04x}) that YAML does not allow",
            ) from None
        except RecursionError:
            raise _RefusedError(
                None, "nests lists or mappings too deeply to be a catalog"
            ) from None
        return document

    def record(self, node: yaml.Node | None, path: _Path) -> None:
        """Notes the line of every key and item under `node`, and keys given twice."""
        if isinstance(node, yaml.MappingNode):
            seen: dict[object, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue  # a list or mapping as a key: the constructor has refused it already
                key: str = key_node.value
                line = key_node.start_mark.line + 1
                if key in seen:
                    self.duplicates.append(((*path, key), seen[key], line))
                seen[key] = line
                self.lines[(*path, key)] = line
                self.record(value_node, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.lines[(*path, index)] = item.start_mark.line + 1
                self.record(item, (*path, index))

    def line(self, path: _Path) -> int | None:
        """The line of `path`, or of its nearest ancestor that is in the file."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def item(self, path: _Path) -> object:
        """The raw value at `path`, or None when there is none."""
        value: object = self.data
        for part in path:
            if isinstance(value, dict):
                value = value.get(part)
            elif isinstance(value, list) and isinstance(part, int) and part < len(value):
                value = value[part]
            else:
                return None
        return value

    def where(self, path: _Path) -> tuple[str, str | None]:
        """The item `path` is in, as people call it, and the field within it."""
        if len(path) >= 2 and path[0] in ("kpis", "goals") and isinstance(path[1], int):
            item = self.item(path[:2])
            ident = item.get("id") if isinstance(item, dict) else None
            label = f"{path[0]}[{path[1]}]" + (f" '{ident}'" if isinstance(ident, str) else "")
            return label, _field_text(path[2:])
        if len(path) >= 2 and path[0] in ("sources", "teams"):
            return f"{path[0]} '{path[1]}'", _field_text(path[2:])
        return "", _field_text(path)

    def about(self, path: _Path, predicate: str, severity: Severity = "error") -> Problem:
        """A problem with the field at `path`, said as "<field> <predicate>"."""
        where, name = self.where(path)
        message = f"{name} {predicate}" if name else predicate
        return Problem(self.file, self.line(path), where, name, message, severity)

    def duplicate_keys(self) -> list[Problem]:
        """Keys given twice in one mapping: YAML keeps the last silently, we say so."""
        return [
            self.about(path, f"is given twice (lines {first} and {second}): keep one")
            for path, first, second in self.duplicates
        ]

    def translate(self, error: ErrorDetails) -> Problem:
        """A pydantic error as a problem in plain words, at the line it comes from."""
        path = self._data_path(error["loc"])
        if error["type"] == "extra_forbidden":
            where, parent = self.where(path[:-1])
            hint = did_you_mean(str(path[-1]), accepted_fields(Catalog, error["loc"][:-1]))
            message = f"unknown field '{path[-1]}'{hint}"
            message = f"{parent} has {message}" if parent else message
            return Problem(self.file, self.line(path), where, str(path[-1]), message)
        return self.about(path, describe(error))

    def _data_path(self, loc: Sequence[str | int]) -> _Path:
        """Pydantic's location without the tag it adds for the source union (`sources.x.csv`,
        `sources.x.plugin`)."""
        path: list[str | int] = []
        for part in loc:
            if len(path) == 2 and path[0] == "sources":
                value = self.item(tuple(path))
                if part == _source_tag(value) and not (isinstance(value, dict) and part in value):
                    continue
            path.append(part)
        return tuple(path)


def _read_text(path: Path) -> str:
    """The file's text; _RefusedError when missing, too big, or not UTF-8."""
    try:
        if path.is_dir():
            raise _RefusedError(None, "is a directory, not a catalog file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _RefusedError(
                None, f"is {size / 1e6:.1f} MB: a catalog is at most {MAX_FILE_BYTES // 2**20} MB"
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _RefusedError(None, "does not exist") from None
    except OSError as error:
        raise _RefusedError(None, f"cannot be read: {error.strerror}") from None
    try:
        return raw.decode("utf-8-sig")  # -sig: editors on Windows may start with a byte-order mark
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise _RefusedError(
            line, f"is not UTF-8 text (byte 0x{raw[error.start]:02x}): save it as UTF-8"
        ) from None


def _parse(text: str) -> tuple[yaml.Node | None, object]:
    """The node tree (it has the lines) and the data of a YAML text holding one document."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return node, None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def _not_a_mapping(data: object) -> str:
    """Why a document that parsed is still no catalog."""
    if data is None:
        return "is empty: a catalog needs at least space, root_page, teams and kpis"
    kind = "a list" if isinstance(data, list) else "a single value"
    return f"must be a mapping of `name: value` lines (space:, teams:, kpis:, ...), not {kind}"


def _yaml_problem(error: yaml.MarkedYAMLError) -> tuple[int | None, str]:
    """A YAML syntax error as (line, message with the column and what is wrong)."""
    mark = error.problem_mark or error.context_mark
    what = ", ".join(part for part in (error.context, error.problem) if part)
    if mark is None:
        return None, f"is not valid YAML: {what}"
    return mark.line + 1, f"is not valid YAML at column {mark.column + 1}: {what}"


def _field_text(path: _Path) -> str | None:
    """A field path as written in YAML terms: `target.upper`, `values[2].date`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = "key" if part == "[key]" else part  # pydantic's mark for a bad mapping key
            text += f".{name}" if text else str(name)
    return text or None


# --- cross-checks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parts:
    """The catalog's parts that validate on their own, for checks across items.

    Checks run on these even when other items have errors, so that one run shows every problem.
    Names come from the raw file, so an invalid team still counts as a team that exists.
    """

    kpis: list[tuple[int, KpiDefinition]]
    goals: list[tuple[int, Goal]]
    sources: dict[str, SourceConfig]
    source_names: list[str] | None  # None when `sources` is no mapping: nothing to check against
    team_names: list[str] | None
    kpi_ids: list[str]


def _cross_checks(document: _Document, base_dir: Path) -> Iterator[Problem]:
    """Every problem that involves more than one field or item."""
    data = document.data
    sources, teams = data.get("sources"), data.get("teams")
    parts = _Parts(
        kpis=_valid_items(data.get("kpis"), KpiDefinition),
        goals=_valid_items(data.get("goals"), Goal),
        sources=_valid_sources(sources, base_dir),
        source_names=[str(name) for name in sources] if isinstance(sources, dict) else None,
        team_names=[str(name) for name in teams] if isinstance(teams, dict) else None,
        kpi_ids=[ident for _, ident in _raw_ids(data.get("kpis"))],
    )
    yield from _id_problems(document, "kpis")
    yield from _id_problems(document, "goals")
    for name in parts.team_names or ():
        if not _SLUG.fullmatch(name):
            yield document.about(("teams", name), f"'{name}' is not a slug{_slug_hint(name)}")
    for index, kpi in parts.kpis:
        yield from _kpi_problems(document, index, kpi, parts)
    yield from _cycle_problems(document, parts)
    for index, goal in parts.goals:
        yield from _goal_problems(document, index, goal, parts)
    for name, source in parts.sources.items():
        yield from _source_warnings(document, name, source)
    yield from _team_size_warnings(document, parts)
    yield from _template_problems(document, base_dir)


def _template_problems(document: _Document, base_dir: Path) -> Iterator[Problem]:
    """The catalog's own templates: each syntax error, unknown name or unusable string, at the
    `templates` line, naming the template file and its line."""
    templates = document.data.get("templates")
    if not isinstance(templates, str):
        return  # absent, or not a path: the schema says so
    for problem in template_problems(base_dir / templates):
        yield document.about(("templates",), f"has an error: {problem}")


def _valid_items(raw: object, model: type[_M]) -> list[tuple[int, _M]]:
    """The list's items that validate as `model`, by index; their errors are reported elsewhere."""
    valid = []
    for index, item in enumerate(raw if isinstance(raw, list) else []):
        try:
            valid.append((index, model.model_validate(item)))
        except ValidationError:
            continue
    return valid


def _valid_sources(raw: object, base_dir: Path) -> dict[str, SourceConfig]:
    """The sources that validate on their own, by name."""
    valid: dict[str, SourceConfig] = {}
    for name, item in raw.items() if isinstance(raw, dict) else ():
        try:
            valid[str(name)] = _SOURCE.validate_python(item, context={"base_dir": base_dir})
        except ValidationError:
            continue
    return valid


def _id_problems(document: _Document, key: str) -> Iterator[Problem]:
    """Ids must be slugs (they become page labels and property keys) and unique.

    Checked on the raw items, so that an item with other errors still has its id checked.
    """
    first: dict[str, int] = {}
    for index, ident in _raw_ids(document.data.get(key)):
        path = (key, index, "id")
        if not _SLUG.fullmatch(ident):
            yield document.about(path, f"'{ident}' is not a slug{_slug_hint(ident)}")
        if ident in first:
            other = (key, first[ident])
            yield document.about(
                path,
                f"'{ident}' is already the id of {key}[{other[1]}] (line {document.line(other)})",
            )
        else:
            first[ident] = index


def _raw_ids(raw: object) -> list[tuple[int, str]]:
    """The text ids of a raw list of items, by index."""
    items = raw if isinstance(raw, list) else []
    return [
        (index, item["id"])
        for index, item in enumerate(items)
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]


def _slug_hint(name: str) -> str:
    """What a slug is, with the one to use instead."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    like = f", like '{slug}'" if slug else ""
    return f": use lower-case letters, digits and hyphens{like} (it becomes a page label)"


def _reference(
    document: _Document, path: _Path, name: str, known: Sequence[str] | None, section: str
) -> Iterator[Problem]:
    """A name that must be defined in another section of the catalog."""
    if known is not None and name not in known:
        hint = did_you_mean(name, known)
        yield document.about(path, f"'{name}' is not defined under {section}{hint}")


def _kpi_problems(
    document: _Document, index: int, kpi: KpiDefinition, parts: _Parts
) -> Iterator[Problem]:
    """A KPI's references, and what its source, aggregation and direction require of it."""
    at = ("kpis", index)
    yield from _reference(document, (*at, "team"), kpi.team, parts.team_names, "teams")
    yield from _target_problems(document, at, kpi)
    yield from _static_value_problems(document, at, kpi)
    yield from _limit_problems(document, at, kpi)
    yield from _sprint_problems(document, at, kpi, parts)
    if kpi.formula is not None:
        yield from _formula_problems(document, at, kpi, kpi.formula, parts)
        return
    if kpi.manual:
        return  # its measurements come from its own page: nothing to check here
    yield from _reference(document, (*at, "source"), kpi.source, parts.source_names, "sources")
    source = parts.sources.get(kpi.source)
    if isinstance(source, SqlSourceConfig) and not kpi.query:
        yield document.about((*at, "query"), f"is required: source '{kpi.source}' is sql")
    if isinstance(source, StaticSourceConfig) and not kpi.values:
        yield document.about(
            (*at, "values"),
            f"is required: source '{kpi.source}' is static, so the catalog lists the values "
            "([{date: ..., value: ...}, ...])",
        )
    needs_columns = isinstance(source, _TABULAR)
    has_columns = bool(kpi.numerator and kpi.denominator)
    if kpi.aggregation is Aggregation.RATIO and needs_columns and not has_columns:
        yield document.about(
            (*at, "aggregation"),
            "is ratio, so numerator and denominator (the columns to divide) are required",
        )


def _static_value_problems(document: _Document, at: _Path, kpi: KpiDefinition) -> Iterator[Problem]:
    """One static value per date: two on one date would be merged into one measurement's
    period (summed or averaged, as the aggregation goes) without anyone having said so."""
    first: dict[date, int] = {}
    for position, entry in enumerate(kpi.values):
        earlier = first.setdefault(entry.date, position)
        if earlier != position:
            other = (*at, "values", earlier)
            yield document.about(
                (*at, "values", position, "date"),
                f"{entry.date} already has a value in values[{earlier}] "
                f"(line {document.line(other)}): give one value per date",
            )


def _sprint_problems(
    document: _Document, at: _Path, kpi: KpiDefinition, parts: _Parts
) -> Iterator[Problem]:
    """The sprint grain takes its periods from the rows of a csv, sql or plugin source."""
    sprint = kpi.grain is Grain.SPRINT
    tabular = isinstance(parts.sources.get(kpi.source), _TABULAR)
    if sprint and not tabular:
        yield document.about(
            (*at, "grain"),
            "is sprint, whose periods come from the rows of a csv, sql or plugin source; "
            "a derived, static or manual KPI has no such rows",
        )
    elif sprint and kpi.period_column is None:
        yield document.about(
            (*at, "period_column"),
            "is required: the sprint grain needs the column with each row's sprint start",
        )
    if not sprint and kpi.period_column is not None:
        yield document.about((*at, "period_column"), "is only used with grain: sprint")


def _target_problems(document: _Document, at: _Path, kpi: KpiDefinition) -> Iterator[Problem]:
    """Targets come after the baseline and in date order, milestones are dated and before the
    final target, and a `range` target needs its upper bound."""
    baseline, target = kpi.baseline, kpi.target
    if baseline and target and target.date and target.date <= baseline.date:
        yield document.about(
            (*at, "target", "date"),
            f"{target.date} must be after the baseline date {baseline.date}",
        )
    if kpi.milestones and target is None:
        yield document.about((*at, "target"), "is required: milestones lead to a final target")
    previous = baseline.date if baseline else None
    for position, milestone in enumerate(kpi.milestones):
        path = (*at, "milestones", position, "date")
        if milestone.date is None:
            yield document.about(path, "is required: a milestone is a target with a date")
            continue
        if previous is not None and milestone.date <= previous:
            yield document.about(path, f"{milestone.date} must be after {previous}")
        if target is not None and (target.date is None or milestone.date >= target.date):
            yield document.about(path, f"{milestone.date} must be before the target's date")
        previous = milestone.date
    yield from _order_problems(document, at, kpi)
    if kpi.direction is Direction.RANGE:
        yield from _range_problems(document, (*at, "target"), target)
        for position, milestone in enumerate(kpi.milestones):
            yield from _range_problems(document, (*at, "milestones", position), milestone)


def _order_problems(document: _Document, at: _Path, kpi: KpiDefinition) -> Iterator[Problem]:
    """An increase KPI's baseline, milestones and target must not go down in that order (a
    decrease KPI's not up): a target below the baseline of an increase KPI would have the
    pages show progress and a pace toward a value that is already passed. Equal values are
    allowed: a milestone may hold a level for a while."""
    wrong_way = _WRONG_WAY.get(kpi.direction)
    if wrong_way is None:
        return
    side, way, sign = wrong_way
    steps: list[tuple[str, float, _Path]] = []
    if kpi.baseline is not None:
        steps.append(("the baseline", kpi.baseline.value, (*at, "baseline", "value")))
    steps += [
        (f"milestones[{position}].value", milestone.value, (*at, "milestones", position, "value"))
        for position, milestone in enumerate(kpi.milestones)
    ]
    if kpi.target is not None:
        steps.append(("target.value", kpi.target.value, (*at, "target", "value")))
    for (before, earlier, _), (_, value, path) in pairwise(steps):
        if (value - earlier) * sign > 0:
            yield document.about(
                path,
                f"{value:g} is {side} {before} {earlier:g}: with direction "
                f"{kpi.direction.value}, the baseline, the milestones and the target must not "
                f"go {way} in that order",
            )


def _limit_problems(document: _Document, at: _Path, kpi: KpiDefinition) -> Iterator[Problem]:
    """Targets, milestones and the baseline lie within the KPI's own limits. Not checked
    against the defaults (0 to 100 for %): a catalog may hold a % KPI that goes beyond 100
    (attainment, growth) and has no need of limits until people type its values."""
    limits = kpi.limits
    if limits is None:
        return
    targets: list[tuple[_Path, Target]] = [
        (("milestones", i), milestone) for i, milestone in enumerate(kpi.milestones)
    ]
    if kpi.target is not None:
        targets.append((("target",), kpi.target))
    values: list[tuple[_Path, float]] = [((*path, "value"), t.value) for path, t in targets]
    values += [((*path, "upper"), t.upper) for path, t in targets if t.upper is not None]
    if kpi.baseline is not None:
        values.append((("baseline", "value"), kpi.baseline.value))
    for path, value in values:
        if limits.refuses(value):
            yield document.about(
                (*at, *path),
                f"{value:g} is outside the KPI's limits ({limits.said(kpi.unit)})",
            )


def _range_problems(document: _Document, path: _Path, target: Target | None) -> Iterator[Problem]:
    """A `range` target's band at `path`: `value` is its lower bound, `upper` its upper one."""
    name = _field_text(path[2:])
    if target is None or target.upper is None:
        yield document.about(
            (*path, "upper"), f"is required for direction range ({name}.value is the lower bound)"
        )
    elif target.upper < target.value:
        yield document.about(
            (*path, "upper"), f"{target.upper:g} must not be below {name}.value {target.value:g}"
        )


def _formula_problems(
    document: _Document, at: _Path, kpi: KpiDefinition, text: str, parts: _Parts
) -> Iterator[Problem]:
    """A derived KPI's formula (`text`) parses, names KPIs that exist, of the same grain."""
    path = (*at, "formula")
    try:
        formula = parse(text)
    except FormulaError as error:
        yield document.about(path, str(error))
        return
    grains = {other.id: other.grain for _, other in parts.kpis}
    for kpi_id in sorted(formula.kpis):
        if kpi_id == kpi.id:
            yield document.about(path, f"uses '{kpi_id}' itself: a KPI cannot derive from itself")
        elif kpi_id not in parts.kpi_ids:
            hint = did_you_mean(kpi_id, parts.kpi_ids)
            yield document.about(
                path,
                f"names '{kpi_id}', which is not a KPI{hint} "
                "(write a KPI id with _ for -, as in cash_flow)",
            )
        elif kpi_id in grains and grains[kpi_id] is not kpi.grain:
            yield document.about(
                path,
                f"uses '{kpi_id}', whose grain is {grains[kpi_id].value}: "
                f"a formula combines KPIs of its own grain ({kpi.grain.value})",
            )


def _cycle_problems(document: _Document, parts: _Parts) -> Iterator[Problem]:
    """Derived KPIs that depend on themselves through other formulas."""
    valid = [(index, kpi) for index, kpi in parts.kpis if _parses(kpi.formula)]
    try:
        evaluation_order(kpi for _, kpi in valid)
    except CycleError as error:
        index = next(index for index, kpi in valid if kpi.id == error.cycle[0])
        yield document.about(("kpis", index, "formula"), str(error))


def _parses(formula: str | None) -> bool:
    """Whether a formula parses (a bad one is reported on its own); True without formula."""
    try:
        return formula is None or bool(parse(formula))
    except FormulaError:
        return False


def _team_size_warnings(document: _Document, parts: _Parts) -> Iterator[Problem]:
    """Teams with more KPIs than the catalog's `max_team_kpis`."""
    limit = document.data.get("max_team_kpis", DEFAULT_TEAM_KPIS)
    if not isinstance(limit, int):
        return  # reported by validation
    counts = Counter(kpi.team for _, kpi in parts.kpis)
    for team, count in sorted(counts.items()):
        if count > limit and team in (parts.team_names or ()):
            yield document.about(
                ("teams", team),
                f"has {count} KPIs, more than max_team_kpis ({limit}): "
                "too many KPIs and none gets attention",
                "warning",
            )


def _goal_problems(document: _Document, index: int, goal: Goal, parts: _Parts) -> Iterator[Problem]:
    """A goal's references; a goal without deadline or KPIs is not SMART (warnings)."""
    at = ("goals", index)
    yield from _reference(document, (*at, "team"), goal.team, parts.team_names, "teams")
    for position, kpi_id in enumerate(goal.kpis):
        yield from _reference(document, (*at, "kpis", position), kpi_id, parts.kpi_ids, "kpis")
    if goal.deadline is None:
        yield document.about(at, "has no deadline: a SMART goal is time-bound", "warning")
    known = [kpi for _, kpi in parts.kpis if kpi.id in goal.kpis]
    if not goal.kpis:
        yield document.about(at, "has no KPIs: a SMART goal is measurable", "warning")
    elif known and not any(kpi.targets for kpi in known):
        yield document.about(
            (*at, "kpis"), "has no KPI with a target: a SMART goal is measurable", "warning"
        )
    if len(goal.kpis) > MAX_GOAL_KPIS:
        yield document.about(
            (*at, "kpis"),
            f"lists {len(goal.kpis)} KPIs: more than {MAX_GOAL_KPIS} blur a goal, "
            "keep the ones that decide it",
            "warning",
        )


def _source_warnings(document: _Document, name: str, source: SourceConfig) -> Iterator[Problem]:
    """Data files that are not there yet, and passwords written into the catalog."""
    at = ("sources", name)
    if isinstance(source, CsvSourceConfig) and not source.path.is_file():
        yield document.about((*at, "path"), f"{source.path} does not exist (yet)", "warning")
    if isinstance(source, SqlSourceConfig) and source.url:
        url = make_url(source.url)
        if url.password:
            yield document.about(
                (*at, "url"),
                "holds a password: put the URL in an environment variable and name it in url_env",
                "warning",
            )
        database = _sqlite_file(url)
        if database is not None and not database.is_file():
            yield document.about((*at, "url"), f"{database} does not exist (yet)", "warning")


def _sqlite_file(url: URL) -> Path | None:
    """The file a SQLite URL names; None for other databases and in-memory SQLite."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)
