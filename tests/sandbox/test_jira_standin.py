"""The demo's Jira stand-in, asked by the product's jira source as a Data Center site is: the
issues its JQL finds in a window, over several pages, and Jira's errors for what it cannot
answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from confluence_kpi.catalog import JiraSourceConfig
from confluence_kpi.model import Window
from confluence_kpi.sandbox.jira_standin import PAGE_CAP, Issue, JiraStandIn
from confluence_kpi.sources import SourceError
from confluence_kpi.sources.jira import JiraSource

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MARCH = Window(datetime(2026, 3, 1, tzinfo=AMSTERDAM), datetime(2026, 4, 1, tzinfo=AMSTERDAM))
BUGS = 'project = OPS AND type = Bug AND resolved >= "{start}" AND resolved < "{end}"'
# A bug resolved every six hours from 20 February to 10 April, each 30 hours after it was
# reported: OPS-36 (1 March, 03:00 in Amsterdam) to OPS-159 (31 March, 22:00) in March.
FIRST = datetime(2026, 2, 20, 2, tzinfo=UTC)
ISSUES = [
    Issue(f"OPS-{n}", FIRST + timedelta(hours=6 * n - 30), FIRST + timedelta(hours=6 * n))
    for n in range(1, 200)
]
TOKEN = "tok-3b1d-standin"


@pytest.fixture
def standin() -> Iterator[JiraStandIn]:
    with JiraStandIn(ISSUES, username="kpi-bot", password=TOKEN, zone=AMSTERDAM) as running:
        yield running


def jira_source(standin: JiraStandIn, **options: object) -> JiraSource:
    """A jira source for the stand-in, signing in with the token in STANDIN_TOKEN."""
    config = {
        "type": "jira",
        "url": standin.url,
        "retries": 0,
        "auth": {"type": "basic", "username": "kpi-bot", "password_env": "STANDIN_TOKEN"},
        **options,
    }
    return JiraSource("ops", JiraSourceConfig.model_validate(config))


@pytest.fixture
def jira(standin: JiraStandIn, monkeypatch: pytest.MonkeyPatch) -> Iterator[JiraSource]:
    monkeypatch.setenv("STANDIN_TOKEN", TOKEN)
    opened = jira_source(
        standin,
        page_size=500,  # more than the stand-in gives a page, as Jira caps it
        durations={"hours": {"from": "created", "to": "resolved", "unit": "hours"}},
    )
    yield opened
    opened.close()


def test_the_bugs_resolved_in_the_window_are_found_over_several_pages(jira: JiraSource) -> None:
    table = jira.fetch(BUGS, MARCH)

    assert len(table.rows) > PAGE_CAP
    assert [row[0] for row in table.rows] == [f"OPS-{n}" for n in range(36, 160)]
    assert {row[4] for row in table.rows} == {30.0}
    assert table.rows[0][3] == "2026-03-01T02:00:00.000+0000"


def test_jql_it_cannot_read_is_jiras_400(jira: JiraSource) -> None:
    with pytest.raises(SourceError) as raised:
        jira.fetch("assignee = currentUser()", MARCH)

    assert "400" in str(raised.value)
    assert "cannot read 'assignee = currentUser()'" in str(raised.value)


def test_another_token_is_jiras_401(standin: JiraStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_TOKEN", "not-the-token")
    jira = jira_source(standin)

    with pytest.raises(SourceError) as raised:
        jira.fetch(BUGS, MARCH)
    jira.close()

    assert "401" in str(raised.value)
