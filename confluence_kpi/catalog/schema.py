"""The catalog's schema: what a catalog file may say, as pydantic models.

A catalog holds sources, teams, goals and KPIs (the KPI's own definitions are in
`confluence_kpi.model`). Relative paths in sources (a csv `path`, a `sqlite:///file` URL) and
the `templates` directory are resolved against the directory the catalog file is in, passed as
the validation context's `base_dir`, so a catalog and its data move together.
"""

from __future__ import annotations

import codecs
import glob
import logging
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import (
    AfterValidator,
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
    Number,
    RollUp,
    Team,
    WholeNumber,
)
from confluence_kpi.plain_errors import did_you_mean, shown
from confluence_kpi.plugins import PluginError, load_plugin, plugin_types

log = logging.getLogger(__name__)

DEFAULT_TEAM_KPIS = 10  # the catalog's `max_team_kpis` when not set
DEFAULT_SQL_TIMEOUT = 60.0  # seconds a sql source's query may run, when the catalog sets none

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# --- source configurations -------------------------------------------------------------------


def _beside_catalog(path: Path, info: ValidationInfo) -> Path:
    """A relative path taken from the catalog's directory (passed as validation context)."""
    base = info.context.get("base_dir") if isinstance(info.context, dict) else None
    return base / path if isinstance(base, Path) and not path.is_absolute() else path


# The marks that may group a number's digits in text, with how people name them.
_THOUSANDS = {".": '"."', ",": '","', " ": '" " (a space)', "'": '"\'"', "": '"" (none)'}
# A moment with every part distinct, to check that a date_format reads what it writes.
_SAMPLE_MOMENT = datetime(2026, 12, 31, 23, 45, 56)
_CELL_RANGE = re.compile(r"([A-Z]{1,3})([1-9][0-9]*):([A-Z]{1,3})([1-9][0-9]*)")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP header name (RFC 9110)


def _variable_name(value: str) -> str:
    """An environment variable's name, as a source names the variable holding a secret."""
    if _VARIABLE_NAME.fullmatch(value):
        return value
    # A name mistyped is quoted; anything else may be the secret itself, pasted in its place.
    got = f" (got {value!r})" if re.fullmatch(r"[\w.-]{1,40}", value) else ", not a value"
    raise ValueError(f"must be an environment variable name like KPI_DB_URL{got}")


VariableName = Annotated[str, AfterValidator(_variable_name)]


def is_pattern(path: Path) -> bool:
    """Whether a csv `path` is a glob pattern (`exports/tickets-*.csv`) rather than one file.

    Only * and ? make one: brackets are common in file names (`tickets [2026].csv`)."""
    return any(mark in str(path) for mark in "*?")


def files_named(path: Path) -> list[Path]:
    """The files a csv `path` names, in file-name order: the one file, or every file its
    pattern matches; none when there is no such file."""
    if not is_pattern(path):
        return [path] if path.is_file() else []
    literal_brackets = str(path).replace("[", "[[]")  # see is_pattern
    return sorted(found for found in map(Path, glob.glob(literal_brackets)) if found.is_file())


class TextInCells(Definition):
    """How a file's text cells are read, for the file sources (csv, and excel's text cells):
    the marks of numbers written as text, and how dates are written as text."""

    decimal: Literal[".", ","] = "."
    thousands: str | None = None  # None: the other one of "." and ","
    date_format: str | None = None
    dayfirst: bool = False

    @field_validator("thousands")
    @classmethod
    def _grouping_mark(cls, value: str) -> str:
        if value not in _THOUSANDS:
            raise ValueError(f"must be one of {', '.join(_THOUSANDS.values())} (got {value!r})")
        return value

    @field_validator("date_format")
    @classmethod
    def _reads_a_date(cls, value: str) -> str:
        """A `strptime` format that reads back the day, month and year it writes."""
        try:
            read = datetime.strptime(_SAMPLE_MOMENT.strftime(value), value)
        except ValueError:
            read = None
        if read is None or read.date() != _SAMPLE_MOMENT.date():
            raise ValueError(
                "must be a date format with a day, a month and a year, like %d-%m-%Y "
                f"(got {value!r})"
            )
        return value

    @model_validator(mode="after")
    def _one_way_to_read(self) -> Self:
        if self.thousands == self.decimal:
            other = "," if self.decimal == "." else "."
            raise ValueError(
                f"has {self.decimal!r} both as decimal and as thousands mark: when digits are "
                f"grouped with {self.decimal!r}, set decimal: {other!r}"
            )
        if self.date_format is not None and self.dayfirst:
            raise ValueError("needs date_format or dayfirst, not both: date_format says it all")
        return self


class CsvSourceConfig(TextInCells):
    """CSV text with a header row: a file, files by a glob pattern (rows of all, in file-name
    order), or a download. `path` is relative to the catalog's directory; credentials for the
    `url` come from environment variables or secret files named here, never the catalog."""

    type: Literal["csv"]
    path: Path | None = None
    url: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8"
    auth_env: VariableName | None = None  # holds user:password, for HTTP basic auth
    headers_env: dict[str, VariableName] = Field(default_factory=dict)  # header: variable
    timeout: Annotated[Number, Field(gt=0)] = 30.0  # seconds to connect, and between bytes

    @field_validator("path")
    @classmethod
    def _resolve(cls, value: Path, info: ValidationInfo) -> Path:
        return _beside_catalog(value, info)

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        """An http(s) address without credentials in it (they are named in auth_env)."""
        parts = urlsplit(value)
        if parts.username or parts.password:  # checked first: the value must not be echoed
            raise ValueError("must not hold a user name or password: name them in auth_env")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            # Not quoted back: its query may hold a token.
            raise ValueError("must be a web address starting with http:// or https://")
        return value

    @field_validator("headers_env")
    @classmethod
    def _header_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"must map HTTP header names like X-Api-Key (got {name!r})")
        return value

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

    @model_validator(mode="after")
    def _one_place(self) -> Self:
        if (self.path is None) == (self.url is None):
            raise ValueError("needs exactly one of path and url")
        download = self.model_fields_set & {"auth_env", "headers_env", "timeout"}
        if self.path is not None and download:
            raise ValueError(f"has {', '.join(sorted(download))}, which only a url uses")
        return self


def _sheet(value: object) -> str | int:
    """A sheet's name, or its position: 1 for the first sheet."""
    if isinstance(value, str) and value:
        return value
    if type(value) is int and value >= 1:  # not a bool, which YAML's `true` would be
        return value
    raise ValueError(
        f"must be a sheet's name, or its position: 1 for the first sheet (got {shown(value)})"
    )


class ExcelSourceConfig(TextInCells):
    """A sheet of an Excel workbook (.xlsx, .xlsm), columns by their header; `path` is relative
    to the catalog's directory. The rows are those under `header_row` (1 when nothing else is
    said), those of the named `table`, or those of the cell `range` whose first row is the
    header. `sheet` is a sheet's name or its position (1 is the first sheet, the default)."""

    type: Literal["excel"]
    path: Path
    sheet: Annotated[str | int, PlainValidator(_sheet)] | None = None
    header_row: Annotated[WholeNumber, Field(ge=1)] | None = None
    table: str | None = Field(default=None, min_length=1)
    range: str | None = None

    @field_validator("path")
    @classmethod
    def _resolve(cls, value: Path, info: ValidationInfo) -> Path:
        return _beside_catalog(value, info)

    @field_validator("range")
    @classmethod
    def _cell_range(cls, value: str) -> str:
        """A range of cells from its top left to its bottom right corner, like B3:F40."""
        corners = _CELL_RANGE.fullmatch(value.upper())
        # Column letters order by length first: Z comes before AA.
        if corners is None or not (
            (len(corners[1]), corners[1]) <= (len(corners[3]), corners[3])
            and int(corners[2]) <= int(corners[4])
        ):
            raise ValueError(
                f"must be a range of cells from top left to bottom right, like B3:F40 "
                f"(got {value!r})"
            )
        return value.upper()

    @model_validator(mode="after")
    def _one_way_to_the_rows(self) -> Self:
        given = [name for name in ("header_row", "table", "range") if getattr(self, name)]
        if len(given) > 1:
            raise ValueError(f"needs one of header_row, table and range, not {' and '.join(given)}")
        if self.table is not None and self.sheet is not None:
            raise ValueError("has a table and a sheet: a table is on a sheet of its own")
        return self


class SqlSourceConfig(Definition):
    """A database reached through SQLAlchemy: `url`, or `url_env` naming a variable holding it.

    `url_env` keeps passwords out of the catalog; the source reads the variable when it runs.
    `timeout` is how many seconds one query may run before the database stops it.
    """

    type: Literal["sql"]
    url: str | None = None
    url_env: VariableName | None = None
    timeout: Number = Field(default=DEFAULT_SQL_TIMEOUT, gt=0)

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

    @model_validator(mode="after")
    def _one_url(self) -> SqlSourceConfig:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("needs exactly one of url and url_env")
        return self


class StaticSourceConfig(Definition):
    """Values written in the catalog itself, in each KPI's `values`."""

    type: Literal["static"]


# --- web API sources ---------------------------------------------------------------------------

# Names under which people write credentials: an `auth` option `token` or `password`, a header
# or query parameter called so. The catalog is shared and versioned, so such a name is refused
# with where the secret goes instead (ARCHITECTURE.md, rule 10); the value is never quoted.
_SECRET_NAME = re.compile(
    r"token|secret|passw(?:or)?d|api[-_]?key|authori[sz]ation|cookie|credential|signature",
    re.IGNORECASE,
)
_SECRETS_GO = (
    "a secret is never written in the catalog: put it in an environment variable (or a "
    "NAME_FILE file, or a file in the secrets directory) and name the variable in `auth`"
)
_FIELD_ID = re.compile(r"[A-Za-z0-9_.-]+")  # a Jira field id: created, customfield_10016


def _expression(value: str) -> str:
    """A JMESPath expression, compiled once here so that a typo is a catalog error."""
    try:
        jmespath.compile(value)
    except JMESPathError as error:
        raise ValueError(
            f"must be a JMESPath expression like data[*] (got {value!r}: {error})"
        ) from None
    return value


Expression = Annotated[str, AfterValidator(_expression)]


def _web_address(value: str) -> str:
    """An http(s) address that holds no credential: no user or password, no token parameter."""
    parts = urlsplit(value)
    if parts.username or parts.password:  # checked first: the value must not be echoed
        raise ValueError(f"must not hold a user name or password: {_SECRETS_GO}")
    secret = [name for name, _ in parse_qsl(parts.query) if _SECRET_NAME.search(name)]
    if secret:
        raise ValueError(
            f"has the parameter {secret[0]!r}, which holds a credential: {_SECRETS_GO}"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must start with http:// or https:// (got {value!r})")
    return value


WebAddress = Annotated[str, AfterValidator(_web_address)]


def _no_credentials(kind: str, names: dict[str, Any]) -> dict[str, Any]:
    """`names` (headers or query parameters) without one that holds a credential."""
    for name in names:
        if _SECRET_NAME.search(name):
            raise ValueError(
                f"has the {kind} {name!r}, which holds a credential: {_SECRETS_GO} "
                "(`type: bearer` sends Authorization, `type: header` any other header)"
            )
    return names


def _options_of(model: BaseModel, kind: str, needed: dict[str, tuple[str, ...]]) -> None:
    """Each `type` of `model` takes the options `needed` lists for it, all of them, and no
    option another type takes (`type` and options with a default of their own aside)."""
    given = {name for name in model.model_fields_set if name != "type"}
    taken = {name for names in needed.values() for name in names}
    missing = [name for name in needed[kind] if name not in given]
    foreign = sorted((given & taken) - set(needed[kind]))
    if missing:
        raise ValueError(f"needs {' and '.join(missing)} with type {kind}")
    if foreign:
        raise ValueError(f"has {', '.join(foreign)}, which type {kind} does not take")


class SourceAuth(Definition):
    """How a web source signs in. The secret is never in the catalog: the catalog names the
    variable holding it, read like every setting (the environment, `.env`, `NAME_FILE`, the
    secrets directory) when the source is opened."""

    type: Literal["bearer", "basic", "header"]
    token_env: VariableName | None = None  # bearer, header: the token or key
    username: str | None = None  # basic
    password_env: VariableName | None = None  # basic: the password or API token
    header: str | None = None  # header: its name, X-Api-Key

    @model_validator(mode="before")
    @classmethod
    def _no_literal_secret(cls, data: Any) -> Any:
        """`token: ...` or `password: ...` in the catalog: said where the secret goes."""
        if isinstance(data, dict):
            for key in data:
                if str(key) not in cls.model_fields and _SECRET_NAME.search(str(key)):
                    instead = "password_env" if "pass" in str(key).lower() else "token_env"
                    raise ValueError(
                        f"has {key!r}: {_SECRETS_GO}, as `{instead}: NAME_OF_THE_VARIABLE`"
                    )
        return data

    @model_validator(mode="after")
    def _complete(self) -> Self:
        needed = {
            "bearer": ("token_env",),
            "basic": ("username", "password_env"),
            "header": ("header", "token_env"),
        }
        _options_of(self, self.type, needed)
        return self

    @property
    def variables(self) -> tuple[str, ...]:
        """The variables holding this auth's secrets."""
        return tuple(name for name in (self.token_env, self.password_env) if name is not None)


class WebSourceConfig(Definition):
    """What every web API source has: the address, how it signs in, and how long it waits and
    how often it asks again (a 429, a 5xx or a timeout of a read; ARCHITECTURE.md, rule 9)."""

    url: WebAddress
    auth: SourceAuth | None = None
    timeout: Number = Field(default=30.0, gt=0)
    retries: WholeNumber = Field(default=4, ge=0, le=10)


class Paging(Definition):
    """How a web API hands out the rest of its answer: a next page's address in the answer
    (`next`) or in its Link header (`link_header`), a `cursor` to send back, or page numbers
    (`page`), which end with an empty page, or a page shorter than `size`."""

    type: Literal["next", "link_header", "cursor", "page"]
    next: Expression | None = None
    cursor: Expression | None = None
    param: str | None = None
    first: WholeNumber = 1
    size_param: str | None = None
    size: WholeNumber | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        needed = {
            "next": ("next",),
            "link_header": (),
            "cursor": ("cursor", "param"),
            "page": ("param",),
        }
        _options_of(self, self.type, needed)
        page_options = {"first", "size_param", "size"} & self.model_fields_set
        if self.type != "page" and page_options:
            raise ValueError(f"has {', '.join(sorted(page_options))}, which only type page takes")
        if (self.size_param is None) != (self.size is None):
            raise ValueError("needs size_param and size together: the size asked for, and how")
        return self


class HttpSourceConfig(WebSourceConfig):
    """A JSON web API: the answer's `points` (a JMESPath expression) are the rows, and
    `columns` name the cells of each point (by default, each point's own keys). `{start}`,
    `{end}` and the like in `url`, `params` and `body` are filled with the window of time the
    sync needs (sources/window.py)."""

    type: Literal["http"]
    method: Literal["GET", "POST"] = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    params: dict[str, str] = Field(default_factory=dict)
    body: dict[str, Any] | None = None
    points: Expression
    columns: dict[str, Expression] = Field(default_factory=dict)
    paging: Paging | None = None
    max_pages: WholeNumber = Field(default=100, ge=1)

    @field_validator("headers")
    @classmethod
    def _plain_headers(cls, value: dict[str, str]) -> dict[str, str]:
        return _no_credentials("header", value)

    @field_validator("params")
    @classmethod
    def _plain_params(cls, value: dict[str, str]) -> dict[str, str]:
        return _no_credentials("query parameter", value)

    @model_validator(mode="after")
    def _body_to_post(self) -> Self:
        if self.body is not None and self.method != "POST":
            raise ValueError("has a body, which only method POST sends")
        return self


class PrometheusSourceConfig(WebSourceConfig):
    """A Prometheus server's HTTP API: each KPI's `query` (PromQL) evaluated over the window at
    one point per `step` (without one, the step follows the KPIs' grain). Several series make
    a column each, named by their `label`."""

    type: Literal["prometheus"]
    step: Literal["day", "week"] | None = None
    label: str | None = None


class JiraDuration(Definition):
    """The time from one date column of an issue to another, in `unit`."""

    start: str = Field(alias="from")
    end: str = Field(alias="to")
    unit: Literal["hours", "days"] = "days"


# The columns a jira source's table always has: the key, and 1 to count it with.
JIRA_COLUMNS = ("key", "issues")
SPRINT_COLUMN = "sprint_start"


class JiraSourceConfig(WebSourceConfig):
    """Jira issues, one row for each that a KPI's `query` (JQL) finds: its key, `fields` as
    columns, `durations` between two of them, and with a `board` the start of the sprint each
    issue falls in (by its `sprint_by` column), read from the board's sprints."""

    type: Literal["jira"]
    api: Literal["auto", "cloud", "datacenter"] = "auto"
    fields: dict[str, str] = Field(
        default_factory=lambda: {"created": "created", "resolved": "resolutiondate"}
    )
    durations: dict[str, JiraDuration] = Field(default_factory=dict)
    board: WholeNumber | None = Field(default=None, ge=1)
    sprint_by: str = "resolved"
    page_size: WholeNumber = Field(default=100, ge=1, le=1000)
    max_pages: WholeNumber = Field(default=1000, ge=1)

    @field_validator("fields")
    @classmethod
    def _field_ids(cls, value: dict[str, str]) -> dict[str, str]:
        for column, field in value.items():
            if not _FIELD_ID.fullmatch(field):
                raise ValueError(
                    f"must map columns to Jira field ids like customfield_10016 "
                    f"(got {field!r} for {column!r})"
                )
        return value

    @model_validator(mode="after")
    def _columns_fit(self) -> Self:
        """Column names are unique, and durations and sprints name columns of `fields`."""
        taken = [*JIRA_COLUMNS, *self.fields, *self.durations]
        if self.board is not None:
            taken.append(SPRINT_COLUMN)
        twice = sorted({name for name in taken if taken.count(name) > 1})
        if twice:
            raise ValueError(
                f"names the column {twice[0]!r} twice "
                f"(key, issues and {SPRINT_COLUMN} are the source's own)"
            )
        for name, duration in self.durations.items():
            for end in (duration.start, duration.end):
                if end not in self.fields:
                    raise ValueError(
                        f"has durations.{name} from or to {end!r}, "
                        "which is not a column of `fields`"
                    )
        if self.board is not None and self.sprint_by not in self.fields:
            raise ValueError(f"has sprint_by {self.sprint_by!r}, which is not a column of `fields`")
        if self.auth is not None and self.auth.type == "header":
            raise ValueError("signs in to Jira with auth type basic or bearer, not header")
        return self


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


BUILT_IN_TYPES = ("csv", "excel", "sql", "static", "http", "prometheus", "jira", "confluence_table")
PLUGIN_TAG = "plugin"  # where pydantic's error locations put a plugin source's errors


def source_tag(value: object) -> str:
    """The member of the source union that validates `value`: a built-in type by its name,
    anything else as a plugin's (which says what is wrong when it is no plugin's either)."""
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if isinstance(kind, str) and kind in BUILT_IN_TYPES else PLUGIN_TAG


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
        return kind


def _plugin_source(value: object, info: ValidationInfo) -> PluginSourceConfig:
    """A source whose type no built-in has: resolved against the installed plugins as the
    catalog loads, so that a type no plugin adds, or options its model refuses, are errors
    with their line, not a failed run; a plugin that is installed but does not load is not."""
    if isinstance(value, PluginSourceConfig):
        return value
    named = _PluginType.model_validate(value)
    kind = str(named.type)
    options = dict(named.model_extra or {})
    try:
        model = load_plugin(kind).config_model
    except PluginError as error:
        # Installed but broken: third-party code the catalog cannot fix. The source fails as it
        # opens, marking its KPIs; every other KPI still syncs.
        log.warning("%s; the KPIs that read it fail until it is repaired", error)
        return PluginSourceConfig(type=kind, options=options)
    validated = None if model is None else model.model_validate(options, context=info.context)
    return PluginSourceConfig(type=kind, options=options, validated=validated)


# Sources that return tables of rows, from which a KPI picks its columns.
TABULAR = (
    CsvSourceConfig,
    ExcelSourceConfig,
    SqlSourceConfig,
    HttpSourceConfig,
    PrometheusSourceConfig,
    JiraSourceConfig,
    ConfluenceTableConfig,
    PluginSourceConfig,
)

SourceConfig = Annotated[
    Annotated[CsvSourceConfig, Tag("csv")]
    | Annotated[ExcelSourceConfig, Tag("excel")]
    | Annotated[SqlSourceConfig, Tag("sql")]
    | Annotated[StaticSourceConfig, Tag("static")]
    | Annotated[HttpSourceConfig, Tag("http")]
    | Annotated[PrometheusSourceConfig, Tag("prometheus")]
    | Annotated[JiraSourceConfig, Tag("jira")]
    | Annotated[ConfluenceTableConfig, Tag("confluence_table")]
    | Annotated[PluginSourceConfig, PlainValidator(_plugin_source), Tag(PLUGIN_TAG)],
    Discriminator(source_tag),
]


# --- the catalog -----------------------------------------------------------------------------


class Defaults(Definition):
    """Catalog-wide defaults that KPIs may override."""

    bands: Bands = Field(default_factory=Bands)
    rollup: RollUp = RollUp.WORST  # how a goal's status follows from its KPIs'


# Seconds per unit of a schedule's `every`.
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Schedule(Definition):
    """When `confluence-kpi run` syncs: `every` a duration (`30m`, `1h`, `1d`; `1s` serves
    tests) or `daily` at a time of day on the catalog's clock (`timezone`)."""

    every: str | None = Field(default=None, pattern=r"^[1-9][0-9]*[smhd]$")
    daily: str | None = Field(default=None, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")

    @model_validator(mode="after")
    def _one_of_the_two(self) -> Self:
        if (self.every is None) == (self.daily is None):
            raise ValueError('give one of every (such as 1h) and daily (such as "06:00")')
        return self

    @property
    def interval(self) -> timedelta:
        """The longest time between two runs: a worker silent for longer is stuck."""
        if self.every is None:
            return timedelta(days=1)
        return timedelta(seconds=int(self.every[:-1]) * _UNIT_SECONDS[self.every[-1]])


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
    # When `run` syncs; without one, every hour.
    schedule: Schedule = Field(default_factory=lambda: Schedule(every="1h"))
    # More KPIs than this on one team is a warning: too many KPIs and none gets attention.
    max_team_kpis: WholeNumber = Field(default=DEFAULT_TEAM_KPIS, ge=1)
    sources: dict[str, SourceConfig] = Field(default_factory=dict)
    teams: dict[str, Team] = Field(default_factory=dict)
    goals: tuple[Goal, ...] = ()
    kpis: tuple[KpiDefinition, ...] = ()

    @field_validator("space")
    @classmethod
    def _space_key(cls, value: str) -> str:
        # Confluence's keys are letters and digits (`~name` for a personal space): anything
        # else, an invisible character included, would only fail later as "space not found".
        if not re.fullmatch(r"~?[A-Za-z0-9]+", value):
            raise ValueError(
                f"must be a space key of letters and digits, like KPI (got {shown(value)})"
            )
        return value

    @field_validator("root_page")
    @classmethod
    def _a_title(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must be a page title, not only spaces")
        return value

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
