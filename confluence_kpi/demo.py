"""`confluence-kpi demo`: the example catalog synced into a local sandbox, on a fresh machine.

Needs no settings and no Confluence: it starts a sandbox, syncs the example catalog
(`config/catalog.yaml`, shipped in the package with its demo data), prints what it wrote and
where to look. The catalog reads every kind of source; for those that are not files, the demo
sets up what a team would have (`demo_sources`): SQLite databases loaded from the shipped SQL
scripts into a temporary folder, a Jira stand-in serving the shipped bugs, and the page with
the table the helpdesk keeps by hand. Nothing is written into the package.
"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from rich.table import Table

from confluence_kpi.catalog import Catalog, ConfluenceTableConfig, JiraSourceConfig
from confluence_kpi.confluence.protocol import ConfluenceApi
from confluence_kpi.model import Status
from confluence_kpi.report import SyncReport, console_for, summary
from confluence_kpi.runner import Setup, gateway_for, load_setup, sync_once
from confluence_kpi.sandbox import SandboxConfig, SandboxServer
from confluence_kpi.sandbox.jira_standin import Issue, JiraStandIn
from confluence_kpi.settings import load_settings
from confluence_kpi.shipped import EXAMPLE_DIR

DEMO_CATALOG = EXAMPLE_DIR / "catalog.yaml"
# The demo data ends the day before this moment (config/demo/generate.py), so the demo
# evaluates as of then: run on any later day, it still shows the same, current-looking pages.
DEMO_AS_OF = datetime(2026, 11, 28, 7, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
_SANDBOX_USER = {"CONFLUENCE_USERNAME": "admin", "CONFLUENCE_API_TOKEN": "admin"}
DEMO_DATA = EXAMPLE_DIR / "demo"
# The variable naming each SQL source's database, and the shipped script that builds it.
DATABASES = {"DEMO_SUPPORT_DB_URL": "support.sql", "DEMO_ENGINEERING_DB_URL": "engineering.sql"}
JIRA_BUGS = DEMO_DATA / "jira_bugs.csv"
# The variable the catalog's jira source reads its token from, and the stand-in's one user.
JIRA_TOKEN = ("DEMO_JIRA_TOKEN", "demo-jira-token")
JIRA_USER = "kpi-bot"
# The pages a confluence_table source reads, by title: the storage-format body each starts with.
TEAM_PAGES = {"Support desk log": DEMO_DATA / "support_desk_log.xml"}


def run_demo(*, port: int, keep_running: bool, out: TextIO) -> int:
    """Starts a sandbox on `port`, syncs the example catalog into it and reports; the exit code."""
    console = console_for(out)
    with SandboxServer(SandboxConfig(port=port)) as server:
        settings = load_settings({"CONFLUENCE_URL": server.base_url, **_SANDBOX_USER})
        gateway = gateway_for(settings, server.base_url)
        console.print(
            f"Syncing {_shown(DEMO_CATALOG)} into a sandbox at {server.base_url} "
            f"(as of {DEMO_AS_OF:%Y-%m-%d %H:%M %Z})"
        )
        with demo_sources(load_setup(DEMO_CATALOG, settings).catalog, gateway) as catalog:
            console.print(f"Sources: {_sources_line(catalog)}")
            setup = Setup(catalog=catalog, gateway=gateway)
            report = sync_once(setup, now=DEMO_AS_OF)
        console.print(_status_table(setup, report))
        console.print(summary(report))
        console.print(f"Look at the pages: {server.url}/  (REST API: {server.base_url}/rest/api)")
        if keep_running:
            console.print("The sandbox keeps running; Ctrl-C stops it.")
            _wait_for_interrupt()
    return report.exit_code


@contextmanager
def demo_sources(catalog: Catalog, pages: ConfluenceApi) -> Iterator[Catalog]:
    """What the example catalog's sources read, set up for as long as the block runs: its
    SQLite databases built in a temporary folder (their URLs in the variables its sql sources
    name), a Jira stand-in for its jira sources (the catalog given back points them at it,
    its token in the variable they name), and the pages its confluence_table sources read,
    created through `pages` when missing. The variables are set for this process only, and
    put back as they were afterwards."""
    jira_standin = JiraStandIn(
        _bugs(), username=JIRA_USER, password=JIRA_TOKEN[1], zone=catalog.zone
    )
    with tempfile.TemporaryDirectory(prefix="confluence-kpi-demo-") as folder, jira_standin as jira:
        urls = {name: _database(Path(folder), script) for name, script in DATABASES.items()}
        sources = {
            name: config.model_copy(update={"url": jira.url})
            if isinstance(config, JiraSourceConfig)
            else config
            for name, config in catalog.sources.items()
        }
        for config in catalog.sources.values():
            if isinstance(config, ConfluenceTableConfig) and config.title in TEAM_PAGES:
                _team_page(pages, str(config.space), config.title)
        with _variables({**urls, JIRA_TOKEN[0]: JIRA_TOKEN[1]}):
            yield catalog.model_copy(update={"sources": sources})


def _database(folder: Path, script: str) -> str:
    """A SQLite database in `folder` built by the shipped SQL `script`; its URL."""
    path = folder / Path(script).with_suffix(".sqlite")
    with closing(sqlite3.connect(path)) as db:
        db.executescript((DEMO_DATA / script).read_text(encoding="utf-8"))  # commits itself
    return f"sqlite:///{path}"


def _bugs() -> list[Issue]:
    """The bugs of the Jira stand-in, from the shipped export."""
    with JIRA_BUGS.open(encoding="utf-8", newline="") as handle:
        return [
            Issue(
                row["key"],
                datetime.fromisoformat(row["created"]),
                datetime.fromisoformat(row["resolutiondate"]) if row["resolutiondate"] else None,
            )
            for row in csv.DictReader(handle)
        ]


def _team_page(pages: ConfluenceApi, space: str, title: str) -> None:
    """The page a team keeps by hand, made as a person makes it (no label, no property of
    the bot's), unless the space has it already."""
    if pages.find_page(space, title, expand=()) is None:
        body = TEAM_PAGES[title].read_text(encoding="utf-8")
        pages.create_page(space, title, body, parent_id=None, labels=(), properties={})


@contextmanager
def _variables(values: Mapping[str, str]) -> Iterator[None]:
    """These environment variables set for the block, then as they were."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _sources_line(catalog: Catalog) -> str:
    """The kinds of source the catalog reads, and how many of each."""
    kinds = Counter(str(config.type) for config in catalog.sources.values())
    return ", ".join(f"{count} {kind}" for kind, count in kinds.items())


def _status_table(setup: Setup, report: SyncReport) -> Table:
    """KPIs per team and status, the way the team pages count them."""
    table = Table(title="KPIs by team and status")
    table.add_column("team")
    statuses = [s for s in Status if any(v == s for v in report.kpi_status.values())]
    for status in statuses:
        table.add_column(status.value.replace("_", " "), justify="right")
    for team_id, team in setup.catalog.teams.items():
        counts = Counter(report.kpi_status[k.id] for k in setup.catalog.kpis if k.team == team_id)
        table.add_row(team.name, *(str(counts[s]) if counts[s] else "" for s in statuses))
    return table


def _wait_for_interrupt() -> None:
    """Blocks until Ctrl-C or SIGTERM (a container stopping)."""
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def _shown(path: Path) -> Path:
    """The path relative to the working directory when it lies under it, else as it is."""
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
