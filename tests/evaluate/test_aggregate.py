"""Each aggregation against hand-computed values."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confluence_kpi.aggregate import UnfitDataError, aggregate
from confluence_kpi.model import Aggregation, Measurement, NoteCode

from .factories import utc

START = utc(2026, 3, 2)
END = START + timedelta(days=1)


def rows(*values: float) -> list[Measurement]:
    """Measurements one hour apart from START."""
    return [Measurement(START + timedelta(hours=n), value) for n, value in enumerate(values)]


@pytest.mark.parametrize(
    ("how", "values", "expected"),
    [
        (Aggregation.SUM, (1, 2, 3, 4), 10),
        (Aggregation.MEAN, (1, 2, 3, 4), 2.5),
        (Aggregation.MEDIAN, (4, 1, 3, 2), 2.5),
        (Aggregation.MEDIAN, (3, 1, 2), 2),
        # rank (n − 1)·q = 3 · 0.75 = 2.25: 3 + 0.25 · (4 − 3)
        (Aggregation.P75, (4, 3, 2, 1), 3.25),
        # rank 9 · 0.9 = 8.1 over 1..10: 9 + 0.1 · (10 − 9)
        (Aggregation.P90, tuple(range(10, 0, -1)), 9.1),
        (Aggregation.P95, tuple(range(1, 11)), 9.55),
        (Aggregation.P95, (7,), 7),
        (Aggregation.MIN, (3, -1, 2), -1),
        (Aggregation.MAX, (3, -1, 2), 3),
        (Aggregation.COUNT, (5, 5, 5), 3),
        # A balance: the level at the end of the period, not the sum 530 of the levels.
        (Aggregation.LAST, (100, 250, 180), 180),
        # Non-finite input is skipped rather than spreading NaN into the page.
        (Aggregation.MEAN, (1, float("nan"), 3), 2),
    ],
    ids=lambda part: str(part),
)
def test_aggregation_matches_hand_computed_value(
    how: Aggregation, values: tuple[float, ...], expected: float
) -> None:
    assert aggregate(how, rows(*values), END) == pytest.approx(expected)


def test_time_weighted_mean_weighs_each_value_by_how_long_it_held() -> None:
    # 10 holds 00:00-06:00, 20 holds 06:00-24:00: (10·6 + 20·18) / 24 = 17.5 (the plain mean is 15).
    series = [Measurement(START, 10), Measurement(START + timedelta(hours=6), 20)]
    assert aggregate(Aggregation.TIME_WEIGHTED_MEAN, series, END) == pytest.approx(17.5)


def test_time_weighted_mean_of_a_running_period_stops_at_the_given_end() -> None:
    series = [Measurement(START, 10), Measurement(START + timedelta(hours=6), 20)]
    # Evaluated at 12:00: 10 held six hours, 20 six hours so far.
    now = START + timedelta(hours=12)
    assert aggregate(Aggregation.TIME_WEIGHTED_MEAN, series, now) == pytest.approx(15)


def test_time_weighted_mean_with_no_elapsed_time_weighs_values_alike() -> None:
    series = [Measurement(START, 10), Measurement(START, 20)]
    assert aggregate(Aggregation.TIME_WEIGHTED_MEAN, series, START) == pytest.approx(15)


def test_ratio_divides_the_sums_and_not_the_mean_of_row_ratios() -> None:
    # Day one: 1 of 1 converted; day two: 50 of 100. Totals 51 / 101 ≈ 0.505; the mean of the
    # two ratios would claim 0.75.
    series = [
        Measurement(START, 1.0, numerator=1, denominator=1),
        Measurement(START + timedelta(hours=1), 0.5, numerator=50, denominator=100),
    ]
    value = aggregate(Aggregation.RATIO, series, END)
    assert value == pytest.approx(51 / 101)
    assert value != pytest.approx(0.75)


def test_ratio_with_zero_denominator_has_no_value() -> None:
    series = [Measurement(START, 0, numerator=0, denominator=0)]
    assert aggregate(Aggregation.RATIO, series, END) is None


def test_ratio_over_a_negative_total_is_unfit_data_naming_the_total_and_rows() -> None:
    series = [
        Measurement(START, 0.25, numerator=5, denominator=20),
        Measurement(START + timedelta(hours=1), -1 / 6, numerator=5, denominator=-30),
    ]
    with pytest.raises(UnfitDataError) as unfit:
        aggregate(Aggregation.RATIO, series, END)
    assert unfit.value.code is NoteCode.NEGATIVE_DENOMINATOR
    assert unfit.value.values == {"total": "-10", "rows": "1"}


def test_ratio_with_a_negative_row_in_a_positive_total_is_a_correction() -> None:
    series = [
        Measurement(START, 0.25, numerator=5, denominator=20),
        Measurement(START + timedelta(hours=1), 0.25, numerator=-1, denominator=-4),
    ]
    assert aggregate(Aggregation.RATIO, series, END) == pytest.approx(4 / 16)


def test_ratio_leaves_out_rows_missing_a_side() -> None:
    series = [
        Measurement(START, 0.5, numerator=1, denominator=2),
        Measurement(START + timedelta(hours=1), 0.9, numerator=9, denominator=None),
    ]
    assert aggregate(Aggregation.RATIO, series, END) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("how", "values", "scale"),
    [
        (Aggregation.SUM, (1e308, 1e308), 1.0),
        (Aggregation.MEDIAN, (-1e308, 1e308), 1.0),
        (Aggregation.MAX, (1e307,), 100.0),
    ],
    ids=["sum", "median", "scaled"],
)
def test_a_result_too_large_for_a_float_is_unfit_data_not_infinity(
    how: Aggregation, values: tuple[float, ...], scale: float
) -> None:
    with pytest.raises(UnfitDataError) as unfit:
        aggregate(how, rows(*values), END, scale)
    assert unfit.value.code is NoteCode.OVERFLOW


def test_only_non_finite_values_give_no_value() -> None:
    assert aggregate(Aggregation.MAX, rows(float("nan"), float("inf")), END) is None


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(
        st.tuples(st.integers(-8, 8).map(lambda n: n / 4), st.integers(1, 5)), min_size=1
    ),
    how=st.sampled_from([Aggregation.MEDIAN, Aggregation.P75, Aggregation.P90, Aggregation.P95]),
)
def test_a_percentile_counts_a_value_as_often_as_its_rows_hold_it(
    values: list[tuple[float, int]], how: Aggregation
) -> None:
    # A database sends a day's repeated values once, with how many rows hold them.
    counted = [
        Measurement(START + timedelta(hours=n), value, rows=count)
        for n, (value, count) in enumerate(values)
    ]
    repeated = rows(*(value for value, count in values for _ in range(count)))
    assert aggregate(how, counted, END) == aggregate(how, repeated, END)
