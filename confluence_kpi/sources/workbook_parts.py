"""What openpyxl's read-only mode leaves out of an .xlsx workbook, read from its XML parts:
where each sheet is, the named tables, a sheet's merged cells, and formulas saved without
their values.

Read-only mode streams a sheet's cells and nothing else, which is what keeps a large workbook
cheap to read; these few things are read here the same way, one streamed pass over the
sheet's XML, instead of loading the whole workbook into memory to reach them.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import IO
from zipfile import ZipFile

from lxml import etree

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL_ID = f"{{{_RELATIONSHIPS}}}id"
_OFFICE_DOCUMENT = f"{_RELATIONSHIPS}/officeDocument"
_TABLE = f"{_RELATIONSHIPS}/table"
# Entities are not expanded: a workbook is data from outside, and expanding them is how a few
# bytes of XML become gigabytes.
_PARSER = etree.XMLParser(resolve_entities=False)
_CELL = re.compile(r"([A-Z]+)([0-9]+)")


@dataclass(frozen=True)
class Area:
    """A rectangle of cells, by sheet row and column numbers (1 is row 1, column A), both ends
    included; `last_row` None reaches the sheet's last row, `last_column` None its last column."""

    first_row: int
    first_column: int
    last_row: int | None = None
    last_column: int | None = None

    def holds(self, row: int, column: int) -> bool:
        """Whether the cell at `row` and `column` lies in the area."""
        return self.first_row <= row <= (self.last_row or row) and self.first_column <= column <= (
            self.last_column or column
        )


@dataclass(frozen=True)
class NamedTable:
    """A table (Insert > Table in Excel): its name, its sheet, and where it is on the sheet."""

    name: str
    sheet: str
    area: Area
    header_rows: int  # 0 or 1: whether its first row names the columns
    totals_rows: int  # rows of totals at its bottom, which are no data


@dataclass(frozen=True)
class Uncalculated:
    """A formula cell saved without its value: `formula` is its text, "" for a shared one."""

    row: int
    column: int
    formula: str


@dataclass(frozen=True)
class SheetScan:
    """What one pass over a sheet's XML found: its merged areas, and its formula cells saved
    without a value, in the order of the sheet."""

    merged: tuple[Area, ...]
    uncalculated: tuple[Uncalculated, ...]


class WorkbookParts:
    """The package of one workbook, open until `close`."""

    def __init__(self, archive: ZipFile) -> None:
        self._archive = archive
        workbook = _target(_relations(archive, ""), _OFFICE_DOCUMENT) or "xl/workbook.xml"
        by_id = _relations(archive, workbook)
        root = etree.fromstring(archive.read(workbook), _PARSER)
        self.sheets = {
            str(sheet.get("name")): by_id[str(sheet.get(_REL_ID))][1]
            for sheet in root.iter(f"{_MAIN}sheet")
            if sheet.get(_REL_ID) in by_id
        }  # the part of each sheet, by name, in the workbook's order

    def tables(self) -> list[NamedTable]:
        """Every table of every sheet."""
        found = []
        for sheet, part in self.sheets.items():
            for kind, target in _relations(self._archive, part).values():
                if kind != _TABLE:
                    continue
                table = etree.fromstring(self._archive.read(target), _PARSER)
                found.append(
                    NamedTable(
                        name=str(table.get("displayName") or table.get("name")),
                        sheet=sheet,
                        area=area_of(str(table.get("ref"))),
                        header_rows=int(table.get("headerRowCount", "1")),
                        totals_rows=int(table.get("totalsRowCount", "0")),
                    )
                )
        return found

    def scan(self, sheet: str) -> SheetScan:
        """The sheet's merged areas and the formulas it holds without values, in one pass."""
        with self._archive.open(self.sheets[sheet]) as source:
            return _scan(source)


def area_of(reference: str) -> Area:
    """The area of an A1-style reference: `B3:F40`, or one cell, `C14`."""
    first, _, last = reference.upper().partition(":")
    top, left = cell_of(first)
    bottom, right = cell_of(last or first)
    return Area(top, left, bottom, right)


def cell_of(reference: str) -> tuple[int, int]:
    """The row and column of an A1-style cell reference (`C14` is row 14, column 3)."""
    found = _CELL.fullmatch(reference.replace("$", ""))
    if found is None:
        raise ValueError(f"{reference!r} is no cell reference")
    column = 0
    for letter in found[1]:
        column = column * 26 + ord(letter) - ord("A") + 1
    return int(found[2]), column


def _scan(source: IO[bytes]) -> SheetScan:
    merged, uncalculated = [], []
    tags = (f"{_MAIN}c", f"{_MAIN}mergeCell", f"{_MAIN}row")
    for _, element in etree.iterparse(source, tag=tags, resolve_entities=False):
        if element.tag == f"{_MAIN}mergeCell":
            merged.append(area_of(str(element.get("ref"))))
        elif element.tag == f"{_MAIN}row":
            # Its cells are seen: the row and those before it are dropped, so that a large
            # sheet is never held in memory.
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
        else:
            formula, value = element.find(f"{_MAIN}f"), element.find(f"{_MAIN}v")
            # A formula whose result is empty text is saved as type "str" with an empty value;
            # one saved by a program that does not calculate has no type and no value.
            saved = (value is not None and value.text) or element.get("t") == "str"
            if formula is not None and not saved and element.get("r"):
                row, column = cell_of(str(element.get("r")))
                uncalculated.append(Uncalculated(row, column, formula.text or ""))
    return SheetScan(tuple(merged), tuple(uncalculated))


def _relations(archive: ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """The relationships of the package's `part` ("" for the package itself): its targets'
    types and paths in the archive, by id."""
    folder, name = posixpath.split(part)
    path = posixpath.join(folder, "_rels", f"{name}.rels")
    if path not in archive.namelist():
        return {}
    found = {}
    for relation in etree.fromstring(archive.read(path), _PARSER):
        target = str(relation.get("Target"))
        if relation.get("TargetMode") == "External":
            continue
        # A target is relative to the part's folder, or absolute from the package's root.
        resolved = target[1:] if target.startswith("/") else posixpath.join(folder, target)
        found[str(relation.get("Id"))] = (str(relation.get("Type")), posixpath.normpath(resolved))
    return found


def _target(relations: dict[str, tuple[str, str]], kind: str) -> str | None:
    """The path of the first relationship of type `kind`."""
    return next((path for found, path in relations.values() if found == kind), None)
