"""Shared fixtures: a factory of running sandboxes, for the sandbox's tests and the product's;
Hypothesis' profiles."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from confluence_kpi.sandbox import SandboxConfig, SandboxServer

SandboxFactory = Callable[..., SandboxServer]

# HYPOTHESIS_PROFILE=fuzz: a long run by hand (tests/pages/test_fuzz_*.py keep their example
# counts small unless it is loaded). A slow example is a finding, not a flake: 5 s each.
settings.register_profile(
    "fuzz",
    max_examples=1000,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


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
