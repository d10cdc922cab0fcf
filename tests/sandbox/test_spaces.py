"""Spaces: the start-up space, creation through the API (with its home page), updates of the
name, description and home page, unknown keys."""

from __future__ import annotations

from collections.abc import Callable

from atlassian import Confluence

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


def test_a_space_is_renamed_and_described_in_place(confluence: Confluence, api: Api) -> None:
    description = {"plain": {"value": "Where the KPIs live", "representation": "plain"}}
    updated = confluence.update_space("KPI", {"name": "Key figures", "description": description})
    assert updated["name"] == "Key figures"
    assert updated["description"]["plain"]["value"] == "Where the KPIs live"
    space = api.get("/rest/api/space/KPI", params={"expand": "description.plain,homepage"}).json()
    assert space["name"] == "Key figures"
    assert space["description"]["plain"]["value"] == "Where the KPIs live"
    assert space["homepage"]["title"] == "KPI Home"  # what was not sent stays


def test_a_spaces_home_page_is_set_to_one_of_its_pages(confluence: Confluence, api: Api) -> None:
    page = api.create_page("New home")
    confluence.set_space_homepage("KPI", page["id"])
    space = api.get("/rest/api/space/KPI", params={"expand": "homepage"}).json()
    assert space["homepage"]["id"] == page["id"]


def test_space_update_refusals(api: Api) -> None:
    api.post("/rest/api/space", json={"key": "OPS", "name": "Operations"})
    elsewhere = api.create_page("Elsewhere", space="OPS")
    cases = [
        ({"name": " "}, 400),
        ({"key": "OTHER"}, 400),
        ({"description": {"plain": {"value": "<p>x</p>", "representation": "storage"}}}, 400),
        ({"homepage": {"id": elsewhere["id"]}}, 400),
    ]
    for body, status in cases:
        assert api.put("/rest/api/space/KPI", json=body).status_code == status, body
    assert api.put("/rest/api/space/NOPE", json={"name": "x"}).status_code == 404
    assert api.get("/rest/api/space/KPI").json()["name"] == "KPI"
