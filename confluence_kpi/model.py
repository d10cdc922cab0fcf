"""Domain types shared by every stage: what a KPI is, what was measured, and the verdicts.

Definitions are frozen pydantic models (the catalog validates into them); measurements and
evaluation results are frozen dataclasses, built by pure code and never mutated; a measurement
is a NamedTuple, as a run builds one per source row and a tuple is built several times faster.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from math import isfinite
from operator import attrgetter
from typing import Annotated, NamedTuple

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, model_validator

# Within a class body that has a field `date = None`, the annotation `date | None` would name that
# None (annotations are evaluated lazily, in the class namespace); this alias keeps the type.
Day = date


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
    SPRINT = "sprint"  # periods given by the source: each row names its sprint's first day
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


# Grains from the finest to the coarsest, by their place in `Grain`.
_GRAIN_RANK = {grain: rank for rank, grain in enumerate(Grain)}


class RollUp(StrEnum):
    """How a goal's status follows from its KPIs' verdicts."""

    WORST = "worst"  # the verdict needing the most attention wins: one KPI off track, goal too
    MAJORITY = "majority"  # the verdict most KPIs share; a tie goes to the worse verdict


class Kind(StrEnum):
    """Quantitative KPIs are counted; qualitative ones come from surveys and judgement."""

    QUANTITATIVE = "quantitative"
    QUALITATIVE = "qualitative"


class Horizon(StrEnum):
    """Leading KPIs warn early; lagging KPIs tell what already happened."""

    LEADING = "leading"
    LAGGING = "lagging"


# Text that reads as a number in a locale's notation, with the separator of digit groups and
# the mark before decimals: "1,234.5" and "15,000" (English), "1.234,5", "15.000" and "2,5"
# (Dutch). Grouped forms come first: three digits after the separator are read as a group.
_LOCALE_NUMBERS = (
    (re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"), ",", "."),
    (re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?|[+-]?\d+,\d+"), ".", ","),
)


def _yaml_number(value: object) -> object:
    """A catalog number as YAML wrote it. Pydantic would read text and true/false as numbers:
    "15.000" as 15 where a Dutch catalog means fifteen thousand, `yes` as 1."""
    if isinstance(value, bool):
        raise ValueError(f"must be a number (got {value})")
    if isinstance(value, str):
        raise ValueError(_text_for_a_number(value))
    return value


def _text_for_a_number(value: str) -> str:
    """Why text is no catalog number, with the number to write when the text reads as one."""
    text = value.strip()
    for pattern, group, mark in _LOCALE_NUMBERS:
        if pattern.fullmatch(text):
            plain = text.replace(group, "").replace(mark, ".")
            return (
                f"{text!r} is text: write {plain} as a plain YAML number "
                "(no quotes, no thousands separators, a dot before decimals)"
            )
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if isfinite(number):
        return f"{text!r} is text: write {text} as a YAML number, without quotes"
    return f"must be a number (got {value!r})"


# A number in the catalog: a YAML int or float (an int where a float is expected), never text.
Number = Annotated[float, BeforeValidator(_yaml_number)]
# A whole number in the catalog: a YAML int, never a float, text or true/false.
WholeNumber = Annotated[int, BeforeValidator(_yaml_number), Strict()]


class Definition(BaseModel):
    """Base of the catalog's definitions: frozen, and unknown keys are errors (typos get caught)."""

    # allow_inf_nan=False: YAML reads `.nan` and `.inf` as numbers, and no target or baseline
    # can be one.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Bands(Definition):
    """Pace bands: reaching this share of the expected progress or more is on track / at risk."""

    on_track: Number = 0.95
    at_risk: Number = 0.75

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        """At risk must lie below on track, and above zero: otherwise a band is empty."""
        if not 0 < self.at_risk < self.on_track:
            raise ValueError(
                "must have 0 < at_risk < on_track "
                f"(got at_risk {self.at_risk}, on_track {self.on_track})"
            )
        return self


class Baseline(Definition):
    """Where the KPI stood when the target was set."""

    value: Number
    date: date


class Target(Definition):
    """The value to reach (or the band to stay in, for `range`) and when; also a milestone."""

    value: Number
    date: Day | None = None
    upper: Number | None = None  # the band's upper bound for `range`; `value` is the lower


class Limits(Definition):
    """The values a KPI can possibly take: a typed measurement outside them is refused."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Limits:
        """An empty range would refuse every value."""
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError(f"must have min below max (got min {self.min:g}, max {self.max:g})")
        return self

    def refuses(self, value: float) -> bool:
        """Whether `value` lies outside the limits."""
        return (self.min is not None and value < self.min) or (
            self.max is not None and value > self.max
        )

    def said(self, unit: str) -> str:
        """The limits in words, for a KPI in `unit`: "0 to 100 %", "0 or more"."""
        after = f" {unit}" if unit else ""
        if self.min is not None and self.max is not None:
            return f"{self.min:g} to {self.max:g}{after}"
        if self.min is not None:
            return f"{self.min:g}{after} or more"
        return "any value" if self.max is None else f"{self.max:g}{after} or less"


# What a percentage or a count can be when the catalog sets no limits of its own.
_PERCENT = Limits(min=0, max=100)
_COUNT = Limits(min=0)
_ANY = Limits()


class StaticValue(Definition):
    """One measurement written in the catalog itself (source type `static`)."""

    date: date
    value: Number


MAX_DECIMALS = 6  # more places than any KPI's figures mean, and than a page cell can show

# The source of a manual KPI: people type its measurements into its own page's table.
PAGE_SOURCE = "page"


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
    decimals: WholeNumber | None = Field(default=None, ge=0, le=MAX_DECIMALS)
    direction: Direction
    grain: Grain = Grain.MONTH
    aggregation: Aggregation = Aggregation.SUM
    # Empty for a derived KPI, which has a `formula` over other KPIs instead of a source.
    source: str = ""
    formula: str | None = None  # `revenue / customers`: KPI ids, `-` written as `_`
    query: str | None = None  # sql: the query; other sources ignore it
    time_column: str = "ts"
    period_column: str | None = None  # sprint grain: the column with each row's sprint start
    column: str = "value"
    numerator: str | None = None  # ratio KPIs: the columns summed before dividing
    denominator: str | None = None
    # Multiplies each period's aggregated value: 100 shows a ratio of 0.925 as 92.5 %.
    scale: Number = Field(default=1.0, gt=0)
    values: tuple[StaticValue, ...] = ()
    baseline: Baseline | None = None
    target: Target | None = None  # the final target, due on its date
    # Dated targets on the way to the final one, in date order: each period is judged against
    # the first one not yet due at its end, so a later change never rewrites an old verdict.
    milestones: tuple[Target, ...] = ()
    owner: str | None = None
    cadence: Grain | None = None  # how often data is expected; the grain when not set
    bands: Bands | None = None  # pace bands for this KPI; the catalog's defaults when not set
    limits: Limits | None = None  # the values it can take; see `possible`

    @model_validator(mode="after")
    def _source_or_formula(self) -> KpiDefinition:
        """A KPI is measured from a source or derived by a formula, never both or neither."""
        if bool(self.source) == (self.formula is not None):
            raise ValueError("needs exactly one of source (measured) and formula (derived)")
        return self

    @property
    def expected_cadence(self) -> Grain:
        """How often new data is expected: the cadence, or else the grain."""
        return self.cadence or self.grain

    @property
    def finer_cadence(self) -> bool:
        """Whether data is declared to arrive more often than the grain (daily data, monthly KPI):
        a running period then holds only part of what it will."""
        return _GRAIN_RANK[self.expected_cadence] < _GRAIN_RANK[self.grain]

    @property
    def possible(self) -> Limits:
        """The values the KPI can take: its `limits`, or else 0 to 100 for a KPI in %, at
        least 0 for a count, and any value otherwise (a KPI in % such as a return on
        investment, which can be negative or above 100, sets its own limits)."""
        if self.limits is not None:
            return self.limits
        if self.unit == "%":
            return _PERCENT
        return _COUNT if self.aggregation is Aggregation.COUNT else _ANY

    @property
    def manual(self) -> bool:
        """Whether people type this KPI's measurements into its page (`source: page`)."""
        return self.source == PAGE_SOURCE

    @property
    def targets(self) -> tuple[Target, ...]:
        """The milestones and then the final target, in the order they fall due."""
        return self.milestones if self.target is None else (*self.milestones, self.target)


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
    rollup: RollUp | None = None  # the catalog's default when not set


class Team(Definition):
    """A team that owns KPIs and goals."""

    name: str
    description: str = ""


@dataclass(frozen=True)
class ManualRow:
    """A measurement people typed into a manual KPI's page: the text of its period, value and
    comment cells as typed. The bot writes them back as they are (a year left out of a
    period is the one thing it adds) and reads them again on every run."""

    period: str
    value: str
    comment: str = ""


class Measurement(NamedTuple):
    """One timestamped value from a source; ratio KPIs also carry numerator and denominator."""

    ts: datetime
    value: float
    numerator: float | None = None
    denominator: float | None = None
    # The first day of the period the value stands for as a whole: its sprint (sprint grain),
    # or the period a person typed it for (manual KPIs, stamped at the start of this day),
    # whose freshness is a matter of that period's end, not of the stamp.
    period_start: date | None = None


class TimeSeries(tuple[Measurement, ...]):
    """Measurements in time order, each timestamp with a time zone.

    Checked once, when a source's rows become a series: the evaluation (which can run more
    than once in a sync) takes a TimeSeries as it is, and checks any other sequence itself."""

    __slots__ = ()

    @classmethod
    def of(cls, measurements: Iterable[Measurement]) -> TimeSeries:
        """The measurements sorted by time; ValueError when a timestamp lacks a time zone."""
        problem = "measurement timestamps must carry a time zone (the source should attach it)"
        try:
            ordered = sorted(measurements, key=attrgetter("ts"))  # one pass when in order
        except TypeError as error:  # naive and aware timestamps mixed
            raise ValueError(problem) from error
        if ordered and ordered[0].ts.utcoffset() is None:
            raise ValueError(problem)
        return cls(ordered)


@dataclass(frozen=True)
class Period:
    """A reporting period [start, end) in the catalog's time zone, with its display label."""

    start: date
    end: date
    label: str


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
