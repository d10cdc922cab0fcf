"""Spaces: the start-up space, creation through the API (with its home page), unknown keys."""

from __future__ import annotations

from collections.abc import Callable

from confluence_kpi.sandbox import SandboxServer, SpaceSpec

from .helpers import Api, message


def test_default_space_has_a_home_page(api: Api) -> None:
    space = api.get("/rest/api/space/KPI", params={"expand": "homepage"}).json()
    assert space["name"] == "KPI"
    assert isinstance(space["id"], int)
    assert space["homepage"]["title"] == "KPI Home"


def test_space_created_through_the_api_gets_its_home_page(api: Api) -> None:
    created = api.post("/rest/api/space", json={"key": "OPS", "name": "Operations"})
    assert created.status_code == 200
    space = api.get("/rest/api/space/OPS", params={"expand": "homepage"}).json()
    assert space["homepage"]["title"] == "Operations Home"
    assert api.post("/rest/api/space", json={"key": "OPS", "name": "Again"}).status_code == 400


def test_unknown_space_is_404(api: Api, flavour: str) -> None:
    response = api.get("/rest/api/space/NOPE")
    assert response.status_code == 404
    assert message(response) == "No space with key : NOPE"
    if flavour == "cloud":
        assert response.json()["message"].startswith(
            "com.atlassian.confluence.api.service.exceptions.NotFoundException"
        )


def test_spaces_from_the_config(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(spaces=[SpaceSpec("OPS", "Operations"), SpaceSpec("HR", "People")])
    api = Api(server)
    assert api.get("/rest/api/space/HR").json()["name"] == "People"
    assert api.get("/rest/api/space/KPI").status_code == 404
