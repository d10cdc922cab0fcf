"""Attachments: multipart upload behind the XSRF header, `filename` filter, `/data`, download,
metadata by default, and properties (name, comment, media type, page) updated in place."""

from __future__ import annotations

from typing import Any

import requests
from atlassian import Confluence

from .helpers import Api, message

NO_CHECK = {"X-Atlassian-Token": "no-check"}


def _upload(
    api: Api, page_id: str, name: str, data: bytes, headers: dict[str, str] = NO_CHECK
) -> requests.Response:
    return api.post(
        f"/rest/api/content/{page_id}/child/attachment",
        headers=headers,
        files={"file": (name, data, "text/csv")},
        data={"comment": "measurements", "minorEdit": "true"},
    )


def test_upload_list_by_filename_and_download(api: Api) -> None:
    page = api.create_page("With file")
    response = _upload(api, page["id"], "kpi.csv", b"a,b\n1,2\n")
    assert response.status_code == 200
    attachment = response.json()["results"][0]
    assert attachment["title"] == "kpi.csv"
    assert attachment["id"].startswith("att")
    assert attachment["extensions"] == {
        "mediaType": "text/csv",
        "fileSize": 8,
        "comment": "measurements",
    }
    found = api.get(
        f"/rest/api/content/{page['id']}/child/attachment", params={"filename": "kpi.csv"}
    )
    assert [a["id"] for a in found.json()["results"]] == [attachment["id"]]
    other = api.get(
        f"/rest/api/content/{page['id']}/child/attachment", params={"filename": "x.csv"}
    )
    assert other.json()["size"] == 0
    download = api.session.get(api.base + attachment["_links"]["download"], timeout=10)
    assert download.content == b"a,b\n1,2\n"


def test_upload_without_the_xsrf_header_is_403(api: Api) -> None:
    page = api.create_page("No token")
    response = _upload(api, page["id"], "kpi.csv", b"x", headers={})
    assert response.status_code == 403
    assert response.text == "XSRF check failed"


def test_same_file_name_again_is_400_and_data_makes_a_new_version(api: Api) -> None:
    page = api.create_page("Versions")
    first = _upload(api, page["id"], "kpi.csv", b"v1").json()["results"][0]
    again = _upload(api, page["id"], "kpi.csv", b"v2")
    assert again.status_code == 400
    assert "same file name as an existing attachment: kpi.csv" in again.json()["message"]
    updated = api.post(
        f"/rest/api/content/{page['id']}/child/attachment/{first['id']}/data",
        headers=NO_CHECK,
        files={"file": ("kpi.csv", b"version two", "text/csv")},
    )
    assert updated.status_code == 200
    assert updated.json()["version"]["number"] == 2
    download = api.session.get(api.base + updated.json()["_links"]["download"], timeout=10)
    assert download.content == b"version two"


def test_the_listing_carries_metadata_unless_other_expansions_are_named(
    api: Api, confluence: Confluence
) -> None:
    page = api.create_page("Hashed")
    _upload(api, page["id"], "kpi.csv", b"a,b\n")
    listed = confluence.get_attachments_from_content(page["id"], filename="kpi.csv")
    (attachment,) = listed["results"]
    assert attachment["metadata"]["mediaType"] == "text/csv"
    assert attachment["metadata"]["comment"] == "measurements"
    assert attachment["extensions"]["comment"] == "measurements"
    named = confluence.get_attachments_from_content(page["id"], expand="version")
    assert "metadata" not in named["results"][0]
    assert named["results"][0]["_expandable"]["metadata"] == ""


def _properties(
    api: Api, page_id: str, attachment: dict[str, Any], **changes: Any
) -> requests.Response:
    body = {"id": attachment["id"], "type": "attachment", "version": {"number": 1}, **changes}
    return api.put(f"/rest/api/content/{page_id}/child/attachment/{attachment['id']}", json=body)


def test_properties_rename_and_recomment_an_attachment_as_its_next_version(api: Api) -> None:
    page = api.create_page("Renamed")
    attachment = _upload(api, page["id"], "kpi.csv", b"a,b\n").json()["results"][0]
    response = _properties(
        api,
        page["id"],
        attachment,
        title="kpi-2026.csv",
        metadata={"comment": "sha256:abc", "mediaType": "application/csv"},
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["id"] == attachment["id"]
    assert updated["title"] == "kpi-2026.csv"
    assert updated["version"]["number"] == 2
    assert updated["metadata"]["comment"] == "sha256:abc"
    assert updated["extensions"]["mediaType"] == "application/csv"
    listing = api.get(f"/rest/api/content/{page['id']}/child/attachment").json()
    assert [a["title"] for a in listing["results"]] == ["kpi-2026.csv"]
    download = api.session.get(api.base + updated["_links"]["download"], timeout=10)
    assert download.content == b"a,b\n"


def test_properties_move_an_attachment_to_another_page(api: Api) -> None:
    first, second = api.create_page("First"), api.create_page("Second")
    attachment = _upload(api, first["id"], "kpi.csv", b"a,b\n").json()["results"][0]
    moved = _properties(
        api, first["id"], attachment, container={"id": second["id"], "type": "page"}
    )
    assert moved.status_code == 200, moved.text
    assert api.get(f"/rest/api/content/{first['id']}/child/attachment").json()["size"] == 0
    there = api.get(f"/rest/api/content/{second['id']}/child/attachment").json()["results"]
    assert [a["id"] for a in there] == [attachment["id"]]
    download = api.session.get(api.base + moved.json()["_links"]["download"], timeout=10)
    assert download.content == b"a,b\n"


def test_properties_refusals(api: Api) -> None:
    page, other = api.create_page("Strict"), api.create_page("Other")
    attachment = _upload(api, page["id"], "kpi.csv", b"a").json()["results"][0]
    _upload(api, page["id"], "taken.csv", b"b")
    url = f"/rest/api/content/{page['id']}/child/attachment/{attachment['id']}"
    stale = _properties(api, page["id"], attachment, version={"number": 2}, title="x.csv")
    assert stale.status_code == 409
    assert "Current version is: 1" in message(stale)
    no_version = api.put(url, json={"id": attachment["id"], "type": "attachment"})
    assert no_version.status_code == 400
    assert _properties(api, page["id"], attachment, type="page").status_code == 400
    assert _properties(api, page["id"], attachment, title="taken.csv").status_code == 400
    assert _properties(api, page["id"], attachment, title="a/b.csv").status_code == 400
    assert _properties(api, other["id"], attachment).status_code == 404
    into_attachment = {"id": attachment["id"], "type": "attachment"}
    assert _properties(api, page["id"], attachment, container=into_attachment).status_code == 400
    assert api.get(url.rsplit("/", 1)[0]).json()["results"][0]["title"] == "kpi.csv"
