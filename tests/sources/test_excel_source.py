"""Excel sources on workbooks made in tmp_path with openpyxl: sheets, header rows, tables and
ranges; values as Excel saved them; and every problem named by source, file, sheet and cell."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zipfile import ZipFile
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.worksheet.table import Table as ExcelTable

from confluence_kpi.catalog import ExcelSourceConfig
from confluence_kpi.model import KpiDefinition
from confluence_kpi.sources import SourceError, Table, extract_series, open_source

JAN = [datetime(2026, 1, day) for day in (5, 6, 7)]


@pytest.fixture
def workbook_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "tickets.xlsx"


def save(workbook: Workbook, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def tickets_sheet(*rows: list[Any], title: str = "Data") -> Workbook:
    """A workbook whose one sheet, `title`, holds `rows` from row 1 on."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    return workbook


def read(path: Path, **options: Any) -> Table:
    """The table of an excel source named `tickets` with these options."""
    return open_source("tickets", ExcelSourceConfig(type="excel", path=path, **options)).fetch(None)


def refusal(path: Path, **options: Any) -> str:
    """What reading an excel source named `tickets` with these options fails with."""
    with pytest.raises(SourceError) as refused:
        read(path, **options)
    return str(refused.value)


def saved_by_excel(path: Path, values: dict[str, str], *, text: bool = False) -> None:
    """Give formula cells of the first sheet the values Excel saves with them (openpyxl saves
    none): `values` by cell, as text results (`t="str"`) when `text`."""
    with ZipFile(path) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    kind = ' t="str"' if text else ""
    for cell, value in values.items():
        pattern = rf'<c r="{cell}"([^>]*)>(<f>[^<]*</f>)<v\s*>\s*</v>'
        sheet, found = re.subn(pattern, rf'<c r="{cell}"\1{kind}>\2<v>{value}</v>', sheet)
        assert found == 1, f"no formula cell {cell} without a value"
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with ZipFile(path, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)


@pytest.fixture
def hours(make_kpi: Callable[..., KpiDefinition]) -> KpiDefinition:
    """A KPI of the sheets' `hours` by `date`."""
    return make_kpi(source="tickets", time_column="date", column="hours")


# --- where the rows are ---------------------------------------------------------------------


def test_rows_under_the_header_read_dates_and_numbers_as_excel_stores_them(
    workbook_path: Path, hours: KpiDefinition, zone: ZoneInfo
) -> None:
    save(tickets_sheet(["date", "hours"], [JAN[0], 2.5], [JAN[1], 3], [None, None]), workbook_path)

    table = read(workbook_path)
    series = extract_series(hours, table, zone=zone)

    assert table.columns == ("date", "hours")
    assert table.rows == ((JAN[0], 2.5), (JAN[1], 3))
    assert [(m.ts, m.value) for m in series] == [
        (datetime(2026, 1, 5, tzinfo=zone), 2.5),
        (datetime(2026, 1, 6, tzinfo=zone), 3),
    ]


def test_header_row_skips_the_title_rows_above_it_and_notes_right_of_the_header(
    workbook_path: Path,
) -> None:
    workbook = tickets_sheet(["Tickets per day, team Ops"], [], ["date", "hours"], [JAN[0], 2])
    sheet = workbook.active
    assert sheet is not None
    sheet["E4"] = "checked by Jan"
    save(workbook, workbook_path)

    table = read(workbook_path, header_row=3)

    assert (table.columns, table.rows) == (("date", "hours"), ((JAN[0], 2),))


def test_a_sheet_is_chosen_by_name_ignoring_case_or_by_position(workbook_path: Path) -> None:
    workbook = tickets_sheet(["summary"], [1], title="Summary")
    workbook.create_sheet("Data").append(["date"])
    save(workbook, workbook_path)

    assert read(workbook_path, sheet="data").columns == ("date",)
    assert read(workbook_path, sheet=2).columns == ("date",)
    assert read(workbook_path).columns == ("summary",)
    assert read(workbook_path, sheet="data").origin == f"tickets ({workbook_path}), sheet Data"


def test_an_unknown_sheet_names_the_sheets_there_are_with_a_suggestion(workbook_path: Path) -> None:
    workbook = tickets_sheet(["date"], title="Data")
    workbook.create_sheet("Summary")
    save(workbook, workbook_path)

    assert refusal(workbook_path, sheet="Dat") == (
        f"tickets ({workbook_path}): no sheet 'Dat' (did you mean 'Data'?); "
        "the sheets are: Data, Summary"
    )
    assert refusal(workbook_path, sheet=3) == (
        f"tickets ({workbook_path}): no sheet 3: the workbook has 2 (Data, Summary)"
    )


def test_a_named_table_reads_its_rows_without_its_totals_row(workbook_path: Path) -> None:
    workbook = tickets_sheet(["summary"], title="Summary")
    sheet = workbook.create_sheet("Log")
    for row in (["Ops log"], [], [None, "date", "hours"], [None, JAN[0], 2], [None, "Total", 2]):
        sheet.append(row)
    table = ExcelTable(displayName="OpsTickets", ref="B3:C5")
    table.totalsRowCount = 1
    sheet.add_table(table)
    save(workbook, workbook_path)

    found = read(workbook_path, table="opstickets")

    assert (found.columns, found.rows) == (("date", "hours"), ((JAN[0], 2),))
    assert found.where(0, 1) == f"tickets ({workbook_path}), sheet Log, cell C4, column 'hours'"


def test_an_unknown_table_names_the_tables_there_are(workbook_path: Path) -> None:
    workbook = tickets_sheet(["date", "hours"], [JAN[0], 2])
    sheet = workbook.active
    assert sheet is not None
    sheet.add_table(ExcelTable(displayName="Tickets", ref="A1:B2"))
    save(workbook, workbook_path)

    assert refusal(workbook_path, table="Ticket") == (
        f"tickets ({workbook_path}): no table 'Ticket' (did you mean 'Tickets'?); "
        "the tables are: Tickets"
    )


def test_a_table_without_a_header_row_is_refused_with_where_to_turn_it_on(
    workbook_path: Path,
) -> None:
    workbook = tickets_sheet([JAN[0], 2])
    sheet = workbook.active
    assert sheet is not None
    table = ExcelTable(displayName="Tickets", ref="A1:B1")
    table.headerRowCount = 0
    sheet.add_table(table)
    save(workbook, workbook_path)

    assert refusal(workbook_path, table="Tickets").startswith(
        f"tickets ({workbook_path}), table Tickets: the table has no header row"
    )


def test_a_range_reads_its_cells_with_its_first_row_as_the_header(workbook_path: Path) -> None:
    workbook = tickets_sheet(
        ["x", "x", "x", "x"],
        ["x", "date", "hours", "x"],
        ["x", JAN[0], 2, "x"],
        ["x", JAN[1], 3, "x"],
        ["x", "x", "x", "x"],
    )
    save(workbook, workbook_path)

    table = read(workbook_path, range="B2:C4")

    assert (table.columns, table.rows) == (("date", "hours"), ((JAN[0], 2), (JAN[1], 3)))
    assert table.where(1, 0) == f"tickets ({workbook_path}), sheet Data, cell B4, column 'date'"


def test_a_header_row_without_names_is_refused_with_the_option_to_set(workbook_path: Path) -> None:
    save(tickets_sheet(["Tickets"], [], ["date", "hours"]), workbook_path)

    assert refusal(workbook_path, header_row=2) == (
        f"tickets ({workbook_path}), sheet Data: row 2 names no columns: set header_row to the "
        "row that does"
    )


# --- values as Excel saved them -------------------------------------------------------------


def test_dates_of_a_1904_workbook_read_by_its_own_calendar(workbook_path: Path) -> None:
    workbook = tickets_sheet(["date", "hours"], [JAN[0], 1])
    workbook.epoch = CALENDAR_MAC_1904  # the serial day 0 is 1904-01-01, not 1899-12-30
    save(workbook, workbook_path)
    with ZipFile(workbook_path) as package:
        assert b'date1904="1"' in package.read("xl/workbook.xml")

    assert read(workbook_path).rows == ((JAN[0], 1),)


def test_a_header_cell_inside_merged_cells_takes_their_value(workbook_path: Path) -> None:
    workbook = tickets_sheet(["date", "tickets"], [None, "open", "closed"], [JAN[0], 4, 2])
    sheet = workbook.active
    assert sheet is not None
    sheet.merge_cells("A1:A2")  # "date" over both header rows
    sheet.merge_cells("B1:C1")  # "tickets" over open and closed
    save(workbook, workbook_path)

    assert read(workbook_path, header_row=2).columns == ("date", "open", "closed")
    assert read(workbook_path).columns == ("date", "tickets", "tickets")


def test_formulas_read_by_the_values_excel_saved_with_them(
    workbook_path: Path, hours: KpiDefinition, zone: ZoneInfo
) -> None:
    save(tickets_sheet(["date", "minutes", "hours"], [JAN[0], 90, "=B2/60"]), workbook_path)
    saved_by_excel(workbook_path, {"C2": "1.5"})

    (measurement,) = extract_series(hours, read(workbook_path), zone=zone)

    assert measurement.value == 1.5


def test_a_formula_whose_value_is_empty_text_is_an_empty_cell(workbook_path: Path) -> None:
    save(tickets_sheet(["date", "hours"], [JAN[0], '=IF(TRUE,"","x")']), workbook_path)
    saved_by_excel(workbook_path, {"B2": ""}, text=True)

    assert read(workbook_path).rows == ((JAN[0], None),)


def test_a_workbook_saved_without_formula_values_is_refused_naming_the_cell(
    workbook_path: Path,
) -> None:
    save(tickets_sheet(["date", "minutes", "hours"], [JAN[0], 90, "=B2/60"]), workbook_path)

    assert refusal(workbook_path) == (
        f"tickets ({workbook_path}), sheet Data, cell C2: the formula =B2/60 was saved without "
        "its value: the workbook was saved by a program that does not calculate; open it in "
        "Excel (or LibreOffice) and save it again"
    )


def test_bad_data_names_the_source_file_sheet_and_cell(
    workbook_path: Path, hours: KpiDefinition, zone: ZoneInfo
) -> None:
    rows = [[day, 1] for day in JAN] + [[datetime(2026, 1, 8), "n/a"]]
    save(tickets_sheet(["x"], ["date", "hours"], *rows), workbook_path)

    with pytest.raises(SourceError) as refused:
        extract_series(hours, read(workbook_path, header_row=2), zone=zone)

    assert str(refused.value) == (
        f"tickets ({workbook_path}), sheet Data, cell B6, column 'hours': 'n/a' is not a number"
    )


def test_text_cells_read_with_the_text_options_of_csv(
    workbook_path: Path, hours: KpiDefinition, zone: ZoneInfo
) -> None:
    save(tickets_sheet(["date", "hours"], ["05-01-2026", "1.234,5"]), workbook_path)

    table = read(workbook_path, dayfirst=True, decimal=",", thousands=".")
    (measurement,) = extract_series(hours, table, zone=zone)

    assert (measurement.ts, measurement.value) == (datetime(2026, 1, 5, tzinfo=zone), 1234.5)


# --- files that are no workbook -------------------------------------------------------------


def test_a_csv_file_given_as_excel_is_said_to_be_text(workbook_path: Path) -> None:
    workbook_path.parent.mkdir(parents=True)
    workbook_path.write_text("date,hours\n2026-01-05,1\n", encoding="utf-8")

    assert refusal(workbook_path) == (
        f"tickets ({workbook_path}): this is no Excel workbook (.xlsx): for CSV text, use "
        "`type: csv`"
    )


def test_an_old_xls_workbook_is_refused_with_the_way_out(workbook_path: Path) -> None:
    path = workbook_path.with_suffix(".xls")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))

    assert refusal(path) == (
        f"tickets ({path}): this is an Excel 97-2003 workbook (.xls), which cannot be read: "
        "save it as .xlsx"
    )


def test_a_missing_workbook_names_the_path(workbook_path: Path) -> None:
    assert refusal(workbook_path) == (
        f"tickets ({workbook_path}): cannot read the file: No such file or directory"
    )


def test_a_workbook_is_read_whatever_its_file_name_ends_with(workbook_path: Path) -> None:
    path = save(tickets_sheet(["date", "hours"], [JAN[0], 2]), workbook_path.with_suffix(".dat"))

    assert read(path).rows == ((JAN[0], 2),)
