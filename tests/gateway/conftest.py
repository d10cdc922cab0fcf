"""The gateway's fixtures: mocked HTTP, and a gateway over it that records its delays."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from confluence_kpi.confluence import Gateway, Transport

from .helpers import TOKEN, Sleeps
from .payloads import SITE


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def gateway(sleeps: Sleeps) -> Gateway:
    return Gateway(Transport(SITE, username="bot@example.com", api_token=TOKEN, sleep=sleeps))


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
