"""The KPI page: Page Properties, values said plainly, trend colours, history and the human part."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from confluence_kpi.evaluate import note
from confluence_kpi.model import Change, Direction, Evaluation, NoteCode, Status
from confluence_kpi.pages import render_kpi_page

from .factories import (
    NS,
    TEAM,
    details_cell,
    find,
    macros,
    make_context,
    make_evaluation,
    make_goal,
    make_kpi,
    parameter,
    parse,
    period_value,
    text,
    values,
)


def render(**changes: object) -> str:
    kpi = make_kpi(**{k: v for k, v in changes.items() if k != "ev"})
    ev = changes.get("ev", make_evaluation())
    assert isinstance(ev, Evaluation)
    return render_kpi_page(kpi, ev, TEAM, [make_goal()], make_context())


def test_kpi_page_has_page_properties_with_status_lozenge() -> None:
    page = parse(render())
    answer, definition = macros(page, "details")
    assert (parameter(answer, "id"), parameter(definition, "id")) == ("kpi", "kpi-definition")
    keys = [text(th) for th in find(answer, ".//th")]
    assert keys == [
        "Status", "Current value", "Target", "Expected now", "Trend", "Projection", "Baseline",
        "Owner", "Team", "Last data",
    ]  # fmt: skip
    keys = [text(th) for th in find(definition, ".//th")]
    assert keys == ["Kind", "Horizon", "Category", "Direction", "Period", "Cadence"]
    status = details_cell(page, "Status")
    [lozenge] = macros(status, "status")
    assert (parameter(lozenge, "colour"), parameter(lozenge, "title")) == ("Green", "On track")
    assert text(status).endswith(
        "3.6 h so far in week 3, 2027, ahead of plan (3.8 h planned by now)."
    )
    assert text(details_cell(page, "Current value")) == (
        "3.6 h so far in week 3, 2027, as of 20 January 2027"
    )
    target = details_cell(page, "Target")
    assert text(target) == "2.0 h by "
    assert values(target, ".//time/@datetime") == ["2027-06-30"]
    assert text(details_cell(page, "Owner")) == "Jane Doe"
    team_link = values(details_cell(page, "Team"), ".//ri:page/@ri:content-title")
    assert team_link == ["Team: Customer service"]


def test_status_colours_follow_the_verdict() -> None:
    colours = {}
    for status in Status:
        page = parse(render(ev=make_evaluation(status=status)))
        [lozenge] = macros(details_cell(page, "Status"), "status")
        colours[status] = parameter(lozenge, "colour")
    assert colours == {
        Status.ACHIEVED: "Green",
        Status.ON_TRACK: "Green",
        Status.NO_TARGET: "Blue",
        Status.AT_RISK: "Yellow",
        Status.OFF_TRACK: "Red",
        Status.MISSED: "Red",
        Status.STALE: "Grey",
        Status.NO_DATA: "Grey",
    }


def test_no_data_is_said_not_zero() -> None:
    gap = period_value(2, None, status=None)
    ev = make_evaluation(
        status=Status.NO_DATA,
        current=None,
        previous=None,
        change=None,
        history=(period_value(1, 3.9), gap),
        last_data=None,
        expected=None,
    )
    page = parse(render(ev=ev))
    assert text(details_cell(page, "Current value")) == "no data"
    assert text(details_cell(page, "Last data")) == "no data"
    assert text(details_cell(page, "Trend")) == "—"
    [chart] = macros(page, "chart")
    series = {
        text(find(table, ".//th")[1]): [
            [text(td) for td in find(tr, "td")] for tr in find(table, ".//tr[td]")
        ]
        for table in find(chart, ".//table")
    }
    # The week without data has no point at all; the target is a step over each week.
    assert series["Value"] == [["2027-01-07", "3.9"]]
    assert series["Target"] == [
        ["2027-01-04", "2.0"], ["2027-01-10", "2.0"], ["2027-01-11", "2.0"], ["2027-01-17", "2.0"]
    ]  # fmt: skip
    history = find(page, "/page/h2[.='History']/following-sibling::table[1]//tr[td]")
    assert [text(td) for td in find(history[1], "td")] == [
        "week 2, 2027",
        "no data",
        "2.0 h",
        "—",
    ]


def test_stale_value_is_marked() -> None:
    ev = make_evaluation(status=Status.STALE, stale_since=date(2026, 3, 1))
    page = parse(render(ev=ev))
    [lozenge] = macros(details_cell(page, "Status"), "status")
    assert (parameter(lozenge, "colour"), parameter(lozenge, "title")) == (
        "Grey",
        "Stale since 1 Mar 2026",
    )
    assert text(details_cell(page, "Current value")).endswith("; stale since 1 March 2026")


def test_percent_change_in_points() -> None:
    ev = make_evaluation(change=Change(absolute=2.1, relative=0.027, good=True))
    page = parse(render(unit="%", direction=Direction.INCREASE, ev=ev))
    assert text(details_cell(page, "Trend")) == "▲ +2.1 pp"


def test_falling_cost_trend_is_green() -> None:
    ev = make_evaluation(change=Change(absolute=-1250.0, relative=-0.1, good=True))
    page = parse(render(name="Cost per ticket", unit="EUR", decimals=0, ev=ev))
    [span] = find(details_cell(page, "Trend"), ".//span")
    assert span.get("style") == "color: rgb(0,135,90);"
    assert text(span) == "▼ −1,250 EUR (−10.0 %)"


def test_rising_cost_trend_is_red_and_neutral_change_uncoloured() -> None:
    rising = make_evaluation(change=Change(absolute=3.0, relative=None, good=False))
    [span] = find(details_cell(parse(render(ev=rising)), "Trend"), ".//span")
    assert span.get("style") == "color: rgb(222,53,11);"
    assert text(span) == "▲ +3.0 h"
    flat = make_evaluation(change=Change(absolute=0.0, relative=0.0, good=None))
    cell = details_cell(parse(render(ev=flat)), "Trend")
    assert find(cell, ".//span") == []
    assert text(cell) == "► no change"


def test_target_reads_as_the_direction_does() -> None:
    def target_text(**changes: object) -> str:
        return text(details_cell(parse(render(**changes)), "Target"))

    band = {"value": 95, "upper": 99}
    assert target_text(direction="maintain_above", unit="%", target={"value": 95}) == "≥ 95.0 %"
    assert target_text(direction="maintain_below", target={"value": 2}) == "≤ 2.0 h"
    assert target_text(direction="range", decimals=None, target=band) == "95–99 h"
    assert target_text(target=None) == "not set"


def test_kpi_page_sections_come_in_order_with_the_human_part_last() -> None:
    page = parse(render())
    top = [child.get(f"{{{NS['ac']}}}name") or child.tag for child in page]
    # The answer first: status and why, value and target, then the chart.
    assert top[:3] == ["info", "details", "chart"]
    headings = [text(h2) for h2 in find(page, "/page/h2")]
    assert headings == [
        "What it measures", "SMART goal", "Definition", "History", "Notes", "Actions"
    ]  # fmt: skip
    notes = find(page, "/page/h2[.='Notes']")[0]
    human = [notes, *notes.itersiblings()]
    # Empty sections say what goes there, never a lone empty checkbox.
    assert [element.tag for element in human] == ["h2", "p", "h2", "p"]
    assert [text(element) for element in human[1::2]] == [
        "Nothing yet: what is written under this heading is never overwritten.",
        "No actions yet: add them here as a task list.",
    ]


def test_method_and_smart_texts_are_on_the_page() -> None:
    page = parse(render())
    [expand] = macros(page, "expand")
    assert parameter(expand, "title") == "How it is measured"
    assert values(expand, ".//pre/text()") == [make_kpi().query]
    smart = find(page, "/page/h2[.='SMART goal']/following-sibling::table[1]//tr")
    assert (text(smart[0][0]), text(smart[0][1])) == (
        "Specific",
        "First replies to support tickets during office hours.",
    )
    goal_link = values(page, "/page/h3//ri:page/@ri:content-title")
    assert goal_link == ["Goal: Answer customer questions within 2 hours"]


def test_kpi_without_a_goal_says_so() -> None:
    page = parse(
        render_kpi_page(make_kpi(), make_evaluation(), TEAM, [make_goal(kpis=())], make_context())
    )
    assert find(page, "/page/h3") == []
    assert "No SMART goal links this KPI yet." in [text(p) for p in find(page, "/page/p")]


def test_evaluation_errors_and_remarks_are_shown_in_panels() -> None:
    ev = make_evaluation(
        error="source support_db: connection refused",
        notes=(
            note(NoteCode.STALE_SINCE, date="2027-01-20"),
            note(NoteCode.LEFT_OUT_LATER, count="2"),
        ),
    )
    page = parse(render(ev=ev))
    [warning] = macros(page, "warning")
    assert (
        text(warning).strip()
        == "This KPI could not be evaluated: source support_db: connection refused"
    )
    [remarks] = macros(page, "note")
    # Staleness is said by the status's sentence; the panel does not say it twice.
    assert values(remarks, ".//li/text()") == [
        "2 measurement(s) dated after this evaluation were left out."
    ]


def test_rendering_is_deterministic() -> None:
    first = render()
    again = render_kpi_page(make_kpi(), make_evaluation(), TEAM, [make_goal()], make_context())
    assert first == again
    later = replace(make_evaluation(), as_of=make_evaluation().as_of.replace(year=2028))
    assert render(ev=later) == first  # the evaluation moment alone changes nothing


def test_range_kpi_history_and_chart_show_both_bounds_of_the_range() -> None:
    week = replace(period_value(1, 28), target=30.0, upper=45.0, status=Status.OFF_TRACK)
    ev = make_evaluation(current=week, previous=None, change=None, history=(week,))
    page = parse(render(ev=ev, direction="range", unit="points", decimals=0))
    history = find(page, "/page/h2[.='History']/following-sibling::table[1]//tr[td]")
    assert [text(td) for td in find(history[0], "td")][:3] == [
        "week 1, 2027",
        "28 points",
        "30–45 points",
    ]
    [chart] = macros(page, "chart")
    names = [text(find(table, ".//th")[1]) for table in find(chart, ".//table")]
    assert names == ["Value", "Range from", "Range to"]
