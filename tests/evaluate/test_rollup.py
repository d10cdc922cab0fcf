"""Goals roll up from their KPIs, worst wins; teams count statuses and list what needs attention."""

from __future__ import annotations

import pytest

from confluence_kpi.evaluate import evaluate_goal, evaluate_team
from confluence_kpi.model import Evaluation, Goal, Status

from .factories import utc

NOW = utc(2026, 3, 1)


def evaluation(kpi_id: str, status: Status, progress: float | None = None) -> Evaluation:
    """A KPI's evaluation reduced to what a roll-up reads."""
    return Evaluation(
        kpi_id=kpi_id,
        as_of=NOW,
        status=status,
        current=None,
        previous=None,
        change=None,
        history=(),
        last_data=None,
        progress=progress,
    )


def goal(*kpi_ids: str) -> Goal:
    """A goal measured by the given KPIs."""
    return Goal(id="g", team="t", title="G", kpis=kpi_ids)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ((Status.ON_TRACK, Status.AT_RISK, Status.ACHIEVED), Status.AT_RISK),
        ((Status.ACHIEVED, Status.ACHIEVED), Status.ACHIEVED),
        ((Status.ACHIEVED, Status.ON_TRACK), Status.ON_TRACK),
        ((Status.OFF_TRACK, Status.MISSED), Status.MISSED),
        ((Status.MISSED, Status.STALE, Status.ON_TRACK), Status.STALE),
        ((Status.ON_TRACK, Status.NO_DATA), Status.NO_DATA),
    ],
    ids=str,
)
def test_goal_takes_the_worst_status_of_its_kpis(
    statuses: tuple[Status, ...], expected: Status
) -> None:
    kpis = [evaluation(f"k{n}", status) for n, status in enumerate(statuses)]
    result = evaluate_goal(goal(*(e.kpi_id for e in kpis)), kpis, now=NOW)
    assert result.status is expected


def test_goal_progress_is_the_mean_of_the_progress_that_exists() -> None:
    kpis = [
        evaluation("a", Status.ON_TRACK, 0.5),
        evaluation("b", Status.ON_TRACK),
        evaluation("c", Status.ON_TRACK, 0.7),
    ]
    assert evaluate_goal(goal("a", "b", "c"), kpis, now=NOW).progress == pytest.approx(0.6)


def test_goal_without_any_progress_has_none() -> None:
    kpis = [evaluation("a", Status.ON_TRACK)]
    assert evaluate_goal(goal("a"), kpis, now=NOW).progress is None


def test_goal_lists_its_own_kpis_in_its_order_and_ignores_others() -> None:
    kpis = [evaluation(kpi_id, Status.ON_TRACK) for kpi_id in ("a", "b", "other")]
    result = evaluate_goal(goal("b", "a"), kpis, now=NOW)
    assert [e.kpi_id for e in result.kpis] == ["b", "a"]


def test_goal_kpi_without_evaluation_counts_as_no_data() -> None:
    result = evaluate_goal(goal("a", "gone"), [evaluation("a", Status.ON_TRACK)], now=NOW)
    assert result.status is Status.NO_DATA
    assert (result.kpis[1].kpi_id, result.kpis[1].status) == ("gone", Status.NO_DATA)


def test_goal_without_kpis_has_no_data() -> None:
    assert evaluate_goal(goal(), [], now=NOW).status is Status.NO_DATA


def test_team_counts_every_status_including_zeroes() -> None:
    kpis = [
        evaluation("a", Status.ON_TRACK),
        evaluation("b", Status.ON_TRACK),
        evaluation("c", Status.STALE),
    ]
    team = evaluate_team("t", kpis, [])
    assert team.counts == dict.fromkeys(Status, 0) | {
        Status.ON_TRACK: 2,
        Status.STALE: 1,
    }


def test_team_attention_lists_off_track_then_stale_then_missed_then_the_rest() -> None:
    kpis = [
        evaluation("fine", Status.ON_TRACK),
        evaluation("risky", Status.AT_RISK),
        evaluation("done", Status.ACHIEVED),
        evaluation("silent", Status.NO_DATA),
        evaluation("late", Status.OFF_TRACK),
        evaluation("old", Status.STALE),
    ]
    team = evaluate_team("t", kpis, [])
    assert [e.kpi_id for e in team.attention] == ["late", "old", "risky", "silent"]
    assert team.kpis == tuple(kpis)
