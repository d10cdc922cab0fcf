"""`confluence-kpi demo`: the example catalog synced into a local sandbox, on a fresh machine.

Needs no settings and no Confluence: it starts a sandbox, syncs the example catalog
(`config/catalog.yaml`, shipped in the package with its demo data), prints what it wrote and
where to look.
"""

from __future__ import annotations

import signal
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from rich.table import Table

from confluence_kpi.model import Status
from confluence_kpi.report import SyncReport, console_for, summary
from confluence_kpi.runner import Setup, gateway_for, load_setup, sync_once
from confluence_kpi.sandbox import SandboxConfig, SandboxServer
from confluence_kpi.settings import load_settings
from confluence_kpi.shipped import EXAMPLE_DIR

DEMO_CATALOG = EXAMPLE_DIR / "catalog.yaml"
# The demo data ends the day before this moment (config/demo/generate.py), so the demo
# evaluates as of then: run on any later day, it still shows the same, current-looking pages.
DEMO_AS_OF = datetime(2026, 11, 28, 7, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
_SANDBOX_USER = {"CONFLUENCE_USERNAME": "admin", "CONFLUENCE_API_TOKEN": "admin"}


def run_demo(*, port: int, keep_running: bool, out: TextIO) -> int:
    """Starts a sandbox on `port`, syncs the example catalog into it and reports; the exit code."""
    console = console_for(out)
    with SandboxServer(SandboxConfig(port=port)) as server:
        settings = load_settings({"CONFLUENCE_URL": server.base_url, **_SANDBOX_USER})
        setup = Setup(
            catalog=load_setup(DEMO_CATALOG, settings).catalog,
            gateway=gateway_for(settings, server.base_url),
        )
        console.print(
            f"Syncing {_shown(DEMO_CATALOG)} into a sandbox at {server.base_url} "
            f"(as of {DEMO_AS_OF:%Y-%m-%d %H:%M %Z})"
        )
        report = sync_once(setup, now=DEMO_AS_OF)
        console.print(_status_table(setup, report))
        console.print(summary(report))
        console.print(f"Look at the pages: {server.url}/  (REST API: {server.base_url}/rest/api)")
        if keep_running:
            console.print("The sandbox keeps running; Ctrl-C stops it.")
            _wait_for_interrupt()
    return report.exit_code


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
