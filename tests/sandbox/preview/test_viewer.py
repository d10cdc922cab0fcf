"""The read-only HTML viewer over real HTTP: page tree, pages as Confluence shows them, the
Page Properties Report, escaping, 404s, and that it is off with the control surface."""

from __future__ import annotations

from collections.abc import Callable

import lxml.html
import pytest
import requests
from lxml.html import HtmlElement

from confluence_kpi.sandbox import SandboxServer
from confluence_kpi.sandbox.render import account_id, user_key

from ..helpers import Api

HOSTILE = "<script>alert(1)</script>"
HOSTILE_XML = "&lt;script&gt;alert(1)&lt;/script&gt;"


def view(server: SandboxServer, path: str) -> requests.Response:
    return requests.get(server.url + path, timeout=10)


def html(response: requests.Response) -> HtmlElement:
    assert response.headers["Content-Type"].startswith("text/html")
    return lxml.html.fromstring(response.text)


def page_of(api: Api, page: dict[str, str]) -> HtmlElement:
    response = view(api.server, f"/spaces/KPI/pages/{page['id']}")
    assert response.status_code == 200, response.text
    return html(response)


def status(colour: str, title: str) -> str:
    return (
        f'<ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">{colour}'
        f'</ac:parameter><ac:parameter ac:name="title">{title}</ac:parameter></ac:structured-macro>'
    )


def kpi_body(colour: str, title: str, owner: str) -> str:
    rows = (
        f"<tr><th><p>Status</p></th><td><p>{status(colour, title)}</p></td></tr>"
        f"<tr><th><p>Owner</p></th><td><p>{owner}</p></td></tr>"
    )
    return (
        '<ac:structured-macro ac:name="details"><ac:parameter ac:name="id">kpi</ac:parameter>'
        f"<ac:rich-text-body><table><tbody>{rows}</tbody></table></ac:rich-text-body>"
        "</ac:structured-macro><h2>History</h2>"
    )


def label(api: Api, page: dict[str, str], name: str) -> None:
    response = api.post(f"/rest/api/content/{page['id']}/label", json=[{"name": name}])
    assert response.status_code == 200, response.text


def test_root_lists_spaces_and_the_page_tree_with_labels(api: Api) -> None:
    parent = api.create_page("Team: Sales")
    child = api.create_page("KPI: Revenue", parent=parent["id"])
    label(api, child, "kpi")
    root = html(view(api.server, "/"))
    (space,) = root.xpath("//section[@id='space-KPI']")
    (parent_item,) = space.xpath(".//li[a='Team: Sales']")
    (child_link,) = parent_item.xpath("ul/li/a[.='KPI: Revenue']")
    assert child_link.get("href") == f"/spaces/KPI/pages/{child['id']}"
    assert child_link.xpath("../span[@class='labels']/span/text()") == ["kpi"]
    assert space.xpath("ul/li/a/text()") == ["KPI Home", "Team: Sales"]


def test_page_shows_breadcrumb_version_labels_and_a_coloured_status_lozenge(api: Api) -> None:
    parent = api.create_page("Team: Sales")
    page = api.create_page("KPI: Revenue", kpi_body("Yellow", "At risk", "Jane"), parent["id"])
    label(api, page, "kpi")
    root = page_of(api, page)
    assert root.xpath("string(//h1)") == "KPI: Revenue"
    assert root.xpath("//nav[@class='breadcrumb']/a/text()") == ["KPI", "Team: Sales"]
    assert "Version 1" in root.xpath("string(//div[@class='byline'])")
    assert root.xpath("//span[@class='label']/text()") == ["kpi"]
    (lozenge,) = root.find_class("status")
    assert lozenge.text == "At risk"
    assert "background:#FFF0B3" in lozenge.get("style")
    assert "color:#974F0C" in lozenge.get("style")


def test_page_shows_panels_expand_details_and_a_chart(api: Api) -> None:
    chart = (
        '<ac:structured-macro ac:name="chart"><ac:parameter ac:name="type">line</ac:parameter>'
        '<ac:parameter ac:name="dataOrientation">vertical</ac:parameter><ac:rich-text-body>'
        "<table><tbody><tr><th>Period</th><th>Value</th></tr><tr><td>W1</td><td>1</td></tr>"
        "<tr><td>W2</td><td></td></tr><tr><td>W3</td><td>3</td></tr><tr><td>W4</td><td>4</td></tr>"
        "</tbody></table></ac:rich-text-body></ac:structured-macro>"
    )
    body = (
        '<ac:structured-macro ac:name="warning"><ac:rich-text-body><p>Late data</p>'
        '</ac:rich-text-body></ac:structured-macro><ac:structured-macro ac:name="expand">'
        '<ac:parameter ac:name="title">Method</ac:parameter><ac:rich-text-body><p>How</p>'
        f"</ac:rich-text-body></ac:structured-macro>{kpi_body('Green', 'On track', 'Jane')}{chart}"
    )
    root = page_of(api, api.create_page("Everything", body))
    assert (
        root.xpath("string(//div[contains(@class,'panel-warning')])").strip().endswith("Late data")
    )
    assert root.xpath("string(//details/summary)") == "Method"
    assert root.xpath("//div[@class='page-properties']//th//text()") == ["Status", "Owner"]
    lines = root.xpath("//svg//g[@class='series']/polyline")
    assert [len(line.get("points").split()) for line in lines] == [2]  # W1 alone, W2 a gap
    assert len(root.xpath("//table")) == 1  # the chart's own table is not shown


def test_report_lists_the_labelled_pages_with_their_status_column(api: Api) -> None:
    for title, colour, state, owner in [
        ("KPI: Revenue", "Green", "On track", "Jane"),
        ("KPI: Churn", "Red", "Off track", "Bob"),
    ]:
        label(api, api.create_page(title, kpi_body(colour, state, owner)), "kpi")
    api.create_page("KPI: Unlabelled", kpi_body("Blue", "Ignored", "Eve"))
    report = (
        '<ac:structured-macro ac:name="detailssummary"><ac:parameter ac:name="cql">'
        'label = "kpi" and space = currentSpace()</ac:parameter><ac:parameter ac:name="headings">'
        'Status,Owner</ac:parameter><ac:parameter ac:name="firstcolumn">KPI</ac:parameter>'
        "</ac:structured-macro>"
    )
    root = page_of(api, api.create_page("KPI handbook", report))
    (table,) = root.xpath("//table[@class='report']")
    assert table.xpath("thead//th/text()") == ["KPI", "Status", "Owner"]
    assert table.xpath("tbody/tr/td[1]/a/text()") == ["KPI: Churn", "KPI: Revenue"]
    lozenges = table.xpath("tbody/tr/td[2]//span[@class='status']")
    assert [s.text for s in lozenges] == ["Off track", "On track"]
    assert "#FFEBE6" in lozenges[0].get("style")
    assert table.xpath("tbody/tr/td[3]//text()") == ["Bob", "Jane"]


def test_page_links_and_mentions_resolve_within_the_sandbox(api: Api, flavour: str) -> None:
    target = api.create_page("Team: Sales")
    ident = account_id("admin") if flavour == "cloud" else user_key("admin")
    attribute = "ri:account-id" if flavour == "cloud" else "ri:userkey"
    body = (
        '<p><ac:link><ri:page ri:content-title="Team: Sales" /></ac:link> owned by '
        f'<ac:link><ri:user {attribute}="{ident}" /></ac:link></p>'
    )
    root = page_of(api, api.create_page("Links", body))
    (link,) = root.xpath("//div[@class='page-body']//a")
    assert link.get("href") == f"/spaces/KPI/pages/{target['id']}"
    assert root.find_class("mention")[0].text == "@admin"


def test_the_apis_webui_link_opens_the_page_in_the_viewer(api: Api) -> None:
    page = api.create_page("Q3 / Q4: plans & targets")
    webui = page["_links"]["webui"]
    response = requests.get(api.base + webui, timeout=10)
    assert response.status_code == 200
    assert html(response).xpath("string(//h1)") == "Q3 / Q4: plans & targets"


def test_hostile_page_content_stays_text(api: Api) -> None:
    cell = f"<table><tbody><tr><td>{HOSTILE_XML}</td></tr></tbody></table>"
    body = status("Red", HOSTILE_XML) + cell
    page = api.create_page(HOSTILE, body)
    response = view(api.server, f"/spaces/KPI/pages/{page['id']}")
    csp = response.headers["Content-Security-Policy"]
    assert csp == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    root = html(response)
    assert not root.xpath("//script")
    assert root.xpath("string(//h1)") == HOSTILE
    assert root.xpath("string(//title)").startswith(HOSTILE)
    assert root.xpath("string(//div[@class='page-body']//td)") == HOSTILE
    assert root.find_class("status")[0].text == HOSTILE
    index = html(view(api.server, "/"))
    assert not index.xpath("//script")
    assert index.xpath("//ul[@class='tree']//a/text()").count(HOSTILE) == 1


@pytest.mark.parametrize(
    "path", ["/spaces/KPI/pages/999999", "/spaces/OTHER/pages/65537", "/nowhere", "/display/KPI/No"]
)
def test_unknown_page_is_a_404_html_page(api: Api, path: str) -> None:
    response = view(api.server, path)
    assert response.status_code == 404
    assert html(response).xpath("string(//h1)") == "Page not found"


def test_viewer_is_read_only(api: Api) -> None:
    response = requests.post(api.server.url + "/", timeout=10)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"


def test_viewer_is_off_when_the_control_surface_is_off(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = sandbox_factory(control=False)
    page = Api(server).create_page("Private")
    for path in ("/", f"/spaces/KPI/pages/{page['id']}"):
        response = view(server, path)
        assert response.status_code == 404
        assert not response.headers["Content-Type"].startswith("text/html")


def test_confluences_other_addresses_of_a_page_or_space_redirect_to_the_viewers(
    api: Api,
) -> None:
    page = api.create_page("Addressed")
    links = api.get(f"/rest/api/content/{page['id']}").json()["_links"]
    edit = links.get("edit") or links["editui"]
    shown = f"/spaces/KPI/pages/{page['id']}"
    attachments = f"/pages/viewpageattachments.action?pageId={page['id']}"
    for address, target in [
        (links["tinyui"], shown),
        (edit, shown),
        (attachments, shown),
        ("/spaces/KPI", "/#space-KPI"),
        ("/display/KPI", "/#space-KPI"),
    ]:
        response = requests.get(api.base + address, timeout=10, allow_redirects=False)
        assert response.status_code == 302, address
        assert response.headers["Location"] == target
    for unknown in ("/x/zzzz", "/pages/resumedraft.action?draftId=1", "/spaces/NOPE"):
        assert view(api.server, unknown).status_code == 404, unknown


def test_viewer_requests_are_counted_in_a_bucket_of_their_own(api: Api) -> None:
    page = api.create_page("Counted")
    api.control("POST", "/stats/reset")
    assert view(api.server, "/").status_code == 200
    assert view(api.server, f"/spaces/KPI/pages/{page['id']}").status_code == 200
    assert view(api.server, "/spaces/KPI/pages/999999").status_code == 404
    stats = api.control("GET", "/stats").json()
    assert stats["total"] == 3
    assert stats["by_route"] == {"GET (viewer)": 2, "GET (unmatched)": 1}
