"""Spaces through the cloud sandbox's v2: the list with its filters, one space by id, and the
space object's shape."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from confluence_kpi.sandbox import SandboxServer

from .v2_helpers import V2, V2Api, start_cloud, v2_error


@pytest.fixture
def api(sandbox_factory: Callable[..., SandboxServer]) -> V2Api:
    """A fresh cloud sandbox with a second space."""
    api = start_cloud(sandbox_factory)
    assert api.post("/rest/api/space", json={"key": "OPS", "name": "Operations"}).ok
    return api


def test_a_space_in_v2_has_string_ids_and_its_home_page(api: V2Api) -> None:
    v1 = api.get("/rest/api/space/OPS", params={"expand": "homepage.history"}).json()
    space = api.get(f"{V2}/spaces", params={"keys": "OPS"}).json()["results"][0]
    assert space == {
        "id": str(v1["id"]),
        "key": "OPS",
        "name": "Operations",
        "type": "global",
        "status": "current",
        "authorId": v1["homepage"]["history"]["createdBy"]["accountId"],
        "createdAt": v1["homepage"]["history"]["createdDate"],
        "homepageId": v1["homepage"]["id"],
        "description": None,
        "icon": None,
        "_links": {"webui": "/spaces/OPS"},
    }
    assert api.get(f"{V2}/spaces/{space['id']}").json() == space


def test_spaces_filter_by_keys_and_ids(api: V2Api) -> None:
    every = api.get(f"{V2}/spaces").json()["results"]
    assert [s["key"] for s in every] == ["KPI", "OPS"]
    both = api.get(f"{V2}/spaces", params={"keys": "OPS,KPI"}).json()["results"]
    assert [s["key"] for s in both] == ["KPI", "OPS"]
    ops_id = api.space_id("OPS")
    by_id = api.get(f"{V2}/spaces", params={"ids": ops_id}).json()["results"]
    assert [s["key"] for s in by_id] == ["OPS"]
    assert api.get(f"{V2}/spaces", params={"keys": "NOPE"}).json()["results"] == []
    assert api.get(f"{V2}/spaces", params={"type": "personal"}).json()["results"] == []


def test_spaces_sort_and_page(api: V2Api) -> None:
    down = api.get(f"{V2}/spaces", params={"sort": "-key", "limit": "1"})
    assert [s["key"] for s in down.json()["results"]] == ["OPS"]
    following = api.session.get(api.server.url + down.json()["_links"]["next"], timeout=10)
    assert [s["key"] for s in following.json()["results"]] == ["KPI"]
    assert "next" not in following.json()["_links"]


def test_an_unknown_space_is_404_and_a_bad_parameter_400(api: V2Api) -> None:
    v2_error(api.get(f"{V2}/spaces/999999"), 404, "NOT_FOUND")
    v2_error(api.get(f"{V2}/spaces/KPI"), 400, "BAD_REQUEST")
    v2_error(api.get(f"{V2}/spaces", params={"type": "team"}), 400, "BAD_REQUEST")
    v2_error(api.get(f"{V2}/spaces", params={"ids": "x"}), 400, "BAD_REQUEST")
