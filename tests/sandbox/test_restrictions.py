"""A content's restrictions, read-only: content hidden from some users reads as restricted to
the others; nothing restricts updates; unknown operations and content are 404s."""

from __future__ import annotations

from typing import Any

from atlassian import Confluence

from .helpers import Api


def _names(restriction: dict[str, Any], flavour: str) -> list[str]:
    users = restriction["restrictions"]["user"]["results"]
    return [u["username" if flavour == "dc" else "displayName"] for u in users]


def test_restrictions_read_as_who_may_see_the_content(
    api: Api, confluence: Confluence, flavour: str
) -> None:
    for name in ("bob", "carol"):
        api.control("POST", "/users", json={"name": name, "secret": "pw"})
    page = api.create_page("Private")
    open_page = confluence.get_all_restrictions_for_content(page["id"])
    assert _names(open_page["read"], flavour) == []
    api.control("POST", "/restrictions", json={"content_id": page["id"], "hidden_from": ["bob"]})
    hidden = confluence.get_all_restrictions_for_content(page["id"])
    assert _names(hidden["read"], flavour) == ["admin", "carol"]
    assert _names(hidden["update"], flavour) == []
    assert hidden["read"]["restrictions"]["group"]["size"] == 0
    read = api.get(f"/rest/api/content/{page['id']}/restriction/byOperation/read").json()
    assert read == hidden["read"]
    assert api.get(f"/rest/api/content/{page['id']}/restriction/byOperation/x").status_code == 404
    assert api.get("/rest/api/content/424242/restriction/byOperation").status_code == 404
