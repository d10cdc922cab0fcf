"""A local server that behaves like Confluence's REST API, for trying, previewing and testing."""

from confluence_kpi.sandbox.config import SandboxConfig, SpaceSpec, UserSpec
from confluence_kpi.sandbox.server import SandboxServer, run

__all__ = ["SandboxConfig", "SandboxServer", "SpaceSpec", "UserSpec", "run"]
