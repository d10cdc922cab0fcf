"""Connection, auth and runtime knobs: environment, `.env`, `VAR_FILE` and a secrets directory.

Each variable is taken from the first place that has it: the environment, then `.env` in the
working directory, then `VAR_FILE` (a file holding the value, the Docker convention: setting
both `VAR` and `VAR_FILE` is an error), then a file named `VAR` or `var` in the secrets directory
(`/run/secrets`, or `CONFLUENCE_KPI_SECRETS_DIR`), then the default. An empty value counts as
unset, as Compose passes `VAR=` for variables it has no value for. One trailing newline is
stripped from files, as editors and `echo` add one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from confluence_kpi.plain_errors import describe

SECRETS_DIR_VARIABLE = "CONFLUENCE_KPI_SECRETS_DIR"
DEFAULT_SECRETS_DIR = Path("/run/secrets")
DOTENV_FILE = Path(".env")
DEFAULT_CATALOG = Path("config/catalog.yaml")

AuthMode = Literal["basic", "bearer"]


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


class Settings(BaseSettings):
    """Validated settings; build them with `load_settings`, which gathers the values."""

    # hide_input_in_errors: pydantic's own error text would otherwise quote a bad token.
    # validate_default=False: pydantic-settings turns it on, and the defaults need no check.
    model_config = SettingsConfigDict(
        frozen=True, hide_input_in_errors=True, extra="forbid", validate_default=False
    )

    url: str | None = Field(default=None, validation_alias="CONFLUENCE_URL")
    username: str | None = Field(default=None, validation_alias="CONFLUENCE_USERNAME")
    api_token: Token | None = Field(default=None, validation_alias="CONFLUENCE_API_TOKEN")
    pat: Token | None = Field(default=None, validation_alias="CONFLUENCE_PAT")
    space: str | None = Field(default=None, validation_alias="CONFLUENCE_SPACE")
    catalog_path: Path = Field(default=DEFAULT_CATALOG, validation_alias="KPI_CONFIG")
    timeout: float = Field(default=30.0, gt=0, validation_alias="CONFLUENCE_TIMEOUT")
    verify_tls: bool = Field(default=True, validation_alias="CONFLUENCE_VERIFY_TLS")
    max_retries: int = Field(default=5, ge=0, validation_alias="CONFLUENCE_MAX_RETRIES")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the values passed in: `load_settings` applies the precedence, in one place."""
        return (init_settings,)

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
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"must start with http:// or https://, got {value!r}")
        url = value.rstrip("/")
        if parts.hostname.endswith(".atlassian.net") and not urlsplit(url).path.endswith("/wiki"):
            raise ValueError(f"is a Confluence Cloud site, so it ends in /wiki: {url}/wiki")
        return url

    @property
    def auth_mode(self) -> AuthMode | None:
        """`bearer` with a personal access token (Data Center), `basic` with an API token."""
        if self.pat is not None:
            return "bearer"
        return "basic" if self.api_token is not None else None


class _UnavailableError(Exception):
    """A variable whose value cannot be had; the message says why."""


_NAMES = tuple(str(field.validation_alias) for field in Settings.model_fields.values())
_SECRETS = frozenset({"CONFLUENCE_API_TOKEN", "CONFLUENCE_PAT"})


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings from `env` (default: the process environment) and the places listed above."""
    values, problems = _gather(os.environ if env is None else env)
    settings: Settings | None = None
    try:
        settings = Settings.model_validate(values)
    except ValidationError as invalid:
        problems += [_said(error) for error in invalid.errors()]
    problems += _auth_problems(values)
    if problems or settings is None:
        raise SettingsError(problems)
    return settings


def catalog_path(env: Mapping[str, str] | None = None) -> Path:
    """Where the catalog is (`KPI_CONFIG`), even when other settings are broken.

    `validate` checks the catalog whatever else is wrong, so that one run shows every problem.
    """
    values, _ = _gather(os.environ if env is None else env)
    return Path(values.get("KPI_CONFIG", DEFAULT_CATALOG))


def _gather(environ: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Each variable's raw value from the first place that has it, and what could not be read."""
    variables = _variables(environ)
    problems: list[str] = []
    secrets_dir = _secrets_dir(variables, problems)
    values: dict[str, str] = {}
    for name in _NAMES:
        try:
            value = _value_of(name, variables, secrets_dir)
        except _UnavailableError as unavailable:
            problems.append(str(unavailable))
            continue
        if value is not None:
            values[name] = value
    return values, problems


def _variables(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment over `.env`: a variable set explicitly wins, as everywhere else."""
    dotenv = DotEnvSettingsSource(Settings, env_file=DOTENV_FILE, case_sensitive=True).env_vars
    merged = {**dotenv, **environ}
    return {name: value for name, value in merged.items() if value}


def _secrets_dir(variables: Mapping[str, str], problems: list[str]) -> Path | None:
    """The directory of secret files; only a directory that was asked for must exist."""
    asked = variables.get(SECRETS_DIR_VARIABLE)
    if asked is None:
        return DEFAULT_SECRETS_DIR if DEFAULT_SECRETS_DIR.is_dir() else None
    if not Path(asked).is_dir():
        problems.append(f"{SECRETS_DIR_VARIABLE} must name a directory, got {asked!r}")
        return None
    return Path(asked)


def _value_of(name: str, variables: Mapping[str, str], secrets_dir: Path | None) -> str | None:
    """One variable's value from the first place that has it (see the module docstring)."""
    file_variable = f"{name}_FILE"
    if name in variables and file_variable in variables:
        raise _UnavailableError(f"{name} and {file_variable} are both set: keep one")
    if name in variables:
        return variables[name]
    if file_variable in variables:
        return _read(Path(variables[file_variable]), file_variable)
    if secrets_dir is not None:
        for file_name in (name, name.lower()):
            if (secrets_dir / file_name).is_file():
                return _read(secrets_dir / file_name, f"the secret file {file_name}")
    return None


def _read(path: Path, origin: str) -> str:
    """A file's text less one trailing newline; `origin` names it in the error."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        raise _UnavailableError(f"{origin} ({path}) cannot be read: {reason}") from None
    return text.removesuffix("\n").removesuffix("\r")


def _said(error: ErrorDetails) -> str:
    """A validation error as a sentence naming the variable; a secret's value is never shown."""
    name = str(error["loc"][0])  # every field is flat, so the location is the variable
    return f"{name} {describe(error, show_input=name not in _SECRETS)}"


def _auth_problems(values: Mapping[str, str]) -> list[str]:
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
