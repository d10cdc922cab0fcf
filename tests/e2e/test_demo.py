"""`confluence-kpi demo`, as a person runs it on a fresh machine: a process of its own, no
settings, the example catalog synced into a sandbox it starts itself, from every kind of
source a team meets. The values of the sources that are not plain files are checked against
the shipped data, computed here without the product's readers."""

from __future__ import annotations

import csv
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import yaml
from openpyxl import load_workbook

EXAMPLE_CATALOG = Path(__file__).resolve().parents[2] / "config" / "catalog.yaml"
DEMO_DATA = EXAMPLE_CATALOG.parent / "demo"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
EVERY_KIND = {"csv", "excel", "sql", "confluence_table", "jira", "static"}


def catalog() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(EXAMPLE_CATALOG.read_text(encoding="utf-8"))
    return loaded


def demo_command(*options: str) -> list[str]:
    return [sys.executable, "-m", "confluence_kpi", "demo", "--port", "0", *options]


def clean_environment() -> dict[str, str]:
    """No settings of the developer's (run in a working directory without a .env)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CONFLUENCE_", "KPI_", "DEMO_"))
    }
    return {**env, "PYTHONUNBUFFERED": "1"}


def test_demo_command_runs(tmp_path: Path) -> None:
    shown = catalog()
    pages = 1 + len(shown["teams"]) + len(shown["goals"]) + len(shown["kpis"])

    done = subprocess.run(
        demo_command(),
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"pages: {pages} created, 0 updated, 0 unchanged, 0 retired, 0 failed" in done.stdout
    assert re.search(r"Look at the pages: http://127\.0\.0\.1:\d+/", done.stdout)
    (sources,) = re.findall(r"^Sources: (.*)$", done.stdout, re.MULTILINE)
    assert set(re.findall(r"\d+ (\w+)", sources)) == EVERY_KIND
    for team in shown["teams"].values():
        # The summary table has a row per team (a long name wraps inside its cell).
        assert f"│ {team['name'].split()[0]}" in done.stdout
    assert not list(tmp_path.iterdir()), "the demo wrote into the working directory"


def test_demo_catalog_reads_every_kind_of_source() -> None:
    shown = catalog()
    kinds = {source["type"] for source in shown["sources"].values()}
    sources = shown["sources"]
    used = {sources[kpi["source"]]["type"] for kpi in shown["kpis"] if kpi.get("source") in sources}

    assert kinds >= EVERY_KIND
    assert used >= EVERY_KIND


class Pages:
    """The pages of the demo's sandbox, read through its REST API as admin."""

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url
        self._session = requests.Session()
        self._session.auth = ("admin", "admin")

    def text(self, title: str) -> str:
        """The page's text as a reader sees it: no markup, every kind of space one space."""
        answer = self._session.get(
            f"{self._base_url}/rest/api/content",
            params={"spaceKey": "KPI", "title": title, "expand": "body.storage"},
            timeout=10,
        )
        (page,) = answer.json()["results"]
        words = re.sub(r"<[^>]+>", " ", page["body"]["storage"]["value"])
        return re.sub(r"\s+", " ", words.replace("&nbsp;", " "))


@pytest.fixture(scope="module")
def demo_pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pages]:
    """The demo run with --keep-running, as its own process; stopped as a container is."""
    folder = tmp_path_factory.mktemp("demo")
    process = subprocess.Popen(
        demo_command("--keep-running"),
        cwd=folder,
        env=clean_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    guard = threading.Timer(120, process.kill)  # a hung demo fails the tests, not the run
    guard.start()
    try:
        assert process.stdout is not None
        said = []
        for line in process.stdout:
            said.append(line)
            if line.startswith("The sandbox keeps running"):
                break
        found = re.search(r"REST API: (http://127\.0\.0\.1:\d+)/rest/api", "".join(said))
        assert found, "".join(said)
        yield Pages(found[1])
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
        guard.cancel()


def test_every_kpi_page_of_the_demo_has_a_value(demo_pages: Pages) -> None:
    for kpi in catalog()["kpis"]:
        text = demo_pages.text(f"KPI: {kpi['name']}")
        assert "Data unavailable" not in text, kpi["id"]
        assert "could not be evaluated" not in text, kpi["id"]
        if kpi.get("source") != "page":  # typed on its page by HR: none yet in the demo
            assert "Current value no data" not in text, kpi["id"]


def test_buyer_satisfaction_is_the_workbooks_october_row(demo_pages: Pages) -> None:
    sheet = load_workbook(DEMO_DATA / "sales_survey.xlsx", read_only=True)["Tevredenheid"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=4, values_only=True)}
    _, answered, satisfied, _ = rows[datetime(2026, 10, 1)]
    expected = 100 * satisfied / answered  # type: ignore[operator]

    text = demo_pages.text("KPI: Buyer satisfaction")

    assert f"Current value {expected:.1f} % in October 2026" in text


def test_complaints_are_the_desk_logs_october_row(demo_pages: Pages) -> None:
    log = (DEMO_DATA / "support_desk_log.xml").read_text(encoding="utf-8")
    found = re.search(r'<time datetime="2026-10-01" /></p></td><td><p>(\d+)</p>', log)
    assert found

    text = demo_pages.text("KPI: Formal complaints")

    assert f"Current value {found[1]} complaints in October 2026" in text


def test_bug_resolution_time_is_the_median_of_novembers_bugs_in_jira(demo_pages: Pages) -> None:
    with (DEMO_DATA / "jira_bugs.csv").open(encoding="utf-8", newline="") as handle:
        bugs = list(csv.DictReader(handle))
    days = [
        (resolved - datetime.fromisoformat(bug["created"])).total_seconds() / 86400
        for bug in bugs
        if (resolved := datetime.fromisoformat(bug["resolutiondate"])).astimezone(AMSTERDAM)
        >= datetime(2026, 11, 1, tzinfo=AMSTERDAM)
    ]
    expected = statistics.median(days)

    text = demo_pages.text("KPI: Bug resolution time")

    assert f"Current value {expected:.1f} d so far in November 2026" in text


def test_support_csat_is_novembers_share_in_the_support_database(demo_pages: Pages) -> None:
    db = sqlite3.connect(":memory:")
    db.executescript((DEMO_DATA / "support.sql").read_text(encoding="utf-8"))
    (expected,) = db.execute(
        "SELECT 100.0 * sum(satisfied) / sum(surveyed) FROM tickets"
        " WHERE created_at >= '2026-11-01' AND created_at < '2026-11-28'"
    ).fetchone()

    text = demo_pages.text("KPI: Customer satisfaction (CSAT)")

    assert f"Current value {expected:.1f} % so far in November 2026" in text
