"""The sandbox through atlassian-python-api 5.x (`cloud=False`: v1 paths, also under /wiki)."""

from __future__ import annotations

from pathlib import Path

from atlassian import Confluence

from .helpers import Api


def test_create_find_and_read_a_page(confluence: Confluence) -> None:
    created = confluence.create_page("KPI", "Lead time", "<p>3 days</p>")
    assert confluence.page_exists("KPI", "Lead time")
    found = confluence.get_page_by_title("KPI", "Lead time")
    assert [r["id"] for r in found["results"]] == [created["id"]]
    page = confluence.get_page_by_id(created["id"], expand="body.storage,version,ancestors,space")
    assert page["body"]["storage"]["value"] == "<p>3 days</p>"
    assert page["space"]["key"] == "KPI"


def test_update_page_goes_through_history_and_bumps_the_version(
    confluence: Confluence, api: Api
) -> None:
    created = confluence.create_page("KPI", "Cycle time", "<p>1</p>")
    api.control("POST", "/stats/reset")
    confluence.update_page(created["id"], "Cycle time", "<p>2</p>")
    routes = api.control("GET", "/stats").json()["by_route"]
    assert routes["GET /rest/api/content/{id}/history"] == 1
    assert routes["PUT /rest/api/content/{id}"] == 1
    assert confluence.get_page_by_id(created["id"], expand="version")["version"]["number"] == 2


def test_children_labels_and_properties(confluence: Confluence) -> None:
    parent = confluence.create_page("KPI", "Team", "<p>t</p>")
    child = confluence.create_page("KPI", "Member", "<p>m</p>", parent_id=parent["id"])
    assert [c["id"] for c in confluence.get_page_child_by_type(parent["id"])] == [child["id"]]
    confluence.set_page_label(child["id"], "kpi")
    assert [x["name"] for x in confluence.get_page_labels(child["id"])["results"]] == ["kpi"]
    confluence.set_page_property(child["id"], {"key": "memo", "value": {"v": 1}})
    confluence.update_page_property(
        child["id"], {"key": "memo", "value": {"v": 2}, "version": {"number": 2}}
    )
    assert confluence.get_page_property(child["id"], "memo")["value"] == {"v": 2}
    confluence.delete_page_property(child["id"], "memo")
    confluence.remove_page_label(child["id"], "kpi")
    assert confluence.get_page_labels(child["id"])["results"] == []


def test_cql_and_labels_search(confluence: Confluence) -> None:
    page = confluence.create_page("KPI", "Searchable", "<p>s</p>")
    confluence.set_page_label(page["id"], "kpi")
    hits = confluence.cql('type = page AND label = "kpi"')
    assert [r["content"]["id"] for r in hits["results"]] == [page["id"]]


def test_attach_file_and_remove_page(confluence: Confluence, tmp_path: Path) -> None:
    page = confluence.create_page("KPI", "Attached", "<p>a</p>")
    source = tmp_path / "kpi.csv"
    source.write_bytes(b"a,b\n")
    result = confluence.attach_file(str(source), page_id=page["id"])
    assert result["results"][0]["title"] == "kpi.csv"
    assert confluence.get_attachments_from_content(page["id"], filename="kpi.csv")["size"] == 1
    assert confluence.remove_page(page["id"]) == 204
    assert not confluence.page_exists("KPI", "Attached")


def test_spaces(confluence: Confluence) -> None:
    confluence.create_space("OPS", "Operations")
    space = confluence.get_space("OPS", expand="homepage")
    assert space["homepage"]["title"] == "Operations Home"
