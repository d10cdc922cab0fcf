"""A KPI read from a table on a Confluence page that people edit, end to end: the page made
through the REST API as a person makes it, `sync` reading it through the bot's own gateway
(v1 or v2, as the site speaks), a person's edit of a cell showing in the next sync."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from confluence_kpi.sandbox import SandboxServer, UserSpec

from .conftest import SandboxFactory
from .helpers import ADMIN, PROPERTY, SPACE, Cli, Wiki, edit_catalog, replace_once

FIGURES = "Ops figures"
# Uptime per month as a team keeps it: a heading row in <th>, cells in paragraphs, a status
# lozenge and a link in a column no KPI reads, a non-breaking space before the unit.
FIGURES_BODY = (
    "<p>The team's own numbers. Edit the table; the KPI pages follow.</p>"
    "<table><tbody><tr><th><p>Month</p></th><th><p>Uptime</p></th><th><p>State</p></th></tr>"
    + "".join(
        f"<tr><td><p>2026-{month:02}-01</p></td><td><p>99.9</p></td><td><p>"
        '<ac:structured-macro ac:name="status"><ac:parameter ac:name="title">OK'
        "</ac:parameter></ac:structured-macro></p></td></tr>"
        for month in range(1, 11)
    )
    + '<tr><td><p><time datetime="2026-11-01" /></p></td><td><p>99.95&nbsp;%</p></td>'
    '<td><p><a href="https://status.example.org/">incident log</a></p></td></tr>'
    "</tbody></table>"
)
# The bot's own login, its token unique to this module: searched for in everything it shows.
BOT = ("kpi-bot", "tok-5f9c2e61-table-source-secret")
# How each REST API lists a space's pages by title: the request that finds the team's page.
BY_TITLE = {"v1": "GET /rest/api/content", "v2": "GET /api/v2/pages"}


@pytest.fixture
def sandbox(sandbox_factory: SandboxFactory, flavour: str) -> SandboxServer:
    """The test's sandbox, where the bot may also log in with its own token."""
    return sandbox_factory(flavour=flavour, users=[UserSpec(*ADMIN), UserSpec(*BOT)])


def read_uptime_from_the_page(catalog: Path) -> None:
    """The small catalog with its uptime KPI read from the team's page, not from ops.csv."""
    edit_catalog(
        catalog,
        "  manual: {type: static}\n",
        "  manual: {type: static}\n"
        f"  ops_page: {{type: confluence_table, space: KPI, title: {FIGURES}, table: Uptime}}\n",
    )
    edit_catalog(
        catalog,
        "    source: ops_sheet\n    time_column: month\n    column: uptime\n",
        "    source: ops_page\n    time_column: Month\n    column: Uptime\n",
    )


def test_cell_edited_on_the_page_changes_the_kpi(cli: Cli, wiki: Wiki, catalog: Path) -> None:
    read_uptime_from_the_page(catalog)
    wiki.create(FIGURES, FIGURES_BODY)
    wiki.reset_stats()

    first = cli.sync("--report", "json")

    assert first.code == 0, first.out + first.err
    assert wiki.routes()[BY_TITLE[wiki.api]] == 1  # one read, by the bot's own API
    assert "99.95 % in November 2026" in wiki.body("KPI: Uptime")
    assert "the table on the Confluence page Ops figures" in wiki.body("KPI: Uptime")

    wiki.edit(FIGURES, lambda body: replace_once(body, "99.95", "97"))
    second = cli.sync("--report", "json")

    assert second.code == 0, second.out + second.err
    assert second.actions()["kpi uptime"] == "updated"
    assert (first.json()["kpi_status"]["uptime"], second.json()["kpi_status"]["uptime"]) == (
        "on_track",
        "at_risk",
    )
    assert "97.00 % in November 2026" in wiki.body("KPI: Uptime")


@pytest.mark.parametrize("site", ["dc", "cloud-v2"])
def test_check_sources_reads_the_page_through_the_bots_connection(
    cli: Cli, wiki: Wiki, catalog: Path
) -> None:
    read_uptime_from_the_page(catalog)

    missing = cli("validate", "--config", str(catalog), "--check-sources")

    assert missing.code == 1, missing.out + missing.err
    assert missing.out.splitlines()[-2:] == [
        f"ops_page: no page titled '{FIGURES}' in KPI",
        "1 of 3 sources failed",
    ]

    wiki.create(FIGURES, FIGURES_BODY)
    wiki.reset_stats()
    found = cli("validate", "--config", str(catalog), "--check-sources")

    assert found.code == 0, found.out + found.err
    assert found.out.splitlines()[-1] == "sources OK: 3 sources read"
    assert wiki.writes() == {}


def test_the_bots_secret_shows_nowhere_when_a_table_cannot_be_read(
    cli: Cli, wiki: Wiki, catalog: Path, caplog: pytest.LogCaptureFixture
) -> None:
    read_uptime_from_the_page(catalog)
    edit_catalog(  # tickets from a page that does not exist: an error on its page and report
        catalog,
        "    source: ops_sheet\n    time_column: month\n    column: tickets\n",
        "    source: lost_page\n    time_column: Month\n    column: Tickets\n",
    )
    edit_catalog(
        catalog,
        "  manual: {type: static}\n",
        "  manual: {type: static}\n  lost_page: {type: confluence_table, page_id: 999999}\n",
    )
    wiki.create(FIGURES, FIGURES_BODY)
    cli.env(CONFLUENCE_USERNAME=BOT[0], CONFLUENCE_API_TOKEN=BOT[1])
    caplog.set_level(logging.DEBUG)

    runs = [
        cli.sync(),
        cli.sync("--report", "json"),
        cli("validate", "--config", str(catalog), "--check-sources"),
    ]

    assert [run.code for run in runs] == [1, 1, 1]
    assert (
        "lost_page (page 999999): page 999999 not found" in runs[1].json()["kpi_errors"]["tickets"]
    )
    pages = wiki.get(
        "/rest/api/content",
        spaceKey=SPACE,
        limit=200,
        expand=f"body.storage,version,metadata.labels,metadata.properties.{PROPERTY}",
    )
    assert "page 999999 not found" in json.dumps(pages)
    shown = [run.out + run.err for run in runs] + [caplog.text, json.dumps(pages)]
    assert not [text for text in shown if BOT[1] in text]
