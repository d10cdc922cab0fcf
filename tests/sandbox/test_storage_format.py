"""Every write checks the storage format and stores it normalised, as Confluence does."""

from __future__ import annotations

import re

from .helpers import Api, message

MACRO = (
    '<ac:structured-macro ac:name="status">'
    '<ac:parameter ac:name="colour">Green</ac:parameter></ac:structured-macro>'
)


def test_invalid_xhtml_is_400_with_a_position(api: Api) -> None:
    response = api.post(
        "/rest/api/content",
        json={
            "type": "page",
            "title": "Broken",
            "space": {"key": "KPI"},
            "body": {"storage": {"value": "<p>a</br></p>", "representation": "storage"}},
        },
    )
    assert response.status_code == 400
    assert re.fullmatch(
        r"Error parsing xhtml: .+\n at \[row,col \{unknown-source\}\]: \[\d+,\d+\]",
        message(response),
    )
    assert api.get("/rest/api/content", params={"title": "Broken"}).json()["size"] == 0


def test_invalid_xhtml_on_update_leaves_the_page_unchanged(api: Api) -> None:
    page = api.create_page("Intact", "<p>ok</p>")
    assert api.update_page(page, 2, body="<p>unclosed").status_code == 400
    got = api.get(
        f"/rest/api/content/{page['id']}", params={"expand": "body.storage,version"}
    ).json()
    assert (got["version"]["number"], got["body"]["storage"]["value"]) == (1, "<p>ok</p>")


def test_cloud_adds_macro_ids_and_dc_does_not(api: Api, flavour: str) -> None:
    stored = api.create_page("Macro", MACRO)["body"]["storage"]["value"]
    if flavour == "cloud":
        assert 'ac:macro-id="' in stored
    else:
        assert "ac:macro-id" not in stored


def test_bold_is_stored_as_strong(api: Api) -> None:
    stored = api.create_page("Bold", "<p><b>x</b></p>")["body"]["storage"]["value"]
    assert "<strong>x</strong>" in stored
