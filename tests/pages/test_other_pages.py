"""Goal, team and root pages: verdicts, links, attention first, and the Page Properties Report."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from lxml import etree

from confluence_kpi.evaluate import evaluate_team
from confluence_kpi.model import Evaluation, GoalEvaluation, KpiDefinition, Status, Team
from confluence_kpi.pages import (
    ROOT_KPI_ROWS,
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


def large_root(count: int, locale: str = "en") -> str:
    """The root page of `count` KPIs dealt out over two teams, one in ten off track and one in
    ten stale (all in the first team), the rest on track."""
    teams = {"support": TEAM, "sales": Team(name="Sales")}
    kpis: dict[str, KpiDefinition] = {}
    by_team: dict[str, list[Evaluation]] = {team_id: [] for team_id in teams}
    for n in range(count):
        team_id = list(teams)[n % 2]
        kpi = make_kpi(id=f"kpi-{n}", name=f"KPI {n}", team=team_id)
        off_track = n % 20 in (8, 9)
        status = Status.OFF_TRACK if off_track else Status.STALE if n % 10 == 4 else Status.ON_TRACK
        kpis[kpi.id] = kpi
        by_team[team_id].append(make_evaluation(kpi_id=kpi.id, status=status))
    tevs = [evaluate_team(team_id, evs, ()) for team_id, evs in by_team.items()]
    ctx = make_context(
        locale,
        kpi_titles={kpi.id: kpi_title(kpi) for kpi in kpis.values()},
        team_titles={team_id: team_title(team) for team_id, team in teams.items()},
    )
    return render_root_page(teams, tevs, kpis, [], ctx)


def kpi_rows(root: etree._Element) -> list[etree._Element]:
    """The rows of the root's KPI table, the third on the page, without its heading."""
    return find(root, "/page/h2[3]/following-sibling::table[1]//tr[td]")


def test_root_page_of_a_large_catalog_lists_what_needs_attention_first_and_how_many_more() -> None:
    body = large_root(1000)

    assert len(body.encode()) < 400_000  # far below the 5 MB Confluence takes in a request
    root = parse(body)
    assert text(find(root, "/page/h2[3]")[0]) == "KPIs, most urgent first"
    rows = kpi_rows(root)
    assert len(rows) == ROOT_KPI_ROWS
    # As the team pages order what needs attention: off track, then stale; then the others,
    # each team by team in catalog order.
    statuses = [parameter(macros(row[2], "status")[0], "title") for row in rows]
    assert statuses == ["Off track"] * 100 + ["Stale"] * 100 + ["On track"] * 100
    names = [text(row[0]) for row in rows]
    assert names[:2] + names[50:52] == ["KPI 8", "KPI 28", "KPI 9", "KPI 29"]
    assert names[100:102] + names[200:203] == ["KPI 4", "KPI 14", "KPI 0", "KPI 2", "KPI 6"]
    teams = [values(rows[n], "td[2]//ri:page/@ri:content-title") for n in (0, 50)]
    assert teams == [["Team: Customer service"], ["Team: Sales"]]
    after = find(root, "/page/h2[3]/following-sibling::*[2]")[0]
    assert text(after) == "700 more KPIs are not listed here: each team page lists all of its own."


@pytest.mark.parametrize(
    ("count", "heading", "after"),
    [
        (ROOT_KPI_ROWS, "All KPIs", "Notes"),
        (ROOT_KPI_ROWS + 1, "KPIs, most urgent first",
         "1 more KPI is not listed here: each team page lists all of its own."),
    ],
)  # fmt: skip
def test_root_page_lists_every_kpi_up_to_its_limit(count: int, heading: str, after: str) -> None:
    root = parse(large_root(count))

    assert text(find(root, "/page/h2[3]")[0]) == heading
    assert len(kpi_rows(root)) == ROOT_KPI_ROWS
    assert text(find(root, "/page/h2[3]/following-sibling::*[2]")[0]) == after


def test_root_page_says_how_many_more_in_dutch() -> None:
    root = parse(large_root(ROOT_KPI_ROWS + 1001, "nl"))

    assert text(find(root, "/page/h2[3]")[0]) == "KPI's, de dringendste eerst"
    assert text(find(root, "/page/h2[3]/following-sibling::*[2]")[0]) == (
        "Nog 1.001 KPI's staan hier niet: elke teampagina toont al zijn eigen KPI's."
    )


def test_titles_name_their_kind_and_fit_on_one_line() -> None:
    name = "Same\nname\t "
    kpi, goal, team = make_kpi(name=name), make_goal(title=name), Team(name=name)
    titles = [kpi_title(kpi), goal_title(goal), team_title(team)]
    assert titles == ["KPI: Same name", "Goal: Same name", "Team: Same name"]
    assert goal_title(goal, "nl") == "Doel: Same name"
    long_title = goal_title(make_goal(title="x" * 300))
    assert len(long_title) == 255
    assert long_title.endswith("x…")
