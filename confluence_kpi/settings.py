"""Connection, auth and runtime knobs: environment, `.env`, `VAR_FILE` and a secrets directory.

Each variable is taken from the first place that has it: the environment, then `.env` in the
working directory, then `VAR_FILE` (a file holding the value, the Docker convention: setting
both `VAR` and `VAR_FILE` is an error), then a file named `VAR` or `var` in the secrets directory
(`/run/secrets`, or `CONFLUENCE_KPI_SECRETS_DIR`), then the default. An empty value counts as
unset, as Compose passes `VAR=` for variables it has no value for. Whitespace around a file's
value is stripped, as editors and `echo` add a newline.

Each place is a pydantic-settings source and the order of `Settings.settings_customise_sources`
is the precedence; pydantic-settings has no source for `VAR_FILE`, so that one is ours.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from dotenv.parser import Binding, parse_stream
from pydantic import (
    AfterValidator,
    Field,
    SecretStr,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

from confluence_kpi.plain_errors import describe, visible

SECRETS_DIR_VARIABLE = "CONFLUENCE_KPI_SECRETS_DIR"
DEFAULT_SECRETS_DIR = Path("/run/secrets")
DOTENV_FILE = Path(".env")
DEFAULT_CATALOG = Path("config/catalog.yaml")
DEFAULT_SOURCE_WORKERS = 4  # sources read at the same time (KPI_SOURCE_WORKERS)
MOST_SOURCE_WORKERS = 64
DEFAULT_WRITE_WORKERS = 4  # pages written at the same time (KPI_WRITE_WORKERS)
# Requests a second to the site (CONFLUENCE_REQUESTS_PER_SECOND), averaged, in bursts of up to
# a second's worth: a few writers at Cloud's latency stay under it, eight on a fast site do not.
DEFAULT_REQUESTS_PER_SECOND = 20.0

AuthMode = Literal["basic", "bearer"]
# The environment `load_settings` reads for this call: the process's, or one given (the demo's
# and the tests'). pydantic-settings builds its sources in a class method, so the environment
# reaches them here rather than as an argument.
_ENVIRONMENT: ContextVar[Mapping[str, str]] = ContextVar("environment")
# The error type of a variable whose value cannot be had; its message is the whole sentence.
_UNAVAILABLE = "setting_unavailable"


class SettingsError(Exception):
    """The settings are unusable; `problems` says every reason, one sentence each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _one_token(value: SecretStr) -> SecretStr:
    """A token goes into an HTTP header: a space or line break means a damaged paste or file."""
    if any(character.isspace() for character in value.get_secret_value()):
        raise ValueError("must be one line without spaces (check where it was copied from)")
    return value


Token = Annotated[SecretStr, AfterValidator(_one_token)]


class _FromTheEnvironment(BaseSettings):
    """Settings read from the places listed in the module docstring, in that order."""

    # hide_input_in_errors: pydantic's own error text would otherwise quote a bad token.
    # validate_default=False: pydantic-settings turns it on, and the defaults need no check.
    # extra="ignore": `.env` may hold other variables than ours.
    model_config = SettingsConfigDict(
        frozen=True,
        hide_input_in_errors=True,
        extra="ignore",
        validate_default=False,
        case_sensitive=True,
        env_ignore_empty=True,
        env_file=DOTENV_FILE,
        env_file_encoding="utf-8",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The places a value comes from, the first that has it winning (module docstring)."""
        environment = _GivenEnvironmentSource(settings_cls, _ENVIRONMENT.get(os.environ))
        assert isinstance(dotenv_settings, DotEnvSettingsSource)
        # `VAR_FILE` and the secrets directory may be set in either of those two places.
        variables = {
            name: value
            for name, value in {**dotenv_settings.env_vars, **environment.env_vars}.items()
            if value is not None
        }
        # `VAR_FILE` comes first, though it ranks after `.env`: it yields a value only where
        # neither place sets `VAR`, and where one does, the error that both are set must win.
        return (
            _FileVariableSource(settings_cls, variables),
            environment,
            dotenv_settings,
            SecretsSettingsSource(
                settings_cls, secrets_dir=_secrets_dir(variables), case_sensitive=False
            ),
        )

    @field_validator("*", mode="before")
    @classmethod
    def _available(cls, value: object) -> object:
        """A variable whose value could not be had is an error saying why."""
        if isinstance(value, _Unavailable):
            raise PydanticCustomError(_UNAVAILABLE, "{reason}", {"reason": value.reason})
        return value


class Settings(_FromTheEnvironment):
    """Validated settings; `load_settings` reads them and says every problem at once."""

    url: str | None = Field(default=None, validation_alias="CONFLUENCE_URL")
    username: str | None = Field(default=None, validation_alias="CONFLUENCE_USERNAME")
    api_token: Token | None = Field(default=None, validation_alias="CONFLUENCE_API_TOKEN")
    pat: Token | None = Field(default=None, validation_alias="CONFLUENCE_PAT")
    space: str | None = Field(default=None, validation_alias="CONFLUENCE_SPACE")
    catalog_path: Path = Field(default=DEFAULT_CATALOG, validation_alias="KPI_CONFIG")
    timeout: float = Field(
        default=30.0, gt=0, allow_inf_nan=False, validation_alias="CONFLUENCE_TIMEOUT"
    )
    verify_tls: bool = Field(default=True, validation_alias="CONFLUENCE_VERIFY_TLS")
    # The CA certificates (a PEM file) that the site's certificate is checked against, for a
    # site whose CA is a company's own; else the system's (or REQUESTS_CA_BUNDLE's).
    ca_bundle: Path | None = Field(default=None, validation_alias="CONFLUENCE_CA_BUNDLE")
    # At most 20: with waits capped at a minute each, an endless 429 storm still ends.
    max_retries: int = Field(default=5, ge=0, le=20, validation_alias="CONFLUENCE_MAX_RETRIES")
    # Which REST API to speak: v2 on Cloud, v1 on Data Center, asked of the site when "auto".
    api: Literal["auto", "v1", "v2"] = Field(default="auto", validation_alias="CONFLUENCE_API")
    # The worker (`run`): its heartbeat file, which `health` reads; how late a run may be
    # beyond its schedule before `health` fails; how long the lease holds without renewal.
    heartbeat_file: Path = Field(
        default=Path(tempfile.gettempdir()) / "confluence-kpi-heartbeat.json",
        validation_alias="KPI_HEARTBEAT_FILE",
    )
    health_grace: float = Field(default=600.0, gt=0, validation_alias="KPI_HEALTH_GRACE")
    lease_seconds: float = Field(default=600.0, gt=0, validation_alias="KPI_LEASE_SECONDS")
    # How many sources are read at the same time: slow ones wait side by side, and no more
    # than this many connections are open to the databases and services behind them.
    source_workers: int = Field(
        default=DEFAULT_SOURCE_WORKERS,
        ge=1,
        le=MOST_SOURCE_WORKERS,
        validation_alias="KPI_SOURCE_WORKERS",
    )
    # How many pages are written at the same time, parents before children; 1 writes them one
    # after the other. Every writer shares the site's connection and its request rate.
    write_workers: int = Field(
        default=DEFAULT_WRITE_WORKERS, ge=1, le=32, validation_alias="KPI_WRITE_WORKERS"
    )
    # How many requests a second the bot sends to the site at most (0: no limit); a 429's
    # Retry-After holds every request either way.
    requests_per_second: float = Field(
        default=DEFAULT_REQUESTS_PER_SECOND,
        ge=0,
        allow_inf_nan=False,
        validation_alias="CONFLUENCE_REQUESTS_PER_SECOND",
    )
    # Where secret files are looked for; read by the sources, checked here like any setting.
    secrets_dir: str | None = Field(default=None, validation_alias=SECRETS_DIR_VARIABLE)

    @model_validator(mode="wrap")
    @classmethod
    def _every_problem_at_once(cls, values: Any, handler: Callable[[Any], Settings]) -> Settings:
        """Every value's problems and the auth style's, together, as one `SettingsError`.

        Raised from here since the auth check needs the values as given (a token that was set
        but is invalid is still set), and a field error must not hide it."""
        problems = _dotenv_problems()
        problems += _auth_problems(values) if isinstance(values, Mapping) else []
        try:
            settings = handler(values)
        except ValidationError as invalid:
            raise SettingsError([_said(error) for error in invalid.errors()] + problems) from None
        if problems:
            raise SettingsError(problems)
        return settings

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        """An http(s) address without credentials in it; Cloud sites need their `/wiki` path."""
        try:
            parts = urlsplit(value)
        except ValueError:
            raise ValueError("is not a valid web address") from None
        if parts.username or parts.password:  # checked first: the value must not be echoed
            raise ValueError(
                "must not hold a user name or password: use CONFLUENCE_USERNAME and "
                "CONFLUENCE_API_TOKEN, or CONFLUENCE_PAT"
            )
        if visible(value) != value:  # pasted with a no-break or zero-width space
            raise ValueError(f"holds a character that shows nothing: {visible(value)}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"must start with http:// or https://, got {value!r}")
        url = value.rstrip("/")
        if parts.hostname.endswith(".atlassian.net") and not urlsplit(url).path.endswith("/wiki"):
            raise ValueError(f"is a Confluence Cloud site, so it ends in /wiki: {url}/wiki")
        return url

    @field_validator("ca_bundle")
    @classmethod
    def _readable_file(cls, value: Path) -> Path:
        """The bundle must be there and readable now, not at the first request."""
        try:
            with value.open("rb"):
                pass
        except OSError as error:
            raise ValueError(
                f"must name a readable PEM file of CA certificates: {value}: {error.strerror}"
            ) from None
        return value

    @field_validator("secrets_dir")
    @classmethod
    def _a_directory(cls, value: str) -> str:
        """Only a secrets directory that was asked for must exist (the default may not)."""
        if not Path(value).is_dir():
            raise ValueError(f"must name a directory, got {value!r}")
        return value

    @property
    def auth_mode(self) -> AuthMode | None:
        """`bearer` with a personal access token (Data Center), `basic` with an API token."""
        if self.pat is not None:
            return "bearer"
        return "basic" if self.api_token is not None else None


class _CatalogOnly(_FromTheEnvironment):
    """The catalog's path alone, read the same way as every setting."""

    catalog_path: Path = Field(default=DEFAULT_CATALOG, validation_alias="KPI_CONFIG")


class _GivenEnvironmentSource(EnvSettingsSource):
    """pydantic-settings' environment source over a given environment, not only `os.environ`."""

    def __init__(self, settings_cls: type[BaseSettings], environment: Mapping[str, str]) -> None:
        self._environment = environment
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # The hook pydantic-settings' own dotenv source overrides the same way.
        return {name: value for name, value in self._environment.items() if value}


class _Unavailable:
    """A variable whose value cannot be had, and the sentence saying why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _FileVariableSource(PydanticBaseSettingsSource):
    """`VAR_FILE`: the value of `VAR` in a file (the Docker secrets convention)."""

    def __init__(self, settings_cls: type[BaseSettings], variables: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self._variables = variables

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """The field's value from its `_FILE` variable; an `_Unavailable` when it cannot be."""
        name = str(field.validation_alias)
        file_variable = f"{name}_FILE"
        if file_variable not in self._variables:
            return None, name, False
        if name in self._variables:
            return _Unavailable(f"{name} and {file_variable} are both set: keep one"), name, False
        return _read(Path(self._variables[file_variable]), file_variable), name, False

    def __call__(self) -> dict[str, Any]:
        found = {}
        for field_name, field in self.settings_cls.model_fields.items():
            value, name, _ = self.get_field_value(field, field_name)
            if value is not None:
                found[name] = value
        return found


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings from `env` (default: the process environment) and the places listed above."""
    with _environment(os.environ if env is None else env):
        _readable_dotenv()
        return Settings()


def _readable_dotenv() -> None:
    """SettingsError when `.env` is not UTF-8 text, which its reader would fail on unsaid."""
    if not DOTENV_FILE.is_file():
        return
    try:
        DOTENV_FILE.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        bad = error.object[error.start]
        raise SettingsError(
            [f"{DOTENV_FILE} is not UTF-8 text (byte {bad:#04x}): save it as UTF-8"]
        ) from None


def secret_variable(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """The value of the variable `name` that a catalog names for a secret (a source's
    credentials), read from the places every setting is read from; None when it is unset.

    SettingsError when it cannot be had (`NAME` and `NAME_FILE` both set, an unreadable file);
    the message names the variable, never its value."""
    with _environment(os.environ if env is None else env):
        _readable_dotenv()
        try:
            return _variable_model(name)().value
        except ValidationError as invalid:
            raise SettingsError([_said(error) for error in invalid.errors()]) from None


@cache
def _variable_model(name: str) -> type[_Variable]:
    """Settings of the one variable `name`: the places of every setting, for a name that only
    the catalog knows."""
    field = Annotated[str | None, Field(default=None, validation_alias=name)]
    return create_model(f"_Variable_{name}", __base__=_Variable, value=field)


class _Variable(_FromTheEnvironment):
    """A variable's value; `_variable_model` gives the field its name."""

    value: str | None = None


def catalog_path(env: Mapping[str, str] | None = None) -> Path:
    """Where the catalog is (`KPI_CONFIG`), even when other settings are broken.

    `validate` checks the catalog whatever else is wrong, so that one run shows every problem.
    """
    with _environment(os.environ if env is None else env):
        try:
            _readable_dotenv()
            return _CatalogOnly().catalog_path
        except (ValidationError, SettingsError):
            return DEFAULT_CATALOG


@contextmanager
def _environment(environment: Mapping[str, str]) -> Iterator[None]:
    """The environment the settings' sources read while this block runs."""
    token = _ENVIRONMENT.set(environment)
    try:
        yield
    finally:
        _ENVIRONMENT.reset(token)


def _secrets_dir(variables: Mapping[str, str]) -> Path | None:
    """The directory of secret files, if there is one (a missing one asked for is an error)."""
    asked = variables.get(SECRETS_DIR_VARIABLE)
    directory = DEFAULT_SECRETS_DIR if asked is None else Path(asked)
    return directory if directory.is_dir() else None


def _read(path: Path, origin: str) -> str | _Unavailable:
    """A file's text less surrounding whitespace; `origin` names it when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        return _Unavailable(f"{origin} ({path}) cannot be read: {reason}")


def _said(error: ErrorDetails) -> str:
    """A validation error as a sentence naming the variable; a secret's value is never shown."""
    if error["type"] == _UNAVAILABLE:
        return error["msg"]
    name = str(error["loc"][0])  # every field is flat, so the location is the variable
    said = visible(describe(error, show_input=name not in _SECRETS))
    return f"{name}{_place(name)} {said}"


def _place(name: str) -> str:
    """ " (in .env)" for a variable set there and not in the environment: where to look."""
    if name in _ENVIRONMENT.get(os.environ) or not DOTENV_FILE.is_file():
        return ""
    return f" (in {DOTENV_FILE})" if name in _dotenv_names() else ""


def _dotenv_names() -> set[str]:
    return {binding.key for binding in _dotenv_bindings() if binding.key}


def _dotenv_problems() -> list[str]:
    """The lines of `.env` that cannot be read, which would otherwise be skipped unsaid; the
    line itself is never quoted, as it may hold a secret."""
    return [
        f"{DOTENV_FILE}, line {binding.original.line}: cannot be read as NAME=value (a quote "
        "left open, or a line without =)"
        for binding in _dotenv_bindings()
        if binding.error
    ]


def _dotenv_bindings() -> list[Binding]:
    if not DOTENV_FILE.is_file():
        return []
    with DOTENV_FILE.open(encoding="utf-8", errors="replace") as stream:
        return list(parse_stream(stream))


_SECRETS = frozenset({"CONFLUENCE_API_TOKEN", "CONFLUENCE_PAT"})


def _auth_problems(values: Mapping[str, object]) -> list[str]:
    """Exactly one auth style: username + API token (Cloud) or a PAT (Data Center)."""
    username, token, pat = (
        name in values for name in ("CONFLUENCE_USERNAME", "CONFLUENCE_API_TOKEN", "CONFLUENCE_PAT")
    )
    if pat and (username or token):
        return [
            "set either CONFLUENCE_PAT (Data Center) or CONFLUENCE_USERNAME and "
            "CONFLUENCE_API_TOKEN (Cloud), not both"
        ]
    if username != token:
        have, need = (
            ("CONFLUENCE_USERNAME", "CONFLUENCE_API_TOKEN")
            if username
            else ("CONFLUENCE_API_TOKEN", "CONFLUENCE_USERNAME")
        )
        return [f"{have} is set but {need} is not: basic auth needs both"]
    if "CONFLUENCE_URL" in values and not (token or pat):
        return [
            "CONFLUENCE_URL is set but no credentials are: set CONFLUENCE_USERNAME and "
            "CONFLUENCE_API_TOKEN (Cloud) or CONFLUENCE_PAT (Data Center)"
        ]
    return []
