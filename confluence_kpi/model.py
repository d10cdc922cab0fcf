"""Domain types shared by every stage: what a KPI is, what was measured, and the verdicts.

Definitions are frozen pydantic models (the catalog validates into them); measurements and
evaluation results are frozen dataclasses, built by pure code and never mutated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Status(StrEnum):
    """A KPI's or goal's verdict, from best to the ones that need attention."""

    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    MISSED = "missed"
    STALE = "stale"
    NO_DATA = "no_data"


class Direction(StrEnum):
    """Which way is good: reach a target (increase/decrease) or hold a level (maintain/range)."""

    INCREASE = "increase"
    DECREASE = "decrease"
    MAINTAIN_ABOVE = "maintain_above"
    MAINTAIN_BELOW = "maintain_below"
    RANGE = "range"


class Aggregation(StrEnum):
    """How the measurements of one period become the period's value."""

    SUM = "sum"
    MEAN = "mean"
    MEDIAN = "median"
    P75 = "p75"
    P90 = "p90"
    P95 = "p95"
    MIN = "min"
    MAX = "max"
    COUNT = "count"
    LAST = "last"
    TIME_WEIGHTED_MEAN = "time_weighted_mean"
    RATIO = "ratio"


class Grain(StrEnum):
    """The length of the periods a KPI is reported in."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class Kind(StrEnum):
    """Quantitative KPIs are counted; qualitative ones come from surveys and judgement."""

    QUANTITATIVE = "quantitative"
    QUALITATIVE = "qualitative"


class Horizon(StrEnum):
    """Leading KPIs warn early; lagging KPIs tell what already happened."""

    LEADING = "leading"
    LAGGING = "lagging"


class Definition(BaseModel):
    """Base of the catalog's definitions: frozen, and unknown keys are errors (typos get caught)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Baseline(Definition):
    """Where the KPI stood when the target was set."""

    value: float
    date: date


class Target(Definition):
    """The value to reach (or the band to stay in, for `range`) and when."""

    value: float
    date: date | None = None
    upper: float | None = None  # the band's upper bound for `range`; `value` is the lower


class StaticValue(Definition):
    """One measurement written in the catalog itself (source type `static`)."""

    date: date
    value: float


class KpiDefinition(Definition):
    """One KPI as the catalog defines it."""

    id: str
    name: str
    team: str
    description: str = ""
    kind: Kind = Kind.QUANTITATIVE
    horizon: Horizon = Horizon.LAGGING
    category: str | None = None
    unit: str = ""
    decimals: int | None = None
    direction: Direction
    grain: Grain = Grain.MONTH
    aggregation: Aggregation = Aggregation.SUM
    source: str
    query: str | None = None  # sql: the query; other sources ignore it
    time_column: str = "ts"
    column: str = "value"
    numerator: str | None = None  # ratio KPIs: the columns summed before dividing
    denominator: str | None = None
    values: tuple[StaticValue, ...] = ()
    baseline: Baseline | None = None
    target: Target | None = None
    owner: str | None = None
    cadence: Grain | None = None  # how often data is expected; the grain when not set

    @property
    def expected_cadence(self) -> Grain:
        """How often new data is expected: the cadence, or else the grain."""
        return self.cadence or self.grain


class Goal(Definition):
    """A SMART goal: a statement, its five SMART texts, a deadline and the KPIs that measure it."""

    id: str
    team: str
    title: str
    specific: str = ""
    measurable: str = ""
    achievable: str = ""
    relevant: str = ""
    time_bound: str = ""
    deadline: date | None = None
    owner: str | None = None
    kpis: tuple[str, ...] = ()


class Team(Definition):
    """A team that owns KPIs and goals."""

    name: str
    description: str = ""


@dataclass(frozen=True)
class Measurement:
    """One timestamped value from a source; ratio KPIs also carry numerator and denominator."""

    ts: datetime
    value: float
    numerator: float | None = None
    denominator: float | None = None


@dataclass(frozen=True)
class Period:
    """A reporting period [start, end) in the catalog's time zone, with its display label."""

    start: date
    end: date
    label: str


@dataclass(frozen=True)
class PeriodValue:
    """A KPI's value in one period, the target in effect then and the verdict given then."""

    period: Period
    value: float | None
    count: int
    complete: bool
    target: float | None = None
    status: Status | None = None


@dataclass(frozen=True)
class Change:
    """Change of the current period against the previous one; `good` is direction-aware."""

    absolute: float
    relative: float | None  # None when the previous value is zero: never "Infinity %"
    good: bool | None  # None when the direction gives no preference (or no change)


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
    notes: tuple[str, ...] = field(default=())  # plain-language remarks ("no data since ...")
    error: str | None = None  # why the KPI could not be evaluated (its source failed, ...)


@dataclass(frozen=True)
class GoalEvaluation:
    """A goal's status rolled up from its KPIs."""

    goal_id: str
    status: Status
    progress: float | None
    kpis: tuple[Evaluation, ...]


@dataclass(frozen=True)
class TeamEvaluation:
    """A team's KPIs and goals, with counts by status and what needs attention first."""

    team_id: str
    counts: dict[Status, int]
    kpis: tuple[Evaluation, ...]
    goals: tuple[GoalEvaluation, ...]
    attention: tuple[Evaluation, ...]
