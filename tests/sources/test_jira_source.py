"""jira sources against a fake Jira on a local port (fake_jira.py): Cloud's and Data Center's
searches and their paging, the API asked of the site once, only the fields needed, durations,
counts and sprint velocity, Jira's own errors, bad fields by issue, and secrets never shown."""

from __future__ import annotations

import logging
from base64 import b64encode
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from confluence_kpi.catalog import JiraSourceConfig
from confluence_kpi.evaluate import evaluate_kpi
from confluence_kpi.model import Aggregation, Direction, Grain, KpiDefinition, Window
from confluence_kpi.sources import SourceError, extract_series
from confluence_kpi.sources.jira import JiraSource

from .fake_jira import FakeJira, issue, sprint
from .planted import SECRET, assert_never_shown
from .web_server import WebServer

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MARCH = Window(datetime(2026, 3, 1, tzinfo=AMSTERDAM), datetime(2026, 4, 1, tzinfo=AMSTERDAM))
BUGS = 'project = OPS AND type = Bug AND resolved >= "{start}" AND resolved < "{end}"'
BUGS_IN_MARCH = (
    'project = OPS AND type = Bug AND resolved >= "2026-03-01 00:00" '
    'AND resolved < "2026-04-01 00:00"'
)
DONE = "project = OPS AND statusCategory = Done"


def bug(number: int, created: str, resolved: str | None, **more: Any) -> dict[str, Any]:
    """A bug as Jira gives it, its dates as Jira writes them."""
    return issue(f"OPS-{number}", created=created, resolutiondate=resolved, **more)


# Three bugs, resolved 1, 2 and 4.5 days after they were created; one still open.
BUGS_FOUND = [
    bug(1, "2026-03-02T09:00:00.000+0100", "2026-03-03T09:00:00.000+0100"),
    bug(2, "2026-03-02T10:00:00.000+0100", "2026-03-04T10:00:00.000+0100"),
    bug(3, "2026-03-05T08:00:00.000+0100", "2026-03-09T20:00:00.000+0100"),
    bug(4, "2026-03-20T08:00:00.000+0100", None),
]


@pytest.fixture
def jira(web_server: WebServer) -> Iterator[Callable[..., JiraSource]]:
    """Opens a jira source named `ops` for `site` on the local server; keyword arguments are
    its options. Closed when the test ends."""
    opened: list[JiraSource] = []

    def open_source(site: FakeJira, **options: Any) -> JiraSource:
        site.install(web_server)
        fields = {"type": "jira", "url": web_server.url, "retries": 0, **options}
        opened.append(JiraSource("ops", JiraSourceConfig.model_validate(fields)))
        return opened[-1]

    yield open_source
    for source in opened:
        source.close()


def paths(server: WebServer) -> list[str]:
    return [request.path for request in server.received]


def test_bug_resolution_time_is_the_median_of_the_days_from_created_to_resolved(
    jira: Callable[..., JiraSource], web_server: WebServer, make_kpi: Callable[..., KpiDefinition]
) -> None:
    site = FakeJira({BUGS_IN_MARCH: BUGS_FOUND})
    durations = {"resolution_days": {"from": "created", "to": "resolved", "unit": "days"}}

    table = jira(site, durations=durations).fetch(BUGS, MARCH)

    assert site.searches[-1]["fields"] == "created,resolutiondate"
    assert table.columns == ("key", "issues", "created", "resolved", "resolution_days")
    assert [row[4] for row in table.rows] == [1.0, 2.0, 4.5, None]
    kpi = make_kpi(
        source="ops",
        query=BUGS,
        time_column="resolved",
        column="resolution_days",
        aggregation=Aggregation.MEDIAN,
    )
    assert [m.value for m in extract_series(kpi, table, zone=AMSTERDAM)] == [1.0, 2.0, 4.5]


def test_issues_are_counted_from_the_issues_column_by_the_date_a_kpi_picks(
    jira: Callable[..., JiraSource], make_kpi: Callable[..., KpiDefinition]
) -> None:
    table = jira(FakeJira({BUGS_IN_MARCH: BUGS_FOUND})).fetch(BUGS, MARCH)
    kpi = make_kpi(source="ops", query=BUGS, time_column="created", column="issues")

    series = extract_series(kpi, table, zone=AMSTERDAM)

    assert [m.value for m in series] == [1, 1, 1, 1]
    assert series[0].ts == datetime(2026, 3, 2, 9, tzinfo=AMSTERDAM)


def test_cloud_pages_by_next_page_token_as_the_site_says_it_is_cloud(
    jira: Callable[..., JiraSource], web_server: WebServer
) -> None:
    site = FakeJira({BUGS_IN_MARCH: BUGS_FOUND}, page_cap=3)

    table = jira(site).fetch(BUGS, MARCH)

    assert paths(web_server) == [
        "/rest/api/2/serverInfo",
        "/rest/api/3/search/jql",
        "/rest/api/3/search/jql",
    ]
    assert [search.get("nextPageToken") for search in site.searches] == [None, "Mw=="]
    assert [row[0] for row in table.rows] == ["OPS-1", "OPS-2", "OPS-3", "OPS-4"]


def test_data_center_pages_by_start_at_until_the_total(
    jira: Callable[..., JiraSource], web_server: WebServer
) -> None:
    site = FakeJira({BUGS_IN_MARCH: BUGS_FOUND}, deployment="DataCenter", page_cap=2)

    table = jira(site, page_size=500).fetch(BUGS, MARCH)

    assert paths(web_server)[1:] == ["/rest/api/2/search", "/rest/api/2/search"]
    assert [(s["startAt"], s["maxResults"]) for s in site.searches] == [("0", "500"), ("2", "500")]
    assert len(table.rows) == 4


def test_the_site_is_asked_which_api_it_speaks_once_and_not_when_configured(
    jira: Callable[..., JiraSource], web_server: WebServer
) -> None:
    site = FakeJira({BUGS_IN_MARCH: BUGS_FOUND, DONE: []}, deployment="DataCenter")
    asked = jira(site)
    asked.fetch(BUGS, MARCH)
    asked.fetch(DONE, MARCH)
    jira(site, api="datacenter").fetch(DONE, MARCH)

    assert paths(web_server).count("/rest/api/2/serverInfo") == 1
    assert paths(web_server).count("/rest/api/2/search") == 3


def test_velocity_sums_story_points_per_sprint(
    jira: Callable[..., JiraSource], make_kpi: Callable[..., KpiDefinition]
) -> None:
    sprints = [
        sprint(1, "2026-02-02T09:00:00.000+01:00", "2026-02-13T17:00:00.000+01:00"),
        sprint(2, "2026-02-16T09:00:00.000+01:00", "2026-02-27T17:00:00.000+01:00"),
        sprint(3, "2026-03-02T09:00:00.000+01:00", "2026-03-13T17:00:00.000+01:00", "active"),
        {**sprint(4, "", ""), "state": "future"},  # not started: no startDate, never asked
    ]
    done = [
        issue("OPS-1", resolutiondate="2026-02-05T10:00:00.000+0100", customfield_10016=3.0),
        issue("OPS-2", resolutiondate="2026-02-12T10:00:00.000+0100", customfield_10016=5.0),
        issue("OPS-3", resolutiondate="2026-02-17T10:00:00.000+0100", customfield_10016=8.0),
        issue("OPS-4", resolutiondate="2026-02-28T10:00:00.000+0100", customfield_10016=2.0),
        issue("OPS-5", resolutiondate="2026-03-03T10:00:00.000+0100", customfield_10016=1.0),
        issue("OPS-6", resolutiondate=None, customfield_10016=13.0),
    ]
    source = jira(
        FakeJira({DONE: done}, sprints=sprints, page_cap=2),
        fields={"resolved": "resolutiondate", "points": "customfield_10016"},
        board=42,
    )
    kpi = make_kpi(
        source="ops",
        query=DONE,
        grain=Grain.SPRINT,
        period_column="sprint_start",
        time_column="resolved",
        column="points",
        aggregation=Aggregation.SUM,
        direction=Direction.INCREASE,
    )

    table = source.fetch(DONE, MARCH)
    series = extract_series(kpi, table, zone=AMSTERDAM)
    evaluation = evaluate_kpi(
        kpi, series, now=datetime(2026, 3, 10, tzinfo=AMSTERDAM), zone=AMSTERDAM
    )

    velocity = {str(p.period.start): p.value for p in evaluation.history}
    assert velocity == {"2026-02-02": 8.0, "2026-02-16": 10.0, "2026-03-02": 1.0}


def test_a_jql_jira_cannot_read_is_refused_in_jiras_own_words(
    jira: Callable[..., JiraSource], web_server: WebServer
) -> None:
    with pytest.raises(SourceError) as raised:
        jira(FakeJira({}), api="cloud").fetch("project = ", MARCH)

    assert str(raised.value) == (
        f"ops ({web_server.url}): GET {web_server.url}/rest/api/3/search/jql answered "
        "400 Bad Request: Error in the JQL Query: the fake knows no JQL 'project = '"
    )


def test_a_select_field_reads_as_its_value_and_a_list_is_refused_naming_issue_and_path(
    jira: Callable[..., JiraSource],
) -> None:
    found = [
        issue("OPS-1", customfield_10050={"self": "...", "value": "High", "id": "1"}),
        issue("OPS-2", customfield_10050={"self": "...", "value": "Low", "id": "2"}),
        issue("OPS-3", customfield_10050=[{"value": "High"}, {"value": "Low"}]),
    ]
    source = jira(FakeJira({DONE: found}), fields={"impact": "customfield_10050"})

    with pytest.raises(SourceError) as raised:
        source.fetch(DONE, MARCH)

    assert str(raised.value) == (
        "ops (project = OPS AND statusCategory = Done), page 1, issues[2] (OPS-3)"
        ".fields.customfield_10050: a list is no cell: name a field of text, a date or a number"
    )
    found.pop()
    assert [row[2] for row in source.fetch(DONE, MARCH).rows] == ["High", "Low"]


def test_resolved_before_created_is_refused_naming_the_issue(
    jira: Callable[..., JiraSource],
) -> None:
    found = [bug(7, "2026-03-05T08:00:00.000+0100", "2026-03-04T08:00:00.000+0100")]
    durations = {"hours_open": {"from": "created", "to": "resolved", "unit": "hours"}}

    with pytest.raises(SourceError) as raised:
        jira(FakeJira({DONE: found}), durations=durations).fetch(DONE, MARCH)

    assert str(raised.value).endswith(
        "page 1, issues[0] (OPS-7): resolved (2026-03-04 07:00) is before created "
        "(2026-03-05 07:00), so hours_open would be negative"
    )


def test_durations_and_sprints_must_name_columns_of_fields() -> None:
    base = {"type": "jira", "url": "https://example.atlassian.net"}
    with pytest.raises(ValueError, match=r"durations\.open from or to 'opened'"):
        JiraSourceConfig.model_validate(
            {**base, "durations": {"open": {"from": "opened", "to": "resolved"}}}
        )
    with pytest.raises(ValueError, match="sprint_by 'closed', which is not a column"):
        JiraSourceConfig.model_validate({**base, "board": 42, "sprint_by": "closed"})


@pytest.mark.parametrize(
    ("deployment", "auth", "header"),
    [
        (
            "Cloud",
            {"type": "basic", "username": "kpi-bot@example.com", "password_env": "JIRA_SECRET"},
            "Basic " + b64encode(f"kpi-bot@example.com:{SECRET}".encode()).decode(),
        ),
        ("DataCenter", {"type": "bearer", "token_env": "JIRA_SECRET"}, f"Bearer {SECRET}"),
    ],
    ids=["cloud-api-token", "datacenter-pat"],
)
def test_a_planted_token_signs_in_and_is_never_shown(
    deployment: str,
    auth: dict[str, str],
    header: str,
    jira: Callable[..., JiraSource],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("JIRA_SECRET", SECRET)
    site = FakeJira({BUGS_IN_MARCH: BUGS_FOUND}, deployment=deployment, authorization=header)
    table = jira(site, auth=auth).fetch(BUGS, MARCH)

    site.authorization = "something else"  # the token is refused, and the 401 echoes it
    with pytest.raises(SourceError) as raised:
        jira(site, auth=auth, api="cloud" if deployment == "Cloud" else "datacenter").fetch(
            BUGS, MARCH
        )

    assert len(table.rows) == 4
    assert "(check the credentials in JIRA_SECRET)" in str(raised.value)
    assert_never_shown(table, raised.value, caplog=caplog, capsys=capsys)
