"""The sandbox's settings: where it listens, which Confluence it imitates, who may log in."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Flavour = Literal["dc", "cloud"]

DEFAULT_SPACE_KEY = "KPI"
DEFAULT_USER = "admin"
DEFAULT_SECRET = "admin"
DEFAULT_PAT = "sandbox-pat"


@dataclass(frozen=True)
class SpaceSpec:
    """A space to create at start-up: `--space KEY[:Name]`."""

    key: str
    name: str

    @classmethod
    def parse(cls, text: str) -> SpaceSpec:
        """Reads `KEY` or `KEY:Name` (the name defaults to the key)."""
        key, _, name = text.partition(":")
        if not key:
            raise ValueError(f"space {text!r}: expected KEY or KEY:Name")
        return cls(key, name or key)


@dataclass(frozen=True)
class UserSpec:
    """A login: `--user NAME:SECRET`, or `NAME:SECRET:read` for a read-only user."""

    name: str
    secret: str
    read_only: bool = False

    @classmethod
    def parse(cls, text: str) -> UserSpec:
        """Reads `NAME:SECRET[:read]`."""
        name, _, rest = text.partition(":")
        secret, _, mode = rest.partition(":")
        if not name or not secret or mode not in ("", "read"):
            raise ValueError(f"user {text!r}: expected NAME:SECRET or NAME:SECRET:read")
        return cls(name, secret, read_only=mode == "read")


@dataclass
class SandboxConfig:
    """Everything `confluence-kpi sandbox` can be told; the test fixture builds one directly."""

    host: str = "127.0.0.1"
    port: int = 8090
    data: Path | None = None
    # None means the flavour's usual place: "/wiki" for cloud, the root for dc.
    context_path: str | None = None
    flavour: Flavour = "dc"
    spaces: list[SpaceSpec] = field(default_factory=list)
    users: list[UserSpec] = field(default_factory=list)
    pats: list[str] = field(default_factory=list)
    latency_ms: int = 0
    seed: int = 0
    # None means: on when bound to a loopback address, where only this machine can reach it.
    control: bool | None = None

    @property
    def effective_context_path(self) -> str:
        """The context path with a leading slash and no trailing one ("" for the root)."""
        path = self.context_path
        if path is None:
            path = "/wiki" if self.flavour == "cloud" else ""
        path = path.strip("/")
        return f"/{path}" if path else ""

    @property
    def effective_spaces(self) -> list[SpaceSpec]:
        """The spaces to create; one `KPI` space when none is given."""
        return self.spaces or [SpaceSpec(DEFAULT_SPACE_KEY, DEFAULT_SPACE_KEY)]

    @property
    def effective_users(self) -> list[UserSpec]:
        """The logins; `admin:admin` when none is given."""
        return self.users or [UserSpec(DEFAULT_USER, DEFAULT_SECRET)]

    @property
    def effective_pats(self) -> list[str]:
        """Bearer tokens (all act as the first user); `sandbox-pat` when neither users nor
        tokens are given, so a bare sandbox can be tried with either kind of auth."""
        if self.pats or self.users:
            return list(self.pats)
        return [DEFAULT_PAT]

    @property
    def control_enabled(self) -> bool:
        """Whether `/_sandbox` answers; by default only on a loopback address."""
        if self.control is not None:
            return self.control
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False
