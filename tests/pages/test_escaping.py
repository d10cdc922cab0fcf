"""Rule 6: every value from a catalog, a source or a page comes out as text, never as markup."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from confluence_kpi.evaluate import note
from confluence_kpi.model import NoteCode, Team
from confluence_kpi.pages import (
    render_goal_page,
    render_kpi_page,
    render_root_page,
    render_team_page,
)

from .factories import (
    NS,
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
    period_value,
    shape,
    text,
)

HOSTILE = (
    "A <b>bold</b> & &amp; \"double\" 'single' ]]> <![CDATA[x]]> \x00\x07\x1b\ufffe "
    '<ac:structured-macro ac:name="html"><ac:plain-text-body><![CDATA[<script>alert(1)'
    "</script>]]></ac:plain-text-body></ac:structured-macro> {{ 7 * 7 }} {% if 1 %}x{% endif %}"
    " \r\n end\t"
)


def readable(value: str) -> str:
    """What a reader gets back: the value without the characters XML 1.0 cannot hold
    (its `Char` production), with line ends as XML parsers deliver them."""

    def is_xml_char(char: str) -> bool:
        code = ord(char)
        return (
            code in (0x9, 0xA, 0xD)
            or 0x20 <= code <= 0xD7FF
            or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF
        )

    kept = "".join(char for char in value if is_xml_char(char))
    return kept.replace("\r\n", "\n").replace("\r", "\n")


def pages(value: str) -> dict[str, etree._Element]:
    """Every kind of page with `value` in every field that a catalog, source or page fills."""
    kpi = make_kpi(
        name=value,
        description=value,
        unit=value,
        category=value,
        owner=value,
        source=value,
        query=value,
        column=value,
        time_column=value,
    )
    goal = make_goal(
        title=value,
        specific=value,
        measurable=value,
        achievable=value,
        relevant=value,
        time_bound=value,
        owner=value,
    )
    team = Team(name=value, description=value)
    labelled = replace(
        period_value(3, 3.6), period=replace(period_value(3, 3.6).period, label=value)
    )
    ev = make_evaluation(
        current=labelled,
        history=(labelled,),
        notes=(note(NoteCode.SOURCE_FAILED, error=value),),
        error=value,
    )
    tev = make_team_evaluation(ev)
    linked = make_context(
        space_key=value,
        kpi_titles={},  # unlinked: names appear as text
        goal_titles={goal.id: value},
        team_titles={"support": value},
        root_title=value,
    )
    kpis = {kpi.id: kpi}
    return {
        "kpi": parse(render_kpi_page(kpi, ev, team, [goal], linked)),
        "goal": parse(render_goal_page(goal, tev.goals[0], kpis, team, linked)),
        "team": parse(render_team_page("support", team, tev, kpis, [goal], linked)),
        "root": parse(render_root_page({"support": team}, [tev], kpis, [goal], linked)),
        "unlinked root": parse(
            render_root_page(
                {"support": team}, [tev], kpis, [goal], replace(linked, team_titles={})
            )
        ),
    }


def assert_pages_carry_value_as_text(value: str) -> None:
    expected = readable(value)
    got = pages(value)
    plain = pages("plain")
    for kind, page in got.items():
        assert shape(page) == shape(plain[kind]), f"{kind}: markup changed"

    kpi_page = got["kpi"]
    for key in ("Owner", "Category"):
        assert text(details_cell(kpi_page, key)) == expected
    assert text(find(kpi_page, "/page/h2[1]/following-sibling::p[1]")[0]) == expected  # description
    [chart] = macros(kpi_page, "chart")
    assert parameter(chart, "title") == expected
    assert parameter(chart, "yLabel") == expected
    assert text(find(kpi_page, "//pre")[0]) == expected
    source = find(kpi_page, "//tr[normalize-space(th)='Source']/td")[0]
    assert text(source) == f"the source {expected}"
    smart_cells = find(kpi_page, "/page/h3/following-sibling::table[1]//td")
    assert [text(td) for td in smart_cells] == [expected] * 5
    links = find(kpi_page, "//ri:page")
    assert {link.get(f"{{{NS['ri']}}}content-title") for link in links} == {expected}
    assert {link.get(f"{{{NS['ri']}}}space-key") for link in links} == {expected}
    assert expected in text(macros(kpi_page, "warning")[0])
    assert text(find(macros(kpi_page, "note")[0], ".//li")[0]) == f"No data: {expected}"

    goal_page = got["goal"]
    assert [text(p) for p in find(goal_page, "/page/h3/following-sibling::p[1]")] == [expected] * 5
    assert text(find(goal_page, "/page/h2[1]/following-sibling::p[1]")[0]) == expected
    # The KPI's name, unlinked, under its goal (whose link has no text of its own).
    team_cells = [text(cell).removeprefix("↳ ") for cell in find(got["team"], "//tr/td[1]")]
    assert expected in team_cells
    teams = find(got["unlinked root"], "/page/h2[2]/following-sibling::table[1]//tr/td[1]")
    assert text(teams[0]) == expected


def test_hostile_strings_come_out_as_text() -> None:
    assert_pages_carry_value_as_text(HOSTILE)
    kpi_page = pages(HOSTILE)["kpi"]
    names = {macro.get(f"{{{NS['ac']}}}name") for macro in kpi_page.iter(f"{{{NS['ac']}}}*")}
    assert "html" not in names
    assert find(kpi_page, "//script | //b | //ac:plain-text-body") == []


def test_control_characters_are_removed_and_line_ends_unified() -> None:
    assert readable("a\x00b\x1fc\r\nd\re\ufffe") == "ab" + "c\nd\ne"
    assert text(details_cell(pages("a\x00b\x0b")["kpi"], "Owner")) == "ab"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=40))
def test_any_text_in_every_field_reads_back_as_that_text(value: str) -> None:
    assert_pages_carry_value_as_text(value)
