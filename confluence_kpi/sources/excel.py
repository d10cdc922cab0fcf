"""Excel workbooks as a source: the rows of one sheet under their header row, of a named table,
or of a range of cells, read with openpyxl in read-only mode, which streams the sheet.

Cells come as Excel saved them: numbers as numbers, cells formatted as dates as datetimes
(openpyxl converts the serial day numbers by the workbook's own epoch, 1900 or 1904), and
formulas as the values Excel calculated when it saved the file (`data_only`). What read-only
mode does not show, merged cells and whether a formula's value was saved, comes from
`workbook_parts`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from zipfile import BadZipFile, ZipFile

from openpyxl import load_workbook
from openpyxl.utils.cell import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet  # exported from nowhere else

from confluence_kpi.catalog import ExcelSourceConfig
from confluence_kpi.plain_errors import did_you_mean
from confluence_kpi.sources.csv_source import shown_path
from confluence_kpi.sources.dates import DateText
from confluence_kpi.sources.magic import LEGACY_WORKBOOK, workbook_format
from confluence_kpi.sources.table import SourceError, Table
from confluence_kpi.sources.workbook_parts import (
    Area,
    NamedTable,
    SheetScan,
    WorkbookParts,
    area_of,
)


@dataclass(frozen=True)
class SheetTable(Table):
    """Rows read from a sheet; a cell is named as Excel names it (cell C14)."""

    first_row: int = 1  # the sheet's row number of the first row
    first_column: int = 1  # the sheet's column number of the first column (1 is A)

    def where(self, row: int, column: int) -> str:
        """The cell's reference on the sheet, and its column's name."""
        cell = f"{get_column_letter(self.first_column + column)}{self.first_row + row}"
        return f"{self.origin}, cell {cell}, column {self.columns[column]!r}"


class ExcelSource:
    """Reads the configured sheet on each fetch; the query is ignored (KPIs pick columns)."""

    def __init__(self, name: str, config: ExcelSourceConfig) -> None:
        self._config = config
        self._origin = f"{name} ({shown_path(config.path)})"

    def fetch(self, query: str | None) -> Table:
        """The rows under the header, as Excel saved their values."""
        try:
            file = self._config.path.open("rb")
        except OSError as exc:
            raise SourceError(f"{self._origin}: cannot read the file: {exc.strerror}") from None
        # openpyxl warns about what it does not read (data validation, some styles), none of
        # which is data: a sync's output is no place for it.
        with file, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._check_format(file.read(8))
            file.seek(0)
            # Given the open file, openpyxl reads it whatever its name (a file name's ending
            # is all it checks on a path), and both readers read the same bytes.
            try:
                workbook = load_workbook(file, read_only=True, data_only=True)
                archive = ZipFile(file)
                parts = WorkbookParts(archive)
            except (BadZipFile, KeyError, InvalidFileException) as exc:
                raise SourceError(f"{self._origin}: the workbook cannot be read: {exc}") from None
            try:
                return self._read(workbook, parts)
            finally:
                workbook.close()
                archive.close()

    def _check_format(self, head: bytes) -> None:
        """A CSV file or an old .xls workbook is said to be one, not read as a broken .xlsx."""
        match workbook_format(head):
            case "xls":
                raise SourceError(f"{self._origin}: this is {LEGACY_WORKBOOK}")
            case None:
                raise SourceError(
                    f"{self._origin}: this is no Excel workbook (.xlsx): for CSV text, use "
                    "`type: csv`"
                )

    def _read(self, workbook: Workbook, parts: WorkbookParts) -> Table:
        """The table of the configured place: its header, its rows, and what Excel saved."""
        sheet, area = self._place(parts)
        origin = f"{self._origin}, sheet {sheet}"
        worksheet = workbook[sheet]
        if not isinstance(worksheet, ReadOnlyWorksheet):
            raise SourceError(f"{origin}: the sheet holds a chart, not cells")
        scan = parts.scan(sheet)
        # Merged cells across the header: Excel keeps a merged cell's value in its top left
        # cell and leaves the others empty, so a header cell inside a merged area takes the
        # area's value (a column title merged over two header rows names the column below).
        over_header = [m for m in scan.merged if m.first_row <= area.first_row <= (m.last_row or 0)]
        top = min([area.first_row, *(m.first_row for m in over_header)])
        left = min([area.first_column, *(m.first_column for m in over_header)])
        # The dimensions a sheet declares can reach row 1048576 where a whole column was
        # formatted; forgotten, the rows end with the last row the sheet holds.
        worksheet.reset_dimensions()
        cells = worksheet.iter_rows(top, area.last_row, left, area.last_column, values_only=True)
        window = _Window(top, left, [tuple(row) for row in cells])
        columns = _header(window, area, over_header)
        if not any(columns):
            raise SourceError(
                f"{origin}: row {area.first_row} names no columns: set header_row to the row "
                "that does"
            )
        rows = _data(window, area, len(columns))
        last_column = area.first_column + len(columns) - 1
        read = Area(area.first_row, area.first_column, area.first_row + len(rows), last_column)
        _check_saved_values(origin, scan, read)
        config = self._config
        return SheetTable(
            columns,
            rows,
            origin,
            decimal=config.decimal,
            thousands=config.thousands,
            dates=DateText(config.date_format, config.dayfirst),
            first_row=area.first_row + 1,
            first_column=area.first_column,
        )

    def _place(self, parts: WorkbookParts) -> tuple[str, Area]:
        """The sheet to read and the area of its header and rows: a table's own, the range,
        or everything from the header row down (columns as far as the header names them)."""
        config = self._config
        if config.table is not None:
            table = self._table(parts.tables(), config.table)
            bottom = (table.area.last_row or 0) - table.totals_rows
            return table.sheet, Area(
                table.area.first_row, table.area.first_column, bottom, table.area.last_column
            )
        sheet = self._sheet(list(parts.sheets))
        if config.range is not None:
            return sheet, area_of(config.range)
        return sheet, Area(config.header_row or 1, 1)

    def _sheet(self, names: list[str]) -> str:
        """The configured sheet's name: by name (as Excel, ignoring case), by position (1 is
        the first), or the first sheet."""
        wanted = self._config.sheet
        if wanted is None:
            return names[0]
        if isinstance(wanted, int):
            if wanted <= len(names):
                return names[wanted - 1]
            raise SourceError(
                f"{self._origin}: no sheet {wanted}: the workbook has {len(names)} "
                f"({', '.join(names)})"
            )
        found = [name for name in names if name.casefold() == wanted.casefold()]
        if found:
            return found[0]
        raise SourceError(
            f"{self._origin}: no sheet {wanted!r}{did_you_mean(wanted, names)}; "
            f"the sheets are: {', '.join(names)}"
        )

    def _table(self, tables: list[NamedTable], wanted: str) -> NamedTable:
        """The table named `wanted` (as Excel, ignoring case); it must have a header row."""
        found = [table for table in tables if table.name.casefold() == wanted.casefold()]
        if not found:
            names = [table.name for table in tables]
            there = f"the tables are: {', '.join(names)}" if names else "the workbook has no tables"
            raise SourceError(
                f"{self._origin}: no table {wanted!r}{did_you_mean(wanted, names)}; {there}"
            )
        if found[0].header_rows == 0:
            raise SourceError(
                f"{self._origin}, table {found[0].name}: the table has no header row to name "
                "its columns: turn it on in Excel (Table Design, Header Row)"
            )
        return found[0]

    def close(self) -> None:
        """Nothing to release: the workbook is closed after each read."""


@dataclass(frozen=True)
class _Window:
    """The cells read from a sheet: `rows[0][0]` is the cell at row `top`, column `left`;
    rows end where the sheet's cells end, so they may differ in length."""

    top: int
    left: int
    rows: list[tuple[object, ...]]

    def value(self, row: int, column: int) -> object:
        """The value of the cell at the sheet's `row` and `column`; None outside the window."""
        cells = self.rows[row - self.top] if 0 <= row - self.top < len(self.rows) else ()
        at = column - self.left
        return cells[at] if 0 <= at < len(cells) else None


def _header(window: _Window, area: Area, merged: list[Area]) -> tuple[str, ...]:
    """The column names on the area's first row, to its last column; in an area without one,
    to the last named column of the sheet."""
    row, last = area.first_row, area.last_column
    if last is None:
        held = window.rows[row - window.top] if row - window.top < len(window.rows) else ()
        last = max([window.left + len(held) - 1, *(m.last_column or 0 for m in merged)])
    names = []
    for column in range(area.first_column, last + 1):
        value = window.value(row, column)
        inside = [m for m in merged if m.first_column <= column <= (m.last_column or 0)]
        if value is None and inside:
            value = window.value(inside[0].first_row, inside[0].first_column)
        names.append("" if value is None else str(value).strip())
    while area.last_column is None and names and not names[-1]:
        names.pop()
    return tuple(names)


def _data(window: _Window, area: Area, width: int) -> tuple[tuple[object, ...], ...]:
    """The rows under the header, `width` cells each; empty rows at the end are left out."""
    start, blank = area.first_column - window.left, (None,) * width
    rows = [
        (cells[start : start + width] + blank)[:width]
        for cells in window.rows[area.first_row + 1 - window.top :]
    ]
    while rows and rows[-1] == blank:
        rows.pop()
    return tuple(rows)


def _check_saved_values(origin: str, scan: SheetScan, data: Area) -> None:
    """Refuse a sheet whose formulas were saved without their values.

    A program that does not calculate (openpyxl, some exporters) saves a formula without its
    value; read for values, such a cell is empty, and its row would silently be left out. One
    such cell among those read means the workbook was saved uncalculated: the sheet is refused
    rather than read with holes."""
    cell = next((c for c in scan.uncalculated if data.holds(c.row, c.column)), None)
    if cell is not None:
        formula = f"the formula ={cell.formula}" if cell.formula else "a formula"
        raise SourceError(
            f"{origin}, cell {get_column_letter(cell.column)}{cell.row}: {formula} was saved "
            "without its value: the workbook was saved by a program that does not calculate; "
            "open it in Excel (or LibreOffice) and save it again"
        )
