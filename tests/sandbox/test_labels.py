"""Labels: added as one object or an array, listed sorted, removed by query or path."""

from __future__ import annotations

from .helpers import Api


def test_labels_added_as_object_and_as_array(api: Api) -> None:
    page = api.create_page("Labelled")
    base = f"/rest/api/content/{page['id']}/label"
    api.post(base, json={"prefix": "global", "name": "kpi"})
    listed = api.post(base, json=[{"prefix": "global", "name": "Confluence-KPI"}, {"name": "team"}])
    assert listed.status_code == 200
    assert [x["name"] for x in listed.json()["results"]] == ["confluence-kpi", "kpi", "team"]
    assert all(x["id"] for x in listed.json()["results"])


def test_labels_removed_by_query_and_by_path(api: Api) -> None:
    page = api.create_page("Unlabelled")
    base = f"/rest/api/content/{page['id']}/label"
    api.post(base, json=[{"name": "a"}, {"name": "b"}])
    assert api.delete(base, params={"name": "a"}).status_code == 204
    assert api.delete(f"{base}/b").status_code == 204
    assert api.get(base).json()["results"] == []
    assert api.delete(f"{base}/b").status_code == 404


def test_label_with_a_space_is_400(api: Api) -> None:
    page = api.create_page("Bad label")
    assert (
        api.post(f"/rest/api/content/{page['id']}/label", json={"name": "two words"}).status_code
        == 400
    )
