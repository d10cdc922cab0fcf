"""A source that stops answering: its KPIs' pages keep their last good values under a panel
saying since when and why, every other page syncs, the report names the reason and the exit
code is 1; once the source answers again the pages are brought up to date."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import SMALL_PAGES, Cli, Wiki

UPTIME = SMALL_PAGES["kpi uptime"].title
NEXT_DAY = "2026-11-29T07:00"


@pytest.mark.parametrize("site", ["dc", "cloud-v2"])
def test_a_failing_source_keeps_its_kpis_last_values_marked_until_it_answers(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    sheet = catalog_dir / "ops.csv"
    data = sheet.read_text(encoding="utf-8")
    assert cli.sync().code == 0
    sheet.unlink()

    failed = cli.sync("--report", "json")

    assert failed.code == 1, failed.out + failed.err
    report = failed.json()
    assert set(report["kpi_errors"]) == {"uptime", "tickets"}
    assert "ops.csv" in report["kpi_errors"]["uptime"]
    assert failed.actions()["kpi deals-won"] == "unchanged"
    body = wiki.body(UPTIME)
    assert "Data unavailable" in body
    assert "could not be read since 28 November 2026" in body
    assert "ops.csv" in body
    assert "99.90 % in November 2026" in body  # the last good value, kept
    assert 'ac:name="chart"' in body

    still = cli.sync("--report", "json", "--as-of", NEXT_DAY)  # a day later, still failing

    assert still.code == 1
    assert (still.actions()["kpi uptime"], still.actions()["kpi tickets"]) == (
        "unchanged",
        "unchanged",
    )
    assert "since 28 November 2026" in wiki.body(UPTIME)

    sheet.write_text(data, encoding="utf-8")
    back = cli.sync("--report", "json", "--as-of", NEXT_DAY)

    assert back.code == 0, back.out + back.err
    assert back.actions()["kpi uptime"] == "updated"
    body = wiki.body(UPTIME)
    assert "Data unavailable" not in body
    assert "99.90 % in November 2026" in body
