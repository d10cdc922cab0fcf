"""Content properties through the cloud sandbox's v2, named by property id: create, read, list,
update with their own versions (409 when stale), delete, and the same properties through v1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from confluence_kpi.sandbox import SandboxServer

from .v2_helpers import V2, V2Api, start_cloud, v2_error


@pytest.fixture
def api(sandbox_factory: Callable[..., SandboxServer]) -> V2Api:
    """A fresh cloud sandbox."""
    return start_cloud(sandbox_factory)


@pytest.fixture
def page(api: V2Api) -> dict[str, Any]:
    """A page to hang properties on."""
    return api.create_page("Props")


def test_property_round_trip_by_id(api: V2Api, page: dict[str, Any]) -> None:
    base = f"{V2}/pages/{page['id']}/properties"
    created = api.post(base, json={"key": "memo", "value": {"digest": "abc"}})
    assert created.status_code == 200
    prop = created.json()
    assert set(prop) == {"id", "key", "value", "version"}
    assert isinstance(prop["id"], str)
    assert prop["version"]["number"] == 1
    assert api.get(f"{base}/{prop['id']}").json()["value"] == {"digest": "abc"}
    updated = api.put(
        f"{base}/{prop['id']}",
        json={"key": "memo", "value": [1, 2], "version": {"number": 2, "message": "why"}},
    )
    assert updated.status_code == 200
    assert updated.json()["version"]["number"] == 2
    assert updated.json()["version"]["message"] == "why"
    assert updated.json()["value"] == [1, 2]
    assert api.delete(f"{base}/{prop['id']}").status_code == 204
    v2_error(api.get(f"{base}/{prop['id']}"), 404, "NOT_FOUND")


def test_stale_property_version_answers_409_in_v2_shape(api: V2Api, page: dict[str, Any]) -> None:
    base = f"{V2}/pages/{page['id']}/properties"
    prop = api.post(base, json={"key": "memo", "value": 1}).json()
    response = api.put(
        f"{base}/{prop['id']}", json={"key": "memo", "value": 2, "version": {"number": 1}}
    )
    title = v2_error(response, 409, "CONFLICT")
    assert title == "Version must be incremented on update. Current version is: 1"
    assert api.get(f"{base}/{prop['id']}").json()["value"] == 1


def test_a_key_the_page_has_answers_400(api: V2Api, page: dict[str, Any]) -> None:
    base = f"{V2}/pages/{page['id']}/properties"
    api.post(base, json={"key": "memo", "value": 1})
    v2_error(api.post(base, json={"key": "memo", "value": 2}), 400, "BAD_REQUEST")


def test_a_property_cannot_be_renamed(api: V2Api, page: dict[str, Any]) -> None:
    base = f"{V2}/pages/{page['id']}/properties"
    prop = api.post(base, json={"key": "memo", "value": 1}).json()
    renamed = api.put(
        f"{base}/{prop['id']}", json={"key": "other", "value": 1, "version": {"number": 2}}
    )
    v2_error(renamed, 400, "BAD_REQUEST")
    keyless = api.put(f"{base}/{prop['id']}", json={"value": 1, "version": {"number": 2}})
    v2_error(keyless, 400, "BAD_REQUEST")


def test_a_value_over_32_kb_answers_413_in_v2_shape(api: V2Api, page: dict[str, Any]) -> None:
    base = f"{V2}/pages/{page['id']}/properties"
    response = api.post(base, json={"key": "big", "value": "x" * 33_000})
    v2_error(response, 413, "PAYLOAD_TOO_LARGE")


def test_properties_keep_their_own_versions_through_v1_and_v2(
    api: V2Api, page: dict[str, Any]
) -> None:
    v1_base = f"/rest/api/content/{page['id']}/property"
    api.post(v1_base, json={"key": "memo", "value": "v1"})
    listed = api.get(f"{V2}/pages/{page['id']}/properties", params={"key": "memo"}).json()
    (prop,) = listed["results"]
    assert (prop["value"], prop["version"]["number"]) == ("v1", 1)
    put = api.put(
        f"{V2}/pages/{page['id']}/properties/{prop['id']}",
        json={"key": "memo", "value": "v2", "version": {"number": 2}},
    )
    assert put.status_code == 200
    through_v1 = api.get(f"{v1_base}/memo").json()
    assert (through_v1["id"], through_v1["value"]) == (prop["id"], "v2")
    assert through_v1["version"]["number"] == 2
    api.put(f"{v1_base}/memo", json={"key": "memo", "value": "v1 again", "version": {"number": 3}})
    again = api.get(f"{V2}/pages/{page['id']}/properties/{prop['id']}").json()
    assert (again["value"], again["version"]["number"]) == ("v1 again", 3)
    # The page's own version is untouched by all of it.
    assert api.page_v2(page["id"])["version"]["number"] == 1


def test_the_list_filters_by_key_and_sorts(api: V2Api, page: dict[str, Any]) -> None:
    base = f"{V2}/pages/{page['id']}/properties"
    for key in ("b", "c", "a"):
        api.post(base, json={"key": key, "value": key})
    assert [p["key"] for p in api.get(base).json()["results"]] == ["b", "c", "a"]
    assert [p["key"] for p in api.get(base, params={"sort": "key"}).json()["results"]] == [
        "a",
        "b",
        "c",
    ]
    assert [p["key"] for p in api.get(base, params={"sort": "-key"}).json()["results"]] == [
        "c",
        "b",
        "a",
    ]
    assert [p["key"] for p in api.get(base, params={"key": "c"}).json()["results"]] == ["c"]
    assert api.get(base, params={"key": "C"}).json()["results"] == []


def test_a_property_of_another_page_is_404(api: V2Api, page: dict[str, Any]) -> None:
    other = api.create_page("Other")
    prop = api.post(f"{V2}/pages/{other['id']}/properties", json={"key": "k", "value": 1}).json()
    v2_error(api.get(f"{V2}/pages/{page['id']}/properties/{prop['id']}"), 404, "NOT_FOUND")
    response = api.delete(f"{V2}/pages/{page['id']}/properties/{prop['id']}")
    v2_error(response, 404, "NOT_FOUND")
    assert api.get(f"{V2}/pages/{other['id']}/properties/{prop['id']}").status_code == 200


def test_properties_of_an_unknown_page_are_404(api: V2Api) -> None:
    v2_error(api.get(f"{V2}/pages/999999/properties"), 404, "NOT_FOUND")
    response = api.post(f"{V2}/pages/999999/properties", json={"key": "k", "value": 1})
    v2_error(response, 404, "NOT_FOUND")
