"""The sync's summary names the SMART goals whose status changed, from what to what, as it
does the KPIs; the JSON report gives every goal's status with the one its page showed."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from .helpers import Cli, lower_november_uptime
from .test_sync_summary import SCHEMA

GOAL = "Keep monthly uptime at 99.5 % or more through 2027"


def test_summary_says_which_goals_changed_status_from_what_to_what(
    cli: Cli, catalog_dir: Path
) -> None:
    first = cli.sync()
    lower_november_uptime(catalog_dir / "ops.csv")  # its KPI: on track -> at risk

    run = cli.sync()

    assert first.code == 0, first.err
    assert f"  Goal: {GOAL}: new: on track" in first.out.splitlines()
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert f"  Goal: {GOAL}: on track → at risk" in lines
    assert not any("Goal: Win 30 deals" in line for line in lines)  # its status stayed
    assert "Goal: " not in cli.sync().out  # nothing changed since


def test_json_report_gives_each_goals_status_and_the_one_before(
    cli: Cli, catalog_dir: Path
) -> None:
    assert cli.sync().code == 0
    lower_november_uptime(catalog_dir / "ops.csv")

    report = cli.sync("--report", "json").json()

    jsonschema.validate(report, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert report["goals"] == [
        {
            "id": "reliable-platform",
            "title": GOAL,
            "status": "at_risk",
            "previous_status": "on_track",
        },
        {
            "id": "more-deals",
            "title": "Win 30 deals a month by the end of 2027",
            "status": report["goals"][1]["status"],
            "previous_status": report["goals"][1]["status"],
        },
    ]
