"""The transport against mocked HTTP (responses), seen through the gateway's endpoints: the
retry policy, Retry-After, and the error each refusal maps to."""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError

from confluence_kpi.confluence import (
    AuthError,
    ConflictError,
    ConfluenceError,
    ConnectionFailed,
    ForbiddenError,
    Gateway,
    NotFoundError,
    Property,
    StorageFormatRejected,
    Transport,
    parse_retry_after,
)

from .helpers import PAGE_URL, TOKEN, Sleeps, known_page
from .payloads import API, SITE, content, error, prop

# --- 429 and Retry-After -------------------------------------------------------------------------


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


# --- 5xx and network errors: retried only where repeating is safe --------------------------------


def test_503_on_get_is_retried(
    http: responses.RequestsMock, gateway: Gateway, sleeps: Sleeps
) -> None:
    http.get(PAGE_URL, status=503, body="<html>Service Unavailable</html>")
    http.get(PAGE_URL, status=502)
    http.get(PAGE_URL, json=content(version=7))
    assert gateway.get_page("123").version == 7
    assert len(sleeps) == 2
    assert gateway.request_count == 3


def test_connection_refused_by_a_site_never_reached_fails_at_once(sleeps: Sleeps) -> None:
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
        "found (GET /rest/api/space/KPI, 1 attempt)"
    )
    assert sleeps == []  # a wrong URL or a site that is down: said at once, not after backoff


def test_connection_refused_after_the_site_answered_is_retried(
    http: responses.RequestsMock, gateway: Gateway, sleeps: Sleeps
) -> None:
    refused = requests.ConnectionError(
        MaxRetryError(None, PAGE_URL, NewConnectionError(None, "Connection refused"))  # type: ignore[arg-type]
    )
    http.get(PAGE_URL, json=content(version=6))
    http.get(PAGE_URL, body=refused)
    http.get(PAGE_URL, json=content(version=7))

    assert gateway.get_page("123").version == 6
    assert gateway.get_page("123").version == 7  # a restart's blip: retried
    assert len(sleeps) == 1


# --- error mapping -------------------------------------------------------------------------------


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
    assert str(caught.value).startswith(
        "authentication failed for personal access token at "
        "https://wiki.example.org/confluence (HTTP 401)\n  what to do: the token may be wrong "
        "or expired"
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
    with pytest.raises(ConfluenceError, match=r"with text/html, not JSON: is a proxy or a login"):
        gateway.get_page("123")  # the URL ends in /wiki already: no hint to add it


def test_html_from_a_url_without_wiki_suggests_adding_it(http: responses.RequestsMock) -> None:
    site = SITE.removesuffix("/wiki")
    http.get(f"{site}/rest/api/content/123", body="<html>app</html>", content_type="text/html")
    gateway = Gateway(Transport(site, username="bot@example.com", api_token=TOKEN))
    with pytest.raises(ConfluenceError, match=r"is the URL right \(Cloud URLs end in /wiki\)"):
        gateway.get_page("123")


# --- settings ------------------------------------------------------------------------------------


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
