"""A web source's credentials: read from the variables its `auth` names, sent as headers.

The catalog names variables, never secrets; their values are read the way every setting is (the
environment, `.env`, `NAME_FILE`, the secrets directory: settings.secret_variable) when the
source is opened, so a missing one fails that source's KPIs and nothing else (ARCHITECTURE.md,
rule 5). Whatever holds a secret can scrub it from a message (rule 10).
"""

from __future__ import annotations

from base64 import b64encode
from dataclasses import dataclass, field

from confluence_kpi.catalog import SourceAuth
from confluence_kpi.logs import hide
from confluence_kpi.settings import SettingsError, secret_variable
from confluence_kpi.sources.table import SourceError

HIDDEN = "***"


@dataclass(frozen=True)
class Credentials:
    """The headers that sign a source's requests in, every secret they hold, and the
    variables those came from (to name in a message)."""

    headers: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    variables: tuple[str, ...] = ()

    def scrub(self, text: str) -> str:
        """`text` with every secret in it hidden: a server may echo what it was sent."""
        for secret in self.secrets:
            text = text.replace(secret, HIDDEN)
        return text


def read_credentials(auth: SourceAuth | None, origin: str) -> Credentials:
    """The credentials `auth` describes, read from its variables; none without `auth`."""
    if auth is None:
        return Credentials()
    if auth.type == "basic":
        password = read_secret(auth.password_env, origin)
        pair = b64encode(f"{auth.username}:{password}".encode()).decode("ascii")
        headers = {"Authorization": f"Basic {pair}"}
        return Credentials(headers, (password, pair), auth.variables)
    token = read_secret(auth.token_env, origin)
    if auth.type == "bearer":
        return Credentials({"Authorization": f"Bearer {token}"}, (token,), auth.variables)
    return Credentials({str(auth.header): token}, (token,), auth.variables)


def read_secret(variable: str | None, origin: str) -> str:
    """The value of `variable`, read like every setting; SourceError, starting with `origin`,
    naming the variable (never a value) when it is unset or cannot be read."""
    try:
        value = secret_variable(str(variable))
    except SettingsError as error:
        raise SourceError(f"{origin}: {error}") from None
    if value is None:
        raise SourceError(
            f"{origin}: {variable} is not set (nor {variable}_FILE, nor a file {variable} in "
            "the secrets directory)"
        )
    hide(value)  # from every log line too, whoever logs it
    return value
