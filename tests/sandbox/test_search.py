"""CQL search: results, `order by`, errors, paging (offset in dc, cursor in cloud), limit caps."""

from __future__ import annotations

from urllib.parse import urlsplit

from .helpers import Api, message


def _labelled(api: Api, title: str, label: str, parent: str | None = None) -> dict[str, object]:
    page = api.create_page(title, parent=parent)
    api.post(f"/rest/api/content/{page['id']}/label", json={"name": label})
    return page


def test_content_search_filters_and_orders(api: Api) -> None:
    for title in ("Charlie", "Alpha", "Bravo"):
        _labelled(api, title, "kpi")
    _labelled(api, "Delta", "other")
    cql = 'type = page AND label = "kpi" ORDER BY title DESC'
    found = api.get("/rest/api/content/search", params={"cql": cql}).json()
    assert [r["title"] for r in found["results"]] == ["Charlie", "Bravo", "Alpha"]


def test_search_by_parent_and_space(api: Api) -> None:
    parent = api.create_page("Parent")
    child = api.create_page("Kid", parent=parent["id"])
    cql = f'parent = {parent["id"]} AND space = "KPI"'
    found = api.get("/rest/api/content/search", params={"cql": cql}).json()
    assert [r["id"] for r in found["results"]] == [child["id"]]


def test_ancestor_and_parent_find_pages_below_not_the_attachments_on_them(api: Api) -> None:
    top = api.create_page("Top")
    middle = api.create_page("Middle", parent=top["id"])
    for page in (top, middle):
        uploaded = api.post(
            f"/rest/api/content/{page['id']}/child/attachment",
            headers={"X-Atlassian-Token": "no-check"},
            files={"file": (f"{page['title']}.csv", b"a,b\n", "text/csv")},
        )
        assert uploaded.status_code == 200, uploaded.text
    for cql in (f"ancestor = {top['id']}", f"parent = {top['id']}"):
        found = api.get("/rest/api/content/search", params={"cql": cql}).json()
        assert [r["id"] for r in found["results"]] == [middle["id"]], cql


def test_trashed_pages_are_not_found(api: Api) -> None:
    page = _labelled(api, "Gone", "kpi")
    api.delete(f"/rest/api/content/{page['id']}")
    found = api.get("/rest/api/content/search", params={"cql": "label = kpi"}).json()
    assert found["results"] == []


def test_rest_api_search_wraps_results(api: Api) -> None:
    _labelled(api, "Wrapped", "kpi")
    found = api.get(
        "/rest/api/search", params={"cql": "label = kpi", "expand": "content.version"}
    ).json()
    (hit,) = found["results"]
    assert hit["title"] == "Wrapped"
    assert hit["content"]["version"]["number"] == 1
    assert hit["entityType"] == "content"
    assert found["totalSize"] == 1


def test_bad_cql_is_400_could_not_parse(api: Api) -> None:
    response = api.get("/rest/api/content/search", params={"cql": "label = = kpi"})
    assert response.status_code == 400
    assert message(response).startswith("Could not parse cql : ")
    assert api.get("/rest/api/search", params={"cql": "nosuchfield = 1"}).status_code == 400


def test_dc_next_link_is_an_offset(api: Api, flavour: str) -> None:
    for n in range(3):
        _labelled(api, f"P{n}", "kpi")
    found = api.get("/rest/api/content/search", params={"cql": "label = kpi", "limit": 2}).json()
    nxt = found["_links"]["next"]
    assert nxt.startswith("/rest/api/content/search?")
    if flavour == "dc":
        assert "start=2" in nxt
        assert "cursor" not in nxt


def test_cursor_next_link_drops_the_context_path(api: Api, flavour: str) -> None:
    for n in range(5):
        _labelled(api, f"P{n}", "kpi")
    params = {"cql": "label = kpi ORDER BY title", "limit": 2}
    page = api.get("/rest/api/content/search", params=params).json()
    titles = [r["title"] for r in page["results"]]
    while "next" in page["_links"]:
        nxt = page["_links"]["next"]
        assert not nxt.startswith("/wiki")
        if flavour == "cloud":
            assert "cursor=" in nxt
            assert "next=true" in nxt
        # Real clients must put the context path back: the link is relative to `base`.
        page = api.session.get(page["_links"]["base"] + nxt, timeout=10).json()
        titles += [r["title"] for r in page["results"]]
    assert titles == [f"P{n}" for n in range(5)]


def test_following_next_from_the_site_root_misses_under_wiki(api: Api, flavour: str) -> None:
    for n in range(3):
        _labelled(api, f"P{n}", "kpi")
    page = api.get("/rest/api/content/search", params={"cql": "label = kpi", "limit": 1}).json()
    root = "{0.scheme}://{0.netloc}".format(urlsplit(api.base))
    status = api.session.get(root + page["_links"]["next"], timeout=10).status_code
    assert status == (404 if flavour == "cloud" else 200)


def test_limit_caps_depend_on_expansions(api: Api) -> None:
    api.create_page("One")
    url = "/rest/api/content/search"
    cql = {"cql": "type = page"}
    assert api.get(url, params={**cql, "limit": 5000}).json()["limit"] == 1000
    assert api.get(url, params={**cql, "limit": 5000, "expand": "version"}).json()["limit"] == 200
    with_body = api.get(url, params={**cql, "limit": 5000, "expand": "body.storage"}).json()
    assert with_body["limit"] == 50


def test_a_garbled_cursor_is_400_in_cloud_and_ignored_in_dc(api: Api, flavour: str) -> None:
    params = {"cql": "type = page", "cursor": "garbage!"}
    status = api.get("/rest/api/content/search", params=params).status_code
    assert status == (400 if flavour == "cloud" else 200)
