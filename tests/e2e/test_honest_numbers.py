"""Every number, colour and verdict on a page is one a team lead can defend: a running period is
compared and paced for what it is, trends are coloured by what they mean, the chart shows what
each verdict was judged against, and period-stamped data is fresh until its period is over.

Driven through the CLI against the sandbox, as of 28 November 2026 07:00 UTC (a Saturday).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from .helpers import Cli, Wiki, chart_series, row

CATALOG = """
space: KPI
root_page: Honest numbers
locale: en
timezone: UTC
sources:
  sales: {type: csv, path: sales.csv}
  desk: {type: csv, path: tickets.csv}
  typed: {type: static}
teams:
  ops: {name: Operations}
kpis:
  - id: revenue
    name: Revenue
    team: ops
    unit: "€"
    decimals: 0
    direction: increase
    grain: month
    aggregation: sum
    source: sales
    time_column: day
    column: revenue
    baseline: {value: 1000000, date: 2026-01-01}
    milestones: [{value: 1200000, date: 2026-06-30}]
    target: {value: 1400000, date: 2027-06-30}
  - id: tickets
    name: Ticket volume
    team: ops
    unit: tickets
    decimals: 0
    direction: maintain_below
    grain: week
    aggregation: count
    cadence: day
    source: desk
    column: ticket
    target: {value: 320}
  - id: latency
    name: API latency
    team: ops
    unit: ms
    decimals: 0
    direction: maintain_below
    grain: week
    aggregation: last
    source: typed
    values: [{date: 2026-11-16, value: 250}, {date: 2026-11-23, value: 251}]
    target: {value: 300}
  - id: response
    name: First response time
    team: ops
    unit: h
    decimals: 1
    direction: decrease
    grain: week
    aggregation: last
    source: typed
    values: [{date: 2026-11-16, value: 3.0}, {date: 2026-11-23, value: 3.01}]
    target: {value: 2}
  - id: engagement
    name: Engagement
    team: ops
    direction: maintain_above
    grain: quarter
    aggregation: last
    source: typed
    values: [{date: 2026-04-01, value: 20}, {date: 2026-07-01, value: 24}]
    target: {value: 10}
"""


def days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    """Revenue every day of 2026 but August (46,000 a day in October, 51,000 in November);
    tickets for thirteen weeks (50 a weekday and 2 a weekend day, then 52 a weekday)."""
    folder = tmp_path / "honest"
    folder.mkdir()
    sales = ["day,revenue"]
    for day in days(date(2026, 1, 1), date(2026, 11, 27)):
        if day.month != 8:
            sales.append(f"{day},{51_000 if day.month == 11 else 46_000}")
    (folder / "sales.csv").write_text("\n".join(sales) + "\n", encoding="utf-8")
    tickets = ["ts,ticket"]
    for day in days(date(2026, 8, 31), date(2026, 11, 27)):
        weekday = day.weekday() < 5
        count = (52 if day >= date(2026, 11, 23) else 50) if weekday else 2
        tickets += [f"{day}T09:{minute:02d}:00,1" for minute in range(count)]
    (folder / "tickets.csv").write_text("\n".join(tickets) + "\n", encoding="utf-8")
    path = folder / "honest.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    return path


@pytest.fixture
def synced(cli: Cli, wiki: Wiki) -> Wiki:
    """The catalog synced once; the wiki to read it."""
    run = cli.sync()
    assert run.code == 0, run.out + run.err
    return wiki


def plain(html: str) -> str:
    """A cell's text as a reader sees it: a status lozenge reads as its title."""
    lozenge = (
        r'<ac:structured-macro ac:name="status".*?title">(.*?)</ac:parameter>'
        r".*?</ac:structured-macro>"
    )
    html = re.sub(lozenge, r"[\1]", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_running_month_is_compared_with_the_same_days_of_the_previous_month(
    synced: Wiki,
) -> None:
    body = synced.body("KPI: Revenue")
    assert plain(row(body, "Current value")) == (
        "€1,377,000 so far in November 2026 (27 of 30 days)"
    )
    # 27 days at 51,000 against October's first 27 days at 46,000, not all of October: up.
    trend = row(body, "Trend")
    assert plain(trend) == "▲ +€135,000 (+10.9 %) against the first 27 days of October 2026"
    assert "rgb(0,135,90)" in trend  # green: up is good for revenue


def test_week_of_tickets_is_paced_by_its_usual_weekday_pattern(synced: Wiki) -> None:
    body = synced.body("KPI: Ticket volume")
    # 260 so far; weekends bring 4 of a usual week's 254 tickets: about 264 by Sunday, not the
    # 364 an even pace over 5 of 7 days would project.
    status = plain(row(body, "Status"))
    assert status == (
        "[On track] 260 tickets so far; at the usual pattern about 264 tickets by 29 November "
        "2026, within the limit of 320 tickets."
    )
    assert "the pattern of the last 12 weeks" in plain(row(body, "Pace this period"))


def test_trend_inside_a_band_with_room_is_neutral_and_one_that_rounds_to_nothing_says_so(
    synced: Wiki,
) -> None:
    latency = row(synced.body("KPI: API latency"), "Trend")
    assert plain(latency) == "▲ +1 ms (+0.4 %)"
    assert "color" not in latency  # 251 ms is far inside the 300 ms limit: nothing to flag
    response = row(synced.body("KPI: First response time"), "Trend")
    assert plain(response) == "► no change"  # 3.00 h to 3.01 h shows as 3.0 h twice
    assert "color" not in response


def test_chart_draws_the_plan_each_verdict_was_judged_against(synced: Wiki) -> None:
    body = synced.body("KPI: Revenue")
    series = chart_series(body)
    plan = dict(series["Planned"])
    # The plan is a step over each month, and the milestone's jump is a step, not a slope.
    assert plan["2026-06-01"] == plan["2026-06-30"]
    assert plan["2026-07-01"] == plan["2026-07-31"]
    assert float(plan["2026-07-01"]) > float(plan["2026-06-30"])
    # Each history row's verdict was judged against the plan the chart draws for its month.
    history = re.findall(
        r"<tr><td><p>([A-Z][a-z]+ 2026)</p></td><td><p>[^<]*</p></td><td><p>([^<]*)</p></td>",
        body,
    )
    assert ("September 2026", f"€{int(float(plan['2026-09-01'])):,}") in history
    # No point for August, which has no data (never a zero), and none for the running
    # November among the values: it is its own point, where the month is heading.
    values = dict(series["Value"])
    assert not [day for day in values if day.startswith("2026-08")]
    assert not [day for day in values if day.startswith("2026-11")]
    assert list(dict(series["Projection"])) == ["2026-11-16"]


def test_quarter_stamped_at_its_start_is_fresh_until_the_next_quarter_is_due(
    synced: Wiki,
) -> None:
    body = synced.body("KPI: Engagement")
    assert plain(row(body, "Status")).startswith("[On track] 24 in Q3 2026")
    assert plain(row(body, "Last data")) == "Q3 2026"
    assert "stale" not in plain(row(body, "Current value")).lower()
