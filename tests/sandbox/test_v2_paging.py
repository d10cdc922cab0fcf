"""Cursor paging in the cloud sandbox's v2: limits, the next page's address in `_links.next`
and in the `Link` header, filters kept, no `next` on the last page, a walk that sees every
page once, and bad cursors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from confluence_kpi.sandbox import SandboxServer

from .v2_helpers import V2, V2Api, seed_pages, start_cloud, v2_error


@pytest.fixture
def api(sandbox_factory: Callable[..., SandboxServer]) -> V2Api:
    """A fresh cloud sandbox."""
    return start_cloud(sandbox_factory)


def walk(api: V2Api, first: requests.Response, most: int = 10) -> tuple[list[dict[str, Any]], int]:
    """Follows `_links.next` from a first answer, for at most `most` requests; every result,
    and how many requests it took. Checks on the way that the `Link` header names the same
    next page."""
    results: list[dict[str, Any]] = []
    response = first
    for requests_made in range(1, most + 1):
        assert response.status_code == 200, response.text
        body = response.json()
        results.extend(body["results"])
        following = body["_links"].get("next")
        if following is None:
            assert "next" not in response.links
            return results, requests_made
        assert response.links["next"]["url"] == following
        response = api.session.get(urljoin(body["_links"]["base"], following), timeout=10)
    raise AssertionError(f"still a next page after {most} requests")


def test_cursor_paging_walks_every_page_once(api: V2Api) -> None:
    seed_pages(api, 599)  # and the space's home page: 600
    first = api.get(f"{V2}/pages", params={"limit": "250"})
    results, requests_made = walk(api, first)
    assert requests_made == 3
    ids = [page["id"] for page in results]
    assert len(ids) == 600
    assert len(set(ids)) == 600
    assert ids == sorted(ids, key=int)


def test_next_links_start_at_the_site_root_and_keep_the_filters(api: V2Api) -> None:
    seed_pages(api, 3)
    response = api.get(
        f"{V2}/pages",
        params={"limit": "2", "sort": "-title", "body-format": "storage", "status": "current"},
    )
    following = response.json()["_links"]["next"]
    assert response.json()["_links"]["base"] == api.base
    assert following.startswith("/wiki/api/v2/pages?")
    query = parse_qs(urlsplit(following).query)
    assert query["sort"] == ["-title"]
    assert query["body-format"] == ["storage"]
    assert query["status"] == ["current"]
    assert query["limit"] == ["2"]
    assert query["cursor"]
    link = response.headers["Link"]
    assert f'<{following}>; rel="next"' in link
    results, _ = walk(api, response)
    assert [p["title"] for p in results] == ["Page 002", "Page 001", "Page 000", "KPI Home"]
    assert all("storage" in p["body"] for p in results)


def test_the_last_page_has_no_next_link_or_header(api: V2Api) -> None:
    response = api.get(f"{V2}/pages", params={"limit": "1"})
    assert "next" not in response.json()["_links"]
    assert "Link" not in response.headers


def test_limit_is_25_by_default_and_capped_at_250(api: V2Api) -> None:
    seed_pages(api, 259)  # 260 with the home page
    assert len(api.get(f"{V2}/pages").json()["results"]) == 25
    capped = api.get(f"{V2}/pages", params={"limit": "1000"})
    assert len(capped.json()["results"]) == 250
    assert parse_qs(urlsplit(capped.json()["_links"]["next"]).query)["limit"] == ["250"]


@pytest.mark.parametrize("limit", ["0", "-1", "ten"])
def test_a_limit_below_one_or_not_a_number_is_400(api: V2Api, limit: str) -> None:
    v2_error(api.get(f"{V2}/pages", params={"limit": limit}), 400, "BAD_REQUEST")


@pytest.mark.parametrize("cursor", ["not-a-cursor", "eyJ4IjoxfQ", "W10"])
def test_a_bad_cursor_is_400(api: V2Api, cursor: str) -> None:
    response = api.get(f"{V2}/pages", params={"cursor": cursor})
    assert "cursor" in v2_error(response, 400, "BAD_REQUEST")


def test_a_cursor_of_another_order_is_400(api: V2Api) -> None:
    seed_pages(api, 2)
    by_id = api.get(f"{V2}/pages", params={"limit": "1"}).json()["_links"]["next"]
    cursor = parse_qs(urlsplit(by_id).query)["cursor"][0]
    response = api.get(f"{V2}/pages", params={"limit": "1", "cursor": cursor, "sort": "title"})
    v2_error(response, 400, "BAD_REQUEST")


def test_a_walk_misses_nothing_when_an_earlier_page_is_trashed_midway(api: V2Api) -> None:
    seed_pages(api, 5)
    first = api.get(f"{V2}/pages", params={"limit": "3"})
    seen = [p["id"] for p in first.json()["results"]]
    api.delete(f"/rest/api/content/{seen[0]}")
    rest, _ = walk(api, api.session.get(urljoin(api.base, first.json()["_links"]["next"])))
    assert len(seen) + len(rest) == 6
    assert not set(seen) & {p["id"] for p in rest}


def test_other_lists_page_the_same_way(api: V2Api) -> None:
    parent = api.create_page("Parent")
    for number in range(3):
        api.create_page(f"Child {number}", parent=parent["id"])
    children = api.get(f"{V2}/pages/{parent['id']}/children", params={"limit": "2"})
    results, requests_made = walk(api, children)
    assert ([c["title"] for c in results], requests_made) == (["Child 0", "Child 1", "Child 2"], 2)
    base = f"{V2}/pages/{parent['id']}/properties"
    for key in ("a", "b", "c"):
        api.post(base, json={"key": key, "value": 1})
    results, requests_made = walk(api, api.get(base, params={"limit": "2"}))
    assert ([p["key"] for p in results], requests_made) == (["a", "b", "c"], 2)
