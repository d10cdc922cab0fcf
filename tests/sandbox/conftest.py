"""Fixtures for the sandbox's contract tests: each runs against dc (at the root) and cloud
(under /wiki), through plain requests and through atlassian-python-api."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from atlassian import Confluence

from confluence_kpi.sandbox import SandboxServer

from .helpers import USER, Api


@pytest.fixture(params=["dc", "cloud"])
def flavour(request: pytest.FixtureRequest) -> str:
    """Both flavours: dc at the root, cloud under /wiki."""
    return str(request.param)


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., SandboxServer], flavour: str) -> SandboxServer:
    """A fresh sandbox of the test's flavour."""
    return sandbox_factory(flavour=flavour)


@pytest.fixture
def api(sandbox: SandboxServer) -> Api:
    """Plain requests against the sandbox, as admin."""
    return Api(sandbox)


@pytest.fixture
def confluence(sandbox: SandboxServer) -> Confluence:
    """atlassian-python-api against the sandbox; `cloud=False` keeps the v1 paths under /wiki."""
    # atlassian-python-api's constructor has no annotations; the instance is typed all the same.
    return Confluence(  # type: ignore[no-untyped-call]
        url=sandbox.base_url, username=USER[0], password=USER[1], cloud=False
    )
