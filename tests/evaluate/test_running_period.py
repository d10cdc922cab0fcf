"""A running period is judged and compared for what it is: part of a period, not a whole one."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from confluence_kpi.evaluate import evaluate_kpi
from confluence_kpi.model import Evaluation, Measurement, Status

from .factories import AMSTERDAM, UTC_ZONE, at, kpi, target, utc


def every_day(first: datetime, last: datetime, amount: float) -> list[Measurement]:
    """One measurement of `amount` a day from `first` up to and including `last`."""
    days = (last - first).days
    return [Measurement(first + timedelta(days=n), amount) for n in range(days + 1)]


def tickets(first: datetime, last: datetime, weekday: int, weekend: int) -> list[Measurement]:
    """Single tickets (count KPI): `weekday` a day Monday to Friday, `weekend` a day after."""
    rows = []
    day = first
    while day <= last:
        for n in range(weekday if day.weekday() < 5 else weekend):
            rows.append(Measurement(day + timedelta(minutes=10 * n + 480), 1))
        day += timedelta(days=1)
    return rows


def test_running_month_is_compared_with_the_same_days_of_the_previous_month() -> None:
    # October: 46,000 a day for 31 days. November so far: 27 days at 51,000 a day. The total
    # so far is below all of October, but the business runs 11 % better day for day.
    series = every_day(utc(2026, 10, 1), utc(2026, 10, 31), 46_000)
    series += every_day(utc(2026, 11, 1), utc(2026, 11, 27), 51_000)
    evaluation = evaluate_kpi(kpi(), series, now=utc(2026, 11, 28, 7), zone=UTC_ZONE)
    change = evaluation.change
    assert change is not None
    assert change.days == 27
    assert change.absolute == pytest.approx(27 * 5_000)
    assert change.relative == pytest.approx(5 / 46)
    assert change.good is True
    assert evaluation.current is not None
    assert evaluation.current.partial


def test_whole_periods_are_compared_whole() -> None:
    series = every_day(utc(2026, 9, 1), utc(2026, 10, 31), 10)
    evaluation = evaluate_kpi(kpi(), series, now=utc(2026, 11, 1, 7), zone=UTC_ZONE)
    assert evaluation.change is not None
    assert (evaluation.change.absolute, evaluation.change.days) == (10, None)


def test_monthly_ledger_row_is_the_whole_month_as_soon_as_it_is_there() -> None:
    # One row a month, stamped on the 1st: November's row is November's whole value.
    series = at((utc(2026, 9, 1), 100), (utc(2026, 10, 1), 120), (utc(2026, 11, 1), 90))
    evaluation = evaluate_kpi(
        kpi(direction="maintain_above", target=target(50)),
        series,
        now=utc(2026, 11, 28),
        zone=UTC_ZONE,
    )
    assert evaluation.data_period is not None
    assert evaluation.current is not None
    assert evaluation.data_period == evaluation.current.period
    assert (evaluation.current.value, evaluation.current.partial) == (90, False)
    assert evaluation.run_rate is None
    assert evaluation.change is not None
    assert (evaluation.change.absolute, evaluation.change.days) == (-30, None)


def test_sum_of_daily_rows_is_partial_while_its_month_runs_without_a_declared_cadence() -> None:
    series = every_day(utc(2026, 10, 1), utc(2026, 11, 10), 5)
    evaluation = evaluate_kpi(kpi(target=target(150)), series, now=utc(2026, 11, 11), zone=UTC_ZONE)
    assert evaluation.data_period is None
    assert evaluation.run_rate is not None
    # 50 in 10 days of 30, at an even pace (one month of history teaches no pattern): 150.
    assert evaluation.run_rate.projected == pytest.approx(150)
    assert evaluation.status is Status.ON_TRACK


def weekly_tickets(limit: float = 320) -> dict[str, object]:
    return {
        "grain": "week",
        "aggregation": "count",
        "direction": "maintain_below",
        "target": target(limit),
    }


def week_of_tickets(history_from: datetime) -> Evaluation:
    """The week of 23 November 2026 as of Saturday morning: Monday to Friday brought 52
    tickets a day, after weeks of 50 a weekday and 2 a weekend day since `history_from`."""
    history = tickets(history_from, utc(2026, 11, 22), weekday=50, weekend=2)
    this_week = tickets(utc(2026, 11, 23), utc(2026, 11, 27), weekday=52, weekend=0)
    return evaluate_kpi(
        kpi(**weekly_tickets()), [*history, *this_week], now=utc(2026, 11, 28, 7), zone=UTC_ZONE
    )


def test_running_week_is_paced_by_the_usual_weekday_pattern() -> None:
    # Twelve weeks of 254 tickets (the weekdays hold 250 of them), then 260 by Friday. An even
    # pace (5/7) would project 364, over the 320 limit; the pattern says about 264 by Sunday.
    evaluation = week_of_tickets(utc(2026, 8, 31))
    rate = evaluation.run_rate
    assert rate is not None
    assert rate.pattern_periods == 12
    assert rate.share == pytest.approx(250 / 254)
    assert rate.projected == pytest.approx(260 * 254 / 250)
    assert evaluation.status is Status.ON_TRACK


def test_pace_is_even_without_enough_history_to_learn_a_pattern() -> None:
    evaluation = week_of_tickets(utc(2026, 11, 9))  # two complete weeks: no pattern yet
    rate = evaluation.run_rate
    assert rate is not None
    assert rate.pattern_periods == 0
    assert rate.share == pytest.approx(5 / 7)
    assert evaluation.status is Status.OFF_TRACK  # 364 at an even pace: over the limit


def test_expected_now_of_a_running_total_is_the_share_of_the_period_target_due_by_now() -> None:
    definition = kpi(
        grain="week",
        target=target(700, due=utc(2027, 1, 1).date()),
        baseline={"value": 700, "date": "2026-01-01"},
    )
    series = every_day(utc(2026, 11, 2), utc(2026, 11, 25), 100)
    evaluation = evaluate_kpi(definition, series, now=utc(2026, 11, 26, 7), zone=AMSTERDAM)
    # Three days of a week whose days are all alike, with 700 due a week: 300 by now.
    assert evaluation.run_rate is not None
    assert evaluation.run_rate.share == pytest.approx(3 / 7)
    assert evaluation.expected == pytest.approx(300)
