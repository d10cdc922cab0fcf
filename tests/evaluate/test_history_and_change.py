"""History per period, the current and previous period, and the change between them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from confluence_kpi.evaluate import evaluate_kpi, note
from confluence_kpi.model import Evaluation, Measurement, NoteCode, Status, TimeSeries

from .factories import AMSTERDAM, UTC_ZONE, at, daily, kpi, target, utc


def monthly(*values: float | None, **fields: Any) -> Evaluation:
    """A monthly KPI with one measurement mid-month from January 2026 (None: no measurement),
    evaluated on the 20th of the last month."""
    series = [
        Measurement(utc(2026, month, 15), value)
        for month, value in enumerate(values, start=1)
        if value is not None
    ]
    return evaluate_kpi(kpi(**fields), series, now=utc(2026, len(values), 20), zone=UTC_ZONE)


def test_months_without_measurements_are_in_the_history_as_no_value_not_zero() -> None:
    evaluation = monthly(3, None, 5)
    assert [(pv.period.label, pv.value, pv.count) for pv in evaluation.history] == [
        ("2026-01", 3, 1),
        ("2026-02", None, 0),
        ("2026-03", 5, 1),
    ]


def test_history_starts_at_the_first_data_and_ends_at_the_current_period() -> None:
    series = at((utc(2026, 2, 10), 1))
    evaluation = evaluate_kpi(kpi(), series, now=utc(2026, 4, 1, 12), zone=UTC_ZONE)
    assert [pv.period.label for pv in evaluation.history] == ["2026-02", "2026-03", "2026-04"]


def test_history_keeps_only_the_last_history_periods() -> None:
    series = daily(utc(2026, 1, 1, 9), range(40))
    evaluation = evaluate_kpi(
        kpi(grain="day", aggregation="last"),
        series,
        now=utc(2026, 2, 9, 12),
        zone=UTC_ZONE,
        history_periods=3,
    )
    assert [(pv.period.label, pv.value) for pv in evaluation.history] == [
        ("2026-02-07", 37),
        ("2026-02-08", 38),
        ("2026-02-09", 39),
    ]


def test_running_period_is_current_to_date_and_previous_is_complete() -> None:
    evaluation = monthly(3, 4, 5)
    assert evaluation.current is not None
    assert evaluation.previous is not None
    assert (evaluation.current.period.label, evaluation.current.complete) == ("2026-03", False)
    assert (evaluation.previous.period.label, evaluation.previous.complete) == ("2026-02", True)


def test_current_falls_back_to_the_latest_period_with_data() -> None:
    series = at((utc(2026, 1, 15), 3), (utc(2026, 2, 15), 4))
    evaluation = evaluate_kpi(kpi(), series, now=utc(2026, 3, 2), zone=UTC_ZONE)
    assert evaluation.current is not None
    assert evaluation.previous is not None
    assert (evaluation.current.period.label, evaluation.current.value) == ("2026-02", 4)
    assert (evaluation.previous.period.label, evaluation.previous.value) == ("2026-01", 3)


def test_each_period_records_the_target_it_was_judged_against_and_its_verdict() -> None:
    evaluation = monthly(90, 110, direction="maintain_above", target=target(100))
    assert [(pv.target, pv.status) for pv in evaluation.history] == [
        (100, Status.OFF_TRACK),
        (100, Status.ON_TRACK),
    ]


def test_measurements_after_now_are_left_out_and_said_so() -> None:
    series = at((utc(2026, 3, 1), 1), (utc(2026, 3, 25), 100))
    evaluation = evaluate_kpi(kpi(), series, now=utc(2026, 3, 20), zone=UTC_ZONE)
    assert evaluation.current is not None
    assert evaluation.current.value == 1
    assert evaluation.last_data == utc(2026, 3, 1)
    assert note(NoteCode.LEFT_OUT_LATER, count="1") in evaluation.notes


def test_measurements_more_than_a_period_ahead_are_a_data_warning() -> None:
    now = utc(2026, 3, 20)
    series = at((utc(2026, 3, 1), 1), (utc(2026, 3, 26), 2), (utc(2026, 3, 28), 3))
    series += at((utc(2031, 3, 2), 4), (utc(2031, 3, 1), 5))  # 2031 typed for 2026
    evaluation = evaluate_kpi(kpi(grain="week"), series, now=now, zone=UTC_ZONE)
    # A week is the grain: the 26th is within one of now, the 28th is not.
    assert note(NoteCode.LEFT_OUT_LATER, count="1") in evaluation.notes
    assert evaluation.warnings == (note(NoteCode.FAR_AHEAD, date="2026-03-28", count="3"),)
    only_ahead = evaluate_kpi(kpi(), series[3:], now=now, zone=UTC_ZONE)
    assert only_ahead.warnings == (note(NoteCode.FAR_AHEAD, date="2031-03-01", count="2"),)


def test_unsorted_series_gives_the_same_evaluation_as_sorted() -> None:
    series = daily(utc(2026, 1, 1, 9), [5, 1, 4, 2, 3])
    definition = kpi(grain="week", aggregation="last")
    now = utc(2026, 1, 6)
    assert evaluate_kpi(definition, series[::-1], now=now, zone=AMSTERDAM) == evaluate_kpi(
        definition, series, now=now, zone=AMSTERDAM
    )


def test_naive_timestamps_are_refused_with_a_clear_error() -> None:
    series = [Measurement(utc(2026, 1, 1).replace(tzinfo=None), 1)]
    with pytest.raises(ValueError, match="time zone"):
        evaluate_kpi(kpi(), series, now=utc(2026, 1, 2), zone=UTC_ZONE)


def test_naive_and_aware_timestamps_mixed_are_refused_with_a_clear_error() -> None:
    series = [Measurement(utc(2026, 1, 1), 1), Measurement(utc(2026, 1, 2).replace(tzinfo=None), 2)]
    with pytest.raises(ValueError, match="time zone"):
        TimeSeries.of(series)


def test_a_time_series_is_in_time_order_and_evaluates_as_its_measurements_do() -> None:
    series = daily(utc(2026, 1, 1), [3, 1, 4, 1, 5])[::-1]
    ordered = TimeSeries.of(series)
    assert [m.ts for m in ordered] == sorted(m.ts for m in series)
    now = utc(2026, 1, 6)
    assert evaluate_kpi(kpi(), ordered, now=now, zone=AMSTERDAM) == evaluate_kpi(
        kpi(), series, now=now, zone=AMSTERDAM
    )


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="now"):
        evaluate_kpi(kpi(), [], now=utc(2026, 1, 2).replace(tzinfo=None), zone=UTC_ZONE)


def test_change_from_a_zero_base_has_no_relative_change() -> None:
    change = monthly(0, 5).change
    assert change is not None
    assert (change.absolute, change.relative, change.good) == (5, None, True)


def test_relative_change_is_measured_against_the_size_of_the_base() -> None:
    change = monthly(-10, -5).change
    assert change is not None
    assert (change.absolute, change.relative) == (5, 0.5)


def test_no_change_without_a_previous_value() -> None:
    assert monthly(None, 5).change is None


@pytest.mark.parametrize(
    ("fields", "before", "after", "good"),
    [
        ({"direction": "increase"}, 10, 12, True),
        ({"direction": "increase"}, 12, 10, False),
        ({"direction": "decrease"}, 12, 10, True),  # a falling cost is good
        ({"direction": "decrease"}, 10, 12, False),
        ({"direction": "decrease"}, 10, 10, None),
        ({"direction": "maintain_above", "target": target(100)}, 90, 95, True),  # toward
        ({"direction": "maintain_above", "target": target(100)}, 95, 90, False),
        ({"direction": "maintain_above", "target": target(100)}, 120, 110, None),  # with room
        ({"direction": "maintain_above", "target": target(100)}, 106, 104, False),  # to the edge
        ({"direction": "maintain_above", "target": target(100)}, 102, 104, True),  # away from it
        ({"direction": "maintain_above", "target": target(100)}, 110, 120, None),
        ({"direction": "range", "target": target(10, upper=20)}, 14, 16, None),
        ({"direction": "range", "target": target(10, upper=20)}, 12, 10.2, False),
        ({"direction": "maintain_below", "target": target(2)}, 3, 2.5, True),
        ({"direction": "maintain_below", "target": target(2)}, 2.5, 3, False),
        ({"direction": "range", "target": target(10, upper=20)}, 25, 22, True),
        ({"direction": "range", "target": target(10, upper=20)}, 8, 30, False),  # overshoot
        ({"direction": "range", "target": target(10, upper=20)}, 25, 15, True),
        ({"direction": "maintain_above"}, 1, 2, None),  # no band to move toward
    ],
    ids=str,
)
def test_whether_a_change_is_good_depends_on_the_direction(
    fields: dict[str, Any], before: float, after: float, good: bool | None
) -> None:
    change = monthly(before, after, **fields).change
    assert change is not None
    assert change.good is good


def test_evaluation_carries_last_data_and_as_of() -> None:
    evaluation = monthly(1, 2)
    assert evaluation.last_data == utc(2026, 2, 15)
    assert evaluation.as_of == utc(2026, 2, 20)
    assert evaluation.stale_since is None
    assert evaluation.history[0].period.start == date(2026, 1, 1)


def test_daily_series_in_weeks_sums_each_local_week() -> None:
    # 1 to 14 January 2026 at 09:00 UTC; ISO week 2 is 5 to 11 January.
    series = daily(utc(2026, 1, 1, 9), [1.0] * 14)
    evaluation = evaluate_kpi(kpi(grain="week"), series, now=utc(2026, 1, 14, 12), zone=AMSTERDAM)
    assert [(pv.period.label, pv.value) for pv in evaluation.history] == [
        ("2026-W01", 4),
        ("2026-W02", 7),
        ("2026-W03", 3),
    ]
    assert evaluation.history[-1].complete is False
    assert evaluation.history[-1].period.end == date(2026, 1, 19)
    assert evaluation.history[-2].period.start + timedelta(days=7) == date(2026, 1, 12)
