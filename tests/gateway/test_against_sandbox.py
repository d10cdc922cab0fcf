"""The gateways over real HTTP against the sandbox: v1 on Data Center (/rest/api), v1 and v2 on
Cloud (/wiki)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from confluence_kpi.confluence import (
    AuthError,
    CloudGateway,
    ConflictError,
    Gateway,
    Property,
    Transport,
    gateway_for_api,
)
from confluence_kpi.sandbox import SandboxServer

from .helpers import Sleeps

SandboxFactory = Callable[..., SandboxServer]  # the shape of tests/conftest.py's fixture

MEMORY = "confluence-kpi"
FULL = ("body.storage", "metadata.labels", f"metadata.properties.{MEMORY}")


Login = Callable[..., Gateway | CloudGateway]
# The sandbox flavour and the REST API spoken to it.
SITES = [("dc", "v1"), ("cloud", "v1"), ("cloud", "v2")]
# The route that creates a page, by API.
CREATE = {"v1": "POST /rest/api/content", "v2": "POST /api/v2/pages"}


@pytest.fixture(params=SITES, ids=["dc", "cloud", "cloud-v2"])
def site(request: pytest.FixtureRequest) -> tuple[str, str]:
    """Each flavour with each API it serves."""
    flavour, api = request.param
    return flavour, api


@pytest.fixture
def api(site: tuple[str, str]) -> str:
    """The REST API the test's gateway speaks."""
    return site[1]


@pytest.fixture
def sandbox(site: tuple[str, str], sandbox_factory: SandboxFactory) -> SandboxServer:
    """A fresh sandbox of the site's flavour: Data Center at /rest/api, Cloud under /wiki."""
    return sandbox_factory(flavour=site[0])


@pytest.fixture
def login(sandbox: SandboxServer, api: str) -> Login:
    """Logs in as each flavour's users do: API token on Cloud, PAT on Data Center."""

    def gateway(secret: str = "", **kwargs: Any) -> Gateway | CloudGateway:
        if sandbox.base_url.endswith("/wiki"):
            transport = Transport(
                sandbox.base_url, username="admin", api_token=secret or "admin", **kwargs
            )
        else:
            transport = Transport(sandbox.base_url, pat=secret or "sandbox-pat", **kwargs)
        return CloudGateway(transport) if api == "v2" else Gateway(transport)

    return gateway


def control(sandbox: SandboxServer, path: str, payload: Any) -> None:
    """POST to the sandbox's control surface, at its root url, outside any context path."""
    requests.post(f"{sandbox.url}/_sandbox/{path}", json=payload, timeout=5).raise_for_status()


def test_round_trip_create_get_update_property_labels_search(
    sandbox: SandboxServer, login: Login
) -> None:
    gateway = login()
    space = gateway.check_space("KPI")
    created = gateway.create_page(
        "KPI",
        "First response time",
        "<p>5.5 h</p>",
        parent_id=space.homepage_id,
        labels=["confluence-kpi", "kpi"],
        properties={MEMORY: {"kpi": "first-response-time", "written": 1}},
    )
    read = gateway.get_page(created.id, expand=FULL)
    assert (read.title, read.version, read.space_key) == ("First response time", 1, "KPI")
    assert read.parent_id == space.homepage_id
    assert read.labels == {"confluence-kpi", "kpi"}
    assert read.body == "<p>5.5 h</p>"
    memory = read.properties[MEMORY]
    assert memory == Property(MEMORY, {"kpi": "first-response-time", "written": 1}, 1)

    updated = gateway.update_page(read, "First response time", "<p>4.9 h</p>")
    assert updated.version == 2
    assert gateway.set_property(created.id, MEMORY, {"written": 2}, current=memory).version == 2
    gateway.add_labels(created.id, ["kpi", "team-support"])

    again = gateway.get_page(created.id, expand=FULL)
    assert (again.version, again.body) == (2, "<p>4.9 h</p>")
    assert again.labels == {"confluence-kpi", "kpi", "team-support"}
    assert again.properties[MEMORY] == Property(MEMORY, {"written": 2}, 2)
    found = list(gateway.search('space = "KPI" and label = "team-support"', expand=FULL))
    assert [(page.id, page.version) for page in found] == [(created.id, 2)]


def test_search_follows_next_links_under_the_context_path(
    sandbox: SandboxServer, login: Login
) -> None:
    gateway = login()
    ids = {
        gateway.create_page("KPI", f"KPI {n}", "<p />", parent_id=None, labels=["kpi"]).id
        for n in range(5)
    }
    before = gateway.request_count
    found = [page.id for page in gateway.search('label = "kpi"', limit=2)]
    assert sorted(found) == sorted(ids)
    assert gateway.request_count - before == 3  # 2 + 2 + 1: every next link was followed


def test_stale_version_surfaces_as_conflict(sandbox: SandboxServer, login: Login) -> None:
    gateway = login()
    page = gateway.create_page("KPI", "Churn", "<p>1</p>", parent_id=None)
    gateway.update_page(page, "Churn", "<p>a person's edit</p>")  # moves the page to version 2
    with pytest.raises(ConflictError, match=r"cannot edit page \d+ 'Churn'"):
        gateway.update_page(page, "Churn", "<p>the bot's stale write</p>")
    assert gateway.get_page(page.id).body == "<p>a person's edit</p>"


def test_dropped_connection_after_create_does_not_duplicate_the_page(
    sandbox: SandboxServer, login: Login, api: str
) -> None:
    sleeps = Sleeps()
    gateway = login(sleep=sleeps)
    control(sandbox, "faults", {"rules": [{"method": "POST", "drop": "after", "count": 1}]})
    page = gateway.create_page(
        "KPI", "NPS", "<p>41</p>", parent_id=None, properties={MEMORY: {"kpi": "nps"}}
    )
    same_title = list(gateway.search('space = "KPI" and title = "NPS"'))
    assert [found.id for found in same_title] == [page.id]
    assert page.body == "<p>41</p>"
    assert len(sleeps) == 1  # the drop was noticed and retried, by re-reading, not re-posting
    stats = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=5).json()
    assert stats["by_route"][CREATE[api]] == 1


def test_429_from_the_server_is_waited_out(sandbox: SandboxServer, login: Login) -> None:
    sleeps = Sleeps()
    gateway = login(sleep=sleeps)
    rule = {"method": "GET", "status": 429, "retry_after": "1.5", "count": 2}
    control(sandbox, "faults", {"rules": [rule]})
    assert gateway.check_space("KPI").key == "KPI"
    assert sleeps == [1.5, 1.5]


def test_fractional_timeout_is_honoured_and_a_slow_get_retried(
    sandbox: SandboxServer, login: Login
) -> None:
    sleeps = Sleeps()
    gateway = login(sleep=sleeps, timeout=0.3)
    control(sandbox, "faults", {"rules": [{"method": "GET", "latency_ms": 1500, "count": 1}]})
    assert gateway.check_space("KPI").key == "KPI"
    assert len(sleeps) == 1


def test_wrong_credentials_are_an_auth_error(sandbox: SandboxServer, login: Login) -> None:
    gateway = login(secret="wrong-token")
    with pytest.raises(AuthError) as caught:
        gateway.check_space("KPI")
    assert "wrong-token" not in str(caught.value)
    assert sandbox.base_url in str(caught.value)


def test_auto_speaks_v2_where_the_site_serves_it_and_v1_elsewhere(
    sandbox: SandboxServer, site: tuple[str, str]
) -> None:
    transport = Transport(sandbox.base_url, username="admin", api_token="admin")
    gateway = gateway_for_api(transport, "auto")
    assert type(gateway) is (CloudGateway if site[0] == "cloud" else Gateway)
    assert transport.request_count == 1  # one question to the site, nothing else
    assert gateway.check_space("KPI").key == "KPI"
