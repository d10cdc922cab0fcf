"""Every branch of the status order: no data, stale, due, maintain bands, pace, plain comparison."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from confluence_kpi.evaluate import evaluate_kpi, failed_evaluation, note
from confluence_kpi.model import Bands, Evaluation, Measurement, NoteCode, Status

from .factories import AMSTERDAM, UTC_ZONE, at, baseline, kpi, target, utc


def evaluate(series: list[Measurement], now: datetime, **fields: Any) -> Evaluation:
    """A daily KPI of the last value, evaluated in UTC."""
    definition = kpi(grain="day", aggregation="last", **fields)
    return evaluate_kpi(definition, series, now=now, zone=UTC_ZONE)


def status_of(value: float, now: datetime, **fields: Any) -> Status:
    """The status of a single fresh measurement of `value`, taken twelve hours before `now`."""
    return evaluate(at((now - timedelta(hours=12), value)), now, **fields).status


# --- no data and stale -------------------------------------------------------------------------


def test_kpi_without_measurements_has_no_data_and_says_so() -> None:
    evaluation = evaluate([], utc(2026, 3, 1))
    assert evaluation.status is Status.NO_DATA
    assert evaluation.notes == (note(NoteCode.NO_DATA),)
    assert (evaluation.current, evaluation.history, evaluation.stale_since) == (None, (), None)


def test_failed_source_gives_no_data_with_the_reason() -> None:
    evaluation = failed_evaluation(kpi(), "connection refused", now=utc(2026, 3, 1))
    assert (evaluation.status, evaluation.error) == (Status.NO_DATA, "connection refused")
    assert evaluation.current is None


def test_only_measurements_without_a_value_give_no_data_but_keep_the_history() -> None:
    series = [Measurement(utc(2026, 3, 1, 9), 0, numerator=0, denominator=0)]
    evaluation = evaluate_kpi(
        kpi(grain="day", aggregation="ratio"), series, now=utc(2026, 3, 1, 12), zone=UTC_ZONE
    )
    assert evaluation.status is Status.NO_DATA
    assert [(pv.value, pv.count) for pv in evaluation.history] == [(None, 1)]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2026, 3, 10, 12), Status.ON_TRACK),  # a day of cadence + half a day of grace
        (utc(2026, 3, 10, 12) + timedelta(seconds=1), Status.STALE),
    ],
)
def test_daily_value_turns_stale_a_day_and_a_half_after_its_day_ends(
    now: datetime, expected: Status
) -> None:
    # One value a day speaks for the whole of 8 March, whenever in that day it was stamped.
    evaluation = evaluate(at((utc(2026, 3, 8, 9), 5)), now, target=target(1))
    assert evaluation.status is expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2026, 3, 9, 21), Status.ON_TRACK),
        (utc(2026, 3, 9, 21) + timedelta(seconds=1), Status.STALE),
    ],
)
def test_data_arriving_all_day_turns_stale_a_day_and_a_half_after_the_last_reading(
    now: datetime, expected: Status
) -> None:
    # Readings every hour until 09:00: they say nothing about the rest of the day.
    readings = at(*((utc(2026, 3, 8, hour), 5) for hour in range(10)))
    evaluation = evaluate(readings, now, target=target(1))
    assert evaluation.status is expected


def test_quarter_typed_at_its_start_is_fresh_until_the_next_quarter_is_due() -> None:
    # A value for Q3 stamped 1 July speaks for all of Q3: in November, before Q4 is over, it is
    # the newest value there can be.
    definition = kpi(grain="quarter", aggregation="last", target=target(1))
    series = at((utc(2026, 4, 1), 4), (utc(2026, 7, 1), 5))
    november = evaluate_kpi(definition, series, now=utc(2026, 11, 28), zone=UTC_ZONE)
    assert (november.status, november.stale_since) == (Status.ON_TRACK, None)
    assert november.data_period is not None
    assert november.data_period.start == date(2026, 7, 1)
    # A quarter and a half of grace after Q3 ended, the Q4 value is overdue.
    later = evaluate_kpi(definition, series, now=utc(2027, 2, 16), zone=UTC_ZONE)
    assert (later.status, later.stale_since) == (Status.STALE, date(2026, 9, 30))


def test_stale_kpi_keeps_its_last_value_marked_and_says_since_when() -> None:
    series = at((utc(2026, 1, 10, 9), 40), (utc(2026, 1, 11, 9), 42))
    evaluation = evaluate(series, utc(2026, 1, 20), target=target(10))
    assert evaluation.status is Status.STALE
    assert evaluation.stale_since == date(2026, 1, 11)
    assert evaluation.current is not None
    assert (evaluation.current.value, evaluation.current.status) == (42, Status.STALE)
    assert note(NoteCode.STALE_SINCE, date="2026-01-11") in evaluation.notes


def test_cadence_shorter_than_the_grain_sets_the_staleness_window() -> None:
    # One value on Wednesday 4 March: for a weekly cadence it speaks for its week (until
    # Monday 9 March), for a monthly one for all of March.
    series = at((utc(2026, 3, 4), 5))
    monthly = kpi(target=target(1))
    weekly_cadence = kpi(target=target(1), cadence="week")
    now = utc(2026, 3, 20)  # eleven days after its week: more than 7 + 3.5 days
    assert evaluate_kpi(monthly, series, now=now, zone=UTC_ZONE).status is Status.ON_TRACK
    assert evaluate_kpi(weekly_cadence, series, now=now, zone=UTC_ZONE).status is Status.STALE


# --- deadline passed ---------------------------------------------------------------------------


def test_due_target_met_by_the_last_complete_period_is_achieved() -> None:
    series = at((utc(2026, 7, 2, 9), 100))
    evaluation = evaluate(series, utc(2026, 7, 3, 12), target=target(100, date(2026, 6, 30)))
    assert evaluation.status is Status.ACHIEVED


def test_once_due_without_a_complete_period_the_running_one_decides() -> None:
    now = utc(2026, 7, 3, 12)  # the only measurement is in the running day
    assert status_of(100, now, target=target(100, date(2026, 6, 30))) is Status.ACHIEVED


def test_due_target_not_met_by_the_last_complete_period_is_missed() -> None:
    now = utc(2026, 7, 3, 12)
    assert status_of(99, now, target=target(100, date(2026, 6, 30))) is Status.MISSED


def test_once_due_a_running_period_does_not_decide() -> None:
    # July 2 (complete) fell short; July 3 (still running) meets the target.
    series = at((utc(2026, 7, 2, 9), 90), (utc(2026, 7, 3, 9), 120))
    evaluation = evaluate(series, utc(2026, 7, 3, 12), target=target(100, date(2026, 6, 30)))
    assert evaluation.status is Status.MISSED


def test_target_is_due_only_after_its_whole_date_in_the_catalog_zone() -> None:
    definition = kpi(grain="day", aggregation="last", target=target(100, date(2026, 6, 30)))
    series = at((utc(2026, 6, 30, 12), 50))
    # 30 June 23:30 in Amsterdam is still the due date; 22:00 UTC is 1 July 00:00 there.
    on_the_day = evaluate_kpi(definition, series, now=utc(2026, 6, 30, 21, 30), zone=AMSTERDAM)
    after = evaluate_kpi(definition, series, now=utc(2026, 6, 30, 22), zone=AMSTERDAM)
    assert on_the_day.status is Status.AT_RISK  # no baseline: not met, nothing to pace against
    assert after.status is Status.MISSED


# --- maintain and range ------------------------------------------------------------------------

NOW = utc(2026, 3, 10, 12)


@pytest.mark.parametrize(
    ("direction", "band", "value", "expected"),
    [
        ("maintain_above", target(100), 100, Status.ON_TRACK),  # `>=`: the boundary is met
        ("maintain_above", target(100), 99.99, Status.AT_RISK),
        ("maintain_above", target(100), 95, Status.AT_RISK),  # exactly 5 % short
        ("maintain_above", target(100), 94.9, Status.OFF_TRACK),
        ("maintain_below", target(2), 2, Status.ON_TRACK),  # `<=`
        ("maintain_below", target(2), 2.1, Status.AT_RISK),
        ("maintain_below", target(2), 2.2, Status.OFF_TRACK),
        ("maintain_below", target(0), 0.001, Status.OFF_TRACK),  # no margin around zero
        ("range", target(10, upper=20), 10, Status.ON_TRACK),
        ("range", target(10, upper=20), 20, Status.ON_TRACK),
        ("range", target(10, upper=20), 9.6, Status.AT_RISK),
        ("range", target(10, upper=20), 21, Status.AT_RISK),
        ("range", target(10, upper=20), 22, Status.OFF_TRACK),
        ("range", target(10, upper=20), 5, Status.OFF_TRACK),
    ],
    ids=str,
)
def test_maintain_kpi_is_judged_on_its_current_value_against_the_band(
    direction: str, band: Any, value: float, expected: Status
) -> None:
    assert status_of(value, NOW, direction=direction, target=band) is expected


# --- pace against the expected path ------------------------------------------------------------

# Baseline on 1 January, target due at the end of 10 January: at 6 January 00:00 UTC half of the
# ten days have passed, so the path expects half of the change.
PACE_NOW = utc(2026, 1, 6)
START = date(2026, 1, 1)
DUE = date(2026, 1, 10)


@pytest.mark.parametrize(
    ("direction", "base", "goal", "value", "expected"),
    [
        ("increase", 0, 100, 47.5, Status.ON_TRACK),  # attainment 0.95: `>=` on track
        ("increase", 0, 100, 47.4, Status.AT_RISK),
        ("increase", 0, 100, 37.5, Status.AT_RISK),  # attainment 0.75: `>=` at risk
        ("increase", 0, 100, 37.4, Status.OFF_TRACK),
        ("increase", 0, 100, 100, Status.ON_TRACK),  # final target already met
        ("increase", 0, 100, -5, Status.OFF_TRACK),
        ("decrease", 10, 0, 5.25, Status.ON_TRACK),  # gained −4.75 of −5 expected: 0.95
        ("decrease", 10, 0, 6.25, Status.AT_RISK),  # 0.75
        ("decrease", 10, 0, 6.3, Status.OFF_TRACK),
        ("decrease", 10, 0, 0, Status.ON_TRACK),
    ],
    ids=str,
)
def test_reach_kpi_is_judged_on_attainment_of_the_expected_progress(
    direction: str, base: float, goal: float, value: float, expected: Status
) -> None:
    fields = {"direction": direction, "baseline": baseline(base, START)}
    assert status_of(value, PACE_NOW, target=target(goal, DUE), **fields) is expected


def test_bands_are_configurable() -> None:
    definition = kpi(
        grain="day", aggregation="last", baseline=baseline(0, START), target=target(100, DUE)
    )
    series = at((PACE_NOW - timedelta(hours=12), 45))  # attainment 0.9
    strict = evaluate_kpi(definition, series, now=PACE_NOW, zone=UTC_ZONE)
    lenient = evaluate_kpi(
        definition, series, now=PACE_NOW, zone=UTC_ZONE, bands=Bands(on_track=0.9, at_risk=0.5)
    )
    assert (strict.status, lenient.status) == (Status.AT_RISK, Status.ON_TRACK)


def test_reach_kpi_reports_the_expected_value_and_progress() -> None:
    series = at((PACE_NOW - timedelta(hours=12), 40))
    evaluation = evaluate(series, PACE_NOW, baseline=baseline(0, START), target=target(100, DUE))
    assert evaluation.expected == pytest.approx(50)
    assert evaluation.progress == pytest.approx(0.4)


def test_decrease_progress_is_positive_when_moving_down_toward_the_target() -> None:
    series = at((PACE_NOW - timedelta(hours=12), 4))
    evaluation = evaluate(
        series,
        PACE_NOW,
        direction="decrease",
        baseline=baseline(10, START),
        target=target(0, DUE),
    )
    assert evaluation.progress == pytest.approx(0.6)


@pytest.mark.parametrize(("value", "expected"), [(0, Status.ON_TRACK), (-1, Status.AT_RISK)])
def test_before_any_progress_is_due_only_a_move_the_wrong_way_is_at_risk(
    value: float, expected: Status
) -> None:
    fields = {"baseline": baseline(0, date(2026, 2, 1)), "target": target(100, date(2026, 3, 1))}
    assert status_of(value, PACE_NOW, **fields) is expected


# --- no baseline, no date, no target -----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "value", "expected"),
    [
        ({"target": target(100)}, 100, Status.ON_TRACK),
        ({"target": target(100)}, 99, Status.AT_RISK),
        ({"target": target(100, DUE)}, 99, Status.AT_RISK),  # dated, but no baseline
        ({"direction": "decrease", "target": target(5)}, 5, Status.ON_TRACK),
        ({"direction": "decrease", "target": target(5)}, 6, Status.AT_RISK),
    ],
    ids=str,
)
def test_without_baseline_or_date_the_current_value_is_compared_to_the_target(
    fields: dict[str, Any], value: float, expected: Status
) -> None:
    assert status_of(value, PACE_NOW, **fields) is expected


def test_kpi_without_target_has_no_verdict_rather_than_on_track() -> None:
    evaluation = evaluate(at((NOW - timedelta(hours=1), 5)), NOW)
    assert evaluation.status is Status.NO_TARGET
    assert evaluation.current is not None
    assert evaluation.current.status is None
