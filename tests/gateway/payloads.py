"""Confluence v1 JSON shaped like Confluence's own answers: pages, listings, properties, errors."""

from __future__ import annotations

from typing import Any

SITE = "https://kpi.example.net/wiki"
API = f"{SITE}/rest/api"
_EXCEPTIONS = "com.atlassian.confluence.api.service.exceptions"


def content(
    page_id: str = "123",
    title: str = "First response time",
    version: int = 4,
    body: str | None = "<p>x</p>",
    parent_id: str | None = "100",
) -> dict[str, Any]:
    """A page as Cloud answers GET /rest/api/content/{id} with the gateway's expansions."""
    page: dict[str, Any] = {
        "id": page_id,
        "type": "page",
        "status": "current",
        "title": title,
        "space": {
            "id": 98306,
            "key": "KPI",
            "name": "KPIs",
            "type": "global",
            "status": "current",
            "_links": {"webui": "/spaces/KPI", "self": f"{API}/space/KPI"},
        },
        "version": {
            "by": {"type": "known", "accountId": "5b10ac8d", "displayName": "KPI Bot"},
            "when": "2026-06-30T09:15:02.123Z",
            "message": "sync",
            "number": version,
            "minorEdit": False,
        },
        "ancestors": (
            [{"id": parent_id, "type": "page", "status": "current", "title": "KPIs"}]
            if parent_id
            else []
        ),
        "_links": {
            "webui": f"/spaces/KPI/pages/{page_id}",
            "self": f"{API}/content/{page_id}",
            "base": SITE,
            "context": "/wiki",
        },
    }
    if body is not None:
        page["body"] = {"storage": {"value": body, "representation": "storage"}}
    return page


def listing(results: list[dict[str, Any]], *, next_link: str | None = None) -> dict[str, Any]:
    """A v1 content list (search results or content by title)."""
    links: dict[str, Any] = {"base": SITE, "context": "/wiki"}
    if next_link:
        links["next"] = next_link
    return {"results": results, "start": 0, "limit": 50, "size": len(results), "_links": links}


def prop(key: str, value: Any, version: int = 1) -> dict[str, Any]:
    """A content property."""
    return {
        "id": "2195914753",
        "key": key,
        "value": value,
        "version": {"when": "2026-06-30T09:15:03.000Z", "message": "", "number": version},
        "_links": {"self": f"{API}/content/123/property/{key}"},
    }


def error(status: int, message: str) -> dict[str, Any]:
    """A v1 error body, with the Java exception prefix Cloud puts in front of the message."""
    return {
        "statusCode": status,
        "data": {"authorized": False, "valid": True, "errors": [], "successful": False},
        "message": f"{_EXCEPTIONS}.BadRequestException: {message}",
    }
