"""Storage format to HTML, and the chart macro's table to SVG: the pure converters on their own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import lxml.html
import pytest
from lxml.html import HtmlElement

from confluence_kpi.sandbox.preview.report_rows import Cell, ReportRow
from confluence_kpi.sandbox.preview.storage_html import (
    STATUS_COLOURS,
    page_properties,
    storage_to_html,
)
from confluence_kpi.sandbox.preview.svg_chart import (
    ChartOptions,
    chart_series,
    chart_svg,
    nice_ticks,
    parse_number,
    tick_format,
)


@dataclass
class FakeResolver:
    """Pages by (space, title), users by key, and one canned report."""

    space_key: str = "KPI"
    pages: dict[tuple[str, str], str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    rows: list[ReportRow] = field(default_factory=list)
    queries: list[tuple[str, str]] = field(default_factory=list)

    def page_url(self, space_key: str, title: str) -> str | None:
        return self.pages.get((space_key, title))

    def user_name(self, reference: Mapping[str, str]) -> str | None:
        return self.users.get(reference.get("userkey", ""))

    def report(self, cql: str, details_id: str) -> Sequence[ReportRow]:
        self.queries.append((cql, details_id))
        if cql == "broken":
            raise ValueError("Expected a field at position 0")
        return self.rows


def render(body: str, resolver: FakeResolver | None = None) -> HtmlElement:
    """The HTML of a body, parsed inside a div."""
    html = storage_to_html(body, resolver or FakeResolver())
    return lxml.html.fragment_fromstring(html, create_parent="div")


def macro(name: str, params: Mapping[str, str] | None = None, body: str | None = None) -> str:
    parts = "".join(
        f'<ac:parameter ac:name="{k}">{v}</ac:parameter>' for k, v in (params or {}).items()
    )
    rich = f"<ac:rich-text-body>{body}</ac:rich-text-body>" if body is not None else ""
    return f'<ac:structured-macro ac:name="{name}">{parts}{rich}</ac:structured-macro>'


def chart_table(*rows: Sequence[str]) -> str:
    head = "".join(f"<th><p>{c}</p></th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td><p>{c}</p></td>" for c in r) + "</tr>" for r in rows[1:])
    return f"<table><tbody><tr>{head}</tr>{body}</tbody></table>"


# --- elements -----------------------------------------------------------------------------


def test_headings_paragraphs_lists_and_tables_keep_their_structure() -> None:
    root = render(
        "<h2>Title</h2><p>Some <strong>bold</strong> text</p><ul><li>one</li></ul>"
        '<table><tbody><tr><th>K</th><td colspan="2">V</td></tr></tbody></table>'
    )
    assert root.xpath("string(h2)") == "Title"
    assert root.xpath("string(p/strong)") == "bold"
    assert root.xpath("ul/li/text()") == ["one"]
    assert root.xpath("table//th/text()") == ["K"]
    assert root.xpath("table//td/@colspan") == ["2"]


@pytest.mark.parametrize(
    ("colour", "background", "ink"),
    [
        ("Green", "#E3FCEF", "#006644"),
        ("Yellow", "#FFF0B3", "#974F0C"),
        ("Red", "#FFEBE6", "#BF2600"),
        ("Blue", "#DEEBFF", "#0747A6"),
        ("Grey", "#DFE1E6", "#42526E"),
    ],
)
def test_status_lozenge_has_confluences_colours(colour: str, background: str, ink: str) -> None:
    root = render(macro("status", {"colour": colour, "title": "On track"}))
    (lozenge,) = root.find_class("status")
    assert lozenge.text == "On track"
    assert f"background:{background}" in lozenge.get("style")
    assert f"color:{ink}" in lozenge.get("style")


def test_status_without_title_shows_its_colour_and_unknown_colours_are_grey() -> None:
    root = render(macro("status", {"colour": "Green"}) + macro("status", {"colour": "Plaid"}))
    green, plaid = root.find_class("status")
    assert green.text == "green"
    assert plaid.text == "grey"
    assert f"background:{STATUS_COLOURS['grey'][0]}" in plaid.get("style")


@pytest.mark.parametrize("name", ["info", "note", "warning", "tip"])
def test_panels_are_coloured_boxes_with_icon_title_and_body(name: str) -> None:
    root = render(macro(name, {"title": "Heads up"}, "<p>Body text</p>"))
    (panel,) = root.find_class(f"panel-{name}")
    assert panel.find_class("panel-icon")
    assert panel.find_class("panel-title")[0].text == "Heads up"
    assert panel.xpath("string(.//div[@class='panel-content']/p[last()])") == "Body text"


def test_expand_is_a_details_element_with_its_title() -> None:
    root = render(macro("expand", {"title": "How it is measured"}, "<p>Inside</p>"))
    (details,) = root.xpath("details")
    assert details.xpath("string(summary)") == "How it is measured"
    assert details.xpath("string(div/p)") == "Inside"


def test_details_macro_is_a_bordered_two_column_table_unless_hidden() -> None:
    rows = "<table><tbody><tr><th><p>Owner</p></th><td><p>Jane</p></td></tr></tbody></table>"
    root = render(
        macro("details", {"id": "kpi"}, rows) + macro("details", {"hidden": "true"}, rows)
    )
    (properties,) = root.find_class("page-properties")
    assert properties.xpath(".//tr/th//text()") == ["Owner"]
    assert properties.xpath(".//tr/td//text()") == ["Jane"]
    assert len(root.xpath("//table")) == 1  # the hidden one shows only in reports


def test_time_is_a_formatted_date() -> None:
    root = render('<p>by <time datetime="2027-06-30" /></p>')
    (time,) = root.xpath("//time")
    assert (time.text, time.get("datetime")) == ("30 Jun 2027", "2027-06-30")


def test_user_mentions_show_the_name_and_unknown_users_say_so() -> None:
    resolver = FakeResolver(users={"abc123": "alice"})
    root = render(
        '<p><ac:link><ri:user ri:userkey="abc123" /></ac:link> and '
        '<ac:link><ri:user ri:userkey="nobody" /></ac:link></p>',
        resolver,
    )
    assert [m.text for m in root.find_class("mention")] == ["@alice", "@unknown user"]


def test_page_links_point_to_the_viewer_and_missing_pages_are_marked() -> None:
    resolver = FakeResolver(pages={("KPI", "Team: Sales"): "/spaces/KPI/pages/7"})
    root = render(
        '<p><ac:link><ri:page ri:content-title="Team: Sales" /></ac:link></p>'
        '<p><ac:link><ri:page ri:space-key="KPI" ri:content-title="Gone" />'
        "<ac:plain-text-link-body><![CDATA[the old page]]></ac:plain-text-link-body></ac:link></p>",
        resolver,
    )
    (link,) = root.xpath("//a")
    assert (link.get("href"), link.text) == ("/spaces/KPI/pages/7", "Team: Sales")
    assert root.find_class("missing-link")[0].text == "the old page"


def test_task_lists_are_checkboxes_ticked_when_complete() -> None:
    root = render(
        "<ac:task-list>"
        "<ac:task><ac:task-id>1</ac:task-id><ac:task-status>complete</ac:task-status>"
        "<ac:task-body>Done thing</ac:task-body></ac:task>"
        "<ac:task><ac:task-id>2</ac:task-id><ac:task-status>incomplete</ac:task-status>"
        "<ac:task-body>Open thing</ac:task-body></ac:task></ac:task-list>"
    )
    boxes = root.xpath("//ul[@class='tasks']/li/input[@type='checkbox']")
    assert [box.get("checked") is not None for box in boxes] == [True, False]
    assert root.xpath("string(//ul[@class='tasks']/li[2])").strip() == "Open thing"


def test_code_block_is_preformatted_text() -> None:
    body = (
        '<ac:structured-macro ac:name="code"><ac:parameter ac:name="title">Query</ac:parameter>'
        "<ac:plain-text-body><![CDATA[SELECT *\n  FROM t WHERE a < 3]]></ac:plain-text-body>"
        "</ac:structured-macro>"
    )
    root = render(body)
    assert root.xpath("string(//pre)") == "SELECT *\n  FROM t WHERE a < 3"
    assert root.find_class("code-title")[0].text == "Query"


def test_unknown_macro_is_a_grey_box_naming_it() -> None:
    root = render(macro("jira", {"key": "OPS-1"}))
    assert [box.text for box in root.find_class("macro-box")] == ["jira macro"]


# --- hostile content ----------------------------------------------------------------------


def test_script_elements_and_event_attributes_never_reach_the_html() -> None:
    root = render(
        '<p onclick="steal()">x<script>alert(1)</script></p>'
        '<a href="javascript:alert(2)">click</a><iframe src="https://evil.example" />'
        '<span style="background:url(https://evil.example/x.png); color: red">c</span>'
    )
    assert not root.xpath("//script | //iframe | //@onclick | //@href | //@src")
    assert "alert(1)" in root.text_content()  # shown as text, not run
    assert root.xpath("//span/@style") == ["color: red"]


def test_macro_parameters_and_cells_are_escaped() -> None:
    hostile = "&lt;script&gt;alert(1)&lt;/script&gt;"
    root = render(
        macro("status", {"colour": "Red", "title": hostile})
        + macro(
            "info", {"title": hostile}, f"<table><tbody><tr><td>{hostile}</td></tr></tbody></table>"
        )
        + macro(hostile)
    )
    assert not root.xpath("//script")
    assert root.find_class("status")[0].text == "<script>alert(1)</script>"
    assert root.find_class("panel-title")[0].text == "<script>alert(1)</script>"
    assert root.xpath("string(//td)") == "<script>alert(1)</script>"
    assert root.find_class("macro-box")[0].text == "<script>alert(1)</script> macro"


# --- chart ----------------------------------------------------------------------------------


def chart_body(table: str, **params: str) -> str:
    return macro("chart", {"type": "line", "dataOrientation": "vertical", **params}, table)


def test_chart_is_an_svg_with_one_polyline_per_series_instead_of_its_table() -> None:
    table = chart_table(["Period", "Value", "Target"], ["W1", "41", "50"], ["W2", "44", "50"])
    root = render(chart_body(table, title="Weekly NPS"))
    (svg,) = root.xpath("//svg")
    assert not root.xpath("//table")  # Confluence hides the source table
    series = svg.xpath(".//g[@class='series']")
    assert [g.get("data-series") for g in series] == ["Value", "Target"]
    assert [len(g.xpath("polyline")) for g in series] == [1, 1]
    assert svg.xpath("string(.//text[@class='chart-title'])") == "Weekly NPS"
    assert svg.xpath(".//g[@class='legend-item']/text/text()") == ["Value", "Target"]
    assert len(svg.xpath(".//text[@class='y-tick']")) >= 3


def test_chart_empty_cells_are_gaps_not_zeros() -> None:
    table = chart_table(
        ["Period", "Value"], ["1", "10"], ["2", "12"], ["3", ""], ["4", "14"], ["5", "15"]
    )
    svg = render(chart_body(table)).xpath("//svg")[0]
    lines = svg.xpath(".//g[@class='series']/polyline")
    assert [len(line.get("points").split()) for line in lines] == [2, 2]
    assert len(svg.xpath(".//g[@class='series']/circle")) == 4
    assert not [t for t in svg.xpath(".//text[@class='y-tick']/text()") if t == "0"]


def test_bar_chart_draws_a_bar_per_value_from_zero() -> None:
    table = chart_table(["Team", "Q1", "Q2"], ["Sales", "3", ""], ["HR", "5", "7"])
    svg = render(chart_body(table, type="bar")).xpath("//svg")[0]
    bars = svg.xpath(".//g[@class='series']/rect")
    assert len(bars) == 3
    assert "0" in svg.xpath(".//text[@class='y-tick']/text()")


def test_chart_rows_are_series_in_confluences_default_orientation() -> None:
    table = [["", "Jan", "Feb"], ["North", "1", "2"], ["South", "3", "4"]]
    labels, series = chart_series(table, vertical=False)
    assert labels == ["Jan", "Feb"]
    assert [(s.name, s.values) for s in series] == [("North", (1, 2)), ("South", (3, 4))]
    assert chart_series(table, vertical=True)[0] == ["North", "South"]


def test_chart_without_numbers_says_so_and_unsupported_types_keep_their_table() -> None:
    words = chart_table(["Period", "Note"], ["W1", "fine"])
    assert render(chart_body(words)).find_class("macro-box")[0].text == "chart: no numbers to draw"
    pie = render(chart_body(chart_table(["A", "B"], ["x", "1"]), type="pie"))
    assert pie.find_class("macro-box")[0].text == "pie chart: not drawn by the sandbox"
    assert pie.xpath("//table")


def test_chart_text_is_escaped() -> None:
    svg = chart_svg(
        [["<x>", "<script>s</script>"], ['"a"', "1"], ["b", "2"]],
        ChartOptions(title="<b>T</b>", vertical=True),
    )
    assert svg is not None
    tree = lxml.html.fragment_fromstring(svg)
    assert not tree.xpath("//script | //b")
    assert tree.xpath("string(.//text[@class='chart-title'])") == "<b>T</b>"


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,234.5", 1234.5), (" 42 ", 42.0), ("\u22123", -3.0), ("", None), ("n/a", None)],
)
def test_cells_parse_as_numbers_or_gaps(text: str, value: float | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["nan", "inf", "1,2"])
def test_cells_that_are_not_finite_plain_numbers_are_gaps(text: str) -> None:
    assert parse_number(text) is None


def test_axis_ticks_are_round_and_cover_the_data() -> None:
    ticks = nice_ticks(1_017_101, 1_428_775)
    assert ticks[0] <= 1_017_101
    assert ticks[-1] >= 1_428_775
    assert [tick_format(ticks)(t) for t in ticks] == [
        "1.0M",
        "1.1M",
        "1.2M",
        "1.3M",
        "1.4M",
        "1.5M",
    ]
    assert nice_ticks(5, 5)[0] < 5 < nice_ticks(5, 5)[-1]


# --- Page Properties and the report ---------------------------------------------------------


def kpi_details(status: str, owner: str, details_id: str = "kpi") -> str:
    lozenge = macro("status", {"colour": "Green", "title": status})
    rows = (
        f"<tr><th><p>Status</p></th><td><p>{lozenge}</p></td></tr>"
        f"<tr><th><p>Owner</p></th><td><p>{owner}</p></td></tr>"
    )
    return macro("details", {"id": details_id}, f"<table><tbody>{rows}</tbody></table>")


def test_page_properties_are_read_from_the_details_macro_of_the_id() -> None:
    body = kpi_details("On track", "Jane") + kpi_details("Other", "Bob", details_id="goal")
    properties = page_properties(body, FakeResolver(), "kpi")
    assert list(properties) == ["Status", "Owner"]
    assert properties["Owner"].text == "Jane"
    assert 'class="status"' in properties["Status"].html
    assert page_properties(body, FakeResolver(), "goal")["Owner"].text == "Bob"


def test_report_is_a_table_of_pages_with_the_requested_columns() -> None:
    def row(title: str, status: str, owner: str) -> ReportRow:
        return ReportRow(
            title, f"/p/{title}", {"Status": Cell(status, status), "Owner": Cell(owner, owner)}
        )

    resolver = FakeResolver(
        rows=[row("KPI: B", "At risk", "Zoe"), row("KPI: A", "On track", "Ann")]
    )
    params = {"cql": 'label = "kpi"', "id": "kpi", "headings": "Status", "firstcolumn": "KPI"}
    root = render(macro("detailssummary", params), resolver)
    assert resolver.queries == [('label = "kpi"', "kpi")]
    assert root.xpath("//table[@class='report']/thead//th/text()") == ["KPI", "Status"]
    assert root.xpath("//table[@class='report']/tbody/tr/td[1]/a/text()") == ["KPI: A", "KPI: B"]
    assert root.xpath("//table[@class='report']/tbody/tr/td[2]/text()") == ["On track", "At risk"]
    by_owner = render(
        macro("detailssummary", {**params, "sortBy": "Owner", "reverseSort": "true"}), resolver
    )
    assert by_owner.xpath("//tbody/tr/td[1]/a/text()") == ["KPI: B", "KPI: A"]


def test_report_with_bad_cql_says_why() -> None:
    root = render(macro("detailssummary", {"cql": "broken"}))
    assert "Expected a field" in root.find_class("macro-box")[0].text
