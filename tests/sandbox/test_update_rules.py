"""The rules Confluence applies to updates: version+1, type and title required, unique titles."""

from __future__ import annotations

from .helpers import Api, message

TITLE_TAKEN = "A page with this title already exists"


def test_update_with_stale_version_is_409_with_confluence_text(api: Api) -> None:
    page = api.create_page("Stale")
    for _ in range(3):
        number = api.get(f"/rest/api/content/{page['id']}").json()["version"]["number"]
        assert api.update_page(page, number + 1).status_code == 200
    response = api.update_page(page, 3)
    assert response.status_code == 409
    assert message(response) == "Version must be incremented on update. Current version is: 4"


def test_update_skipping_a_version_is_409(api: Api) -> None:
    page = api.create_page("Skip")
    assert api.update_page(page, 3).status_code == 409
    assert api.get(f"/rest/api/content/{page['id']}").json()["version"]["number"] == 1


def test_cloud_errors_carry_the_exception_class(api: Api, flavour: str) -> None:
    page = api.create_page("Prefix")
    text = api.update_page(page, 7).json()["message"]
    if flavour == "cloud":
        assert text.startswith(
            "com.atlassian.confluence.api.service.exceptions.ConflictException: "
        )
    else:
        assert text.startswith("Version must be incremented")


def test_update_without_version_is_400(api: Api) -> None:
    page = api.create_page("No version")
    response = api.put(f"/rest/api/content/{page['id']}", json={"type": "page", "title": "x"})
    assert response.status_code == 400
    assert "No version supplied" in message(response)


def test_update_without_type_is_400(api: Api) -> None:
    page = api.create_page("No type")
    response = api.put(
        f"/rest/api/content/{page['id']}", json={"title": "No type", "version": {"number": 2}}
    )
    assert response.status_code == 400
    assert message(response) == (
        "Type is required and must match existing entity type of page, but received null"
    )


def test_update_without_title_is_400(api: Api) -> None:
    page = api.create_page("No title")
    response = api.put(
        f"/rest/api/content/{page['id']}", json={"type": "page", "version": {"number": 2}}
    )
    assert response.status_code == 400


def test_update_of_unknown_page_is_404(api: Api) -> None:
    response = api.update_page({"id": "777777", "title": "x"}, 2)
    assert response.status_code == 404
    assert message(response) == "Could not find Content for update with id 777777"


def test_update_records_the_acting_user_and_keeps_the_body_when_none_is_sent(api: Api) -> None:
    page = api.create_page("Keep body", "<p>original</p>")
    response = api.put(
        f"/rest/api/content/{page['id']}",
        json={"type": "page", "title": "Renamed", "version": {"number": 2, "message": "why"}},
    )
    got = response.json()
    assert got["title"] == "Renamed"
    assert got["body"]["storage"]["value"] == "<p>original</p>"
    assert got["version"]["message"] == "why"
    assert got["version"]["by"]["displayName"] == "admin"


def test_duplicate_title_is_400_case_insensitively(api: Api) -> None:
    api.create_page("Revenue per customer")
    response = api.post(
        "/rest/api/content",
        json={"type": "page", "title": "REVENUE per Customer", "space": {"key": "KPI"}},
    )
    assert response.status_code == 400
    assert message(response).startswith(TITLE_TAKEN)


def test_renaming_onto_a_taken_title_is_400(api: Api) -> None:
    api.create_page("Taken")
    page = api.create_page("Free")
    response = api.update_page(page, 2, title="taken")
    assert response.status_code == 400
    assert TITLE_TAKEN in message(response)


def test_trashed_page_frees_its_title(api: Api) -> None:
    page = api.create_page("Recycled")
    api.delete(f"/rest/api/content/{page['id']}")
    again = api.create_page("Recycled")
    assert again["id"] != page["id"]


def test_restoring_a_page_whose_title_was_taken_again_is_400(api: Api) -> None:
    page = api.create_page("Contested")
    api.delete(f"/rest/api/content/{page['id']}")
    api.create_page("Contested")
    assert api.update_page(page, 2).status_code == 400
