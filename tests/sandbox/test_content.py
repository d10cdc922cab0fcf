"""Pages over v1 `/rest/api/content`: create, read with expansions, list, trash, restore, purge."""

from __future__ import annotations

from .helpers import Api, message


def test_create_answers_200_with_the_write_expansions(api: Api) -> None:
    page = api.create_page("Revenue", "<p>12</p>")
    assert page["id"].isdigit()
    assert page["version"]["number"] == 1
    assert page["body"]["storage"]["value"] == "<p>12</p>"
    assert page["space"]["key"] == "KPI"
    assert page["ancestors"] == []
    assert page["history"]["createdBy"]["displayName"] == "admin"


def test_get_without_expand_has_space_history_and_version(api: Api) -> None:
    page = api.create_page("Churn")
    got = api.get(f"/rest/api/content/{page['id']}").json()
    assert {"space", "history", "version"} <= set(got)
    assert "body" not in got
    assert got["_links"]["base"] == api.base


def test_ancestors_run_root_first(api: Api) -> None:
    root = api.create_page("Root")
    middle = api.create_page("Middle", parent=root["id"])
    leaf = api.create_page("Leaf", parent=middle["id"])
    got = api.get(f"/rest/api/content/{leaf['id']}", params={"expand": "ancestors"}).json()
    assert [a["id"] for a in got["ancestors"]] == [root["id"], middle["id"]]


def test_expand_labels_properties_and_children(api: Api) -> None:
    parent = api.create_page("Parent")
    child = api.create_page("Child", parent=parent["id"])
    api.post(f"/rest/api/content/{parent['id']}/label", json={"prefix": "global", "name": "kpi"})
    api.post(f"/rest/api/content/{parent['id']}/property", json={"key": "memo", "value": {"a": 1}})
    expand = "metadata.labels,metadata.properties.memo,children.page"
    got = api.get(f"/rest/api/content/{parent['id']}", params={"expand": expand}).json()
    assert [label["name"] for label in got["metadata"]["labels"]["results"]] == ["kpi"]
    assert got["metadata"]["properties"]["memo"]["value"] == {"a": 1}
    assert [c["id"] for c in got["children"]["page"]["results"]] == [child["id"]]


def test_links_follow_the_flavour(api: Api, flavour: str) -> None:
    page = api.create_page("Net Promoter Score")
    links = api.get(f"/rest/api/content/{page['id']}").json()["_links"]
    if flavour == "cloud":
        assert links["context"] == "/wiki"
        assert links["webui"] == f"/spaces/KPI/pages/{page['id']}/Net+Promoter+Score"
    else:
        assert links["context"] == ""
        assert links["webui"] == "/display/KPI/Net+Promoter+Score"
    assert links["base"].endswith(links["context"])


def test_list_filters_by_space_and_exact_title(api: Api) -> None:
    api.create_page("Alpha")
    api.create_page("Beta")
    found = api.get("/rest/api/content", params={"spaceKey": "KPI", "title": "Alpha"}).json()
    assert [r["title"] for r in found["results"]] == ["Alpha"]
    assert api.get("/rest/api/content", params={"title": "alpha"}).json()["size"] == 0


def test_list_pages_with_offset_next_links(api: Api) -> None:
    for n in range(5):
        api.create_page(f"Page {n}")
    first = api.get("/rest/api/content", params={"spaceKey": "KPI", "limit": 4}).json()
    assert first["size"] == 4
    nxt = first["_links"]["next"]
    assert nxt.startswith("/rest/api/content?")
    assert "start=4" in nxt
    second = api.session.get(first["_links"]["base"] + nxt, timeout=10).json()
    assert second["size"] == 2  # 5 pages + the space's home page
    assert "next" not in second["_links"]


def test_history_always_has_last_updated(api: Api) -> None:
    page = api.create_page("Hist")
    api.update_page(page, 2)
    history = api.get(f"/rest/api/content/{page['id']}/history").json()
    assert history["lastUpdated"]["number"] == 2
    assert history["createdBy"]["displayName"] == "admin"


def test_delete_trashes_and_status_any_shows_it(api: Api) -> None:
    page = api.create_page("Trash me")
    assert api.delete(f"/rest/api/content/{page['id']}").status_code == 204
    assert api.get(f"/rest/api/content/{page['id']}").status_code == 404
    got = api.get(f"/rest/api/content/{page['id']}", params={"status": "any"}).json()
    assert got["status"] == "trashed"
    trashed = api.get("/rest/api/content", params={"status": "trashed"}).json()
    assert [r["id"] for r in trashed["results"]] == [page["id"]]


def test_put_on_a_trashed_page_restores_it(api: Api) -> None:
    page = api.create_page("Restore me")
    api.delete(f"/rest/api/content/{page['id']}")
    restored = api.update_page(page, 2)
    assert restored.status_code == 200
    assert restored.json()["status"] == "current"
    assert api.get(f"/rest/api/content/{page['id']}").status_code == 200


def test_delete_with_status_trashed_purges(api: Api) -> None:
    page = api.create_page("Purge me")
    child = api.create_page("Orphan", parent=page["id"])
    api.delete(f"/rest/api/content/{page['id']}")
    assert (
        api.delete(f"/rest/api/content/{page['id']}", params={"status": "trashed"}).status_code
        == 204
    )
    assert api.get(f"/rest/api/content/{page['id']}", params={"status": "any"}).status_code == 404
    moved = api.get(f"/rest/api/content/{child['id']}", params={"expand": "ancestors"}).json()
    assert moved["ancestors"] == []


def test_delete_unknown_id_is_404_with_confluence_text(api: Api) -> None:
    response = api.delete("/rest/api/content/999999")
    assert response.status_code == 404
    assert message(response) == "Cannot delete content with id '999999': not found."


def test_move_by_put_updates_the_ancestors_of_descendants(api: Api) -> None:
    a = api.create_page("A")
    b = api.create_page("B")
    child = api.create_page("Child of A", parent=a["id"])
    grandchild = api.create_page("Grandchild", parent=child["id"])
    response = api.put(
        f"/rest/api/content/{child['id']}",
        json={
            "type": "page",
            "title": "Child of A",
            "version": {"number": 2},
            "ancestors": [{"id": b["id"]}],
        },
    )
    assert response.status_code == 200
    got = api.get(f"/rest/api/content/{grandchild['id']}", params={"expand": "ancestors"}).json()
    assert [x["id"] for x in got["ancestors"]] == [b["id"], child["id"]]


def test_children_lists_child_pages(api: Api) -> None:
    parent = api.create_page("P")
    kids = [api.create_page(f"K{n}", parent=parent["id"])["id"] for n in range(3)]
    listed = api.get(f"/rest/api/content/{parent['id']}/child/page").json()
    assert [r["id"] for r in listed["results"]] == kids
    assert api.get("/rest/api/content/424242/child/page").status_code == 404
