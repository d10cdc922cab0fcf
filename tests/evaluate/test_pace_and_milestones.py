"""Dated targets (milestones), run rate of cumulative KPIs, projection, derived KPIs, roll-ups."""

from __future__ import annotations

from datetime import date

import pytest

from confluence_kpi.derived import CycleError, evaluate_derived, evaluation_order
from confluence_kpi.evaluate import evaluate_goal, evaluate_kpi, evaluate_team, note
from confluence_kpi.model import Evaluation, Goal, NoteCode, RollUp, Status, StatusChange

from .factories import UTC_ZONE, at, baseline, daily, kpi, target, utc


def test_each_period_is_judged_against_the_milestone_in_effect_then() -> None:
    definition = kpi(
        aggregation="last",
        direction="maintain_above",
        milestones=[target(100, date(2026, 1, 31))],
        target=target(200, date(2026, 12, 31)),
    )
    series = at((utc(2026, 1, 20), 150), (utc(2026, 2, 20), 150))
    history = evaluate_kpi(definition, series, now=utc(2026, 2, 21), zone=UTC_ZONE).history
    assert [(pv.target, pv.status) for pv in history] == [
        (100, Status.ACHIEVED),  # January met its milestone, due at its end
        (200, Status.OFF_TRACK),  # February is judged against the final target
    ]


def test_raising_a_later_target_never_rewrites_an_earlier_verdict() -> None:
    series = at((utc(2026, 1, 20), 150), (utc(2026, 2, 20), 150))
    verdicts = [
        evaluate_kpi(
            kpi(
                aggregation="last",
                direction="maintain_above",
                milestones=[target(100, date(2026, 1, 31))],
                target=target(final, date(2026, 12, 31)),
            ),
            series,
            now=utc(2026, 2, 21),
            zone=UTC_ZONE,
        ).history[0]
        for final in (120, 500)
    ]
    assert verdicts[0] == verdicts[1]


def test_the_expected_path_runs_through_each_milestone() -> None:
    definition = kpi(
        aggregation="last",
        grain="day",
        baseline=baseline(0, date(2026, 1, 1)),
        milestones=[target(100, date(2026, 1, 10))],  # due 2026-01-11 00:00
        target=target(110, date(2026, 1, 20)),  # due 2026-01-21 00:00
    )
    # Halfway from the milestone (11 Jan) to the target (21 Jan): 100 + 10 / 2.
    evaluation = evaluate_kpi(
        definition, at((utc(2026, 1, 16), 105)), now=utc(2026, 1, 16, 1), zone=UTC_ZONE
    )
    assert evaluation.expected == pytest.approx(105)
    assert evaluation.status is Status.ON_TRACK


# A weekly count of daily events (cadence day): 7 days a week, target at most 70 a week.
WEEKLY = {"grain": "week", "aggregation": "sum", "cadence": "day", "direction": "maintain_below"}


@pytest.mark.parametrize(
    ("per_day", "status"),
    [
        (10, Status.ON_TRACK),  # 30 in 3 days: on pace for exactly 70
        (10.4, Status.AT_RISK),  # on pace for 72.8: within 5 % above the limit
        (11, Status.OFF_TRACK),  # on pace for 77: more than 5 % above
        (20, Status.OFF_TRACK),  # on pace for 140
    ],
)
def test_a_running_sum_is_judged_on_its_pace_not_on_its_total_so_far(
    per_day: float, status: Status
) -> None:
    # Monday 5 January 2026 to Wednesday: three days of data; the total so far (30 to 60)
    # is below the limit every time, so only the pace can tell.
    series = daily(utc(2026, 1, 5, 12), [per_day] * 3)
    definition = kpi(**WEEKLY, target=target(70))
    evaluation = evaluate_kpi(definition, series, now=utc(2026, 1, 7, 13), zone=UTC_ZONE)
    assert evaluation.run_rate is not None
    assert evaluation.run_rate.projected == pytest.approx(per_day * 7)
    assert evaluation.status is status


def test_run_rate_says_what_the_rest_of_the_period_must_add() -> None:
    series = daily(utc(2026, 1, 5, 12), [10, 10, 10])
    definition = kpi(**(WEEKLY | {"direction": "increase"}), target=target(100))
    rate = evaluate_kpi(definition, series, now=utc(2026, 1, 7, 13), zone=UTC_ZONE).run_rate
    assert rate is not None
    # 30 so far in 3 days; 70 more in the 4 days left. No history: an even pace, 3/7 of a week.
    assert (rate.to_date, rate.days_elapsed, rate.days_left) == (30, 3, 4)
    assert rate.share == pytest.approx(3 / 7)
    assert rate.pattern_periods == 0
    assert rate.required == pytest.approx(70)


def test_data_arriving_once_per_period_is_not_extrapolated() -> None:
    # A monthly ledger row stamped on the 1st is the whole month's value.
    definition = kpi(direction="maintain_above", target=target(100))
    evaluation = evaluate_kpi(
        definition, at((utc(2026, 3, 1), 120)), now=utc(2026, 3, 2), zone=UTC_ZONE
    )
    assert evaluation.run_rate is None
    assert evaluation.status is Status.ON_TRACK


def test_projection_is_the_least_squares_line_read_at_the_deadline() -> None:
    # Monthly values 10, 12, 14 (Jan to Mar): slope 2 a month; December is 9 months after March.
    series = at((utc(2026, 1, 15), 10), (utc(2026, 2, 15), 12), (utc(2026, 3, 15), 14))
    definition = kpi(aggregation="last", target=target(50, date(2026, 12, 31)))
    projection = evaluate_kpi(definition, series, now=utc(2026, 3, 20), zone=UTC_ZONE).projection
    assert projection is not None
    assert (projection.points, projection.on) == (3, date(2026, 12, 31))
    assert projection.slope == pytest.approx(2)
    assert projection.value == pytest.approx(32)


def test_no_projection_from_fewer_than_three_points() -> None:
    series = at((utc(2026, 2, 15), 12), (utc(2026, 3, 15), 14))
    definition = kpi(aggregation="last", target=target(50, date(2026, 12, 31)))
    assert evaluate_kpi(definition, series, now=utc(2026, 3, 20), zone=UTC_ZONE).projection is None


def monthly(kpi_id: str, *values: float) -> Evaluation:
    """A monthly KPI of the last value with one measurement mid-month from January 2026."""
    series = at(*((utc(2026, month, 15), value) for month, value in enumerate(values, 1)))
    return evaluate_kpi(
        kpi(id=kpi_id, aggregation="last"), series, now=utc(2026, 3, 20), zone=UTC_ZONE
    )


def test_derived_kpi_applies_its_formula_period_by_period() -> None:
    inputs = {
        "revenue": monthly("revenue", 100, 200, 300),
        "customers": monthly("customers", 10, 0, 20),
    }
    derived = kpi(id="per-customer", source="", formula="revenue / customers")
    evaluation = evaluate_derived(derived, inputs, now=utc(2026, 3, 20), zone=UTC_ZONE)
    assert [pv.value for pv in evaluation.history] == [10, None, 15]  # February: ÷ 0, a gap
    assert note(NoteCode.FORMULA_UNDEFINED, count="1") in evaluation.notes


def test_derived_kpi_without_input_data_has_no_data_and_names_the_input() -> None:
    derived = kpi(id="per-customer", source="", formula="revenue / customers")
    evaluation = evaluate_derived(
        derived, {"revenue": monthly("revenue", 1)}, now=utc(2026, 3, 20), zone=UTC_ZONE
    )
    assert evaluation.status is Status.NO_DATA
    assert note(NoteCode.INPUT_MISSING, kpis="customers") in evaluation.notes


def test_derived_kpis_come_after_their_inputs_and_cycles_are_refused() -> None:
    a = kpi(id="a", source="", formula="b * 2")
    b = kpi(id="b")
    assert [k.id for k in evaluation_order([a, b])] == ["b", "a"]
    loop = [kpi(id="x", source="", formula="y"), kpi(id="y", source="", formula="x")]
    with pytest.raises(CycleError, match="x -> y -> x"):
        evaluation_order(loop)


def test_kpis_ready_together_keep_their_catalog_order() -> None:
    total = kpi(id="total", source="", formula="c + a")
    kpis = [kpi(id="c"), total, kpi(id="a"), kpi(id="b")]

    assert [k.id for k in evaluation_order(kpis)] == ["c", "a", "b", "total"]


def test_a_loop_is_named_as_the_formulas_read_from_its_first_kpi_in_the_catalog() -> None:
    loop = [
        kpi(id="other"),
        kpi(id="p", source="", formula="q + other"),
        kpi(id="r", source="", formula="p"),
        kpi(id="q", source="", formula="r"),
    ]

    with pytest.raises(CycleError) as raised:
        evaluation_order(loop)

    assert raised.value.cycle == ("p", "q", "r", "p")
    assert str(raised.value) == "formulas depend on each other in a loop: p -> q -> r -> p"


def judged(kpi_id: str, status: Status) -> Evaluation:
    """An evaluation reduced to its status."""
    return Evaluation(kpi_id, utc(2026, 3, 1), status, None, None, None, (), None)


@pytest.mark.parametrize(
    ("rollup", "statuses", "expected"),
    [
        (RollUp.WORST, (Status.ON_TRACK, Status.ON_TRACK, Status.OFF_TRACK), Status.OFF_TRACK),
        (RollUp.MAJORITY, (Status.ON_TRACK, Status.ON_TRACK, Status.OFF_TRACK), Status.ON_TRACK),
        (RollUp.MAJORITY, (Status.ON_TRACK, Status.AT_RISK), Status.AT_RISK),  # tie: the worse
        (RollUp.WORST, (Status.ON_TRACK, Status.NO_TARGET), Status.ON_TRACK),  # no say
        (RollUp.WORST, (Status.NO_TARGET,), Status.NO_TARGET),
    ],
)
def test_goal_rolls_up_by_its_rule(
    rollup: RollUp, statuses: tuple[Status, ...], expected: Status
) -> None:
    members = [judged(f"k{n}", status) for n, status in enumerate(statuses)]
    goal = Goal(id="g", team="t", title="G", kpis=tuple(m.kpi_id for m in members), rollup=rollup)
    assert evaluate_goal(goal, members, now=utc(2026, 3, 1)).status is expected


def test_team_lists_the_verdicts_that_changed_since_the_previous_period() -> None:
    definition = kpi(aggregation="last", direction="maintain_above", target=target(100))
    series = at((utc(2026, 1, 15), 120), (utc(2026, 2, 15), 80))
    evaluation = evaluate_kpi(definition, series, now=utc(2026, 2, 20), zone=UTC_ZONE)
    team = evaluate_team("t", [evaluation], [])
    assert team.changed == (StatusChange("k", Status.ON_TRACK, Status.OFF_TRACK),)


def test_a_later_now_without_new_data_changes_no_verdict_or_pace() -> None:
    series = daily(utc(2026, 1, 5, 12), [10, 10, 10])
    definition = kpi(
        **(WEEKLY | {"direction": "increase"}),
        baseline=baseline(0, date(2025, 12, 1)),
        target=target(100, date(2026, 6, 30)),
    )
    early, late = (
        evaluate_kpi(definition, series, now=now, zone=UTC_ZONE)
        for now in (utc(2026, 1, 7, 13), utc(2026, 1, 8, 9))
    )
    assert (early.status, early.expected, early.run_rate, early.projection) == (
        late.status,
        late.expected,
        late.run_rate,
        late.projection,
    )
