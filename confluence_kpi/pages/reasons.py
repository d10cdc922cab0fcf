"""Why a KPI has its status, in one plain sentence of the page's language: "258 tickets so far;
at the usual pattern about 263 tickets by 29 November, within the limit of 320 tickets."

The sentence follows the status order of docs/kpi-formulas.md ("Status"): a failed source, no
data, stale data, a deadline passed, then the value and what it means against the target in
effect. Plain text, which the templates escape.
"""

from __future__ import annotations

from collections.abc import Mapping

from confluence_kpi.model import Direction, Evaluation, Grain, KpiDefinition, PeriodValue, Status
from confluence_kpi.pages.phrases import REACH, Phrases

# The words of a maintain KPI's verdict, by direction and status (keys of `reason.*`).
_BAND_WORDS: Mapping[Direction, Mapping[Status, str]] = {
    Direction.MAINTAIN_BELOW: {
        Status.ON_TRACK: "under_limit",
        Status.AT_RISK: "near_limit",
        Status.OFF_TRACK: "over_limit",
    },
    Direction.MAINTAIN_ABOVE: {
        Status.ON_TRACK: "above_floor",
        Status.AT_RISK: "near_floor",
        Status.OFF_TRACK: "below_floor",
    },
    Direction.RANGE: {
        Status.ON_TRACK: "in_range",
        Status.AT_RISK: "near_range",
        Status.OFF_TRACK: "out_of_range",
    },
}
_PLAN_WORDS: Mapping[Status, str] = {
    Status.ON_TRACK: "on_plan",
    Status.AT_RISK: "behind_plan",
    Status.OFF_TRACK: "far_behind_plan",
}


def reason(words: Phrases, ev: Evaluation, kpi: KpiDefinition) -> str:
    """One plain sentence of why the KPI has its status: "258 tickets so far; at the usual
    pattern about 263 tickets by 29 November, within the limit of 320 tickets."."""
    say, text = words.strings.say, words.strings.text
    current = ev.current
    if ev.error is not None:
        return say("reason.failed", error=ev.error)
    if current is None or current.value is None or ev.status is Status.NO_DATA:
        return text("reason.none_typed" if kpi.manual else "reason.no_data")
    if ev.status is Status.STALE and ev.stale_since is not None:
        every = text(f"every.{kpi.expected_cadence.value}")
        return say("reason.stale", date=words.written_date(ev.stale_since), every=every)
    judged = ev.judged or current
    final = kpi.target
    if ev.status in (Status.ACHIEVED, Status.MISSED) and final is not None and final.date:
        return say(
            f"reason.{ev.status.value}",
            value=words.quantity(judged.value, kpi),
            period=words.period_name(judged.period, kpi.grain),
            target=words.aim(final, kpi),
            date=words.written_date(final.date),
        )
    value = _value_phrase(words, ev, current, kpi)
    if ev.status is Status.NO_TARGET:
        return say("reason.no_target", value=value)
    return say("reason.sentence", value=value, verdict=_verdict(words, ev, kpi))


def _value_phrase(words: Phrases, ev: Evaluation, current: PeriodValue, kpi: KpiDefinition) -> str:
    """The value a verdict rests on, and for a running total where it is heading."""
    say = words.strings.say
    value = words.verdict_value(current, kpi)
    rate = ev.run_rate
    if rate is not None:
        return say(
            "reason.so_far_usual" if rate.pattern_periods else "reason.so_far_even",
            value=value,
            projected=words.quantity(rate.projected, kpi),
            end=words.last_day(current.period),
        )
    period = words.period_name(current.period, kpi.grain)
    if current.partial:
        return say("reason.so_far", value=value, period=period)
    on_day = kpi.grain is Grain.DAY
    return say("reason.on_day" if on_day else "reason.in_period", value=value, period=period)


def _verdict(words: Phrases, ev: Evaluation, kpi: KpiDefinition) -> str:
    """What the value means against the target in effect: on plan, within the limit, ...;
    for a verdict no rule words (a stale value without its date), the verdict's name."""
    aim = ev.milestone or kpi.target
    if ev.status not in _PLAN_WORDS or aim is None:
        return words.status_title(ev.status).lower()
    if kpi.direction in REACH and ev.expected is not None and ev.current is not None:
        return _plan(words, ev, ev.current, ev.expected, kpi)
    if kpi.direction in REACH:
        verdict = "meets" if ev.status is Status.ON_TRACK else "not_yet"
    else:
        verdict = _BAND_WORDS[kpi.direction][ev.status]
    return words.strings.say(f"reason.{verdict}", target=words.aim(aim, kpi))


def _plan(
    words: Phrases, ev: Evaluation, current: PeriodValue, expected: float, kpi: KpiDefinition
) -> str:
    """A reach KPI against its plan: "ahead of plan (€1,198,453 planned by now)"."""
    say = words.strings.say
    plan = _PLAN_WORDS[ev.status]
    judged = current.value if ev.run_rate is None else ev.run_rate.to_date
    if ev.status is Status.ON_TRACK and judged is not None:
        sign = 1 if kpi.direction is Direction.INCREASE else -1
        if words.number(judged, kpi.decimals) != words.number(expected, kpi.decimals):
            plan = "ahead" if (judged - expected) * sign > 0 else plan
    if not current.complete:
        when = words.strings.text("reason.by_now")
    else:
        when = say("reason.for_period", period=words.period_name(current.period, kpi.grain))
    return say(
        "reason.plan",
        words=words.strings.text(f"reason.{plan}"),
        expected=words.quantity(expected, kpi),
        when=when,
    )
