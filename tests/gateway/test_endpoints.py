"""The gateway's endpoints against mocked HTTP (responses): a write that may have landed is
re-read before it is sent again, paging, and what each endpoint sends and reads."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import responses
from responses import matchers

from confluence_kpi.confluence import (
    ConflictError,
    ConfluenceError,
    Gateway,
    Page,
    Property,
    TitleTakenError,
    Transport,
)

from .helpers import PAGE_URL, Sleeps, known_page, sent_json
from .payloads import API, SITE, content, error, listing, prop

# --- writes that may have landed: re-read before they are sent again -----------------------------


def created_by_lookup(http: responses.RequestsMock, found: list[dict[str, Any]]) -> None:
    """The re-read after an uncertain create: content by space and exact title."""
    http.get(
        f"{API}/content",
        match=[
            matchers.query_param_matcher(
                {"spaceKey": "KPI", "title": "First response time", "type": "page"},
                strict_match=False,
            )
        ],
        json=listing(found),
    )


def test_503_on_post_is_not_blindly_repeated_when_page_was_created(
    http: responses.RequestsMock, gateway: Gateway
) -> None:
    memory = {"kpi": "first-response-time"}
    http.post(f"{API}/content", status=503)  # the page was created before the proxy gave up
    created_by_lookup(http, [content(version=1)])
    http.get(f"{PAGE_URL}/property/confluence-kpi", json=prop("confluence-kpi", memory))
    http.post(f"{PAGE_URL}/label", json=listing([]))
    page = gateway.create_page(
        "KPI",
        "First response time",
        "<p>x</p>",
        parent_id="100",
        labels=["kpi"],
        properties={"confluence-kpi": memory},
    )
    posts = [c.request.url for c in http.calls if c.request.method == "POST"]
    assert posts == [f"{API}/content", f"{PAGE_URL}/label"]  # content posted once only
    assert (page.id, page.version, page.labels) == ("123", 1, frozenset({"kpi"}))
    assert page.properties["confluence-kpi"] == Property("confluence-kpi", memory, 1)


def test_503_on_post_is_sent_again_when_the_page_was_not_created(
    http: responses.RequestsMock, gateway: Gateway, sleeps: Sleeps
) -> None:
    http.post(f"{API}/content", status=503)
    created_by_lookup(http, [])
    http.post(f"{API}/content", json=content(version=1))
    page = gateway.create_page("KPI", "First response time", "<p>x</p>", parent_id="100")
    assert [c.request.method for c in http.calls] == ["POST", "GET", "POST"]
    assert page.id == "123"
    assert len(sleeps) == 1


def test_same_title_page_without_our_property_is_not_taken_for_ours(
    http: responses.RequestsMock, gateway: Gateway
) -> None:
    http.post(f"{API}/content", status=500)
    created_by_lookup(http, [content(page_id="999", version=3)])
    http.get(
        f"{API}/content/999/property/confluence-kpi",
        status=404,
        json=error(404, "No content found with id : 999"),
    )
    http.post(
        f"{API}/content",
        status=400,
        json=error(
            400,
            "A page with this title already "
            "exists: A page already exists with the same TITLE in this space",
        ),
    )
    with pytest.raises(TitleTakenError, match="title already exists"):
        gateway.create_page(
            "KPI",
            "First response time",
            "<p>x</p>",
            parent_id=None,
            properties={"confluence-kpi": {"kpi": "frt"}},
        )


def test_dropped_connection_on_put_rereads_before_retrying(
    http: responses.RequestsMock, gateway: Gateway
) -> None:
    http.put(PAGE_URL, body=requests.ConnectionError("Connection aborted."))
    http.get(PAGE_URL, json=content(version=4, body="<p>old</p>"))  # unchanged: not landed
    http.put(PAGE_URL, json=content(version=5, body="<p>new</p>"))
    page = gateway.update_page(known_page(4), "First response time", "<p>new</p>")
    assert [c.request.method for c in http.calls] == ["PUT", "GET", "PUT"]
    assert sent_json(http.calls[2])["version"]["number"] == 5
    assert (page.version, page.body) == (5, "<p>new</p>")


def test_put_that_landed_before_the_connection_dropped_is_not_sent_again(
    http: responses.RequestsMock, gateway: Gateway
) -> None:
    http.put(PAGE_URL, body=requests.exceptions.ChunkedEncodingError("Connection broken"))
    http.get(PAGE_URL, json=content(version=5, body="<p>new</p>"))
    page = gateway.update_page(known_page(4), "First response time", "<p>new</p>")
    assert [c.request.method for c in http.calls] == ["PUT", "GET"]
    assert page.version == 5


def test_put_racing_another_writer_surfaces_as_conflict(
    http: responses.RequestsMock, gateway: Gateway
) -> None:
    http.put(PAGE_URL, body=requests.ReadTimeout("read timed out"))
    http.get(PAGE_URL, json=content(version=5, body="<p>a person's edit</p>"))
    with pytest.raises(
        ConflictError, match=r"changed while our write was in flight \(version 4 -> 5\)"
    ):
        gateway.update_page(known_page(4), "First response time", "<p>new</p>")
    assert gateway.request_count == 2


def test_property_put_that_landed_returns_the_written_property(
    http: responses.RequestsMock, gateway: Gateway
) -> None:
    url = f"{PAGE_URL}/property/confluence-kpi"
    http.put(url, status=504)
    http.get(url, json=prop("confluence-kpi", {"v": 2}, version=3))
    written = gateway.set_property(
        "123", "confluence-kpi", {"v": 2}, current=Property("confluence-kpi", {"v": 1}, 2)
    )
    assert written == Property("confluence-kpi", {"v": 2}, 3)
    assert [c.request.method for c in http.calls] == ["PUT", "GET"]


# --- paging --------------------------------------------------------------------------------------


def test_cursor_next_link_keeps_the_context_path(
    http: responses.RequestsMock, gateway: Gateway
) -> None:
    search = f"{API}/content/search"
    cursor = (
        "/rest/api/content/search?next=true&cursor=_f_NTA%3D_sa_x&limit=50&start=50&cql=label%3Dkpi"
    )
    http.get(
        search,
        match=[
            matchers.query_param_matcher(
                {"cql": "label=kpi", "limit": "200", "expand": "version,space,ancestors"}
            )
        ],
        json=listing([content("1")], next_link=cursor),
    )
    http.get(
        search,
        match=[
            matchers.query_param_matcher(
                {
                    "next": "true",
                    "cursor": "_f_NTA=_sa_x",
                    "limit": "50",
                    "start": "50",
                    "cql": "label=kpi",
                }
            )
        ],
        json=listing([content("2")]),
    )
    pages = gateway.search("label=kpi")
    assert next(pages).id == "1"
    assert len(http.calls) == 1  # lazy: the second page is fetched only when needed
    assert [page.id for page in pages] == ["2"]
    assert str(http.calls[1].request.url).startswith(f"{SITE}/rest/api/content/search?next=true")


def test_offset_next_link_with_context_path_is_not_doubled(
    http: responses.RequestsMock, sleeps: Sleeps
) -> None:
    gateway = Gateway(Transport("https://wiki.example.org/confluence", pat="p", sleep=sleeps))
    search = "https://wiki.example.org/confluence/rest/api/content/search"
    http.get(
        search,
        match=[
            matchers.query_param_matcher(
                {"cql": "x", "limit": "200", "expand": "version,space,ancestors,metadata.labels"}
            )
        ],
        json=listing([], next_link="/confluence/rest/api/content/search?cql=x&start=25"),
    )
    http.get(
        search,
        match=[matchers.query_param_matcher({"cql": "x", "start": "25"})],
        json=listing([content("7", body=None)]),
    )
    pages = list(gateway.search("x", expand=("metadata.labels",)))
    assert [(p.id, p.body) for p in pages] == [("7", None)]


# --- payloads and answers ------------------------------------------------------------------------


def test_check_space_reads_id_name_and_homepage(
    http: responses.RequestsMock, gateway: Gateway
) -> None:
    http.get(
        f"{API}/space/KPI",
        match=[matchers.query_param_matcher({"expand": "homepage"})],
        json={
            "id": 98306,
            "key": "KPI",
            "name": "KPIs",
            "type": "global",
            "homepage": content(page_id="65537", title="KPI handbook", parent_id=None),
        },
    )
    space = gateway.check_space("KPI")
    assert (space.id, space.key, space.name, space.homepage_id) == ("98306", "KPI", "KPIs", "65537")


def test_create_sends_properties_in_metadata_and_labels_as_one_array(
    http: responses.RequestsMock, gateway: Gateway
) -> None:
    http.post(f"{API}/content", json=content(version=1, parent_id="100"))
    http.post(f"{PAGE_URL}/label", json=listing([]))
    page = gateway.create_page(
        "KPI",
        "First response time",
        "<p>x</p>",
        parent_id="100",
        labels=["kpi", "confluence-kpi", "kpi"],
        properties={"confluence-kpi": {"kpi": "frt"}},
    )
    created, labelled = (sent_json(call) for call in http.calls)
    assert created == {
        "type": "page",
        "title": "First response time",
        "status": "current",
        "space": {"key": "KPI"},
        "body": {"storage": {"value": "<p>x</p>", "representation": "storage"}},
        "metadata": {"properties": {"confluence-kpi": {"value": {"kpi": "frt"}}}},
        "ancestors": [{"type": "page", "id": "100"}],
    }
    assert labelled == [
        {"prefix": "global", "name": "confluence-kpi"},
        {"prefix": "global", "name": "kpi"},
    ]
    assert page == Page(
        id="123",
        title="First response time",
        version=1,
        space_key="KPI",
        parent_id="100",
        labels=frozenset({"kpi", "confluence-kpi"}),
        body="<p>x</p>",
        properties={"confluence-kpi": Property("confluence-kpi", {"kpi": "frt"}, 1)},
    )


def test_update_sends_the_next_version_and_keeps_what_it_knew(
    http: responses.RequestsMock, gateway: Gateway
) -> None:
    http.put(PAGE_URL, json=content(version=5, title="Renamed", body="<p>y</p>"))
    before = Page(
        id="123",
        title="First response time",
        version=4,
        space_key="KPI",
        parent_id="100",
        labels=frozenset({"kpi"}),
    )
    after = gateway.update_page(before, "Renamed", "<p>y</p>", version_message="sync: value")
    assert sent_json(http.calls[0]) == {
        "id": "123",
        "type": "page",
        "title": "Renamed",
        "version": {"number": 5, "minorEdit": False, "message": "sync: value"},
        "body": {"storage": {"value": "<p>y</p>", "representation": "storage"}},
    }
    assert (after.title, after.version, after.labels) == ("Renamed", 5, frozenset({"kpi"}))


def test_get_page_reads_labels_and_properties_when_expanded(
    http: responses.RequestsMock, gateway: Gateway
) -> None:
    data = content()
    data["metadata"] = {
        "labels": {
            "results": [{"prefix": "global", "name": "kpi", "id": "4567", "label": "kpi"}],
            "start": 0,
            "limit": 200,
            "size": 1,
        },
        "properties": {
            "confluence-kpi": prop("confluence-kpi", {"v": 1}, 2),
            "_expandable": {"content-appearance": ""},
        },
    }
    http.get(PAGE_URL, json=data)
    page = gateway.get_page("123", expand=("metadata.labels", "metadata.properties.confluence-kpi"))
    assert page.labels == frozenset({"kpi"})
    assert dict(page.properties) == {"confluence-kpi": Property("confluence-kpi", {"v": 1}, 2)}
    assert page.parent_id == "100"


def test_property_update_sends_version_plus_one(
    http: responses.RequestsMock, gateway: Gateway
) -> None:
    http.put(f"{PAGE_URL}/property/confluence-kpi", json=prop("confluence-kpi", {"v": 2}, 3))
    gateway.set_property(
        "123", "confluence-kpi", {"v": 2}, current=Property("confluence-kpi", {"v": 1}, 2)
    )
    assert sent_json(http.calls[0]) == {
        "key": "confluence-kpi",
        "value": {"v": 2},
        "version": {"number": 3, "minorEdit": True},
    }


def test_malformed_answer_is_a_clear_error(http: responses.RequestsMock, gateway: Gateway) -> None:
    http.get(PAGE_URL, json={"id": "123", "title": "x"})
    with pytest.raises(ConfluenceError, match="unexpected answer from Confluence for a page"):
        gateway.get_page("123")
