"""What `sync` tells the admin who runs it: progress per page, the status changes in words,
the JSON report against its published schema, and `--as-of` in words people type."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from confluence_kpi.report_json import report_schema

from .helpers import Cli, lower_november_uptime

SCHEMA = Path(__file__).parents[2] / "docs" / "sync-report.schema.json"


def test_summary_says_which_kpis_changed_status_from_what_to_what(
    cli: Cli, catalog_dir: Path
) -> None:
    assert cli.sync().code == 0
    lower_november_uptime(catalog_dir / "ops.csv")

    run = cli.sync()

    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert "  Uptime: on track → at risk (97.00 % in November 2026)" in lines
    assert not any("Support tickets:" in line for line in lines)  # its status stayed


def test_progress_names_each_page_as_it_is_done_and_quiet_says_only_the_summary(
    cli: Cli,
) -> None:
    run = cli.sync("--log-format", "text")  # what a person sees; JSON: tests/e2e/test_logs.py
    quiet = cli.sync("--quiet")

    assert "sync: KPI: Uptime: created" in run.err.splitlines()
    assert quiet.err == ""
    assert quiet.out.splitlines() == [
        "pages: 0 created, 0 updated, 8 unchanged, 0 retired, 0 failed; 2 requests to Confluence"
    ]


def test_verbose_gives_every_kpis_verdict_and_why(cli: Cli) -> None:
    run = cli.sync("--verbose")

    assert "Verdicts:" in run.out
    assert any(
        line.startswith("  Uptime: on track, 99.90 % in November 2026.")
        for line in run.out.splitlines()
    )


def test_json_report_follows_its_published_schema(cli: Cli, catalog_dir: Path) -> None:
    assert cli.sync().code == 0
    lower_november_uptime(catalog_dir / "ops.csv")

    report = cli.sync("--report", "json").json()

    jsonschema.validate(report, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert report["schema_version"] == 2
    assert report["as_of"] == "2026-11-28T07:00:00Z"
    uptime = next(kpi for kpi in report["kpis"] if kpi["id"] == "uptime")
    assert (uptime["previous_status"], uptime["status"], uptime["value"]) == (
        "on_track",
        "at_risk",
        97.0,
    )
    assert report["kpis"][0]["id"] == "uptime"  # what needs attention comes first
    page = next(p for p in report["pages"] if p["id"] == "uptime")
    assert {"field": "Status", "before": "On track", "after": "At risk"} in page["changes"]


def test_published_schema_is_the_one_the_report_is_written_by() -> None:
    published = json.loads(SCHEMA.read_text(encoding="utf-8"))

    assert published == report_schema(), (
        "docs/sync-report.schema.json is out of date: write report_schema() into it, and bump "
        "SCHEMA_VERSION if a field was removed or renamed"
    )


@pytest.mark.parametrize("when", ["yesterday", "today", "2026-11-28", "2026-11-28T07:00+01:00"])
def test_as_of_takes_dates_date_times_and_words(cli: Cli, when: str) -> None:
    run = cli("sync", "--config", str(cli.catalog), "--as-of", when, "--dry-run")

    assert run.code in (0, 1), run.err  # evaluated; today's data may be stale (1)


def test_as_of_that_is_no_moment_says_what_to_write(
    cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli("sync", "--as-of", "last tuesday")

    assert exit_.value.code == 2
    assert "'yesterday'" in capsys.readouterr().err
