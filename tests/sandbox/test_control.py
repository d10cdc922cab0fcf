"""The `/_sandbox` control surface: stats by method and route, injected faults, on/off."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
import requests

from confluence_kpi.sandbox import SandboxServer

from .helpers import Api


def _faults(api: Api, *rules: dict[str, Any]) -> None:
    response = api.control("POST", "/faults", json={"rules": list(rules)})
    assert response.status_code == 200, response.text


def test_stats_count_api_requests_by_method_and_route(api: Api) -> None:
    page = api.create_page("Counted")
    api.control("POST", "/stats/reset")
    api.get(f"/rest/api/content/{page['id']}")
    api.get(f"/rest/api/content/{page['id']}")
    api.update_page(page, 2)
    api.get(f"/rest/api/content/{page['id']}/property/nope")
    api.control("GET", "/faults")  # the control surface is not counted
    stats = api.control("GET", "/stats").json()
    assert stats["total"] == 4
    assert stats["by_method"] == {"GET": 3, "PUT": 1}
    assert stats["by_route"] == {
        "GET /rest/api/content/{id}": 2,
        "PUT /rest/api/content/{id}": 1,
        "GET /rest/api/content/{id}/property/{key}": 1,
    }
    api.control("POST", "/stats/reset")
    assert api.control("GET", "/stats").json()["total"] == 0


def test_stats_count_every_request_but_the_control_surfaces(api: Api) -> None:
    api.control("POST", "/stats/reset")
    api.get("/rest/api/nothing/here")  # an API path nothing serves
    api.session.get(api.server.url + "/no/such/page", timeout=10)  # nor the viewer
    api.delete("/rest/api/content/search")  # a resource without that method: 405
    api.session.get(api.server.url + "/", timeout=10)  # the viewer's index
    api.session.get(api.server.url + "/api/v2/pages", timeout=10)  # v2, served or not
    api.control("GET", "/stats")
    stats = api.control("GET", "/stats").json()
    assert stats["total"] == 5
    assert stats["by_method"] == {"GET": 4, "DELETE": 1}
    assert stats["by_route"]["GET (unmatched)"] >= 2
    assert stats["by_route"]["DELETE (unmatched)"] == 1
    assert stats["by_route"]["GET (viewer)"] == 1


@pytest.mark.parametrize("retry_after", ["2", "1.5", "9223372036854775807", None])
def test_429_fault_sends_retry_after_verbatim(api: Api, retry_after: str | None) -> None:
    rule: dict[str, Any] = {
        "method": "GET",
        "path": "/rest/api/content/*",
        "count": 1,
        "status": 429,
    }
    if retry_after is not None:
        rule["retry_after"] = retry_after
    _faults(api, rule)
    first = api.get("/rest/api/content/1")
    assert first.status_code == 429
    assert first.headers.get("Retry-After") == retry_after
    assert first.json()["statusCode"] == 429
    assert api.get("/rest/api/content/1").status_code == 404  # count 1: only the next request
    assert api.control("GET", "/stats").json()["by_route"]["GET /rest/api/content/{id}"] == 2


def test_429_fault_with_an_http_date(api: Api) -> None:
    _faults(api, {"count": 1, "status": 429, "retry_after": "http-date:3"})
    header = api.get("/rest/api/space/KPI").headers["Retry-After"]
    delay = parsedate_to_datetime(header).timestamp() - time.time()
    assert 1 < delay <= 4


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_faults_match_method_and_path(api: Api, status: int) -> None:
    _faults(api, {"method": "POST", "path": "/rest/api/content", "status": status})
    assert api.get("/rest/api/space/KPI").status_code == 200
    response = api.post("/rest/api/content", json={})
    assert response.status_code == status
    api.control("DELETE", "/faults")
    assert api.post("/rest/api/content", json={}).status_code == 400


def test_latency_fault_delays_the_answer(api: Api) -> None:
    _faults(api, {"latency_ms": 150, "count": 1})
    started = time.perf_counter()
    assert api.get("/rest/api/space/KPI").status_code == 200
    assert time.perf_counter() - started >= 0.15


def test_drop_after_post_applies_the_write(api: Api) -> None:
    _faults(api, {"method": "POST", "drop": "after", "count": 1})
    with pytest.raises(requests.ConnectionError):
        api.create_page("Applied")
    assert api.get("/rest/api/content", params={"title": "Applied"}).json()["size"] == 1


def test_drop_before_post_applies_nothing(api: Api) -> None:
    _faults(api, {"method": "POST", "drop": "before", "count": 1})
    with pytest.raises(requests.ConnectionError):
        api.create_page("Never")
    assert api.get("/rest/api/content", params={"title": "Never"}).json()["size"] == 0


def test_probability_faults_repeat_for_a_seed(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    def pattern() -> list[int]:
        api = Api(sandbox_factory(seed=7))
        _faults(api, {"probability": 0.5, "status": 503})
        return [api.get("/rest/api/space/KPI").status_code for _ in range(20)]

    first = pattern()
    assert first == pattern()
    assert {200, 503} == set(first)


@pytest.mark.parametrize("path", ["/rest/api/space/KPI", "/api/v2/spaces"])
def test_a_fault_may_answer_with_its_own_body_and_type_as_given(
    sandbox_factory: Callable[..., SandboxServer], path: str
) -> None:
    api = Api(sandbox_factory(flavour="cloud"))
    _faults(api, {"count": 1, "status": 200, "body": '{"key": "K', "content_type": "text/x"})

    response = api.session.get(api.server.base_url + path, timeout=10)

    assert (response.status_code, response.text) == (200, '{"key": "K')
    assert response.headers["Content-Type"] == "text/x"


def test_a_fault_body_is_json_unless_its_type_is_given(api: Api) -> None:
    _faults(api, {"count": 1, "status": 502, "body": "<html>Bad gateway</html>"})

    response = api.get("/rest/api/space/KPI")

    assert (response.status_code, response.text) == (502, "<html>Bad gateway</html>")
    assert response.headers["Content-Type"].startswith("application/json")


def test_a_redirect_fault_sends_its_location(api: Api) -> None:
    _faults(api, {"count": 1, "status": 302, "location": "/login.action"})

    response = api.session.get(
        api.server.base_url + "/rest/api/space/KPI", allow_redirects=False, timeout=10
    )

    assert (response.status_code, response.headers["Location"]) == (302, "/login.action")


@pytest.mark.parametrize(
    ("rules", "error"),
    [
        ([{"status": 199}], "rules[0].status: Input should be greater than or equal to 200"),
        ([{"body": "x"}], "rules[0]: a rule needs an effect: status, latency_ms, drop or edit"),
        (
            [{"status": 200, "content_type": "text/html"}],
            "rules[0]: content_type needs a body",
        ),
        ([{"status": 200, "location": "/x"}], "rules[0]: location needs a 3xx status"),
        (
            [{"latency_ms": 5, "location": "/x"}],
            "rules[0]: body and location need a status to answer with",
        ),
        ([{"status": "429"}], "rules[0].status: Input should be a valid integer"),
        ([{"method": "GET"}], "rules[0]: a rule needs an effect: status, latency_ms, drop or edit"),
        ([{"drop": "sideways"}], "rules[0].drop: Input should be 'before' or 'after'"),
        ([{"status": 503, "colour": 1}], "rules[0].colour: Extra inputs are not permitted"),
        (
            [{"status": 503, "path": "rest/api/content"}],
            "rules[0].path: must start with / (and leave out the context path)",
        ),
        (
            [{"status": 429, "retry_after": "http-date:soon"}],
            'rules[0].retry_after: "http-date:N" needs a number of seconds',
        ),
        (
            [{"status": 503}, {"latency_ms": 60_001}],
            "rules[1].latency_ms: Input should be less than or equal to 60000",
        ),
        ("x", "rules: Input should be a valid list"),
    ],
)
def test_a_malformed_fault_rule_is_a_400_saying_where_and_what(
    api: Api, rules: Any, error: str
) -> None:
    response = api.control("POST", "/faults", json={"rules": rules})
    assert (response.status_code, response.json()) == (400, {"error": error})


def test_one_malformed_fault_rule_rejects_the_lot_and_keeps_the_active_rules(api: Api) -> None:
    _faults(api, {"status": 503, "count": 1})

    response = api.control("POST", "/faults", json={"rules": [{"status": 500}, {"status": 1}]})

    assert response.status_code == 400
    assert [rule["status"] for rule in api.control("GET", "/faults").json()["rules"]] == [503]


def test_active_fault_rules_read_back_whole_and_can_be_posted_back(api: Api) -> None:
    _faults(
        api,
        {"method": "get", "path": "/rest/*", "count": 2, "status": 429, "retry_after": 1.5},
        {"method": "PUT", "edit": {"find": "draft", "replace": "final"}},
    )

    rules = api.control("GET", "/faults").json()["rules"]

    assert rules == [
        {
            "method": "GET",
            "path": "/rest/*",
            "count": 2,
            "probability": None,
            "status": 429,
            "retry_after": "1.5",
            "body": None,
            "content_type": None,
            "location": None,
            "latency_ms": 0,
            "drop": None,
            "edit": None,
        },
        {
            "method": "PUT",
            "path": None,
            "count": None,
            "probability": None,
            "status": None,
            "retry_after": None,
            "body": None,
            "content_type": None,
            "location": None,
            "latency_ms": 0,
            "drop": None,
            "edit": {"find": "draft", "replace": "final"},
        },
    ]
    _faults(api, *rules)  # null is as good as absent
    assert api.control("GET", "/faults").json()["rules"] == rules


def test_base_latency_applies_to_every_request(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    api = Api(sandbox_factory(latency_ms=100))
    started = time.perf_counter()
    api.get("/rest/api/space/KPI")
    assert time.perf_counter() - started >= 0.1


def test_control_surface_can_be_turned_off(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(control=False)
    assert requests.get(server.url + "/_sandbox/stats", timeout=10).status_code == 404


def test_paths_outside_the_api_and_the_viewer_are_404(api: Api) -> None:
    assert requests.get(api.server.url + "/", timeout=10).status_code == 200  # the viewer
    assert requests.get(api.server.url + "/anything", timeout=10).status_code == 404


def test_edit_fault_saves_a_persons_edit_before_the_request_meets_it(api: Api) -> None:
    page = api.create_page("Edited under us", body="<p>draft</p>")
    _faults(
        api,
        {
            "method": "PUT",
            "path": "/rest/api/content/*",
            "count": 1,
            "edit": {"find": "draft", "replace": "final"},
        },
    )

    # The client read version 1 and writes version 2: the edit took 2 first.
    late = api.update_page(page, 2, body="<p>mine</p>")

    assert late.status_code == 409
    stored = api.get(f"/rest/api/content/{page['id']}", params={"expand": "body.storage,version"})
    version = stored.json()["version"]
    assert (version["number"], version["by"]["displayName"]) == (2, "sandbox-editor")
    assert "<p>final</p>" in stored.json()["body"]["storage"]["value"]
    assert api.control("GET", "/faults").json()["rules"] == []  # count 1: fired once
    assert api.update_page(page, 3, body="<p>mine</p>").status_code == 200


def test_edit_fault_without_its_text_on_the_page_saves_nothing(api: Api) -> None:
    page = api.create_page("Not edited", body="<p>draft</p>")
    _faults(api, {"method": "PUT", "count": 1, "edit": {"find": "absent", "replace": "x"}})

    assert api.update_page(page, 2, body="<p>mine</p>").status_code == 200

    stored = api.get(f"/rest/api/content/{page['id']}", params={"expand": "body.storage,version"})
    assert stored.json()["version"]["number"] == 2
    assert "<p>mine</p>" in stored.json()["body"]["storage"]["value"]


@pytest.mark.parametrize(
    "edit", [{"find": "", "replace": "x"}, {"find": "a"}, "a->b", {"find": "a", "replace": 1}]
)
def test_malformed_edit_rules_are_400(api: Api, edit: Any) -> None:
    response = api.control("POST", "/faults", json={"rules": [{"method": "PUT", "edit": edit}]})
    assert response.status_code == 400
    assert "edit" in response.json()["error"]
