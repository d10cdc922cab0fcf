"""Auth: basic and bearer PAT; each flavour's 401; invisible pages are 404; read-only is 403."""

from __future__ import annotations

import requests

from confluence_kpi.sandbox import SandboxServer

from .helpers import Api, message


def test_basic_and_bearer_auth_are_accepted(sandbox: SandboxServer) -> None:
    url = sandbox.base_url + "/rest/api/space/KPI"
    assert requests.get(url, auth=("admin", "admin"), timeout=10).status_code == 200
    bearer = {"Authorization": "Bearer sandbox-pat"}
    assert requests.get(url, headers=bearer, timeout=10).status_code == 200


def test_wrong_credentials_get_the_flavours_401(sandbox: SandboxServer, flavour: str) -> None:
    response = requests.get(
        sandbox.base_url + "/rest/api/space/KPI", auth=("admin", "nope"), timeout=10
    )
    assert response.status_code == 401
    if flavour == "cloud":
        assert response.headers["Content-Type"].startswith("text/plain")
        assert response.text.startswith("Basic authentication with passwords is deprecated.")
    else:
        assert response.headers["Content-Type"].startswith("text/html")
        assert "AUTHENTICATED_FAILED" in response.text
    bad_token = {"Authorization": "Bearer wrong"}
    assert (
        requests.get(
            sandbox.base_url + "/rest/api/space/KPI", headers=bad_token, timeout=10
        ).status_code
        == 401
    )


def test_a_page_the_user_cannot_see_is_404(api: Api) -> None:
    page = api.create_page("Secret")
    api.control("POST", "/users", json={"name": "bob", "secret": "pw"})
    api.control("POST", "/restrictions", json={"content_id": page["id"], "hidden_from": ["bob"]})
    bob = Api(api.server, auth=("bob", "pw"))
    assert bob.get(f"/rest/api/content/{page['id']}").status_code == 404
    assert bob.get("/rest/api/content", params={"title": "Secret"}).json()["size"] == 0
    assert bob.get("/rest/api/content/search", params={"cql": "title = Secret"}).json()["size"] == 0
    assert api.get(f"/rest/api/content/{page['id']}").status_code == 200


def test_read_only_user_gets_403_on_writes(api: Api) -> None:
    api.control("POST", "/users", json={"name": "reader", "secret": "pw", "read_only": True})
    reader = Api(api.server, auth=("reader", "pw"))
    page = api.create_page("Read only")
    assert reader.get(f"/rest/api/content/{page['id']}").status_code == 200
    response = reader.update_page(page, 2)
    assert response.status_code == 403
    assert message(response) == "You do not have permission to edit this content"
    assert api.get(f"/rest/api/content/{page['id']}").json()["version"]["number"] == 1


def test_version_by_carries_the_flavours_user_fields(api: Api, flavour: str) -> None:
    by = api.create_page("Who")["version"]["by"]
    assert by["displayName"] == "admin"
    if flavour == "cloud":
        assert by["accountId"]
    else:
        assert by["username"] == "admin"
        assert by["userKey"]
