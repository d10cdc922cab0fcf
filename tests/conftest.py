"""Shared fixtures: a factory of running sandboxes, for the sandbox's tests and the product's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from confluence_kpi.sandbox import SandboxConfig, SandboxServer

SandboxFactory = Callable[..., SandboxServer]


@pytest.fixture
def sandbox_factory() -> Iterator[SandboxFactory]:
    """Starts sandboxes on free ports (keyword arguments are `SandboxConfig` fields) and stops
    them all when the test ends."""
    servers: list[SandboxServer] = []

    def start(**overrides: Any) -> SandboxServer:
        server = SandboxServer(SandboxConfig(port=0, **overrides))
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
