"""What a KPI, goal and team are, as the catalog defines them, and which way each is good.

Frozen pydantic models that the catalog (`confluence_kpi.catalog`) validates into; unknown
keys are errors, and numbers must be written as YAML numbers.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from math import isfinite
from typing import Annotated, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, model_validator

# Within a class body that has a field `date = None`, the annotation `date | None` would name that
# None (the class namespace is searched first); this alias keeps the type.
Day = date


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
    def _ordered(self) -> Self:
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
    def _ordered(self) -> Self:
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
    time_column: str = Field(default="ts", min_length=1)
    period_column: str | None = None  # sprint grain: the column with each row's sprint start
    column: str = Field(default="value", min_length=1)
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
    def _source_or_formula(self) -> Self:
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
