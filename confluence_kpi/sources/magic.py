"""What a data file is, told by its first bytes: an Excel workbook, whatever its name says."""

from __future__ import annotations

from typing import Literal

# An .xlsx (or .xlsm) workbook is a ZIP archive; an .xls one (Excel 97-2003) an OLE2 file.
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
LEGACY_WORKBOOK = "an Excel 97-2003 workbook (.xls), which cannot be read: save it as .xlsx"


def workbook_format(head: bytes) -> Literal["xlsx", "xls"] | None:
    """The workbook format of a file starting with `head` (8 bytes or more); None for text."""
    if head.startswith(_ZIP):
        return "xlsx"
    if head.startswith(_OLE2):
        return "xls"
    return None
