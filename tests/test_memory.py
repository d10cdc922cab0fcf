"""The bot's memory of a page, as kept in its content property."""

from __future__ import annotations

from confluence_kpi.memory import PageKey, PageMemory, read_memory
from confluence_kpi.model import ManualRow


def test_typed_rows_are_remembered_as_typed() -> None:
    rows = (ManualRow("Q3 2026", "84.6", "wave 3"), ManualRow("wk 48 2026", "", ""))
    memory = PageMemory(PageKey("kpi", "satisfaction"), 3, "digest", rows=rows)

    again = read_memory(memory.to_json())

    assert again is not None
    assert again.rows == rows


def test_rows_remembered_before_they_were_kept_as_typed_are_still_read() -> None:
    value = PageMemory(PageKey("kpi", "satisfaction"), 3, "digest").to_json()
    value["rows"] = [
        {"label": "2026-Q3", "day": "2026-07-01", "value": 85.0, "comment": "", "text": ""},
        {"label": "soon", "day": None, "value": None, "comment": "ask", "text": "lots"},
    ]

    memory = read_memory(value)

    assert memory is not None
    assert memory.rows == (ManualRow("2026-Q3", "85"), ManualRow("soon", "lots", "ask"))
