"""The file sources a team's own exports need, through `validate` and `sync`: Dutch CSV
exports, one a month, and an Excel workbook measured onto their KPI pages; a bad cell failing
its KPI by file and line; a misspelled option named with the options there are."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from .helpers import Cli, Wiki, add_kpi, row

EXPORTS = (
    'exports: {type: csv, path: "exports/tickets-*.csv", delimiter: ";", decimal: ",", '
    'thousands: ".", dayfirst: true}'
)
HANDLED = """\
  - id: handled-hours
    name: Handled hours
    team: ops
    unit: h
    decimals: 1
    direction: increase
    grain: month
    aggregation: sum
    source: exports
    time_column: datum
    column: uren
"""
WORKBOOK = "deals_book: {type: excel, path: deals.xlsx, sheet: Log, header_row: 2}"
OFFERS = """\
  - id: offers
    name: Offers sent
    team: sales
    unit: offers
    decimals: 0
    direction: increase
    grain: month
    aggregation: sum
    source: deals_book
    time_column: date
    column: offers
"""


def write_exports(catalog_dir: Path) -> None:
    """October's and November's ticket exports, as the Dutch team's tool writes them."""
    exports = catalog_dir / "exports"
    exports.mkdir()
    (exports / "tickets-2026-10.csv").write_bytes(
        "\ufeffdatum;uren\r\n06-10-2026;1.000,0\r\n".encode()
    )
    (exports / "tickets-2026-11.csv").write_bytes(
        "\ufeffdatum;uren\r\n05-11-2026;1.200,5\r\n12-11-2026;0,5\r\n".encode()
    )


def write_workbook(catalog_dir: Path) -> None:
    """A workbook whose sheet Log has a title row, then the offers sent per day."""
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = "Summary"
    log = workbook.create_sheet("Log")
    log.append(["Offers, team Sales"])
    log.append(["date", "offers"])
    for day, offers in ((datetime(2026, 10, 6), 12), (datetime(2026, 11, 3), 7)):
        log.append([day, offers])
    workbook.save(catalog_dir / "deals.xlsx")


@pytest.mark.parametrize("flavour", ["dc"], indirect=True)
def test_dutch_monthly_exports_and_a_workbook_are_measured_onto_their_pages(
    cli: Cli, wiki: Wiki, catalog: Path, catalog_dir: Path
) -> None:
    write_exports(catalog_dir)
    write_workbook(catalog_dir)
    add_kpi(catalog, EXPORTS, HANDLED)
    add_kpi(catalog, WORKBOOK, OFFERS)

    run = cli.sync("--report", "json")

    assert run.code == 0, run.out + run.err
    hours = wiki.body("KPI: Handled hours")
    assert row(hours, "Current value").startswith("<p>1,201.0 h so far in November 2026")
    assert "the spreadsheet tickets-*.csv" in hours
    offers = wiki.body("KPI: Offers sent")
    assert row(offers, "Current value") == "<p>7 offers in November 2026</p>"
    assert "the Excel workbook deals.xlsx" in offers


@pytest.mark.parametrize("flavour", ["dc"], indirect=True)
def test_a_bad_cell_in_one_months_export_fails_its_kpi_naming_the_file_and_line(
    cli: Cli, catalog: Path, catalog_dir: Path
) -> None:
    write_exports(catalog_dir)
    november = catalog_dir / "exports" / "tickets-2026-11.csv"
    november.write_bytes(november.read_bytes().replace(b";0,5", b";half"))
    add_kpi(catalog, EXPORTS, HANDLED)

    run = cli.sync("--report", "json")

    assert run.code == 1, run.out + run.err
    assert run.json()["kpi_errors"]["handled-hours"] == (
        "exports (catalog/exports/tickets-2026-11.csv), line 3, column 'uren': "
        "'half' is not a number"
    )


@pytest.mark.parametrize("flavour", ["dc"], indirect=True)
def test_validate_names_a_misspelled_option_with_the_options_of_its_source_type(
    cli: Cli, catalog: Path, catalog_dir: Path
) -> None:
    write_workbook(catalog_dir)
    add_kpi(catalog, WORKBOOK.replace("header_row", "headerrow"), OFFERS)

    run = cli("validate", "--config", str(catalog))

    assert run.code == 2, run.out + run.err
    assert (
        "sources 'deals_book': unknown field 'headerrow' (did you mean 'header_row'?); "
        "a source of type excel takes date_format, dayfirst, decimal, header_row, path, range, "
        "sheet, table, thousands, type"
    ) in run.out
