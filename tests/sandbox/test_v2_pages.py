"""Reading pages through the cloud sandbox's v2 (`/wiki/api/v2/pages`, `/spaces/{id}/pages`):
the page's shape, the same page as v1 shows it, lists and their filters, body formats, earlier
versions and what `include-*` adds."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from confluence_kpi.sandbox import SandboxServer

from .v2_helpers import V2, V2Api, start_cloud, v2_error


@pytest.fixture
def api(sandbox_factory: Callable[..., SandboxServer]) -> V2Api:
    """A fresh cloud sandbox."""
    return start_cloud(sandbox_factory)


def test_page_written_through_v1_reads_through_v2(api: V2Api) -> None:
    home = api.get(f"{V2}/spaces", params={"keys": "KPI"}).json()["results"][0]
    page = api.create_page("Revenue", "<p>12 k</p>", parent=home["homepageId"])
    api.update_page(page, 2, title="Revenue per month", body="<p>13 k</p>")
    got = api.page_v2(page["id"], **{"body-format": "storage"})
    assert got["id"] == page["id"]
    assert got["title"] == "Revenue per month"
    assert got["status"] == "current"
    assert got["spaceId"] == home["id"]
    assert got["parentId"] == home["homepageId"]
    assert got["parentType"] == "page"
    assert got["version"]["number"] == 2
    assert got["body"] == {"storage": {"representation": "storage", "value": "<p>13 k</p>"}}


def test_a_page_in_v2_has_every_id_as_a_string_and_v1s_links(api: V2Api) -> None:
    page = api.create_page("Churn")
    v1 = api.get(f"/rest/api/content/{page['id']}", params={"expand": "version"}).json()
    got = api.page_v2(page["id"])
    assert set(got) == {
        "id",
        "status",
        "title",
        "spaceId",
        "parentId",
        "parentType",
        "position",
        "authorId",
        "ownerId",
        "lastOwnerId",
        "createdAt",
        "version",
        "body",
        "_links",
    }
    assert isinstance(got["id"], str)
    assert isinstance(got["spaceId"], str)
    assert got["parentId"] is None
    assert got["parentType"] is None
    assert got["authorId"] == v1["version"]["by"]["accountId"]
    assert got["version"] == {
        "number": 1,
        "message": "",
        "minorEdit": False,
        "authorId": v1["version"]["by"]["accountId"],
        "createdAt": v1["version"]["when"],
    }
    assert got["body"] == {}
    links = v1["_links"]
    assert got["_links"] == {
        "webui": links["webui"],
        "editui": links["editui"],
        "tinyui": links["tinyui"],
        "base": api.base,
    }


def test_positions_count_the_current_siblings_created_before(api: V2Api) -> None:
    parent = api.create_page("Parent")
    first = api.create_page("First", parent=parent["id"])
    second = api.create_page("Second", parent=parent["id"])
    third = api.create_page("Third", parent=parent["id"])
    assert [api.page_v2(p["id"])["position"] for p in (first, second, third)] == [0, 1, 2]
    api.delete(f"/rest/api/content/{first['id']}")
    assert api.page_v2(third["id"])["position"] == 1


def test_a_body_is_shown_only_when_a_body_format_asks(api: V2Api) -> None:
    api.create_page("With body", "<p>secret sauce</p>")
    plain = api.get(f"{V2}/pages", params={"title": "With body"}).json()["results"]
    assert plain[0]["body"] == {}
    asked = api.get(f"{V2}/pages", params={"title": "With body", "body-format": "storage"})
    assert asked.json()["results"][0]["body"]["storage"]["value"] == "<p>secret sauce</p>"


@pytest.mark.parametrize("body_format", ["atlas_doc_format", "view", "wiki-ish"])
def test_body_formats_other_than_storage_are_400(api: V2Api, body_format: str) -> None:
    page = api.create_page("Formats")
    response = api.get(f"{V2}/pages/{page['id']}", params={"body-format": body_format})
    assert "body-format" in v2_error(response, 400, "BAD_REQUEST")


def test_an_earlier_version_shows_its_own_title_body_and_stamp(api: V2Api) -> None:
    page = api.create_page("Draft title", "<p>first</p>")
    api.update_page(page, 2, title="Final title", body="<p>second</p>")
    old = api.page_v2(page["id"], version="1", **{"body-format": "storage"})
    assert old["title"] == "Draft title"
    assert old["body"]["storage"]["value"] == "<p>first</p>"
    assert old["version"]["number"] == 1
    current = api.page_v2(page["id"], version="2", **{"body-format": "storage"})
    assert current["body"]["storage"]["value"] == "<p>second</p>"
    missing = api.get(f"{V2}/pages/{page['id']}", params={"version": "3"})
    v2_error(missing, 404, "NOT_FOUND")


def test_include_flags_add_labels_and_properties_and_can_drop_the_version(api: V2Api) -> None:
    page = api.create_page("Included")
    api.post(f"/rest/api/content/{page['id']}/label", json=[{"name": "kpi"}, {"name": "ops"}])
    api.post(f"/rest/api/content/{page['id']}/property", json={"key": "memo", "value": [1]})
    got = api.page_v2(
        page["id"],
        **{"include-labels": "true", "include-properties": "true", "include-version": "false"},
    )
    assert [label["name"] for label in got["labels"]["results"]] == ["kpi", "ops"]
    assert got["labels"]["meta"] == {"hasMore": False}
    assert got["labels"]["_links"]["self"] == f"/wiki/api/v2/pages/{page['id']}/labels"
    assert [(p["key"], p["value"]) for p in got["properties"]["results"]] == [("memo", [1])]
    assert "version" not in got
    assert "labels" not in api.page_v2(page["id"])


def test_a_flag_that_is_not_true_or_false_is_400(api: V2Api) -> None:
    page = api.create_page("Flags")
    response = api.get(f"{V2}/pages/{page['id']}", params={"include-labels": "yes"})
    v2_error(response, 400, "BAD_REQUEST")


def test_lists_filter_by_space_title_and_id(api: V2Api) -> None:
    api.post("/rest/api/space", json={"key": "OPS", "name": "Operations"})
    ops = api.space_id("OPS")
    kpi = api.space_id("KPI")
    nps = api.create_page("NPS")
    ops_page = api.create_page("NPS", space="OPS")
    api.create_page("CSAT")
    by_space = api.get(f"{V2}/pages", params={"space-id": ops}).json()["results"]
    assert {p["title"] for p in by_space} == {"Operations Home", "NPS"}
    by_title = api.get(f"{V2}/pages", params={"title": "NPS"}).json()["results"]
    assert sorted(p["id"] for p in by_title) == sorted([nps["id"], ops_page["id"]])
    both = api.get(f"{V2}/pages", params={"space-id": f"{kpi},{ops}", "title": "NPS"})
    assert len(both.json()["results"]) == 2
    by_id = api.get(f"{V2}/pages", params={"id": nps["id"]}).json()["results"]
    assert [p["id"] for p in by_id] == [nps["id"]]


def test_lists_show_trashed_pages_only_when_asked(api: V2Api) -> None:
    page = api.create_page("Binned")
    api.delete(f"/rest/api/content/{page['id']}")
    listed = api.get(f"{V2}/pages", params={"title": "Binned"}).json()["results"]
    assert listed == []
    trashed = api.get(f"{V2}/pages", params={"title": "Binned", "status": "trashed"}).json()
    assert [(p["id"], p["status"]) for p in trashed["results"]] == [(page["id"], "trashed")]
    v2_error(api.get(f"{V2}/pages/{page['id']}"), 404, "NOT_FOUND")
    assert api.page_v2(page["id"], status="trashed")["status"] == "trashed"
    v2_error(api.get(f"{V2}/pages", params={"status": "gone"}), 400, "BAD_REQUEST")


def test_lists_sort_by_title_both_ways(api: V2Api) -> None:
    for title in ("Bravo", "Alpha", "Charlie"):
        api.create_page(title)
    space = api.space_id()
    up = api.get(f"{V2}/spaces/{space}/pages", params={"sort": "title"}).json()["results"]
    assert [p["title"] for p in up] == ["Alpha", "Bravo", "Charlie", "KPI Home"]
    down = api.get(f"{V2}/spaces/{space}/pages", params={"sort": "-title"}).json()["results"]
    assert [p["title"] for p in down] == ["KPI Home", "Charlie", "Bravo", "Alpha"]
    v2_error(api.get(f"{V2}/pages", params={"sort": "colour"}), 400, "BAD_REQUEST")


def test_space_pages_at_depth_root_are_the_top_of_the_space(api: V2Api) -> None:
    top = api.create_page("Top level")
    api.create_page("Below", parent=top["id"])
    space = api.space_id()
    root = api.get(f"{V2}/spaces/{space}/pages", params={"depth": "root"}).json()["results"]
    assert {p["title"] for p in root} == {"KPI Home", "Top level"}
    every = api.get(f"{V2}/spaces/{space}/pages").json()["results"]
    assert {p["title"] for p in every} == {"KPI Home", "Top level", "Below"}
    v2_error(api.get(f"{V2}/spaces/999999/pages"), 404, "NOT_FOUND")


def test_a_page_hidden_from_a_user_does_not_exist_for_them(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    api = start_cloud(sandbox_factory)
    page = api.create_page("Secret")
    assert api.control("POST", "/users", json={"name": "zoe", "secret": "pw"}).ok
    hide = {"content_id": page["id"], "hidden_from": ["zoe"]}
    assert api.control("POST", "/restrictions", json=hide).ok
    zoe = V2Api(api.server, auth=("zoe", "pw"))
    v2_error(zoe.get(f"{V2}/pages/{page['id']}"), 404, "NOT_FOUND")
    assert zoe.get(f"{V2}/pages", params={"title": "Secret"}).json()["results"] == []
    assert len(api.get(f"{V2}/pages", params={"title": "Secret"}).json()["results"]) == 1


def test_ids_that_are_not_numbers_are_400(api: V2Api) -> None:
    v2_error(api.get(f"{V2}/pages/abc"), 400, "BAD_REQUEST")
    v2_error(api.get(f"{V2}/pages", params={"space-id": "KPI"}), 400, "BAD_REQUEST")


def test_a_blog_post_is_not_a_page_in_v2(api: V2Api) -> None:
    post = api.post(
        "/rest/api/content", json={"type": "blogpost", "title": "News", "space": {"key": "KPI"}}
    ).json()
    v2_error(api.get(f"{V2}/pages/{post['id']}"), 404, "NOT_FOUND")
    assert api.get(f"{V2}/pages", params={"title": "News"}).json()["results"] == []
