"""The bot's memory of a page, as kept in its content property."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from confluence_kpi.memory import PageKey, PageMemory, read_memory
from confluence_kpi.model import ManualRow


def test_typed_rows_are_remembered_as_typed() -> None:
    rows = (ManualRow("Q3 2026", "84.6", "wave 3"), ManualRow("wk 48 2026", "", ""))
    memory = PageMemory.of(PageKey("kpi", "satisfaction"), 3, "digest", rows=rows)

    again = read_memory(memory.to_json())

    assert again is not None
    assert again.rows == rows


def test_rows_remembered_before_they_were_kept_as_typed_are_still_read() -> None:
    value = PageMemory.of(PageKey("kpi", "satisfaction"), 3, "digest").to_json()
    value["rows"] = [
        {"label": "2026-Q3", "day": "2026-07-01", "value": 85.0, "comment": "", "text": ""},
        {"label": "soon", "day": None, "value": None, "comment": "ask", "text": "lots"},
    ]

    memory = read_memory(value)

    assert memory is not None
    assert memory.rows == (ManualRow("2026-Q3", "85"), ManualRow("soon", "lots", "ask"))


def test_the_property_value_reads_back_as_the_same_memory() -> None:
    memory = PageMemory.of(
        PageKey("root", "root"),
        7,
        "digest",
        title="KPI handbook",
        fields={"owner": "Jane", "target": {"value": 2.0, "date": "2027-06-30"}},
        blocks=("h2:Notes",),
        index={"kpi uptime": "123"},
    )

    value = memory.to_json()

    assert value["schema"] == 1
    assert (value["kind"], value["id"], value["page_version"]) == ("root", "root", 7)
    assert "rows" not in value  # what most pages never have is left out
    assert read_memory(value) == memory


def test_since_when_a_kpis_source_fails_is_remembered_only_while_it_does() -> None:
    since = datetime(2026, 11, 28, 7, tzinfo=UTC)
    failing = PageMemory.of(PageKey("kpi", "uptime"), 4, "digest", unavailable_since=since)
    answering = failing.model_copy(update={"unavailable_since": None})

    assert read_memory(failing.to_json()) == failing
    assert "unavailable_since" not in answering.to_json()


def test_a_damaged_field_reads_as_unset_and_the_page_stays_known() -> None:
    value = PageMemory.of(PageKey("kpi", "uptime"), 3, "digest", blocks=("a",)).to_json()
    value.update(fields="not a mapping", blocks=[1, 2], retired="yes")

    memory = read_memory(value)

    assert memory is not None
    assert memory.key == PageKey("kpi", "uptime")
    assert (memory.fields, memory.blocks, memory.retired) == ({}, (), False)


@pytest.mark.parametrize("parts", [-1, 1_001, 10**9, "3", True])
def test_an_index_part_count_someone_wrote_out_of_range_reads_as_none(parts: object) -> None:
    # The root reads that many properties: a count typed through the API must not make it
    # send a billion requests.
    value = PageMemory.of(PageKey("root", "root"), 3, "digest").to_json()
    value.update(index_parts=parts)

    memory = read_memory(value)

    assert memory is not None
    assert memory.index_parts == 0


def test_a_value_without_an_identity_is_not_the_bots() -> None:
    value = PageMemory.of(PageKey("kpi", "uptime"), 3, "digest").to_json()

    assert read_memory({**value, "kind": "dashboard"}) is None
    assert read_memory({**value, "page_version": "3"}) is None
    assert read_memory("confluence-kpi") is None


def test_a_memory_of_a_newer_schema_is_known_as_newer() -> None:
    value = PageMemory.of(PageKey("kpi", "uptime"), 3, "digest").to_json()

    newer = read_memory({**value, "schema": 2, "learnt_later": True})
    current = read_memory(value)

    assert newer is not None
    assert current is not None
    assert newer.newer
    assert not current.newer
