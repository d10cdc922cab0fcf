"""Errors under the cloud sandbox's v2 come in v2's shape, whoever answers them (the app, a
handler, a fault); Data Center has no v2 at all."""

from __future__ import annotations

from collections.abc import Callable

import requests

from confluence_kpi.sandbox import SandboxServer

from .v2_helpers import V2, V2Api, start_cloud, v2_error


def test_an_unknown_v2_path_is_404_and_a_wrong_method_405(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    api = start_cloud(sandbox_factory)
    v2_error(api.get(f"{V2}/whiteboards/1"), 404, "NOT_FOUND")
    v2_error(api.request("PATCH", f"{V2}/pages"), 405, "METHOD_NOT_ALLOWED")


def test_bad_credentials_answer_401_in_v2_shape(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    api = start_cloud(sandbox_factory)
    wrong = V2Api(api.server, auth=("admin", "wrong"))
    assert "Basic authentication" in v2_error(wrong.get(f"{V2}/pages"), 401, "UNAUTHORIZED")
    # v1 keeps Cloud's plain-text 401.
    v1 = wrong.get("/rest/api/content")
    assert v1.status_code == 401
    assert v1.headers["Content-Type"].startswith("text/plain")


def test_a_malformed_body_is_400_in_v2_shape(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    api = start_cloud(sandbox_factory)
    response = api.post(
        f"{V2}/pages", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert "JSON" in v2_error(response, 400, "BAD_REQUEST")


def test_an_injected_429_keeps_retry_after_in_v2_shape(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    api = start_cloud(sandbox_factory)
    rule = {"path": "/api/v2/pages", "status": 429, "retry_after": "3", "count": 1}
    assert api.control("POST", "/faults", json={"rules": [rule]}).ok, "fault rule refused"
    response = api.get(f"{V2}/pages")
    v2_error(response, 429, "TOO_MANY_REQUESTS")
    assert response.headers["Retry-After"] == "3"
    assert api.get(f"{V2}/pages").status_code == 200


def test_data_center_has_no_v2(sandbox_factory: Callable[..., SandboxServer]) -> None:
    for control in (True, False):
        dc = sandbox_factory(flavour="dc", control=control)
        session = requests.Session()
        session.auth = ("admin", "admin")
        for path in ("/api/v2/pages", "/api/v2/spaces", "/wiki/api/v2/pages"):
            response = session.get(dc.base_url + path, timeout=10)
            assert response.status_code == 404, (control, path, response.text)
        assert session.get(dc.base_url + "/rest/api/space", timeout=10).status_code == 200
