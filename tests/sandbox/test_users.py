"""Users and watches: the logged-in user and users by name, key or account id in each flavour's
shape, and starting, reading and stopping a watch on content, for the caller or a named user."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from atlassian import Confluence
from atlassian.errors import ApiNotFoundError
from requests import HTTPError

from confluence_kpi.sandbox import SandboxServer
from confluence_kpi.sandbox.render import account_id, user_key

from .helpers import USER, Api

NO_CHECK = {"X-Atlassian-Token": "no-check"}
PICTURE_KEYS = {"path", "width", "height", "isDefault"}


def test_current_user_in_the_flavours_shape(confluence: Confluence, flavour: str) -> None:
    user = confluence.get_current_user()
    assert user["type"] == "known"
    assert user["displayName"] == "admin"
    assert set(user["profilePicture"]) == PICTURE_KEYS
    assert {"self", "base", "context"} <= set(user["_links"])
    if flavour == "dc":
        assert user["username"] == "admin"
        assert user["userKey"] == user_key("admin")
        assert "accountId" not in user
    else:
        assert user["accountId"] == account_id("admin")
        assert user["accountType"] == "atlassian"
        assert user["publicName"] == "admin"
        assert "username" not in user


def _client(sandbox_factory: Callable[..., SandboxServer], flavour: str) -> Confluence:
    """atlassian-python-api against a fresh sandbox of one flavour, with bob as a second user."""
    server = sandbox_factory(flavour=flavour)
    Api(server).control("POST", "/users", json={"name": "bob@example.com", "secret": "pw"})
    # atlassian-python-api's constructor has no annotations; the instance is typed all the same.
    return Confluence(  # type: ignore[no-untyped-call]
        url=server.base_url, username=USER[0], password=USER[1], cloud=False
    )


def test_users_by_name_and_key_on_dc(sandbox_factory: Callable[..., SandboxServer]) -> None:
    confluence = _client(sandbox_factory, "dc")
    bob = confluence.get_user_details_by_username("bob@example.com")
    assert bob["userKey"] == user_key("bob@example.com")
    by_key = confluence.get_user_details_by_userkey(user_key("bob@example.com"))
    assert by_key["username"] == "bob@example.com"
    assert "email" not in by_key
    with pytest.raises(ApiNotFoundError):
        confluence.get_user_details_by_username("nobody")
    with pytest.raises(HTTPError, match="A user must be named"):
        confluence.get_users()


def test_users_by_account_id_on_cloud(sandbox_factory: Callable[..., SandboxServer]) -> None:
    confluence = _client(sandbox_factory, "cloud")
    bob = confluence.get_user_details_by_accountid(account_id("bob@example.com"))
    assert bob["displayName"] == "bob@example.com"
    assert bob["email"] == "bob@example.com"
    with pytest.raises(ApiNotFoundError):
        confluence.get_user_details_by_accountid("0" * 24)
    with pytest.raises(HTTPError, match="no longer available"):
        confluence.get_user_details_by_username("bob@example.com")


def _watch_url(page_id: str) -> str:
    return f"/rest/api/user/watch/content/{page_id}"


def test_watch_start_read_stop_for_the_caller(api: Api) -> None:
    page = api.create_page("Watched")
    url = _watch_url(page["id"])
    assert api.get(url).json() == {"watching": False}
    assert api.post(url).status_code == 403  # the XSRF header is required
    assert api.post(url, headers=NO_CHECK).status_code == 204
    assert api.post(url, headers=NO_CHECK).status_code == 204  # again: still watching
    assert api.get(url).json() == {"watching": True}
    assert api.delete(url, headers=NO_CHECK).status_code == 204
    assert api.get(url).json() == {"watching": False}
    assert api.get(_watch_url("424242")).status_code == 404
    assert api.post(_watch_url("424242"), headers=NO_CHECK).status_code == 404


def test_watch_for_a_named_user(api: Api, flavour: str) -> None:
    api.control("POST", "/users", json={"name": "bob", "secret": "pw"})
    page = api.create_page("Watched by Bob")
    url = _watch_url(page["id"])
    bob = {"accountId": account_id("bob")} if flavour == "cloud" else {"username": "bob"}
    assert api.post(url, headers=NO_CHECK, params=bob).status_code == 204
    assert api.get(url, params=bob).json() == {"watching": True}
    assert api.get(url).json() == {"watching": False}  # admin, the caller, is not watching
    nobody = {"accountId": "0" * 24} if flavour == "cloud" else {"key": "0" * 32}
    assert api.get(url, params=nobody).status_code == 404
