"""Malformed requests of every kind get Confluence's error body, never a 500 or a traceback."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import Api

PAGE = "/rest/api/content"


def _create(**fields: Any) -> dict[str, Any]:
    return {"type": "page", "title": "T", "space": {"key": "KPI"}, **fields}


CASES: list[tuple[str, str, dict[str, Any], int]] = [
    ("POST", PAGE, {"data": b"{not json"}, 400),
    ("POST", PAGE, {"data": b"\xff\xfe"}, 400),
    ("POST", PAGE, {"json": [1, 2]}, 400),
    ("POST", PAGE, {"json": {"title": "T", "space": {"key": "KPI"}}}, 400),
    ("POST", PAGE, {"json": _create(type="comment")}, 400),
    ("POST", PAGE, {"json": _create(title=5)}, 400),
    ("POST", PAGE, {"json": _create(title="")}, 400),
    ("POST", PAGE, {"json": _create(title="x" * 300)}, 400),
    ("POST", PAGE, {"json": _create(space="KPI")}, 400),
    ("POST", PAGE, {"json": _create(space={})}, 400),
    ("POST", PAGE, {"json": _create(space={"key": "NOPE"})}, 404),
    ("POST", PAGE, {"json": _create(ancestors=[{"id": "999999"}])}, 404),
    ("POST", PAGE, {"json": _create(ancestors=[{"id": "1"}, {"id": "2"}])}, 400),
    ("POST", PAGE, {"json": _create(ancestors="x")}, 400),
    ("POST", PAGE, {"json": _create(body={"storage": "x"})}, 400),
    ("POST", PAGE, {"json": _create(body={"storage": {"value": 3}})}, 400),
    (
        "POST",
        PAGE,
        {"json": _create(body={"storage": {"value": "<p>"}, "wiki": {"value": "x"}})},
        400,
    ),
    ("POST", PAGE, {"json": _create(body={"storage": {"value": "<p>a & b</p>"}})}, 400),
    ("POST", PAGE, {"json": _create(metadata={"properties": {"k": 1}})}, 400),
    ("POST", PAGE, {"data": b"x" * (5 * 1024 * 1024 + 1)}, 413),
    ("GET", PAGE + "/999999", {}, 404),
    ("GET", PAGE + "/abc", {}, 404),
    ("GET", PAGE, {"params": {"limit": "ten"}}, 400),
    ("GET", PAGE, {"params": {"start": "-1"}}, 400),
    ("GET", PAGE, {"params": {"status": "historical"}}, 400),
    (
        "PUT",
        PAGE + "/999999",
        {"json": {"type": "page", "title": "T", "version": {"number": 2}}},
        404,
    ),
    (
        "PUT",
        PAGE + "/HOME",
        {"json": {"type": "page", "title": "T", "version": {"number": "2"}}},
        400,
    ),
    ("PUT", PAGE + "/HOME", {"json": {"type": "page", "title": "T", "version": 2}}, 400),
    ("GET", PAGE + "/999999/property", {}, 404),
    ("GET", PAGE + "/HOME/property/missing", {}, 404),
    ("POST", PAGE + "/HOME/property", {"json": {"key": "k"}}, 400),
    ("POST", PAGE + "/HOME/property", {"json": {"value": 1}}, 400),
    ("PUT", PAGE + "/HOME/property/k", {"json": {"key": "k", "value": 1}}, 400),
    (
        "PUT",
        PAGE + "/HOME/property/k",
        {"json": {"key": "other", "value": 1, "version": {"number": 1}}},
        400,
    ),
    ("POST", PAGE + "/HOME/label", {"json": "kpi"}, 400),
    ("POST", PAGE + "/HOME/label", {"json": {"prefix": "weird", "name": "kpi"}}, 400),
    ("GET", "/rest/api/content/search", {}, 400),
    ("GET", "/rest/api/content/search", {"params": {"cql": "(label = kpi"}}, 400),
    (
        "GET",
        "/rest/api/content/search",
        {"params": {"cql": "label = kpi", "cqlcontext": "[1]"}},
        400,
    ),
    ("GET", "/rest/api/search", {"params": {"cql": "ORDER BY"}}, 400),
    ("POST", "/rest/api/space", {"json": {"key": "bad key", "name": "x"}}, 400),
    ("POST", "/rest/api/space", {"json": {"key": "OK"}}, 400),
    (
        "POST",
        PAGE + "/HOME/child/attachment",
        {"headers": {"X-Atlassian-Token": "no-check"}, "data": b"x"},
        400,
    ),
    ("GET", "/rest/api/nothing/here", {}, 404),
    ("PATCH", PAGE, {}, 405),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), CASES)
def test_malformed_request_gets_confluences_error(
    api: Api, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    home = api.get("/rest/api/space/KPI", params={"expand": "homepage"}).json()["homepage"]["id"]
    response = api.request(method, path.replace("HOME", home), **kwargs)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["statusCode"] == status
    assert isinstance(body["message"], str)
    assert body["message"]
    assert "Traceback" not in response.text
