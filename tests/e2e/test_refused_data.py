"""Data that cannot be right is refused where it is read, or shown as a data warning: on the
KPI's page, in the run's report (text and JSON), and in the exit code. Never a silent guess."""

from __future__ import annotations

from pathlib import Path

from .helpers import SMALL_PAGES, Cli, Wiki, set_csv_value

UPTIME = SMALL_PAGES["kpi uptime"].title


def test_excel_serial_dates_in_a_csv_time_column_fail_the_kpi_with_a_way_out(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    set_csv_value(catalog_dir / "ops.csv", "2026-10-01", "month", "46296")  # Excel's 2026-10-01

    run = cli.sync("--report", "json")

    assert run.code == 1
    errors = run.json()["kpi_errors"]
    assert set(errors) == {"uptime", "tickets"}
    assert (
        "ops.csv), line 11, column 'month': '46296' looks like an Excel serial day number "
        "(2026-10-01 in Excel), not a date"
    ) in errors["uptime"]
    assert "Excel serial day number" in wiki.body(UPTIME)
