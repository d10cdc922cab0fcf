"""Goal, team and root pages: verdicts, links, attention first, and the Page Properties Report."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from confluence_kpi.model import GoalEvaluation, Status, Team
from confluence_kpi.pages import (
    goal_title,
    kpi_title,
    render_goal_page,
    render_root_page,
    render_team_page,
    team_title,
)

from .factories import (
    TEAM,
    details_cell,
    find,
    macros,
    make_context,
    make_evaluation,
    make_goal,
    make_kpi,
    make_team_evaluation,
    parameter,
    parse,
    text,
    values,
)

KPI = make_kpi()
KPIS = {KPI.id: KPI}


def test_goal_page_shows_status_progress_smart_and_linked_kpis() -> None:
    goal = make_goal()
    gev = GoalEvaluation(goal.id, Status.AT_RISK, 0.423, (make_evaluation(status=Status.AT_RISK),))
    page = parse(render_goal_page(goal, gev, KPIS, TEAM, make_context()))
    [lozenge] = macros(details_cell(page, "Status"), "status")
    assert (parameter(lozenge, "colour"), parameter(lozenge, "title")) == ("Yellow", "At risk")
    assert text(details_cell(page, "Progress")) == "42 %"
    assert values(details_cell(page, "Deadline"), ".//time/@datetime") == ["2027-06-30"]
    assert [text(h3) for h3 in find(page, "/page/h3")] == [
        "Specific", "Measurable", "Achievable", "Relevant", "Time-bound",
    ]  # fmt: skip
    assert text(find(page, "/page/h3[.='Relevant']/following-sibling::p[1]")[0]) == (
        "Slow answers are the top complaint."
    )
    [row] = find(page, "/page/h2[.='KPIs']/following-sibling::table[1]//tr[td]")
    # The link reads as the KPI's name, not its page's title.
    assert values(row, "td[1]//ri:page/@ri:content-title") == ["KPI: First response time"]
    assert text(row[0]) == "First response time"
    assert [text(td) for td in find(row, "td[position() > 2]")] == [
        "3.6 h so far",
        "2.0 h by ",
        "3.6 h so far in week 3, 2027, behind plan (3.8 h planned by now).",
    ]


def test_goal_page_says_what_is_not_written_yet() -> None:
    goal = make_goal(specific="", deadline=None, owner=None, kpis=())
    gev = GoalEvaluation(goal.id, Status.NO_DATA, None, ())
    page = parse(render_goal_page(goal, gev, KPIS, TEAM, make_context()))
    assert text(find(page, "/page/h3[.='Specific']/following-sibling::p[1]")[0]) == (
        "not written yet"
    )
    assert [text(details_cell(page, key)) for key in ("Progress", "Deadline", "Owner")] == [
        "—",
        "not set",
        "not set",
    ]
    assert "No KPI measures this goal yet." in [text(p) for p in find(page, "/page/p")]


def test_team_page_puts_what_needs_attention_first() -> None:
    other = make_kpi(id="csat", name="Customer satisfaction", unit="%")
    off = make_evaluation(kpi_id="csat", status=Status.OFF_TRACK)
    tev = make_team_evaluation(make_evaluation(), off)
    page = parse(
        render_team_page(
            "support", TEAM, tev, {**KPIS, other.id: other}, [make_goal()], make_context()
        )
    )
    headings = [text(h2) for h2 in find(page, "/page/h2")]
    assert headings == [
        "At a glance", "Needs attention", "Changed since the last period", "KPIs and goals", "Notes"
    ]  # fmt: skip
    counts = [parameter(m, "title") for m in macros(find(page, "/page/p[2]")[0], "status")]
    assert counts == ["On track: 1", "Off track: 1"]
    attention = find(page, "/page/h2[.='Needs attention']/following-sibling::table[1]//tr")
    # What needs attention says why, in three columns; the full table does not repeat it.
    assert [text(th) for th in attention[0]] == ["KPI", "Status", "Why"]
    assert [text(row[0]) for row in attention[1:]] == ["Customer satisfaction"]  # no link
    assert text(attention[1][2]).startswith("3.6 % so far in week 3, 2027")
    # One table: the goal with its progress, its KPI under it, then the KPI no goal lists.
    everything = find(page, "/page/h2[.='KPIs and goals']/following-sibling::table[1]//tr")
    assert len(everything[0]) <= 6  # readable at Confluence's default page width
    assert "Why" not in [text(th) for th in everything[0]]
    assert [text(row[0]).strip() for row in everything[1:]] == [
        "Answer customer questions within 2 hours by 30 June 2027",
        "↳ First response time",
        "Customer satisfaction",
    ]
    everything = everything[1:]
    assert values(everything[0], "td[1]//ri:page/@ri:content-title")[0].startswith("Goal: ")
    assert text(everything[0][2]) == "Progress: 55 %"
    assert values(everything[1], "td[1]//ri:page/@ri:content-title") == ["KPI: First response time"]


def test_team_page_says_when_nothing_needs_attention() -> None:
    tev = make_team_evaluation(make_evaluation())
    page = parse(render_team_page("support", TEAM, tev, KPIS, [make_goal()], make_context()))
    assert find(page, "/page/h2[.='Needs attention']/following-sibling::*[1]")[0].tag == "p"
    assert "Nothing needs attention." in [text(p) for p in find(page, "/page/p")]


def test_team_page_refuses_another_teams_evaluation() -> None:
    tev = replace(make_team_evaluation(make_evaluation()), team_id="sales")
    with pytest.raises(ValueError, match="'sales' given for team 'support'"):
        render_team_page("support", TEAM, tev, KPIS, [], make_context())


def test_root_page_shows_goals_first_then_teams_then_every_kpi_with_its_team() -> None:
    ev = make_evaluation(status=Status.STALE, stale_since=date(2026, 3, 1))
    tev = make_team_evaluation(ev)
    root = parse(render_root_page({"support": TEAM}, [tev], KPIS, [make_goal()], make_context()))
    headings = [text(h2) for h2 in find(root, "/page/h2")]
    assert headings == ["Goals", "Teams at a glance", "All KPIs", "Notes"]
    [goal] = find(root, "/page/h2[.='Goals']/following-sibling::table[1]//tr[td]")
    assert [text(td) for td in goal][:2] == [
        "Answer customer questions within 2 hours by 30 June 2027",
        "Customer service",
    ]
    [team] = find(root, "/page/h2[.='Teams at a glance']/following-sibling::table[1]//tr[td]")
    assert values(team, "td[1]//ri:page/@ri:content-title") == ["Team: Customer service"]
    [lozenge] = macros(team[1], "status")
    assert (parameter(lozenge, "colour"), parameter(lozenge, "title")) == ("Grey", "Stale: 1")
    assert [text(td) for td in find(team, "td[position() > 2]")] == ["1", "1"]
    [kpi] = find(root, "/page/h2[.='All KPIs']/following-sibling::table[1]//tr[td]")
    # No "KPI: " before every name: the link reads as the KPI's name.
    assert [text(td) for td in kpi][:2] == ["First response time", "Customer service"]


def test_titles_name_their_kind_and_fit_on_one_line() -> None:
    name = "Same\nname\t "
    kpi, goal, team = make_kpi(name=name), make_goal(title=name), Team(name=name)
    titles = [kpi_title(kpi), goal_title(goal), team_title(team)]
    assert titles == ["KPI: Same name", "Goal: Same name", "Team: Same name"]
    assert goal_title(goal, "nl") == "Doel: Same name"
    long_title = goal_title(make_goal(title="x" * 300))
    assert len(long_title) == 255
    assert long_title.endswith("x…")
