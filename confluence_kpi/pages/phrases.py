"""A KPI's values, targets and verdicts in a page's language: "258 tickets so far in November
2026", "≥ 95 %", "▲ +0.4 h (+12.5 %)", "Stale since 15 Apr 2026".

Plain text, which the templates escape. Fixed words come from
`page_templates/strings/<locale>.yaml` (a `Strings`), never from code.
"""

from __future__ import annotations

from datetime import date

from confluence_kpi.model import (
    Change,
    Direction,
    Evaluation,
    Grain,
    KpiDefinition,
    Note,
    NoteCode,
    Period,
    PeriodValue,
    Projection,
    Status,
    Target,
)
from confluence_kpi.pages.numbers import Numbers, shows_as_zero, step

# A reach KPI moves toward its target; a maintain KPI holds a limit, a floor or a range.
REACH = frozenset({Direction.INCREASE, Direction.DECREASE})
_LIMITS = frozenset({Direction.DECREASE, Direction.MAINTAIN_BELOW})
_SAID_BY_THE_STATUS = frozenset({NoteCode.NO_DATA, NoteCode.STALE_SINCE})
_MORE_DECIMALS = 4  # at most this many more decimals to tell a value from the target it misses
# Values of these notes are ISO dates, shown written out in the page's language.
_DATE_VALUES = frozenset({"date"})


class Phrases(Numbers):
    """Words for a KPI's values, targets and verdicts in one locale and time zone, on top of
    its numbers and dates."""

    # --- verdicts --------------------------------------------------------------------------

    def status_title(self, status: Status, stale_since: date | None = None) -> str:
        """The lozenge text of a verdict: "On track", "Stale since 15 Apr 2026"."""
        if status is Status.STALE and stale_since is not None:
            return self.strings.say("status.stale_since", date=self.short_date(stale_since))
        return self.strings.text(f"status.{status.value}")

    def status_count(self, status: Status, count: int) -> str:
        """A lozenge text counting KPIs in one status: "On track: 3"."""
        return self.strings.say(
            "status.counted", status=self.status_title(status), count=self.number(count, 0)
        )

    # --- values ----------------------------------------------------------------------------

    def period_value(self, value: PeriodValue, kpi: KpiDefinition) -> str:
        """A period's value with its unit, "so far" while it covers part of its period, or
        "no data"."""
        text = self.verdict_value(value, kpi)
        if value.value is not None and value.partial:
            text = self.strings.say("value.to_date", value=text)
        return text

    def verdict_value(self, value: PeriodValue, kpi: KpiDefinition) -> str:
        """A period's value with its unit, with as many more decimals as it takes to tell it
        from a target it misses: 99.497 % under a floor of 99.50 % never shows as "99.50 %"."""
        shown = kpi.decimals if kpi.decimals is not None else 2
        number, target = value.value, value.target
        if number is None or target is None or abs(number - target) >= step(shown):
            return self.quantity(number, kpi)  # the two cannot show alike: the common case
        for decimals in range(shown, shown + _MORE_DECIMALS + 1):
            text = self.number(number, decimals)
            if number == target or text != self.number(target, decimals):
                break
        return self.with_unit(text, kpi.unit)

    def current_value(self, ev: Evaluation, kpi: KpiDefinition) -> str:
        """The current value with its period in words, "as of" the newest data (or how many
        of its days a running total covers) and any staleness."""
        if ev.current is None:
            return self.strings.text("value.no_data")
        say = self.strings.say
        text = say(
            "value.on_day" if kpi.grain is Grain.DAY else "value.in_period",
            value=self.period_value(ev.current, kpi),
            period=self.period_name(ev.current.period, kpi.grain),
        )
        if ev.run_rate is not None:
            total = ev.run_rate.days_elapsed + ev.run_rate.days_left
            text = say(
                "value.days_of",
                value=text,
                days=self.number(ev.run_rate.days_elapsed, 0),
                total=self.number(total, 0),
            )
        elif kpi.grain is not Grain.DAY and ev.data_period != ev.current.period:
            # Say how far the data goes, unless the value is its period's whole value.
            text = say("value.as_of", value=text, date=self.last_data(ev, kpi))
        if ev.stale_since is not None:
            text = say("value.stale", value=text, date=self.written_date(ev.stale_since))
        return text

    def last_data(self, ev: Evaluation, kpi: KpiDefinition, *, short: bool = False) -> str:
        """When the newest data is from: a day (`short` for a narrow table column), or the
        period it stands for (a ledger row, a typed quarter); "no data" without any."""
        if ev.last_data is None:
            return self.strings.text("value.no_data")
        if ev.data_period is not None:
            return self.period_name(ev.data_period, kpi.expected_cadence)
        day = self.local_date(ev.last_data)
        return self.short_date(day) if short else self.written_date(day)

    def baseline(self, kpi: KpiDefinition) -> str:
        """The baseline value and when it was measured, or "not set"."""
        if kpi.baseline is None:
            return self.strings.text("value.not_set")
        return self.strings.say(
            "value.on_date",
            value=self.quantity(kpi.baseline.value, kpi),
            date=self.written_date(kpi.baseline.date),
        )

    def expected(self, ev: Evaluation, kpi: KpiDefinition) -> str:
        """Where the value should be now on the path to the target; "—" when there is no path."""
        if ev.expected is None:
            return self.strings.text("value.none")
        return self.quantity(ev.expected, kpi)

    # --- targets ---------------------------------------------------------------------------

    def target(self, kpi: KpiDefinition) -> str:
        """The target value as the direction reads it: "2 h", "≥ 95 %", "2–5 h"; or "not set"."""
        if kpi.target is None:
            return self.strings.text("value.not_set")
        return self.target_value(kpi.target, kpi)

    def target_value(self, target: Target, kpi: KpiDefinition) -> str:
        """A target's value as the direction reads it: "2 h", "≥ 95 %", "2–5 h"."""
        if kpi.direction is Direction.RANGE and target.upper is not None:
            return self._band(target, kpi)
        value = self.quantity(target.value, kpi)
        if kpi.direction is Direction.MAINTAIN_ABOVE:
            return f"≥ {value}"
        if kpi.direction is Direction.MAINTAIN_BELOW:
            return f"≤ {value}"
        return value

    def aim(self, target: Target, kpi: KpiDefinition) -> str:
        """A target as a sentence names it: "320 tickets", "30–45 points"."""
        if kpi.direction is Direction.RANGE:
            return self._band(target, kpi)
        return self.quantity(target.value, kpi)

    def judged_against(self, aim: float | None, upper: float | None, kpi: KpiDefinition) -> str:
        """What a history row was judged against: a level, or a range's bounds."""
        if aim is None or upper is None:
            return self.quantity(aim, kpi)
        return self._band(Target(value=aim, upper=upper), kpi)

    def _band(self, target: Target, kpi: KpiDefinition) -> str:
        """A range's bounds as the catalog or the page gives them: "30–45 points"."""
        upper = target.value if target.upper is None else target.upper
        low = self.number(target.value, kpi.decimals)
        return self.with_unit(f"{low}–{self.number(upper, kpi.decimals)}", kpi.unit)

    # --- where it is going -----------------------------------------------------------------

    def trend(self, change: Change | None, kpi: KpiDefinition) -> str:
        """Arrow and change against the previous period: "▲ +0.4 h (+12.5 %)"; "no change"
        when the change rounds to nothing at the KPI's precision.

        A KPI in "%" changes in percentage points, and a relative change of a percentage
        would only confuse, so it is left out there.
        """
        if change is None:
            return self.strings.text("value.none")
        if self.rounds_to_nothing(change, kpi):
            return f"► {self.strings.text('value.no_change')}"
        arrow = "▲" if change.absolute > 0 else "▼"
        absolute = self.number(change.absolute, kpi.decimals, signed=True)
        if kpi.unit == "%":
            return f"{arrow} {self.with_unit(absolute, self.strings.text('value.points'))}"
        text = f"{arrow} {self.with_unit(absolute, kpi.unit)}"
        if change.relative is not None:
            relative = self.with_unit(self.number(change.relative * 100, 1, signed=True), "%")
            text = f"{text} ({relative})"
        return text

    @staticmethod
    def rounds_to_nothing(change: Change, kpi: KpiDefinition) -> bool:
        """Whether the change shows as zero at the KPI's precision ("0.0 h"): no change."""
        return shows_as_zero(change.absolute, kpi.decimals)

    def pace(self, ev: Evaluation, kpi: KpiDefinition) -> str:
        """Where a running period's total is heading, by its usual pattern or an even pace,
        and what the rest of the period must add: "About 283 tickets by 29 November ..."."""
        rate = ev.run_rate
        if rate is None or ev.current is None:
            return self.strings.text("value.none")
        say = self.strings.say
        end = self.last_day(ev.current.period)
        projected = self.quantity(rate.projected, kpi)
        if rate.pattern_periods:
            text = say(
                "pace.usual",
                projected=projected,
                end=end,
                grain=self.strings.text(f"unit_one.{kpi.grain.value}"),
                share=self.percent(rate.share),
                periods=self.number(rate.pattern_periods, 0),
                grains=self.strings.text(f"unit_many.{kpi.grain.value}"),
            )
        else:
            total = rate.days_elapsed + rate.days_left
            text = say(
                "pace.even",
                projected=projected,
                end=end,
                elapsed=self.number(rate.days_elapsed, 0),
                total=self.number(total, 0),
            )
        if rate.required is None or rate.target is None:
            return text
        limit = kpi.direction in _LIMITS
        if not limit and rate.required <= 0:
            return say("pace.met", text=text)
        return say(
            "pace.allowed" if limit else "pace.required",
            text=text,
            amount=self.quantity(max(rate.required, 0.0), kpi),
            days=self.number(rate.days_left, 0),
            target=self.quantity(rate.target, kpi),
        )

    def projection(self, projection: Projection | None, kpi: KpiDefinition) -> str:
        """Where the trend line ends at the deadline: "1,535,629 € by 30 June 2027 if the trend
        holds" (how it is drawn is told in "How it is measured", not here)."""
        if projection is None:
            return self.strings.text("pace.too_few")
        return self.strings.say(
            "pace.projection",
            value=self.quantity(projection.value, kpi),
            date=self.written_date(projection.on),
        )

    # --- notes -----------------------------------------------------------------------------

    @staticmethod
    def remarks(ev: Evaluation) -> tuple[Note, ...]:
        """The notes the page shows in its note panel: those the status sentence does not
        already say (no data, stale since)."""
        return tuple(note for note in ev.notes if note.code not in _SAID_BY_THE_STATUS)

    def note(self, note: Note, kpi: KpiDefinition | None = None) -> str:
        """A note about an evaluation, in the page's language; a period it names (by its first
        day, `start`) in words when the KPI is given."""
        values = {
            name: self.written_date(date.fromisoformat(value)) if name in _DATE_VALUES else value
            for name, value in note.values
        }
        if kpi is not None and "start" in values:
            start = date.fromisoformat(dict(note.values)["start"])
            values["period"] = self.period_name(Period(start, start, ""), kpi.grain)
        return self.strings.say(f"note.{note.code.value}", **values)
