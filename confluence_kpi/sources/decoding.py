"""A CSV file's bytes as text: in the encoding its byte order mark says, else the source's.

Excel saves "CSV UTF-8" with a UTF-8 byte order mark and "Unicode text" as UTF-16 with one;
the mark says how the file is written whatever `encoding` the catalog gives, so it decides.
"""

from __future__ import annotations

import codecs

from confluence_kpi.sources.magic import LEGACY_WORKBOOK, workbook_format
from confluence_kpi.sources.table import SourceError

_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes, encoding: str, origin: str) -> str:
    """The text of a file's `data`, without its byte order mark; SourceError, starting with
    `origin`, for a workbook or bytes that are not text in the encoding."""
    match workbook_format(data[:8]):
        case "xlsx":
            raise SourceError(f"{origin}: this is an Excel workbook, not CSV: use `type: excel`")
        case "xls":
            raise SourceError(f"{origin}: this is {LEGACY_WORKBOOK}, and use `type: excel`")
    marked = next(
        ((mark, codec) for mark, codec in _BYTE_ORDER_MARKS if data.startswith(mark)), None
    )
    if marked is not None:
        mark, encoding = marked
        data = data[len(mark) :]
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].decode(encoding, errors="replace").count("\n") + 1
        fix = (
            "though its byte order mark says so: the file is damaged"
            if marked is not None
            else "set `encoding` for this source (Excel on Windows writes cp1252)"
        )
        raise SourceError(
            f"{origin}, line {line}: the file is not {encoding} text; {fix}"
        ) from None
