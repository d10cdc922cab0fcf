"""What evaluating gives: the verdicts on KPIs, goals and teams, and the figures behind them.

Frozen dataclasses, built by pure code (`confluence_kpi.evaluate`) and never mutated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from confluence_kpi.model.definitions import RollUp, Target


class Status(StrEnum):
    """A KPI's or goal's verdict, from best to the ones that need attention."""

    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    # Measured, but there is nothing to judge against: neither good nor bad, and never "on track".
    NO_TARGET = "no_target"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    MISSED = "missed"
    STALE = "stale"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class Period:
    """A reporting period [start, end) in the catalog's time zone, with its display label."""

    start: date
    end: date
    label: str


class NoteCode(StrEnum):
    """What a note on a KPI says; the pages word it in their own language."""

    NO_DATA = "no_data"
    SOURCE_FAILED = "source_failed"  # values: error
    STALE_SINCE = "stale_since"  # values: date (ISO)
    LEFT_OUT_LATER = "left_out_later"  # values: count dated after as-of (within a period)
    NO_TARGET = "no_target"
    NOT_EVALUATED = "not_evaluated"  # a goal names a KPI that nothing evaluated
    INPUT_MISSING = "input_missing"  # values: kpis (ids of derived inputs without data)
    FORMULA_UNDEFINED = "formula_undefined"  # values: count of periods (division by zero)
    # Data warnings: data refused or left out that is almost surely wrong at its source. They
    # go into `Evaluation.warnings`, never `notes`: the page shows them in a warning panel, the
    # run reports them, and its exit code is 1.
    NEGATIVE_DENOMINATOR = "negative_denominator"  # values: period, total, rows (below zero)
    OVERFLOW = "overflow"  # values: period (its values are too large to compute with)
    FAR_AHEAD = "far_ahead"  # values: date (the first), count: dated a period past as-of


@dataclass(frozen=True)
class Note:
    """A remark about an evaluation: a code and its values as text, worded by the page."""

    code: NoteCode
    values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PeriodValue:
    """A KPI's value in one period, the target in effect then and the verdict given then.

    `partial` marks a running period whose value covers only its days so far (data that
    comes more often than the period); a period-stamped value (a ledger row, a typed
    quarter) is the whole period's as soon as it is there. `expected` is the level the
    verdict was judged against on the path from baseline to target, where there is a path.
    """

    period: Period
    value: float | None
    count: int
    complete: bool
    target: float | None = None
    status: Status | None = None
    partial: bool = False
    expected: float | None = None
    upper: float | None = None  # a range's upper bound in effect (`target` is its lower one)
    warning: Note | None = None  # a data warning: why measurements gave the period no value


@dataclass(frozen=True)
class Change:
    """Change of the current period against the previous one; `good` is direction-aware.

    A running period is compared like for like: with the same number of days at the start of
    the previous period (`days`), never with a whole period; None means whole periods."""

    absolute: float
    relative: float | None  # None when the previous value is zero: never "Infinity %"
    good: bool | None  # None when neutral: no preference, no change, or inside a band with room
    days: int | None = None


@dataclass(frozen=True)
class RunRate:
    """Pace of a summed KPI within its running period, against the period's target.

    `share` is the part of a whole period's total that its days so far usually hold: learned
    from the KPI's own history (`pattern_periods` complete periods; weekends with few tickets,
    month ends with many deals), or the share of days elapsed when there is too little history
    (`pattern_periods` 0). `required` is what each remaining day must add on average to meet
    `target`: None when it is already met or the target is a limit; 0 days left means the
    period ends with the last data.
    """

    to_date: float
    days_elapsed: int
    days_left: int
    share: float
    projected: float  # the period's total at its usual pattern: the value it is judged on
    target: float | None
    required: float | None
    pattern_periods: int = 0


@dataclass(frozen=True)
class Projection:
    """A least-squares line through the latest period values, extended to the target's date.

    Noisy data makes it swing: the pages show how many points it rests on.
    """

    value: float
    on: date
    points: int
    slope: float  # change per period


@dataclass(frozen=True)
class Evaluation:
    """Everything the pages show about one KPI at one moment (`as_of`)."""

    kpi_id: str
    as_of: datetime
    status: Status
    current: PeriodValue | None
    previous: PeriodValue | None
    change: Change | None
    history: tuple[PeriodValue, ...]
    last_data: datetime | None
    stale_since: date | None = None
    progress: float | None = None  # share of the way from baseline to target, 0..1 (may exceed)
    expected: float | None = None  # where the value should be now on the path to the target
    notes: tuple[Note, ...] = ()  # remarks ("no data", "stale since ..."), worded by the page
    warnings: tuple[Note, ...] = ()  # data warnings (see NoteCode): data refused or left out
    error: str | None = None  # why the KPI could not be evaluated (its source failed, ...)
    run_rate: RunRate | None = None  # summed KPIs while their period runs
    projection: Projection | None = None  # KPIs with a dated target, from enough points
    milestone: Target | None = None  # the target in effect for the current period
    # The period value the status rests on: the current one, or once the deadline passed the
    # last complete one. None when there is nothing to judge.
    judged: PeriodValue | None = None
    # The period the newest measurement stands for, when measurements are period-stamped (one
    # per period of the cadence: a ledger row, a typed quarter): freshness then counts from
    # that period's end, and "last data" names the period, not a day. None for event data.
    data_period: Period | None = None


@dataclass(frozen=True)
class GoalEvaluation:
    """A goal's status rolled up from its KPIs."""

    goal_id: str
    status: Status
    progress: float | None
    kpis: tuple[Evaluation, ...]
    rollup: RollUp = RollUp.WORST


@dataclass(frozen=True)
class StatusChange:
    """A KPI whose verdict differs from the one its previous period got."""

    kpi_id: str
    before: Status
    after: Status


@dataclass(frozen=True)
class TeamEvaluation:
    """A team's KPIs and goals, with counts by status and what needs attention first."""

    team_id: str
    counts: dict[Status, int]
    kpis: tuple[Evaluation, ...]
    goals: tuple[GoalEvaluation, ...]
    attention: tuple[Evaluation, ...]
    changed: tuple[StatusChange, ...] = ()
