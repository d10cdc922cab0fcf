"""http sources against a JSON API on a local port (web_server.py): points and columns, the
window in the request, each kind of paging and its guards, auth, retries, timeouts, redirect
loops and HTML answers, and a planted secret that never shows."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from confluence_kpi.catalog import HttpSourceConfig, check_catalog
from confluence_kpi.model import KpiDefinition, Window
from confluence_kpi.sources import SourceError, extract_series
from confluence_kpi.sources.http_source import HttpSource

from .planted import SECRET, assert_never_shown
from .web_server import Received, Reply, WebServer, replies

DAILY = "/v1/daily"
BASE = "type: http, url: 'https://x.example.com/v1', points: data"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MARCH = Window(datetime(2026, 3, 1, tzinfo=AMSTERDAM), datetime(2026, 4, 1, tzinfo=AMSTERDAM))


def days(first: int, last: int) -> list[dict[str, Any]]:
    """Points as the API gives them: a day and its count."""
    return [{"day": f"2026-03-{day:02d}", "count": day * 10} for day in range(first, last + 1)]


class Sleeps(list[float]):
    """The waits a source asked for, instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def http(web_server: WebServer, sleeps: Sleeps) -> Iterator[Callable[..., HttpSource]]:
    """Opens an http source named `api` on the local server's `/v1/daily`; keyword arguments
    are its options. Closed when the test ends."""
    opened: list[HttpSource] = []

    def open_source(**options: Any) -> HttpSource:
        fields = {"type": "http", "url": web_server.url + DAILY, "points": "data[*]", **options}
        opened.append(HttpSource("api", HttpSourceConfig.model_validate(fields), sleep=sleeps))
        return opened[-1]

    yield open_source
    for source in opened:
        source.close()


def test_points_become_rows_a_kpi_reads_and_the_window_is_in_the_request(
    http: Callable[..., HttpSource],
    web_server: WebServer,
    make_kpi: Callable[..., KpiDefinition],
) -> None:
    web_server.route(DAILY, replies(Reply(200, {"data": days(1, 3), "meta": {"total": 3}})))
    source = http(params={"from": "{start_date}", "to": "{end_date}", "since": "{start}"})

    table = source.fetch(None, MARCH)

    assert web_server.received[-1].params == {
        "from": "2026-03-01",
        "to": "2026-04-01",
        "since": "2026-03-01T00:00:00+01:00",
    }
    assert table.columns == ("day", "count")
    series = extract_series(make_kpi(time_column="day", column="count"), table, zone=AMSTERDAM)
    assert [m.value for m in series] == [10, 20, 30]


def test_columns_pick_values_inside_each_point(
    http: Callable[..., HttpSource], web_server: WebServer
) -> None:
    nested = [{"on": {"date": "2026-03-01"}, "stats": {"ok": 5, "failed": 1}}]
    web_server.route(DAILY, replies(Reply(200, {"data": nested})))

    table = http(columns={"ts": "on.date", "value": "stats.ok", "bad": "stats.failed"}).fetch(
        None, MARCH
    )

    assert table.columns == ("ts", "value", "bad")
    assert table.rows == (("2026-03-01", 5, 1),)


def test_a_post_sends_its_body_with_the_window_filled_in(
    http: Callable[..., HttpSource], web_server: WebServer
) -> None:
    web_server.route(DAILY, replies(Reply(200, {"data": days(1, 1)})))

    http(method="POST", body={"range": {"gte": "{start_unix}", "lt": "{end_unix}"}}).fetch(
        None, MARCH
    )

    request = web_server.received[-1]
    assert request.method == "POST"
    assert request.body == {
        "range": {"gte": str(int(MARCH.start.timestamp())), "lt": str(int(MARCH.end.timestamp()))}
    }


def test_pages_follow_the_next_link_in_the_answer(
    http: Callable[..., HttpSource], web_server: WebServer
) -> None:
    pages = {"1": (days(1, 2), "/v1/daily?page=2"), "2": (days(3, 3), None)}

    def answer(request: Received) -> Reply:
        points, following = pages[request.params.get("page", "1")]
        return Reply(200, {"data": points, "links": {"next": following}})

    web_server.route(DAILY, answer)

    table = http(paging={"type": "next", "next": "links.next"}).fetch(None, MARCH)

    assert [row[0] for row in table.rows] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert [r.params.get("page") for r in web_server.received] == [None, "2"]


def test_pages_follow_the_link_header(
    http: Callable[..., HttpSource], web_server: WebServer
) -> None:
    def answer(request: Received) -> Reply:
        if request.params.get("page") == "2":
            return Reply(200, {"data": days(3, 4)})
        link = f'<{web_server.url}{DAILY}?page=2>; rel="next", <{web_server.url}>; rel="first"'
        return Reply(200, {"data": days(1, 2)}, headers={"Link": link})

    web_server.route(DAILY, answer)

    table = http(paging={"type": "link_header"}).fetch(None, MARCH)

    assert len(table.rows) == 4


def test_pages_follow_a_cursor_sent_back_as_a_parameter_with_the_others(
    http: Callable[..., HttpSource], web_server: WebServer
) -> None:
    chunks = {None: (days(1, 2), "c2"), "c2": (days(3, 4), "c3"), "c3": (days(5, 5), None)}

    def answer(request: Received) -> Reply:
        points, cursor = chunks[request.params.get("after")]
        return Reply(200, {"data": points, "meta": {"next_cursor": cursor}})

    web_server.route(DAILY, answer)
    paging = {"type": "cursor", "cursor": "meta.next_cursor", "param": "after"}

    table = http(params={"team": "ops"}, paging=paging).fetch(None, MARCH)

    assert len(table.rows) == 5
    assert [dict(r.params) for r in web_server.received] == [
        {"team": "ops"},
        {"team": "ops", "after": "c2"},
        {"team": "ops", "after": "c3"},
    ]


def test_numbered_pages_end_with_a_page_shorter_than_the_size_asked_for(
    http: Callable[..., HttpSource], web_server: WebServer
) -> None:
    def answer(request: Received) -> Reply:
        page, size = int(request.params["p"]), int(request.params["per_page"])
        return Reply(200, {"data": days(1, 5)[(page - 1) * size : page * size]})

    web_server.route(DAILY, answer)
    paging = {"type": "page", "param": "p", "size_param": "per_page", "size": 2}

    table = http(paging=paging).fetch(None, MARCH)

    assert len(table.rows) == 5
    assert [r.params["p"] for r in web_server.received] == ["1", "2", "3"]


def test_numbered_pages_without_a_size_end_with_an_empty_page(
    http: Callable[..., HttpSource], web_server: WebServer
) -> None:
    def answer(request: Received) -> Reply:
        page = int(request.params["page"])
        return Reply(200, {"data": days(page + 1, page + 1) if page < 2 else []})

    web_server.route(DAILY, answer)

    table = http(paging={"type": "page", "param": "page", "first": 0}).fetch(None, MARCH)

    assert [r.params["page"] for r in web_server.received] == ["0", "1", "2"]
    assert len(table.rows) == 2


def test_more_pages_than_max_pages_is_an_error_not_a_short_table(
    http: Callable[..., HttpSource], web_server: WebServer
) -> None:
    web_server.route(
        DAILY,
        lambda r: Reply(200, {"data": days(1, 1), "next": f"?n={int(r.params.get('n', 0)) + 1}"}),
    )

    with pytest.raises(SourceError) as raised:
        http(paging={"type": "next", "next": "next"}, max_pages=3).fetch(None, MARCH)

    assert str(raised.value).endswith("more than 3 pages (`max_pages`): raise it, or ask for less")
    assert len(web_server.received) == 3


def test_a_next_link_back_to_a_page_already_read_is_an_error(
    http: Callable[..., HttpSource], web_server: WebServer
) -> None:
    web_server.route(DAILY, replies(Reply(200, {"data": days(1, 1), "next": DAILY})))

    with pytest.raises(SourceError, match=r"page 1: the next page is one already read"):
        http(paging={"type": "next", "next": "next"}).fetch(None, MARCH)


def test_bad_data_names_the_source_the_page_and_the_json_path(
    http: Callable[..., HttpSource], web_server: WebServer
) -> None:
    bad = [*days(1, 2), {"day": "2026-03-03", "count": {"total": 3}}]
    web_server.route(DAILY, replies(Reply(200, {"data": bad})))

    with pytest.raises(SourceError) as raised:
        http(columns={"ts": "day", "value": "count"}).fetch(None, MARCH)

    assert str(raised.value) == (
        f"api ({web_server.url}{DAILY}), page 1, `data[*]`[2], column 'value' (`count`): an "
        "object, not a value (name the cells in `columns`)"
    )


def test_points_that_are_not_there_say_what_the_answer_holds(
    http: Callable[..., HttpSource], web_server: WebServer
) -> None:
    web_server.route(DAILY, replies(Reply(200, {"results": [], "count": 0})))

    with pytest.raises(
        SourceError,
        match=r"`data\[\*\]` finds nothing in the answer, whose top "
        r"level holds: results, count",
    ):
        http().fetch(None, MARCH)


def test_a_429_is_asked_again_after_the_wait_its_retry_after_asks(
    http: Callable[..., HttpSource], web_server: WebServer, sleeps: Sleeps
) -> None:
    busy = Reply(429, {"error": "slow down"}, headers={"Retry-After": "7"})
    web_server.route(DAILY, replies(busy, busy, Reply(200, {"data": days(1, 1)})))

    table = http(method="POST").fetch(None, MARCH)  # refused untouched: safe even for a POST

    assert len(table.rows) == 1
    assert sleeps == [7.0, 7.0]


def test_a_5xx_is_asked_again_for_a_get_but_never_for_a_post(
    http: Callable[..., HttpSource], web_server: WebServer, sleeps: Sleeps
) -> None:
    web_server.route(DAILY, replies(Reply(502, {}), Reply(200, {"data": days(1, 1)})))
    assert len(http().fetch(None, MARCH).rows) == 1

    web_server.route(DAILY, replies(Reply(502, {}), Reply(200, {"data": days(1, 1)})))
    with pytest.raises(SourceError, match=r"POST .*: 502 Bad Gateway \(1 attempt\)"):
        http(method="POST").fetch(None, MARCH)
    assert len(sleeps) == 1


def test_a_timeout_is_asked_again_then_named_with_the_source_and_address(
    http: Callable[..., HttpSource], web_server: WebServer, sleeps: Sleeps
) -> None:
    web_server.route(DAILY, replies(Reply(200, {"data": []}, delay=0.5)))

    with pytest.raises(SourceError) as raised:
        http(timeout=0.1, retries=1).fetch(None, MARCH)

    assert str(raised.value) == (
        f"api ({web_server.url}{DAILY}): GET {web_server.url}{DAILY}: no answer within 0.1 s "
        "(2 attempts)"
    )
    assert len(sleeps) == 1


def test_a_redirect_loop_is_named_with_the_source_and_address_without_its_query(
    http: Callable[..., HttpSource], web_server: WebServer
) -> None:
    web_server.route(DAILY, replies(Reply(302, {}, headers={"Location": DAILY + "?again=1"})))

    with pytest.raises(SourceError) as raised:
        http(params={"from": "{start_date}"}).fetch(None, MARCH)

    assert str(raised.value) == (
        f"api ({web_server.url}{DAILY}): GET {web_server.url}{DAILY} redirects in a loop "
        "(more than 10 redirects): check the address"
    )


def test_an_html_page_is_said_to_be_no_json(
    http: Callable[..., HttpSource], web_server: WebServer
) -> None:
    login = Reply(
        200, text="<!DOCTYPE html><html>Sign in</html>", headers={"Content-Type": "text/html"}
    )
    web_server.route(DAILY, replies(login))

    with pytest.raises(SourceError, match=r"answered with an HTML page, not JSON: a login page"):
        http().fetch(None, MARCH)


def test_an_api_key_header_is_sent_but_not_on_to_another_host(
    http: Callable[..., HttpSource],
    web_server: WebServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KPI_API_KEY", "k3y")
    other = web_server.url.replace("127.0.0.1", "localhost")  # the same server, another host
    web_server.route(DAILY, replies(Reply(302, {}, headers={"Location": f"{other}/v2/daily"})))
    web_server.route("/v2/daily", replies(Reply(200, {"data": days(1, 1)})))
    auth = {"type": "header", "header": "X-Api-Key", "token_env": "KPI_API_KEY"}

    http(auth=auth).fetch(None, MARCH)

    first, moved = web_server.received
    assert first.headers["X-Api-Key"] == "k3y"
    assert "X-Api-Key" not in moved.headers


def test_a_missing_credential_names_its_variable(
    http: Callable[..., HttpSource], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KPI_API_TOKEN", raising=False)

    with pytest.raises(SourceError, match=r"KPI_API_TOKEN is not set \(nor KPI_API_TOKEN_FILE"):
        http(auth={"type": "bearer", "token_env": "KPI_API_TOKEN"})


def test_a_planted_token_is_sent_and_never_shown(
    http: Callable[..., HttpSource],
    web_server: WebServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("KPI_API_TOKEN", SECRET)
    web_server.route(DAILY, replies(Reply(200, {"data": days(1, 2)})))
    source = http(auth={"type": "bearer", "token_env": "KPI_API_TOKEN"}, retries=1)
    table = source.fetch(None, MARCH)
    sent = web_server.received[-1].headers["Authorization"]

    failures = []
    for reply in (
        Reply(429, {"echo": sent}),
        Reply(401, {"message": f"bad token {SECRET}"}),
        Reply(200, text=f"<html>{SECRET}</html>"),
        Reply(200, text=f"not json {SECRET}"),
    ):
        web_server.route(DAILY, replies(reply))
        with pytest.raises(SourceError) as raised:
            source.fetch(None, MARCH)
        failures.append(raised.value)

    assert sent == f"Bearer {SECRET}"
    assert "(check the credentials in KPI_API_TOKEN)" in str(failures[1])
    assert_never_shown(table, *failures, caplog=caplog, capsys=capsys)


def test_a_literal_secret_in_the_catalog_is_refused_saying_where_it_goes(tmp_path: Path) -> None:
    lines = [
        f"a: {{{BASE}, auth: {{type: bearer, token: {SECRET}}}}}",
        f"b: {{{BASE}, auth: {{type: basic, username: bot, password: {SECRET}}}}}",
        f"c: {{{BASE}, headers: {{Authorization: Bearer {SECRET}}}}}",
        f"d: {{{BASE}, params: {{api_key: {SECRET}}}}}",
        f"e: {{type: http, points: data, url: 'https://x.example.com/v1?access_token={SECRET}'}}",
        f"f: {{type: http, points: data, url: 'https://bot:{SECRET}@x.example.com/v1'}}",
    ]
    path = tmp_path / "catalog.yaml"
    sources = "".join(f"  {line}\n" for line in lines)
    path.write_text(f"space: KPI\nroot_page: KPI handbook\nsources:\n{sources}", encoding="utf-8")

    _, problems = check_catalog(path)

    said = [str(problem) for problem in problems]
    assert len(said) == len(lines)
    for line, message in enumerate(said, 4):
        assert message.startswith(f"{path}:{line}: sources '")
        assert "a secret is never written in the catalog: put it in an environment variable" in (
            message
        )
        assert SECRET not in message
    assert "as `password_env: NAME_OF_THE_VARIABLE`" in said[1]


def test_without_a_window_the_default_span_ends_with_today(
    http: Callable[..., HttpSource], web_server: WebServer
) -> None:
    web_server.route(DAILY, replies(Reply(200, {"data": []})))

    http(params={"until": "{end_date}"}).fetch(None)

    today = datetime.now(UTC).date()
    assert web_server.received[-1].params["until"] > today.isoformat()
