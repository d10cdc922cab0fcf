"""Writing pages through the cloud sandbox's v2: create, update, move, trash and purge, with
v1's rules (version + 1, unique titles, read-only users) answered in v2's error shape, and
what v2 writes read back through v1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from confluence_kpi.sandbox import SandboxServer
from confluence_kpi.sandbox.config import UserSpec

from .v2_helpers import V2, V2Api, start_cloud, v2_error

TITLE_TAKEN = (
    "A page with this title already exists: A page already exists with the same TITLE in this space"
)


@pytest.fixture
def api(sandbox_factory: Callable[..., SandboxServer]) -> V2Api:
    """A fresh cloud sandbox."""
    return start_cloud(sandbox_factory)


def post_page(api: V2Api, **fields: Any) -> requests.Response:
    """`POST /pages` in the KPI space with these fields."""
    return api.post(f"{V2}/pages", json={"spaceId": api.space_id(), **fields})


def test_page_written_through_v2_reads_through_v1(api: V2Api) -> None:
    page = api.create_v2("Lead time", "<p>4 days</p>")
    assert api.update_v2(page, 2, title="Lead time (days)", body="<p>3 days</p>").ok
    v1 = api.get(
        f"/rest/api/content/{page['id']}", params={"expand": "body.storage,version,ancestors"}
    ).json()
    assert v1["title"] == "Lead time (days)"
    assert v1["body"]["storage"]["value"] == "<p>3 days</p>"
    assert v1["version"]["number"] == 2
    assert v1["version"]["message"] == "v2 edit"
    # v1 writes on from where v2 left off, and v2 sees it.
    assert api.update_page(v1, 3, body="<p>2 days</p>").status_code == 200
    again = api.page_v2(page["id"], **{"body-format": "storage"})
    assert again["version"]["number"] == 3
    assert again["body"]["storage"]["value"] == "<p>2 days</p>"


def test_create_answers_200_with_the_page_and_its_storage_body(api: V2Api) -> None:
    body = {"representation": "storage", "value": "<p>99.9 %</p>"}
    response = post_page(api, status="current", title="Uptime", body=body)
    assert response.status_code == 200
    page = response.json()
    assert page["title"] == "Uptime"
    assert page["version"]["number"] == 1
    assert page["body"] == {"storage": {"representation": "storage", "value": "<p>99.9 %</p>"}}


def test_the_nested_body_form_is_accepted_and_normalised_like_v1(api: V2Api) -> None:
    nested = {"storage": {"representation": "storage", "value": "<p><b>bold</b></p>"}}
    response = post_page(api, title="Nested", body=nested)
    assert response.status_code == 200, response.text
    assert response.json()["body"]["storage"]["value"] == "<p><strong>bold</strong></p>"


def test_without_a_parent_a_page_goes_under_the_space_home(api: V2Api) -> None:
    home_id = api.get(f"{V2}/spaces", params={"keys": "KPI"}).json()["results"][0]["homepageId"]
    page = api.create_v2("Under home")
    assert page["parentId"] == home_id
    v1 = api.get(f"/rest/api/content/{page['id']}", params={"expand": "ancestors"}).json()
    assert [a["id"] for a in v1["ancestors"]] == [home_id]
    top = api.post(
        f"{V2}/pages",
        params={"root-level": "true"},
        json={"spaceId": api.space_id(), "title": "At the top"},
    ).json()
    assert top["parentId"] is None


def test_a_parent_id_places_the_page_below_it(api: V2Api) -> None:
    parent = api.create_v2("Parent")
    child = api.create_v2("Child", parent=parent["id"])
    assert child["parentId"] == parent["id"]
    ancestors = api.get(f"{V2}/pages/{child['id']}/ancestors").json()["results"]
    assert [a["id"] for a in ancestors] == [parent["parentId"], parent["id"]]


def test_duplicate_title_answers_400_in_v2_shape(api: V2Api) -> None:
    api.create_page("Revenue per customer")
    response = post_page(api, title="REVENUE per Customer")
    assert v2_error(response, 400, "BAD_REQUEST") == TITLE_TAKEN


def test_renaming_onto_a_taken_title_answers_400(api: V2Api) -> None:
    api.create_v2("Taken")
    page = api.create_v2("Free")
    assert v2_error(api.update_v2(page, 2, title="taken"), 400, "BAD_REQUEST") == TITLE_TAKEN


def test_stale_version_answers_409_in_v2_shape(api: V2Api) -> None:
    page = api.create_v2("Stale")
    assert api.update_v2(page, 2).status_code == 200
    response = api.update_v2(page, 2, body="<p>lost</p>")
    title = v2_error(response, 409, "CONFLICT")
    assert title == "Version must be incremented on update. Current version is: 2"
    assert api.page_v2(page["id"], **{"body-format": "storage"})["body"]["storage"]["value"] == (
        "<p>y</p>"
    )


def test_a_v1_write_between_a_v2_read_and_write_makes_the_v2_write_409(api: V2Api) -> None:
    page = api.create_v2("Raced")
    read = api.page_v2(page["id"])
    api.update_page(page, read["version"]["number"] + 1, body="<p>someone else</p>")
    response = api.update_v2(page, read["version"]["number"] + 1)
    v2_error(response, 409, "CONFLICT")


def test_unknown_space_answers_404(api: V2Api) -> None:
    response = api.post(f"{V2}/pages", json={"spaceId": "999999", "title": "Nowhere"})
    v2_error(response, 404, "NOT_FOUND")
    missing = api.post(f"{V2}/pages", json={"title": "No space"})
    v2_error(missing, 400, "BAD_REQUEST")


@pytest.mark.parametrize(
    "body",
    [
        {"representation": "atlas_doc_format", "value": '{"type": "doc"}'},
        {"atlas_doc_format": {"representation": "atlas_doc_format", "value": "{}"}},
        {"representation": "wiki", "value": "h1. Title"},
        {"storage": {"representation": "wiki", "value": "<p>x</p>"}},
        {"value": "<p>no representation</p>"},
    ],
)
def test_bodies_other_than_storage_are_400(api: V2Api, body: dict[str, Any]) -> None:
    v2_error(post_page(api, title="ADF", body=body), 400, "BAD_REQUEST")
    assert api.get(f"{V2}/pages", params={"title": "ADF"}).json()["results"] == []


def test_adf_is_refused_in_words(api: V2Api) -> None:
    adf = {"representation": "atlas_doc_format", "value": "{}"}
    response = post_page(api, title="ADF", body=adf)
    assert "Atlassian Document Format" in v2_error(response, 400, "BAD_REQUEST")


def test_malformed_storage_is_400_with_the_parsers_words(api: V2Api) -> None:
    broken = {"representation": "storage", "value": "<p>open"}
    response = post_page(api, title="Broken", body=broken)
    assert v2_error(response, 400, "BAD_REQUEST").startswith("Error parsing xhtml")


def test_drafts_are_400(api: V2Api) -> None:
    v2_error(post_page(api, status="draft", title="Draft"), 400, "BAD_REQUEST")


@pytest.mark.parametrize(
    "change",
    [
        {"id": "1"},
        {"status": None},
        {"status": "draft"},
        {"body": None},
        {"version": None},
        {"title": ""},
    ],
)
def test_an_update_missing_what_v2_requires_is_400(api: V2Api, change: dict[str, Any]) -> None:
    page = api.create_v2("Strict")
    payload = {
        "id": page["id"],
        "status": "current",
        "title": "Strict",
        "body": {"representation": "storage", "value": "<p>z</p>"},
        "version": {"number": 2},
        **change,
    }
    v2_error(api.put(f"{V2}/pages/{page['id']}", json=payload), 400, "BAD_REQUEST")
    assert api.page_v2(page["id"])["version"]["number"] == 1


def test_moving_by_parent_id_keeps_the_ancestors_consistent(api: V2Api) -> None:
    old_parent = api.create_v2("Old parent")
    new_parent = api.create_v2("New parent")
    page = api.create_v2("Moving", parent=old_parent["id"])
    child = api.create_v2("Its child", parent=page["id"])
    moved = api.update_v2(page, 2, parentId=new_parent["id"])
    assert moved.status_code == 200, moved.text
    assert moved.json()["parentId"] == new_parent["id"]
    chain = [a["id"] for a in api.get(f"{V2}/pages/{child['id']}/ancestors").json()["results"]]
    assert chain == [new_parent["parentId"], new_parent["id"], page["id"]]
    v1 = api.get(f"/rest/api/content/{child['id']}", params={"expand": "ancestors"}).json()
    assert [a["id"] for a in v1["ancestors"]] == chain
    below = api.update_v2(moved.json(), 3, parentId=child["id"])
    v2_error(below, 400, "BAD_REQUEST")


def test_a_page_cannot_move_to_another_space(api: V2Api) -> None:
    api.post("/rest/api/space", json={"key": "OPS", "name": "Operations"})
    page = api.create_v2("Stays")
    response = api.update_v2(page, 2, spaceId=api.space_id("OPS"))
    v2_error(response, 400, "BAD_REQUEST")


def test_delete_trashes_and_purge_deletes_for_good(api: V2Api) -> None:
    page = api.create_v2("Short lived")
    api.post(f"{V2}/pages/{page['id']}/properties", json={"key": "memo", "value": 1})
    assert api.delete(f"{V2}/pages/{page['id']}").status_code == 204
    assert api.page_v2(page["id"], status="trashed")["status"] == "trashed"
    v1 = api.get(f"/rest/api/content/{page['id']}", params={"status": "trashed"})
    assert v1.json()["status"] == "trashed"
    assert api.delete(f"{V2}/pages/{page['id']}", params={"purge": "true"}).status_code == 204
    gone = api.get(f"{V2}/pages/{page['id']}", params={"status": "trashed"})
    v2_error(gone, 404, "NOT_FOUND")
    again = api.delete(f"{V2}/pages/{page['id']}", params={"purge": "true"})
    v2_error(again, 404, "NOT_FOUND")


def test_purging_a_current_page_is_404_and_keeps_it(api: V2Api) -> None:
    page = api.create_v2("Not in the bin")
    response = api.delete(f"{V2}/pages/{page['id']}", params={"purge": "true"})
    v2_error(response, 404, "NOT_FOUND")
    assert api.page_v2(page["id"])["status"] == "current"


def test_an_update_restores_a_trashed_page_as_v1_does(api: V2Api) -> None:
    page = api.create_v2("Back again")
    api.delete(f"{V2}/pages/{page['id']}")
    assert api.update_v2(page, 2).status_code == 200
    assert api.page_v2(page["id"])["status"] == "current"


def test_read_only_user_gets_403_in_v2_shape(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    users = [UserSpec("admin", "admin"), UserSpec("viewer", "pw", read_only=True)]
    admin = start_cloud(sandbox_factory, users=users)
    page = admin.create_v2("Read me")
    viewer = V2Api(admin.server, auth=("viewer", "pw"))
    assert viewer.page_v2(page["id"])["title"] == "Read me"
    v2_error(viewer.update_v2(page, 2), 403, "FORBIDDEN")
    v2_error(viewer.delete(f"{V2}/pages/{page['id']}"), 403, "FORBIDDEN")
    created = viewer.post(f"{V2}/pages", json={"spaceId": admin.space_id(), "title": "No"})
    v2_error(created, 403, "FORBIDDEN")
    assert admin.page_v2(page["id"])["version"]["number"] == 1
