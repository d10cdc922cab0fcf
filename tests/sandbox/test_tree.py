"""The page tree: children and descendants as a map by type and as one type's list, moving a
page before, after or below another (its descendants with it), and Cloud's content state."""

from __future__ import annotations

from typing import Any

import pytest
from atlassian import Confluence

from .helpers import Api

NO_CHECK = {"X-Atlassian-Token": "no-check"}


def _attach(api: Api, page: dict[str, Any], name: str) -> str:
    response = api.post(
        f"/rest/api/content/{page['id']}/child/attachment",
        headers=NO_CHECK,
        files={"file": (name, b"a,b\n", "text/csv")},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["results"][0]["id"])


def _ids(listing: dict[str, Any]) -> list[str]:
    return [item["id"] for item in listing["results"]]


def test_children_map_every_child_type_and_lists_those_asked_for(
    api: Api, confluence: Confluence
) -> None:
    parent = api.create_page("Parent")
    child = api.create_page("Child", parent=parent["id"])
    api.create_page("Grandchild", parent=child["id"])
    attachment = _attach(api, parent, "kpi.csv")
    links = confluence.get_content_children(parent["id"])
    assert set(links["_expandable"]) == {"page", "comment", "attachment"}
    assert links["_links"]["self"].endswith(f"/rest/api/content/{parent['id']}/child")
    lists = confluence.get_content_children(
        parent["id"], params={"expand": "page,attachment,comment"}
    )
    assert _ids(lists["page"]) == [child["id"]]
    assert _ids(lists["attachment"]) == [attachment]
    assert lists["comment"]["results"] == []
    of_attachment = api.get(f"/rest/api/content/{attachment}/child").json()
    assert set(of_attachment["_expandable"]) == {"comment"}


def test_descendants_reach_every_depth_for_pages(api: Api, confluence: Confluence) -> None:
    parent = api.create_page("Parent")
    child = api.create_page("Child", parent=parent["id"])
    grandchild = api.create_page("Grandchild", parent=child["id"])
    attachment = _attach(api, parent, "kpi.csv")
    _attach(api, child, "deeper.csv")
    by_type = confluence.get_content_descendants(parent["id"], params={"expand": "page"})
    assert _ids(by_type["page"]) == [child["id"], grandchild["id"]]
    assert set(by_type["_expandable"]) == {"comment", "attachment"}
    pages = confluence.get_descendant_pages(parent["id"])
    assert _ids(pages) == [child["id"], grandchild["id"]]
    root = api.get(f"/rest/api/content/{parent['id']}/descendant/page", params={"depth": "root"})
    assert _ids(root.json()) == [child["id"]]
    # The docs: `descendants.attachment` is the same as `children.attachment`.
    attachments = api.get(f"/rest/api/content/{parent['id']}/descendant/attachment").json()
    assert _ids(attachments) == [attachment]
    assert api.get(f"/rest/api/content/{parent['id']}/descendant/comment").json()["size"] == 0
    expanded = api.get(
        f"/rest/api/content/{parent['id']}", params={"expand": "descendants.page"}
    ).json()
    assert _ids(expanded["descendants"]["page"]) == [child["id"], grandchild["id"]]


@pytest.mark.parametrize("relation", ["child", "descendant"])
def test_a_type_no_content_has_is_no_resource(api: Api, relation: str) -> None:
    page = api.create_page("Typed")
    assert api.get(f"/rest/api/content/{page['id']}/{relation}/nonsense").status_code == 404
    assert api.get(f"/rest/api/content/424242/{relation}/page").status_code == 404


def _move(api: Api, page: dict[str, Any], position: str, target: dict[str, Any]) -> Any:
    return api.put(f"/rest/api/content/{page['id']}/move/{position}/{target['id']}")


def _ancestors(api: Api, page: dict[str, Any]) -> list[str]:
    got = api.get(f"/rest/api/content/{page['id']}", params={"expand": "ancestors,space"}).json()
    return [a["id"] for a in got["ancestors"]]


def test_move_append_puts_a_page_and_its_subtree_below_the_target(api: Api) -> None:
    a, b = api.create_page("A"), api.create_page("B")
    child = api.create_page("Child", parent=a["id"])
    grandchild = api.create_page("Grandchild", parent=child["id"])
    attachment = _attach(api, child, "kpi.csv")
    moved = _move(api, child, "append", b)
    assert moved.status_code == 200, moved.text
    assert moved.json() == {"pageId": child["id"]}
    assert _ancestors(api, child) == [b["id"]]
    assert _ancestors(api, grandchild) == [b["id"], child["id"]]
    assert api.get(f"/rest/api/content/{a['id']}/child/page").json()["size"] == 0
    listed = api.get(f"/rest/api/content/{child['id']}/child/attachment").json()
    assert _ids(listed) == [attachment]
    version = api.get(f"/rest/api/content/{child['id']}").json()["version"]["number"]
    assert version == 1


def test_move_before_and_after_order_the_targets_siblings(api: Api) -> None:
    parent, elsewhere = api.create_page("Parent"), api.create_page("Elsewhere")
    first, second, third = (api.create_page(t, parent=parent["id"]) for t in ("1", "2", "3"))
    newcomer = api.create_page("New", parent=elsewhere["id"])
    assert _move(api, third, "before", first).status_code == 200
    assert _move(api, newcomer, "after", first).status_code == 200
    listed = api.get(f"/rest/api/content/{parent['id']}/child/page").json()
    assert _ids(listed) == [third["id"], first["id"], newcomer["id"], second["id"]]
    assert _ancestors(api, newcomer) == [parent["id"]]
    below = api.create_page("Below 1", parent=first["id"])
    descendants = api.get(f"/rest/api/content/{parent['id']}/descendant/page").json()
    expected = [third["id"], first["id"], below["id"], newcomer["id"], second["id"]]
    assert _ids(descendants) == expected
    late = api.create_page("Late", parent=parent["id"])
    listed = api.get(f"/rest/api/content/{parent['id']}/child/page").json()
    assert _ids(listed)[-1] == late["id"]


def test_move_beside_a_top_level_page_makes_a_top_level_page(api: Api) -> None:
    top = api.create_page("Top")
    child = api.create_page("Child", parent=top["id"])
    assert _move(api, child, "after", top).status_code == 200
    assert _ancestors(api, child) == []


def test_move_to_another_space_takes_the_subtree_along(api: Api) -> None:
    api.post("/rest/api/space", json={"key": "OPS", "name": "Operations"})
    target = api.create_page("Target", space="OPS")
    page = api.create_page("Travelling")
    below = api.create_page("Below", parent=page["id"])
    assert _move(api, page, "append", target).status_code == 200
    for moved in (page, below):
        space = api.get(f"/rest/api/content/{moved['id']}", params={"expand": "space"}).json()
        assert space["space"]["key"] == "OPS"
    assert _ancestors(api, below) == [target["id"], page["id"]]


def test_move_refusals(api: Api) -> None:
    api.post("/rest/api/space", json={"key": "OPS", "name": "Operations"})
    page = api.create_page("Page")
    child = api.create_page("Child", parent=page["id"])
    twin = api.create_page("Page", space="OPS")
    assert _move(api, page, "append", page).status_code == 400
    assert _move(api, page, "append", child).status_code == 400
    assert _move(api, page, "before", child).status_code == 400
    assert _move(api, page, "sideways", twin).status_code == 400
    assert _move(api, page, "append", twin).status_code == 400  # its title is taken in OPS
    attachment = {"id": _attach(api, page, "kpi.csv")}
    assert _move(api, page, "append", attachment).status_code == 400
    assert _move(api, page, "append", {"id": "424242"}).status_code == 404
    assert _ancestors(api, child) == [page["id"]]


def test_content_state_is_none_on_cloud_and_no_resource_on_dc(api: Api, flavour: str) -> None:
    page = api.create_page("Stateless")
    response = api.get(f"/rest/api/content/{page['id']}/state")
    if flavour == "dc":
        assert response.status_code == 404
        return
    assert response.status_code == 200, response.text
    assert response.json() == {"contentState": None, "lastUpdated": None}
    state = f"/rest/api/content/{page['id']}/state"
    assert api.get(state, params={"status": "draft"}).status_code == 404
    assert api.get(state, params={"status": "nonsense"}).status_code == 400
    assert api.get("/rest/api/content/424242/state").status_code == 404
