"""Content properties: create, get, list, update with version+1 (409 otherwise), delete, size."""

from __future__ import annotations

from .helpers import Api, message


def test_property_round_trip(api: Api) -> None:
    page = api.create_page("Props")
    base = f"/rest/api/content/{page['id']}/property"
    created = api.post(base, json={"key": "memo", "value": {"digest": "abc"}})
    assert created.status_code == 200
    assert created.json()["version"]["number"] == 1
    assert api.get(f"{base}/memo").json()["value"] == {"digest": "abc"}
    updated = api.put(
        f"{base}/memo", json={"key": "memo", "value": [1, 2], "version": {"number": 2}}
    )
    assert updated.json()["version"]["number"] == 2
    assert [p["key"] for p in api.get(base).json()["results"]] == ["memo"]
    assert api.delete(f"{base}/memo").status_code == 204
    assert api.get(f"{base}/memo").status_code == 404


def test_property_update_with_stale_version_is_409(api: Api) -> None:
    page = api.create_page("Props 409")
    base = f"/rest/api/content/{page['id']}/property"
    api.post(base, json={"key": "memo", "value": 1})
    response = api.put(f"{base}/memo", json={"key": "memo", "value": 2, "version": {"number": 1}})
    assert response.status_code == 409
    assert message(response) == "Version must be incremented on update. Current version is: 1"
    assert api.get(f"{base}/memo").json()["value"] == 1


def test_property_duplicate_key_is_400(api: Api) -> None:
    page = api.create_page("Props dup")
    base = f"/rest/api/content/{page['id']}/property"
    api.post(base, json={"key": "memo", "value": 1})
    assert api.post(base, json={"key": "memo", "value": 2}).status_code == 400


def test_property_over_32_kb_is_413(api: Api) -> None:
    page = api.create_page("Props big")
    base = f"/rest/api/content/{page['id']}/property"
    response = api.post(base, json={"key": "big", "value": "x" * 33_000})
    assert response.status_code == 413
    assert api.get(f"{base}/big").status_code == 404


def test_properties_do_not_bump_the_page_version(api: Api) -> None:
    page = api.create_page("Props version")
    api.post(f"/rest/api/content/{page['id']}/property", json={"key": "k", "value": 1})
    assert api.get(f"/rest/api/content/{page['id']}").json()["version"]["number"] == 1


def test_metadata_properties_are_created_with_the_page(api: Api) -> None:
    response = api.post(
        "/rest/api/content",
        json={
            "type": "page",
            "title": "With memory",
            "space": {"key": "KPI"},
            "metadata": {"properties": {"confluence-kpi": {"value": {"kpi": "nps"}}}},
        },
    )
    page_id = response.json()["id"]
    got = api.get(f"/rest/api/content/{page_id}/property/confluence-kpi").json()
    assert got["value"] == {"kpi": "nps"}
