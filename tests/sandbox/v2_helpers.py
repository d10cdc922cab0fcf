"""Helpers for the tests of the cloud sandbox's REST API v2: a requests client that also speaks
v1 (`Api`), with v2 shortcuts, and a reader of v2's error body."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import requests

from confluence_kpi.sandbox import SandboxServer
from confluence_kpi.sandbox.messages import Request, Response

from .helpers import USER, Api

V2 = "/api/v2"


class V2Api(Api):
    """Plain requests against a cloud sandbox, v1 and v2 alike (paths relative to `/wiki`)."""

    def space_id(self, key: str = "KPI") -> str:
        """The id of a space, read through v2."""
        response = self.get(f"{V2}/spaces", params={"keys": key})
        assert response.status_code == 200, response.text
        return str(response.json()["results"][0]["id"])

    def create_v2(
        self,
        title: str,
        body: str = "<p>x</p>",
        parent: str | None = None,
        space_id: str | None = None,
    ) -> dict[str, Any]:
        """Creates a page through v2 and returns its JSON (fails the test if that does not work)."""
        payload: dict[str, Any] = {
            "spaceId": space_id or self.space_id(),
            "status": "current",
            "title": title,
            "body": {"representation": "storage", "value": body},
        }
        if parent:
            payload["parentId"] = parent
        response = self.post(f"{V2}/pages", json=payload)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def update_v2(
        self,
        page: dict[str, Any],
        number: int,
        title: str | None = None,
        body: str = "<p>y</p>",
        **extra: Any,
    ) -> requests.Response:
        """PUTs a new version of a page through v2 with the given version number."""
        return self.put(
            f"{V2}/pages/{page['id']}",
            json={
                "id": page["id"],
                "status": "current",
                "title": title or page["title"],
                "body": {"representation": "storage", "value": body},
                "version": {"number": number, "message": "v2 edit"},
                **extra,
            },
        )

    def page_v2(self, page_id: str, **params: str) -> dict[str, Any]:
        """A page read through v2 (fails the test if it cannot be read)."""
        response = self.get(f"{V2}/pages/{page_id}", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())


def seed_pages(api: V2Api, count: int, prefix: str = "Page") -> None:
    """Adds `count` pages to the KPI space through v1, handed to the running sandbox's app in
    this process: the same auth, routes and rules as over HTTP, at a fraction of the time, for
    tests that need hundreds of pages to list over HTTP."""
    auth = base64.b64encode(":".join(USER).encode()).decode()
    headers = {"authorization": f"Basic {auth}", "content-type": "application/json"}
    for number in range(count):
        payload = {"type": "page", "title": f"{prefix} {number:03d}", "space": {"key": "KPI"}}
        request = Request(
            "POST",
            f"{api.server.config.effective_context_path}/rest/api/content",
            headers=headers,
            body=json.dumps(payload).encode(),
        )
        answer = api.server.app.handle(request)
        assert isinstance(answer, Response), answer
        assert answer.status == 200, answer.body


def start_cloud(factory: Callable[..., SandboxServer], **config: Any) -> V2Api:
    """A fresh cloud sandbox (under /wiki) and a client for it, as admin."""
    return V2Api(factory(flavour="cloud", **config))


def v2_error(response: requests.Response, status: int, code: str) -> str:
    """Checks that `response` is one v2 error of this status and code; its title."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errors"}, body
    (error,) = body["errors"]
    assert error["status"] == status
    assert error["code"] == code
    assert error["detail"] is None
    return str(error["title"])
