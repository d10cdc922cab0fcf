"""A page's surroundings through the cloud sandbox's v2: its children, its ancestors, its
labels (added through v1) and the pages of a label, and its versions."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from confluence_kpi.sandbox import SandboxServer

from .v2_helpers import V2, V2Api, start_cloud, v2_error


@pytest.fixture
def api(sandbox_factory: Callable[..., SandboxServer]) -> V2Api:
    """A fresh cloud sandbox."""
    return start_cloud(sandbox_factory)


def test_children_are_the_current_child_pages_in_order(api: V2Api) -> None:
    parent = api.create_page("Parent")
    first = api.create_page("First", parent=parent["id"])
    binned = api.create_page("Binned", parent=parent["id"])
    last = api.create_page("Last", parent=parent["id"])
    api.create_page("Grandchild", parent=first["id"])
    api.delete(f"/rest/api/content/{binned['id']}")
    children = api.get(f"{V2}/pages/{parent['id']}/children").json()
    space_id = api.space_id()
    assert children["results"] == [
        {
            "id": first["id"],
            "status": "current",
            "title": "First",
            "spaceId": space_id,
            "childPosition": 0,
        },
        {
            "id": last["id"],
            "status": "current",
            "title": "Last",
            "spaceId": space_id,
            "childPosition": 1,
        },
    ]
    direct = api.get(f"{V2}/pages/{parent['id']}/direct-children").json()["results"]
    assert [(c["id"], c["type"]) for c in direct] == [(first["id"], "page"), (last["id"], "page")]
    reverse = api.get(f"{V2}/pages/{parent['id']}/children", params={"sort": "-child-position"})
    assert [c["title"] for c in reverse.json()["results"]] == ["Last", "First"]
    v2_error(api.get(f"{V2}/pages/999999/children"), 404, "NOT_FOUND")


def test_ancestors_run_root_first_and_a_limit_keeps_the_nearest(api: V2Api) -> None:
    root = api.create_page("Root")
    middle = api.create_page("Middle", parent=root["id"])
    leaf = api.create_page("Leaf", parent=middle["id"])
    every = api.get(f"{V2}/pages/{leaf['id']}/ancestors").json()
    assert every == {
        "results": [{"id": root["id"], "type": "page"}, {"id": middle["id"], "type": "page"}]
    }
    nearest = api.get(f"{V2}/pages/{leaf['id']}/ancestors", params={"limit": "1"}).json()
    assert nearest["results"] == [{"id": middle["id"], "type": "page"}]
    assert api.get(f"{V2}/pages/{root['id']}/ancestors").json() == {"results": []}


def test_labels_added_through_v1_are_seen_through_v2(api: V2Api) -> None:
    page = api.create_page("Labelled")
    added = api.post(
        f"/rest/api/content/{page['id']}/label", json=[{"name": "kpi"}, {"name": "finance"}]
    ).json()
    ids = {label["name"]: label["id"] for label in added["results"]}
    labels = api.get(f"{V2}/pages/{page['id']}/labels").json()
    assert labels["results"] == [
        {"id": ids["finance"], "name": "finance", "prefix": "global"},
        {"id": ids["kpi"], "name": "kpi", "prefix": "global"},
    ]
    assert labels["_links"] == {"base": api.base}
    mine = api.get(f"{V2}/pages/{page['id']}/labels", params={"prefix": "my"}).json()
    assert mine["results"] == []
    api.delete(f"/rest/api/content/{page['id']}/label/kpi")
    left = api.get(f"{V2}/pages/{page['id']}/labels").json()["results"]
    assert [label["name"] for label in left] == ["finance"]


def test_a_labels_pages_are_listed_by_label_id(api: V2Api) -> None:
    tagged = api.create_page("Tagged")
    also = api.create_page("Also tagged")
    api.create_page("Untagged")
    for page in (tagged, also):
        api.post(f"/rest/api/content/{page['id']}/label", json={"name": "kpi"})
    label_id = api.get(f"{V2}/pages/{tagged['id']}/labels").json()["results"][0]["id"]
    pages = api.get(f"{V2}/labels/{label_id}/pages", params={"sort": "title"}).json()
    assert [p["title"] for p in pages["results"]] == ["Also tagged", "Tagged"]
    v2_error(api.get(f"{V2}/labels/999999/pages"), 404, "NOT_FOUND")


def test_versions_list_newest_first_whichever_api_wrote_them(api: V2Api) -> None:
    page = api.create_page("History", "<p>one</p>")
    api.update_page(page, 2, title="History 2", body="<p>two</p>")
    assert api.update_v2({**page, "title": "History 3"}, 3, body="<p>three</p>").ok
    versions = api.get(
        f"{V2}/pages/{page['id']}/versions", params={"body-format": "storage"}
    ).json()
    got = [
        (v["number"], v["message"], v["page"]["title"], v["page"]["body"]["storage"]["value"])
        for v in versions["results"]
    ]
    assert got == [
        (3, "v2 edit", "History 3", "<p>three</p>"),
        (2, "", "History 2", "<p>two</p>"),
        (1, "", "History", "<p>one</p>"),
    ]
    oldest_first = api.get(
        f"{V2}/pages/{page['id']}/versions", params={"sort": "modified-date", "limit": "2"}
    )
    assert [v["number"] for v in oldest_first.json()["results"]] == [1, 2]
    assert "body" not in oldest_first.json()["results"][0]["page"]
    assert "next" in oldest_first.json()["_links"]


def test_one_version_names_its_neighbours(api: V2Api) -> None:
    page = api.create_page("Neighbours")
    api.update_page(page, 2)
    api.update_page(page, 3)
    middle = api.get(f"{V2}/pages/{page['id']}/versions/2").json()
    assert middle["number"] == 2
    assert (middle["prevVersion"], middle["nextVersion"]) == (1, 3)
    assert middle["contentTypeModified"] is False
    assert middle["collaborators"] == [middle["authorId"]]
    first = api.get(f"{V2}/pages/{page['id']}/versions/1").json()
    assert "prevVersion" not in first
    v2_error(api.get(f"{V2}/pages/{page['id']}/versions/4"), 404, "NOT_FOUND")


def test_labels_and_moves_make_no_version(api: V2Api) -> None:
    page = api.create_page("Quiet")
    other = api.create_page("Elsewhere")
    api.post(f"/rest/api/content/{page['id']}/label", json={"name": "kpi"})
    api.delete(f"/rest/api/content/{other['id']}")
    versions = api.get(f"{V2}/pages/{page['id']}/versions").json()["results"]
    assert [v["number"] for v in versions] == [1]


def test_history_survives_a_restart_with_the_data_file(
    sandbox_factory: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    data = tmp_path / "sandbox.sqlite"
    first = start_cloud(sandbox_factory, data=data)
    page = first.create_page("Durable", "<p>one</p>")
    first.update_page(page, 2, body="<p>two</p>")
    first.server.stop()
    second = start_cloud(sandbox_factory, data=data)
    old = second.page_v2(page["id"], version="1", **{"body-format": "storage"})
    assert old["body"]["storage"]["value"] == "<p>one</p>"
    versions = second.get(f"{V2}/pages/{page['id']}/versions").json()["results"]
    assert [v["number"] for v in versions] == [2, 1]


def test_purging_a_page_deletes_its_history_from_memory_and_file(
    sandbox_factory: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    data = tmp_path / "sandbox.sqlite"
    api = start_cloud(sandbox_factory, data=data)
    page = api.create_page("Gone")
    api.update_page(page, 2)
    kept = api.create_page("Kept")
    api.update_page(kept, 2)
    api.delete(f"/rest/api/content/{page['id']}")
    api.delete(f"/rest/api/content/{page['id']}", params={"status": "trashed"})
    with api.server.app.services.store.reading() as state:
        assert not state.revisions.get(page["id"])
        assert list(state.revisions[kept["id"]]) == [1]
    api.server.stop()
    with closing(sqlite3.connect(data)) as db:
        keys = [row[0] for row in db.execute("SELECT key FROM records WHERE kind = 'revision'")]
    assert keys == [f"{kept['id']}/1"]
