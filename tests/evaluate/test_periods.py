"""Cutting time into periods in the catalog zone: DST, year ends, ISO week 53, week starts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from confluence_kpi.evaluate import evaluate_kpi
from confluence_kpi.model import Grain, Measurement, Period
from confluence_kpi.periods import (
    SUNDAY,
    SprintCalendar,
    check_week_start,
    period,
    period_index,
)

from .factories import AMSTERDAM, kpi, utc

CALENDAR_GRAINS = [grain for grain in Grain if grain is not Grain.SPRINT]


def period_of(day: date, grain: Grain, week_start: int = 0) -> tuple[date, date, str]:
    """(start, end, label) of the period containing `day`."""
    found = period(period_index(day, grain, week_start), grain, week_start)
    return found.start, found.end, found.label


@pytest.mark.parametrize(
    ("day", "grain", "week_start", "expected"),
    [
        (date(2026, 3, 1), Grain.DAY, 0, (date(2026, 3, 1), date(2026, 3, 2), "2026-03-01")),
        (date(2026, 3, 1), Grain.WEEK, 0, (date(2026, 2, 23), date(2026, 3, 2), "2026-W09")),
        (
            date(2026, 3, 1),
            Grain.WEEK,
            SUNDAY,
            (date(2026, 3, 1), date(2026, 3, 8), "week of 2026-03-01"),
        ),
        (
            date(2026, 2, 28),
            Grain.WEEK,
            SUNDAY,
            (date(2026, 2, 22), date(2026, 3, 1), "week of 2026-02-22"),
        ),
        (date(2026, 3, 31), Grain.MONTH, 0, (date(2026, 3, 1), date(2026, 4, 1), "2026-03")),
        (date(2026, 12, 31), Grain.MONTH, 0, (date(2026, 12, 1), date(2027, 1, 1), "2026-12")),
        (date(2026, 12, 31), Grain.QUARTER, 0, (date(2026, 10, 1), date(2027, 1, 1), "2026-Q4")),
        (date(2026, 2, 14), Grain.QUARTER, 0, (date(2026, 1, 1), date(2026, 4, 1), "2026-Q1")),
        (date(2027, 1, 1), Grain.YEAR, 0, (date(2027, 1, 1), date(2028, 1, 1), "2027")),
    ],
    ids=str,
)
def test_period_containing_a_date_has_its_bounds_and_label(
    day: date, grain: Grain, week_start: int, expected: tuple[date, date, str]
) -> None:
    assert period_of(day, grain, week_start) == expected


@pytest.mark.parametrize("day", [date(2026, 12, 28), date(2027, 1, 1), date(2027, 1, 3)])
def test_iso_week_53_spans_the_year_end(day: date) -> None:
    assert period_of(day, Grain.WEEK) == (date(2026, 12, 28), date(2027, 1, 4), "2026-W53")


def test_week_after_week_53_is_week_1_of_the_next_iso_year() -> None:
    assert period_of(date(2027, 1, 4), Grain.WEEK)[2] == "2027-W01"


def test_consecutive_periods_have_consecutive_numbers_and_touch() -> None:
    for grain in CALENDAR_GRAINS:
        index = period_index(date(2026, 12, 30), grain, SUNDAY)
        assert period(index, grain, SUNDAY).end == period(index + 1, grain, SUNDAY).start


def test_week_start_outside_monday_to_sunday_is_rejected() -> None:
    with pytest.raises(ValueError, match="week_start"):
        check_week_start(7)


def daily_counts(points: list[datetime], now: datetime) -> dict[str, int]:
    """Measurements per local day in Amsterdam, as the evaluation cuts them."""
    series = [Measurement(ts, 1) for ts in points]
    evaluation = evaluate_kpi(
        kpi(grain="day", aggregation="count"), series, now=now, zone=AMSTERDAM, history_periods=5
    )
    return {pv.period.label: pv.count for pv in evaluation.history if pv.count}


def test_day_of_spring_forward_has_23_hours_in_the_catalog_zone() -> None:
    # 2026-03-29 in Amsterdam runs from 28 March 23:00 UTC to 29 March 22:00 UTC.
    points = [utc(2026, 3, 28, 22, 59), utc(2026, 3, 28, 23), utc(2026, 3, 29, 21, 59)]
    points.append(utc(2026, 3, 29, 22))
    counts = daily_counts(points, now=utc(2026, 3, 30, 12))
    assert counts == {"2026-03-28": 1, "2026-03-29": 2, "2026-03-30": 1}


def test_day_of_fall_back_has_25_hours_in_the_catalog_zone() -> None:
    # 2026-10-25 runs from 24 October 22:00 UTC to 25 October 23:00 UTC; 00:30 and 01:30 UTC
    # are both 02:30 local, in the repeated hour.
    points = [utc(2026, 10, 24, 21, 59), utc(2026, 10, 24, 22), utc(2026, 10, 25, 0, 30)]
    points += [utc(2026, 10, 25, 1, 30), utc(2026, 10, 25, 22, 59), utc(2026, 10, 25, 23)]
    counts = daily_counts(points, now=utc(2026, 10, 26, 12))
    assert counts == {"2026-10-24": 1, "2026-10-25": 4, "2026-10-26": 1}


def test_late_utc_evening_at_month_end_belongs_to_the_next_local_month() -> None:
    series = [Measurement(utc(2026, 3, 31, 22, 30), 7)]  # 1 April 00:30 in Amsterdam
    evaluation = evaluate_kpi(kpi(), series, now=utc(2026, 4, 2), zone=AMSTERDAM)
    assert evaluation.current is not None
    assert (evaluation.current.period.label, evaluation.current.value) == ("2026-04", 7)


def test_period_is_complete_only_once_now_is_past_its_local_end() -> None:
    series = [Measurement(utc(2026, 3, 15), 1)]
    # April begins 31 March 22:00 UTC in Amsterdam (CEST).
    before = evaluate_kpi(kpi(), series, now=utc(2026, 3, 31, 21, 59), zone=AMSTERDAM)
    after = evaluate_kpi(kpi(), series, now=utc(2026, 3, 31, 22), zone=AMSTERDAM)
    assert [pv.complete for pv in before.history] == [False]
    assert [(pv.period.label, pv.complete) for pv in after.history] == [
        ("2026-03", True),
        ("2026-04", False),
    ]


def test_sunday_week_start_cuts_weeks_from_sunday() -> None:
    # Saturday 28 Feb and Sunday 1 March (noon, Amsterdam) fall in different Sunday weeks but in
    # the same ISO week.
    series = [Measurement(utc(2026, 2, 28, 11), 1), Measurement(utc(2026, 3, 1, 11), 2)]
    definition = kpi(grain="week")
    now = utc(2026, 3, 3)
    sunday = evaluate_kpi(definition, series, now=now, zone=AMSTERDAM, week_start=SUNDAY)
    monday = evaluate_kpi(definition, series, now=now, zone=AMSTERDAM)
    assert [(pv.period.label, pv.value) for pv in sunday.history] == [
        ("week of 2026-02-22", 1),
        ("week of 2026-03-01", 2),
    ]
    assert [(pv.period.label, pv.value) for pv in monday.history] == [
        ("2026-W09", 3),
        ("2026-W10", None),
    ]


def test_sprints_are_the_periods_the_source_names() -> None:
    sprints = SprintCalendar.of([date(2026, 1, 19), date(2026, 1, 5), date(2026, 2, 2)])
    assert sprints.length == 14
    assert sprints.period(sprints.index(date(2026, 1, 18))) == Period(
        date(2026, 1, 5), date(2026, 1, 19), "sprint of 2026-01-05"
    )
    assert sprints.period(sprints.index(date(2026, 2, 2))).end == date(2026, 2, 16)


def test_days_before_and_after_the_known_sprints_fall_in_assumed_sprints_of_usual_length() -> None:
    sprints = SprintCalendar.of([date(2026, 1, 5), date(2026, 1, 19), date(2026, 2, 2)])
    day = date(2025, 11, 1)
    while day < date(2026, 5, 1):
        found = sprints.period(sprints.index(day))
        assert found.start <= day < found.end
        assert sprints.period(sprints.index(day) + 1).start == found.end
        day += timedelta(days=1)


def test_sprint_grain_has_no_fixed_calendar() -> None:
    with pytest.raises(ValueError, match="SprintCalendar"):
        period_index(date(2026, 1, 5), Grain.SPRINT)


def test_a_sprint_row_stamped_with_its_end_day_counts_in_its_own_sprint() -> None:
    # Sprints of 5 and 19 January; the first ended on the 19th, when the second began.
    series = [
        Measurement(utc(2026, 1, 19), 31, period_start=date(2026, 1, 5)),
        Measurement(utc(2026, 2, 2), 35, period_start=date(2026, 1, 19)),
    ]
    evaluation = evaluate_kpi(
        kpi(grain=Grain.SPRINT, aggregation="sum"),
        series,
        now=utc(2026, 2, 3),
        zone=AMSTERDAM,
    )
    by_sprint = {pv.period.start: pv.value for pv in evaluation.history}
    assert by_sprint[date(2026, 1, 5)] == 31
    assert by_sprint[date(2026, 1, 19)] == 35
