"""Attachments: multipart upload behind the XSRF header, `filename` filter, `/data`, download."""

from __future__ import annotations

import requests

from .helpers import Api

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
