"""Which resource a path names, as Confluence's JAX-RS routing decides: the most specific
template that matches it; a method that resource lacks is a 405 naming what it allows, and a
path no template matches is a 404."""

from __future__ import annotations

import pytest

from .helpers import Api


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        # `/content/{id}` has PUT and DELETE, but `/content/search` is a resource of its own.
        ("PUT", "/rest/api/content/search", "GET"),
        ("DELETE", "/rest/api/content/search", "GET"),
        ("POST", "/rest/api/content/PAGE/history", "GET"),
        ("DELETE", "/rest/api/content/PAGE/child/attachment", "GET, POST, PUT"),
    ],
)
def test_a_method_the_resource_lacks_is_405_with_allow(
    api: Api, method: str, path: str, allow: str
) -> None:
    page = api.create_page("Routed")
    response = api.request(method, path.replace("PAGE", page["id"]), json={})
    assert response.status_code == 405, response.text
    assert response.headers["Allow"] == allow
    assert response.json()["statusCode"] == 405


@pytest.mark.parametrize(
    "path",
    [
        "/rest/api/content/PAGE/nothing",
        "/rest/api/content/PAGE/child/page/more",
        "/rest/api/spaces",
    ],
)
def test_a_path_no_resource_has_is_404(api: Api, path: str) -> None:
    page = api.create_page("Routed")
    response = api.get(path.replace("PAGE", page["id"]))
    assert response.status_code == 404, response.text
    assert response.json()["statusCode"] == 404
