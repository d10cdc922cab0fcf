"""Data that cannot be right is refused where it is read, or shown as a data warning: on the
KPI's page, in the run's report (text and JSON), and in the exit code. Never a silent guess."""

from __future__ import annotations

from pathlib import Path

from .helpers import SMALL_PAGES, Cli, Wiki, add_kpi, row, set_csv_value

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


CONVERSION = """\
  - id: conversion
    name: Conversion
    team: sales
    unit: "%"
    scale: 100
    decimals: 1
    direction: increase
    grain: month
    aggregation: ratio
    source: leads_sheet
    time_column: day
    numerator: won
    denominator: leads
"""
CONVERSION_PAGE = "KPI: Conversion"


def test_a_negative_denominator_leaves_its_period_without_a_value_and_warns(
    cli: Cli, wiki: Wiki, catalog: Path, catalog_dir: Path
) -> None:
    add_kpi(catalog, "leads_sheet: {type: csv, path: leads.csv}", CONVERSION)
    (catalog_dir / "leads.csv").write_text(
        "day,won,leads\n"
        "2026-10-05,5,20\n"
        "2026-10-12,5,20\n"
        "2026-11-02,5,20\n"
        "2026-11-09,5,-30\n",  # a correction row gone wrong: November's leads add up to -10
        encoding="utf-8",
    )

    run = cli.sync("--report", "json")

    assert run.code == 1, run.out + run.err
    report = run.json()
    assert report["kpi_errors"] == {}
    [warning] = report["data_warnings"]
    assert (warning["kpi"], warning["code"]) == ("conversion", "negative_denominator")
    assert warning["values"] == {
        "period": "2026-11",
        "start": "2026-11-01",
        "total": "-10",
        "rows": "1",
    }
    assert "2026-11" in warning["message"]
    body = wiki.body(CONVERSION_PAGE)
    assert "the denominator adds up to -10" in body
    assert "−" not in row(body, "Current value")  # October's 25.0 %, never a negative share
    assert "25.0 %" in row(body, "Current value")
    text = cli.sync()
    assert text.code == 1
    assert "KPI conversion: data warning: 2026-11: the denominator adds up to -10" in text.out
    assert "1 KPI(s) with data warnings" in text.out


def test_a_period_whose_sum_overflows_is_a_data_warning_not_dropped_silently(
    cli: Cli, wiki: Wiki, catalog: Path, catalog_dir: Path
) -> None:
    add_kpi(
        catalog,
        "volume_sheet: {type: csv, path: volume.csv}",
        CONVERSION.replace("aggregation: ratio", "aggregation: sum")
        .replace("source: leads_sheet", "source: volume_sheet")
        .replace("    numerator: won\n    denominator: leads\n", "    column: volume\n"),
    )
    (catalog_dir / "volume.csv").write_text(
        "day,volume\n2026-10-05,1\n2026-11-02,1e308\n2026-11-09,1e308\n", encoding="utf-8"
    )

    run = cli.sync("--report", "json")

    assert run.code == 1, run.out + run.err
    [warning] = run.json()["data_warnings"]
    assert (warning["kpi"], warning["code"], warning["values"]) == (
        "conversion",
        "overflow",
        {"period": "2026-11", "start": "2026-11-01"},
    )
    # The page names the period in words.
    assert "November 2026: the values are too large to compute with" in wiki.body(CONVERSION_PAGE)


def test_a_row_dated_years_ahead_is_a_data_warning_and_one_just_ahead_a_note(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    ops = catalog_dir / "ops.csv"
    ops.write_text(
        ops.read_text(encoding="utf-8") + "2026-12-01,99.9,80\n2031-11-01,99.9,80\n",
        encoding="utf-8",
    )

    run = cli.sync("--report", "json")

    assert run.code == 1, run.out + run.err
    warnings = {(w["kpi"], w["code"]): w["values"] for w in run.json()["data_warnings"]}
    expected = {"date": "2031-11-01", "count": "1"}
    assert warnings == {("uptime", "far_ahead"): expected, ("tickets", "far_ahead"): expected}
    body = wiki.body(UPTIME)
    assert "1 measurement(s) dated 1 November 2031 or later" in body
    assert "1 measurement(s) dated after this evaluation were left out" in body  # December's
    ops.write_text(ops.read_text(encoding="utf-8").replace("2031-11-01", "2026-11-01"), "utf-8")
    assert cli.sync().code == 0
