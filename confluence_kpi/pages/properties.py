"""A page's Page Properties rows as a reader sees them ("Current value" -> "99.90 % in
November 2026"), so that a plan can say which values a write changes, in words.

Pure: storage format in, text out; every `details` macro's rows, in page order, the first
of a repeated header counting.
"""

from __future__ import annotations

from lxml import etree

from confluence_kpi.pages import storage_tree as page_tree
from confluence_kpi.pages.canonical import AC


def property_rows(storage: str) -> dict[str, str]:
    """The header and visible value of every Page Properties row on the page."""
    root = page_tree.read(storage)
    found: dict[str, str] = {}
    for macro in root.iter(page_tree.MACRO):
        if macro.get(f"{{{AC}}}name") != "details":
            continue
        for table in macro.iter("table"):
            for row in page_tree.rows(table):
                if len(row) >= 2:
                    header = page_tree.visible_text(row[0]).rstrip(":")
                    for name, value in _cell(header, row[1]):
                        found.setdefault(name, value)
    return found


def _cell(header: str, cell: etree._Element) -> list[tuple[str, str]]:
    """A row's values: its text, and a status lozenge's title (a macro parameter, which the
    visible text leaves out) as the row's value, its text then as "<header>, why"."""
    text = " ".join(page_tree.visible_text(cell).split())
    lozenges = [
        page_tree.parameter(macro, "title") or ""
        for macro in cell.iter(page_tree.MACRO)
        if macro.get(f"{{{AC}}}name") == "status"
    ]
    if not lozenges:
        return [(header, text)]
    return [(header, ", ".join(lozenges)), (f"{header}, why", text)]
