"""Helpers for the sandbox's contract tests: a requests client with set-up shortcuts."""

from __future__ import annotations

from typing import Any

import requests

from confluence_kpi.sandbox import SandboxServer

USER = ("admin", "admin")


class Api:
    """A requests session pointed at one sandbox's REST API, with helpers for common set-up."""

    def __init__(self, server: SandboxServer, auth: tuple[str, str] = USER) -> None:
        self.server = server
        self.base = server.base_url
        self.session = requests.Session()
        self.session.auth = auth

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """`path` is relative to the base URL, e.g. `/rest/api/content`."""
        return self.session.request(method, self.base + path, timeout=10, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A request to the `/_sandbox` control surface."""
        return requests.request(method, self.server.url + "/_sandbox" + path, timeout=10, **kwargs)

    def create_page(
        self, title: str, body: str = "<p>x</p>", parent: str | None = None, space: str = "KPI"
    ) -> dict[str, Any]:
        """Creates a page and returns its JSON (fails the test if that does not work)."""
        payload: dict[str, Any] = {
            "type": "page",
            "title": title,
            "space": {"key": space},
            "body": {"storage": {"value": body, "representation": "storage"}},
        }
        if parent:
            payload["ancestors"] = [{"id": parent}]
        response = self.post("/rest/api/content", json=payload)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def update_page(
        self, page: dict[str, Any], number: int, title: str | None = None, body: str = "<p>y</p>"
    ) -> requests.Response:
        """PUTs a new version of a page with the given version number."""
        return self.put(
            f"/rest/api/content/{page['id']}",
            json={
                "type": "page",
                "title": title or page["title"],
                "version": {"number": number},
                "body": {"storage": {"value": body, "representation": "storage"}},
            },
        )


def message(response: requests.Response) -> str:
    """The `message` of a v1 error body, without Cloud's exception-class prefix."""
    text = str(response.json()["message"])
    return text.split(": ", 1)[1] if text.startswith("com.atlassian.") else text
