"""The three-way merge of team-editable fields: page, what the bot wrote, the catalog."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confluence_kpi.model import Baseline, Direction, Grain, KpiDefinition, Target
from confluence_kpi.pages.merge import (
    Origin,
    Values,
    apply_kpi_values,
    kpi_catalog_values,
    merge,
)

WROTE: Values = {"owner": "Jane", "target": 2.0}


def test_field_never_written_takes_the_catalog_value() -> None:
    result = merge({"owner": "Piet"}, {}, {"owner": "Jane"}, {})
    assert result.values == {"owner": "Jane"}
    assert result.changes == ()


def test_target_changed_on_page_is_kept() -> None:
    result = merge({"target": 3.0}, WROTE, WROTE, WROTE)
    assert result.values["target"] == 3.0
    assert [(c.field, c.old, c.new, c.origin) for c in result.changes] == [
        ("target", 2.0, 3.0, Origin.PAGE)
    ]


def test_catalog_still_holding_the_old_value_never_undoes_a_page_edit() -> None:
    # Run 1 took the page's 3.0; the bot then wrote 3.0 and saw the catalog's 2.0.
    result = merge({"target": 3.0}, {"target": 3.0}, {"target": 2.0}, {"target": 2.0})
    assert result.values["target"] == 3.0
    assert result.changes == ()


def test_catalog_change_is_applied_to_the_page() -> None:
    result = merge(WROTE, WROTE, {"owner": "Jane", "target": 1.5}, WROTE)
    assert result.values == {"owner": "Jane", "target": 1.5}
    assert [c.origin for c in result.changes] == [Origin.CATALOG]


def test_change_in_both_places_page_wins_and_is_reported() -> None:
    result = merge({"target": 3.0}, WROTE, {"owner": "Jane", "target": 1.5}, WROTE)
    assert result.values["target"] == 3.0
    assert [c.origin for c in result.changes] == [Origin.BOTH_PAGE]


def test_prefer_catalog_overrides_a_page_edit_for_one_run() -> None:
    result = merge(
        {"target": 3.0}, WROTE, {"owner": "Jane", "target": 1.5}, WROTE, prefer="catalog"
    )
    assert result.values["target"] == 1.5
    assert [c.origin for c in result.changes] == [Origin.BOTH_CATALOG]


def test_a_removed_row_counts_as_unchanged() -> None:
    result = merge({}, WROTE, WROTE, WROTE)
    assert result.values == WROTE
    assert result.changes == ()


def test_an_unreadable_field_keeps_the_last_valid_value_and_is_listed() -> None:
    result = merge({"target": None}, WROTE, WROTE, WROTE, unreadable=frozenset({"target"}))
    assert result.values["target"] == 2.0
    assert result.unreadable == ("target",)


def kpi(**changes: object) -> KpiDefinition:
    base = KpiDefinition(
        id="frt",
        name="First response time",
        team="support",
        direction=Direction.DECREASE,
        grain=Grain.WEEK,
        source="db",
        baseline=Baseline(value=5.5, date=date(2025, 1, 1)),
        target=Target(value=2, date=date(2027, 6, 30)),
        owner="Jane Doe",
        description="Hours to first answer.",
    )
    return base.model_copy(update=changes)


def test_kpi_values_round_trip_through_apply() -> None:
    definition = kpi()
    assert apply_kpi_values(definition, kpi_catalog_values(definition)) == definition


def test_page_target_replaces_the_catalog_target_in_the_definition() -> None:
    values = kpi_catalog_values(kpi())
    values["target"] = {"value": 1.5, "date": "2027-03-31", "upper": None}
    effective = apply_kpi_values(kpi(), values)
    assert effective.target == Target(value=1.5, date=date(2027, 3, 31))
    assert effective.baseline == kpi().baseline


def test_cadence_equal_to_the_grain_means_no_cadence() -> None:
    values = kpi_catalog_values(kpi())
    assert values["cadence"] == "week"
    assert apply_kpi_values(kpi(), values).cadence is None
    values["cadence"] = "month"
    assert apply_kpi_values(kpi(), values).cadence is Grain.MONTH


@pytest.mark.parametrize("prefer", ["page", "catalog"])
@given(
    page=st.one_of(st.none(), st.floats(allow_nan=False)),
    written=st.floats(allow_nan=False),
    catalog=st.floats(allow_nan=False),
    seen=st.floats(allow_nan=False),
)
def test_the_merged_value_is_always_one_of_the_inputs(
    prefer: str, page: float | None, written: float, catalog: float, seen: float
) -> None:
    result = merge(
        {} if page is None else {"x": page},
        {"x": written},
        {"x": catalog},
        {"x": seen},
        prefer="page" if prefer == "page" else "catalog",
    )
    assert result.values["x"] in {written, catalog, page}
    # Nothing changed anywhere: the value the bot wrote stays, and nothing is reported.
    if (page is None or page == written) and catalog == seen:
        assert result.values["x"] == written
        assert result.changes == ()
