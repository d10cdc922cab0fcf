"""The gateway against mocked HTTP (responses): retry policy, error mapping, paging, payloads."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from confluence_kpi.confluence import (
    AuthError,
    ConflictError,
    ConfluenceError,
    ConnectionFailed,
    ForbiddenError,
    Gateway,
    NotFoundError,
    Page,
    Property,
    StorageFormatRejected,
    TitleTakenError,
    Transport,
    parse_retry_after,
)

from .payloads import API, SITE, content, error, listing, prop

TOKEN = "s3cret-api-token"  # a fake, asserted never to leak
PAGE_URL = f"{API}/content/123"


class Sleeps(list[float]):
    """Records the delays the gateway asked for, instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def gateway(sleeps: Sleeps) -> Gateway:
    return Gateway(Transport(SITE, username="bot@example.com", api_token=TOKEN, sleep=sleeps))


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def known_page(version: int = 4) -> Page:
    return Page(
        id="123", title="First response time", version=version, space_key="KPI", parent_id="100"
    )


def sent_json(call: Any) -> Any:
    return json.loads(call.request.body)


# --- 429 and Retry-After -------------------------------------------------------------------


def test_429_with_decimal_retry_after_waits_that_long(
    http: responses.RequestsMock, gateway: Gateway, sleeps: Sleeps
) -> None:
    http.get(PAGE_URL, status=429, headers={"Retry-After": "1.5"})
    http.get(PAGE_URL, json=content())
    page = gateway.get_page("123")
    assert sleeps == [1.5]
    assert (page.id, page.version, page.body) == ("123", 4, "<p>x</p>")
    assert gateway.request_count == 2


def test_429_with_http_date_retry_after(
    http: responses.RequestsMock, gateway: Gateway, sleeps: Sleeps
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=10), usegmt=True)
    http.get(PAGE_URL, status=429, headers={"Retry-After": when})
    http.get(PAGE_URL, json=content())
    gateway.get_page("123")
    # An HTTP date has whole seconds, so up to one second is lost to truncation.
    assert len(sleeps) == 1
    assert 8.5 <= sleeps[0] <= 10


def test_huge_retry_after_is_capped(http: responses.RequestsMock, sleeps: Sleeps) -> None:
    gateway = Gateway(
        Transport(
            SITE, username="bot@example.com", api_token=TOKEN, sleep=sleeps, max_retry_after=45
        )
    )
    http.get(PAGE_URL, status=429, headers={"Retry-After": "9223372036854775807"})
    http.get(PAGE_URL, json=content())
    gateway.get_page("123")
    assert sleeps == [45]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", 3.0),
        (" 1.5 ", 1.5),
        ("-4", 0.0),
        ("inf", float("inf")),
        ("nan", None),
        ("soon", None),
        ("", None),
        (None, None),
        ("Wed, 21 Oct 2026 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2026 07:27:00 GMT", 0.0),
    ],
)
def test_parse_retry_after_reads_every_form(header: str | None, expected: float | None) -> None:
    now = datetime(2026, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert parse_retry_after(header, now=now) == expected


def test_429_without_retry_after_backs_off_exponentially_with_jitter(
    http: responses.RequestsMock, gateway: Gateway, sleeps: Sleeps
) -> None:
    for _ in range(4):
        http.get(PAGE_URL, status=429)
    http.get(PAGE_URL, json=content())
    gateway.get_page("123")
    assert len(sleeps) == 4
    ratios = [delay / 2**n for n, delay in enumerate(sleeps)]  # 1 s, 2 s, 4 s, 8 s nominal
    assert all(0.8 <= ratio <= 1.2 for ratio in ratios), sleeps
    assert len(set(ratios)) > 1, "jitter should vary the delays"


def test_backoff_never_exceeds_max_retry_after(
    http: responses.RequestsMock, sleeps: Sleeps
) -> None:
    gateway = Gateway(
        Transport(SITE, pat="pat-value", sleep=sleeps, max_retries=8, max_retry_after=5)
    )
    for _ in range(7):
        http.get(PAGE_URL, status=429)
    http.get(PAGE_URL, json=content())
    gateway.get_page("123")
    assert len(sleeps) == 7
    assert max(sleeps) <= 5
    assert sleeps[-1] == 5  # 64 s nominal, capped


def test_gives_up_after_max_attempts_with_clear_message(
    http: responses.RequestsMock, gateway: Gateway, sleeps: Sleeps
) -> None:
    http.get(PAGE_URL, status=429, headers={"Retry-After": "2"})
    with pytest.raises(ConfluenceError) as caught:
        gateway.get_page("123")
    assert str(caught.value) == (
        "Confluence kept answering 429 Too Many Requests for GET /wiki/rest/api/content/123 "
        "after 5 attempts"
    )
    assert gateway.request_count == 5
    assert sleeps == [2, 2, 2, 2]


def test_429_on_post_is_retried_because_nothing_was_written(
    http: responses.RequestsMock, gateway: Gateway, sleeps: Sleeps
) -> None:
    http.post(f"{PAGE_URL}/property", status=429, headers={"Retry-After": "1"})
    http.post(f"{PAGE_URL}/property", json=prop("confluence-kpi", {"kpi": "frt"}))
    written = gateway.set_property("123", "confluence-kpi", {"kpi": "frt"}, current=None)
    assert written == Property("confluence-kpi", {"kpi": "frt"}, 1)
    assert sleeps == [1]
    assert [call.request.method for call in http.calls] == ["POST", "POST"]


# --- 5xx and network errors: retried only where repeating is safe ----------------------------


def test_503_on_get_is_retried(
    http: responses.RequestsMock, gateway: Gateway, sleeps: Sleeps
) -> None:
    http.get(PAGE_URL, status=503, body="<html>Service Unavailable</html>")
    http.get(PAGE_URL, status=502)
    http.get(PAGE_URL, json=content(version=7))
    assert gateway.get_page("123").version == 7
    assert len(sleeps) == 2
    assert gateway.request_count == 3


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


def test_connection_refused_is_connection_failed(sleeps: Sleeps) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = Gateway(
        Transport(f"http://127.0.0.1:{port}", pat="pat-value", sleep=sleeps, max_retries=3)
    )
    with pytest.raises(ConnectionFailed) as caught:
        gateway.check_space("KPI")
    assert str(caught.value) == (
        f"cannot reach Confluence at http://127.0.0.1:{port}: connection refused or host not "
        "found (GET /rest/api/space/KPI, 3 attempts)"
    )
    assert len(sleeps) == 2


# --- error mapping ---------------------------------------------------------------------------


def test_401_message_names_user_and_url_but_not_the_token(
    http: responses.RequestsMock, gateway: Gateway
) -> None:
    http.get(
        f"{API}/space/KPI",
        status=401,
        content_type="text/plain",
        body="Basic authentication with passwords is deprecated.  For more information, see: "
        "https://confluence.atlassian.com/cloud/deprecation-of-basic-authentication.html",
    )
    with pytest.raises(AuthError) as caught:
        gateway.check_space("KPI")
    message = str(caught.value)
    assert message.startswith(
        "authentication failed for user 'bot@example.com' at https://kpi.example.net/wiki "
        "(HTTP 401): Basic authentication with passwords is deprecated."
    )
    assert TOKEN not in message
    assert gateway.request_count == 1  # never retried


def test_401_with_a_pat_says_so_and_drops_the_html_page(
    http: responses.RequestsMock, sleeps: Sleeps
) -> None:
    gateway = Gateway(
        Transport("https://wiki.example.org/confluence", pat="pat-secret", sleep=sleeps)
    )
    http.get(
        "https://wiki.example.org/confluence/rest/api/space/KPI",
        status=401,
        content_type="text/html;charset=utf-8",
        body="<html><body><h1>HTTP Status 401 - Basic Authentication Failure - Reason : "
        "AUTHENTICATED_FAILED</h1></body></html>",
    )
    with pytest.raises(AuthError) as caught:
        gateway.check_space("KPI")
    assert str(caught.value) == (
        "authentication failed for personal access token at "
        "https://wiki.example.org/confluence (HTTP 401)"
    )
    assert http.calls[0].request.headers["Authorization"] == "Bearer pat-secret"


def test_missing_space_is_not_found(http: responses.RequestsMock, gateway: Gateway) -> None:
    http.get(f"{API}/space/KPI", status=404, json=error(404, "No space with key : KPI"))
    with pytest.raises(NotFoundError, match=r"^space KPI not found$"):
        gateway.check_space("KPI")


def test_404_that_is_not_confluence_hints_at_the_url(
    http: responses.RequestsMock, sleeps: Sleeps
) -> None:
    gateway = Gateway(
        Transport(
            "https://kpi.example.net", username="bot@example.com", api_token=TOKEN, sleep=sleeps
        )
    )
    http.get("https://kpi.example.net/rest/api/space/KPI", status=404, body="<html>nope</html>")
    with pytest.raises(NotFoundError, match=r"is https://kpi.example.net the right Confluence URL"):
        gateway.check_space("KPI")


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


def test_403_on_update_is_forbidden_and_names_the_page(
    http: responses.RequestsMock, gateway: Gateway
) -> None:
    http.put(
        PAGE_URL, status=403, json=error(403, "You do not have permission to edit this content")
    )
    with pytest.raises(ForbiddenError) as caught:
        gateway.update_page(known_page(), "First response time", "<p>x</p>")
    assert str(caught.value).startswith("no permission to edit page 123 'First response time'")


def test_409_on_update_is_a_conflict_and_is_not_retried(
    http: responses.RequestsMock, gateway: Gateway, sleeps: Sleeps
) -> None:
    http.put(
        PAGE_URL,
        status=409,
        json=error(409, "Version must be incremented on update. Current version is: 6"),
    )
    with pytest.raises(ConflictError, match="Current version is: 6"):
        gateway.update_page(known_page(4), "First response time", "<p>x</p>")
    assert gateway.request_count == 1
    assert sleeps == []


def test_rejected_xhtml_carries_confluences_message(
    http: responses.RequestsMock, gateway: Gateway
) -> None:
    http.put(
        PAGE_URL,
        status=400,
        json={
            "statusCode": 400,
            "reason": "Bad Request",
            "message": "Error parsing xhtml: Unexpected close tag </br>; expected </p>.\n at "
            "[row,col {unknown-source}]: [11,7]",
        },
    )
    with pytest.raises(StorageFormatRejected) as caught:
        gateway.update_page(known_page(), "First response time", "<p>x</br>")
    assert str(caught.value) == (
        "Confluence rejected the storage format of page 123 'First response time': Error parsing "
        "xhtml: Unexpected close tag </br>; expected </p>. at [row,col {unknown-source}]: [11,7]"
    )


def test_other_4xx_are_not_retried(
    http: responses.RequestsMock, gateway: Gateway, sleeps: Sleeps
) -> None:
    http.get(
        f"{API}/content/search",
        status=400,
        json={"statusCode": 400, "message": "Could not parse cql : space = "},
    )
    with pytest.raises(ConfluenceError, match="answered 400 Bad Request: Could not parse cql"):
        list(gateway.search("space = "))
    assert (gateway.request_count, sleeps) == (1, [])


def test_html_where_json_was_expected_is_a_clear_error(
    http: responses.RequestsMock, gateway: Gateway
) -> None:
    http.get(PAGE_URL, body="<html>login</html>", content_type="text/html")
    with pytest.raises(ConfluenceError, match=r"with text/html, not JSON: is the URL right"):
        gateway.get_page("123")


# --- paging ----------------------------------------------------------------------------------


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


# --- payloads --------------------------------------------------------------------------------


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


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Transport("kpi.example.net"), "must start with http"),
        (lambda: Transport(SITE, username="a", api_token="b", pat="c"), "not both"),
        (lambda: Transport(SITE, username="a"), "needs an API token"),
    ],
)
def test_bad_settings_are_refused_up_front(make: Callable[[], Transport], message: str) -> None:
    with pytest.raises(ConfluenceError, match=message):
        make()
