"""Formatting of values, dates and verdicts for one locale.

Most of it returns plain text, which the templates escape. The small pieces of markup a page
repeats by the hundred (lozenges, links, table rows and cells) are built here too, as
`Markup` with every text in them escaped: a template macro costs several times a Python
call. Fixed words come from `page_templates/strings/<locale>.yaml` (a `Strings`), never
from code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, cached_property, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from confluence_kpi.model import (
    Change,
    Direction,
    Evaluation,
    Grain,
    KpiDefinition,
    Note,
    Period,
    PeriodValue,
    Projection,
    RunRate,
    Status,
    Target,
)

# Characters XML 1.0 forbids (C0 controls but tab/LF/CR, surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAK = re.compile("\r\n?")

# Status lozenge colours: Confluence's status macro knows Grey, Red, Yellow, Green, Blue.
_COLOURS: Mapping[Status, str] = {
    Status.ACHIEVED: "Green",
    Status.ON_TRACK: "Green",
    Status.NO_TARGET: "Blue",  # informative, neither good nor bad
    Status.AT_RISK: "Yellow",
    Status.OFF_TRACK: "Red",
    Status.MISSED: "Red",
    Status.STALE: "Grey",
    Status.NO_DATA: "Grey",
}

# The trend's colour when it moves the good or the bad way for its KPI.
_GOOD_COLOUR = "rgb(0,135,90)"
_BAD_COLOUR = "rgb(222,53,11)"
# Attribute values lose tabs and line breaks to XML's attribute normalisation unless they
# are written as character references.
_ATTRIBUTE_BREAKS = str.maketrans({"\t": "&#9;", "\n": "&#10;"})

# The columns of a table of KPIs after the KPI's own, by their field names in the strings.
_KPI_COLUMNS = (
    "status",
    "current_value",
    "target",
    "expected",
    "trend",
    "pace",
    "profile",
    "last_data",
)

# Values of these notes are ISO dates, shown written out in the page's language.
_DATE_VALUES = frozenset({"date"})
_MINUS = "\u2212"  # a real minus sign: "-" next to a number reads as a hyphen


def clean_text(text: str) -> str:
    """Drop what XML 1.0 cannot carry and unify line ends to LF, as an XML parser would."""
    if text.isprintable():
        return text  # no controls, no CR, no surrogates, no U+FFFE/U+FFFF: nothing to drop
    return _LINE_BREAK.sub("\n", _NOT_XML.sub("", text))


def xml_attribute(value: str) -> Markup:
    """An attribute value that reads back exactly, tabs and line breaks included."""
    return Markup(str(escape(clean_text(value))).translate(_ATTRIBUTE_BREAKS))


def status_colour(status: Status) -> str:
    """The status lozenge colour of a verdict."""
    return _COLOURS[status]


class TextTree:
    """A locale's texts for templates, read as `t.field.status` or `t.kind[kpi.kind]`.

    Jinja reads `a.b` as an attribute first and only then as a key: on a dict every lookup
    raised and caught an AttributeError, which made text lookups a large part of a page's
    rendering. Here the keys are attributes; a missing key is an error, as with a dict."""

    def __init__(self, texts: Mapping[str, Any]) -> None:
        for key, value in texts.items():
            setattr(self, key, TextTree(value) if isinstance(value, Mapping) else value)

    def __getitem__(self, key: str) -> Any:
        return self.__dict__[key]


@dataclass(frozen=True)
class Strings:
    """One locale's fixed texts (nested mapping, as in the YAML file) and conventions."""

    locale: str
    texts: Mapping[str, Any]

    @cached_property
    def tree(self) -> TextTree:
        """The texts as the templates read them."""
        return TextTree(self.texts)

    @cached_property
    def decimal_mark(self) -> str:
        """The locale's decimal mark: "." or ","."""
        return str(self.texts["number"]["decimal"])

    @cached_property
    def group_mark(self) -> str:
        """The locale's digit grouping mark: "," or "."."""
        return str(self.texts["number"]["group"])

    @cached_property
    def _by_path(self) -> dict[str, str]:
        """Every text by its dotted path, so that a page's hundreds of lookups are one each."""
        found: dict[str, str] = {}
        nodes: list[tuple[str, Any]] = [("", self.texts)]
        while nodes:
            prefix, node = nodes.pop()
            for key, value in node.items():
                if isinstance(value, str):
                    found[prefix + key] = value
                elif isinstance(value, Mapping):
                    nodes.append((f"{prefix}{key}.", value))
        return found

    def text(self, path: str) -> str:
        """The text at a dotted path such as `value.no_data`; KeyError names a missing one."""
        try:
            return self._by_path[path]
        except KeyError:
            raise KeyError(f"{self.locale}: {path} is not a text") from None

    def say(self, path: str, **values: str) -> str:
        """The text at `path` with its `{name}` placeholders filled in."""
        return self.text(path).format_map(values)


_LOZENGE = Markup(
    '<ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">{}</ac:parameter>'
    '<ac:parameter ac:name="title">{}</ac:parameter></ac:structured-macro>'
)


@cache
def _spec(places: int) -> str:
    """The format spec of `_figures` for `places` decimals (built once: pages format thousands)."""
    return f"_.{places}f"


def _figures(value: float, decimals: int | None, signed: bool) -> tuple[str, str]:
    """The sign (U+2212, "+" or none) and the digits of `value`, grouped by "_" with a "."
    decimal point, for the caller to put in its own marks. A value that rounds to zero has
    no sign: no "-0"."""
    digits = format(value, _spec(2 if decimals is None else max(decimals, 0)))
    sign = ""
    if digits[0] == "-":
        sign, digits = _MINUS, digits[1:]
    if decimals is None and "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    if not digits.strip("0._"):
        return "", digits
    return sign or ("+" if signed else ""), digits


def _text(value: str) -> Markup:
    """Escaped text, cleaned of what XML forbids; markup passes unchanged."""
    return value if isinstance(value, Markup) else escape(clean_text(value))


@lru_cache(maxsize=256)
def _lozenge(colour: str, title: str) -> Markup:
    """A status lozenge; a page repeats a handful of them dozens of times (cached)."""
    return _LOZENGE.format(colour, clean_text(title))


@dataclass(frozen=True)
class HistoryRows:
    """The history as table rows: for the chart macro's table and for the history table."""

    chart: Markup
    table: Markup


@dataclass(frozen=True)
class Formatter:
    """Formats values of KPIs for pages in one locale and time zone."""

    strings: Strings
    zone: ZoneInfo
    space_key: str  # the space that page links point into

    def number(self, value: float, decimals: int | None, *, signed: bool = False) -> str:
        """A number in the locale's style ("1,234.5" / "1.234,5"), minus sign U+2212.

        Without `decimals`, up to two are shown and trailing zeros dropped; `signed` adds "+".
        """
        sign, digits = _figures(value, decimals, signed)
        marks = self.strings
        return sign + digits.replace(".", marks.decimal_mark).replace("_", marks.group_mark)

    def plain_number(self, value: float | None, decimals: int | None) -> str:
        """A number as the chart macro reads it: "." decimal point, no grouping, "" for none."""
        if value is None:
            return ""
        sign, digits = _figures(value, decimals, signed=False)
        return ("-" if sign else "") + digits.replace("_", "")

    def quantity(self, value: float | None, kpi: KpiDefinition) -> str:
        """A KPI value with its unit ("5.5 h"), or "no data": missing is never zero."""
        if value is None:
            return self.strings.text("value.no_data")
        return self._with_unit(self.number(value, kpi.decimals), kpi.unit)

    def percent(self, fraction: float | None) -> str:
        """A share such as progress (0.45) as "45 %"; "—" when unknown."""
        if fraction is None:
            return self.strings.text("value.none")
        return self._with_unit(self.number(fraction * 100, 0), "%")

    def written_date(self, day: date) -> str:
        """A date for reading: "30 June 2027" / "30 juni 2027"."""
        months = self.strings.texts["months"]
        return f"{day.day} {months[day.month - 1]} {day.year}"

    def local_date(self, moment: datetime) -> date:
        """The date of a moment in the catalog's zone; a naive moment is taken to be in it."""
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.zone).date()
        return moment.astimezone(self.zone).date()

    def lozenge(
        self, status: Status, stale_since: date | None = None, title: str | None = None
    ) -> Markup:
        """A status lozenge macro; the title defaults to the verdict's name ("Stale since ...").

        Built here rather than in a template macro: pages hold hundreds of lozenges, and a
        template macro call costs ten times a Python call. Markup.format escapes the texts.
        """
        return _lozenge(status_colour(status), title or self.status_title(status, stale_since))

    def row(self, key: str, value: str) -> Markup:
        """A key-value row of a two-column table (the Page Properties table, among others).

        Built here rather than by a template macro: a page holds dozens, and a macro call
        costs several times this. Text is cleaned and escaped as the templates' output is;
        markup (a lozenge, a link) passes as it is."""
        return Markup(f"<tr><th><p>{_text(key)}</p></th><td><p>{_text(value)}</p></td></tr>")

    @staticmethod
    def heading_row(headings: Iterable[str]) -> Markup:
        """The heading row of a table, ending its line."""
        cells = "".join(f"<th><p>{_text(heading)}</p></th>" for heading in headings)
        return Markup(f"<tr>{cells}</tr>\n")

    def kpi_heading(self, first: str | None = None) -> Markup:
        """The heading of a table of KPIs: the columns `kpi_row` fills."""
        say = self.strings.text
        return self.heading_row(
            [first or say("field.kpi")] + [say(f"field.{name}") for name in _KPI_COLUMNS]
        )

    def kpi_row(
        self, ev: Evaluation, kpi: KpiDefinition, title: str | None, lead: str = ""
    ) -> Markup:
        """One KPI in a table of KPIs (goal and team pages): a link to its page titled `title`,
        after `lead` (which shows it under a goal), then its verdict and figures."""
        current = (
            self.strings.text("value.no_data")
            if ev.current is None
            else self.period_value(ev.current, kpi)
        )
        cells = (
            self.lozenge(ev.status, ev.stale_since),
            current,
            self.target_cell(kpi),
            self.expected(ev, kpi),
            self.trend_cell(ev.change, kpi),
            self.pace(ev, kpi),
            self.profile(kpi),
            self.last_data(ev),
        )
        link = f"<td><p>{_text(lead)}{self.page_link(title, kpi.name)}</p></td>"
        return Markup(
            f"<tr>{link}{''.join(f'<td><p>{_text(cell)}</p></td>' for cell in cells)}</tr>"
        )

    def page_link(self, title: str | None, name: str) -> Markup:
        """A link to a page of the space, or the plain name when the page's title is unknown."""
        if not title:
            return _text(name)
        space, page = xml_attribute(self.space_key), xml_attribute(title)
        return Markup(
            f'<ac:link><ri:page ri:space-key="{space}" ri:content-title="{page}"/></ac:link>'
        )

    @staticmethod
    def time(day: date) -> Markup:
        """A date as Confluence's date lozenge."""
        return Markup(f'<time datetime="{day.isoformat()}"/>')

    def target_cell(self, kpi: KpiDefinition) -> Markup:
        """The target as the direction reads it, and its deadline as a date: "≥ 95 % by ..."."""
        text = _text(self.target(kpi))
        if kpi.target is None or kpi.target.date is None:
            return text
        by = _text(self.strings.text("value.by"))
        return Markup(f"{text} {by} {self.time(kpi.target.date)}")

    def trend_cell(self, change: Change | None, kpi: KpiDefinition) -> Markup:
        """The trend, green when it moves the good way for the KPI and red when the bad way."""
        text = _text(self.trend(change, kpi))
        if change is None or change.good is None:
            return text
        colour = _GOOD_COLOUR if change.good else _BAD_COLOUR
        return Markup(f'<span style="color: {colour};">{text}</span>')

    def history(self, ev: Evaluation, kpi: KpiDefinition) -> HistoryRows:
        """The rows of the chart's table and of the history table, built here in one pass: a
        page holds two dozen of each, and row by row in the template they dominated rendering.

        Every text is cleaned and escaped as template output is; the chart's table holds
        plain numbers, empty where there is no data, so the chart draws a gap, never a zero."""
        none = _text(self.strings.text("value.none"))
        # Targets and verdicts repeat from period to period: each is formatted once.
        targets: dict[float | None, tuple[str, str]] = {None: ("", none)}
        verdicts: dict[Status, str] = {}
        chart, table = [], []
        for pv in ev.history:
            label = _text(self.period_label(pv.period, kpi))
            value = self.plain_number(pv.value, kpi.decimals)
            if pv.target not in targets:
                targets[pv.target] = (
                    self.plain_number(pv.target, kpi.decimals),
                    _text(self.quantity(pv.target, kpi)),
                )
            target, aim = targets[pv.target]
            chart.append(
                f"<tr><td><p>{label}</p></td><td><p>{value}</p></td><td><p>{target}</p></td></tr>"
            )
            shown = _text(self.period_value(pv, kpi))
            verdict: str = none
            if pv.status is not None:
                if pv.status not in verdicts:
                    verdicts[pv.status] = self.lozenge(pv.status)
                verdict = verdicts[pv.status]
            table.append(
                f"<tr><td><p>{label}</p></td><td><p>{shown}</p></td>"
                f"<td><p>{aim}</p></td><td><p>{verdict}</p></td></tr>"
            )
        return HistoryRows(Markup("\n".join(chart)), Markup("\n".join(table)))

    def status_title(self, status: Status, stale_since: date | None = None) -> str:
        """The lozenge text of a verdict: "On track", "Stale since 2026-03-01"."""
        if status is Status.STALE and stale_since is not None:
            return self.strings.say("status.stale_since", date=stale_since.isoformat())
        return self.strings.text(f"status.{status.value}")

    def status_count(self, status: Status, count: int) -> str:
        """A lozenge text counting KPIs in one status: "On track: 3"."""
        return self.strings.say(
            "status.counted", status=self.status_title(status), count=self.number(count, 0)
        )

    def period_label(self, current: Period, kpi: KpiDefinition) -> str:
        """A period's name: its label, "week of 1 March 2026" for weeks that are not ISO weeks
        (those start on Monday and have numbers), "sprint of 5 January 2026" for sprints."""
        if kpi.grain is Grain.WEEK and current.start.weekday() != 0:
            return self.strings.say("value.week_of", date=self.written_date(current.start))
        if kpi.grain is Grain.SPRINT:
            return self.strings.say("value.sprint_of", date=self.written_date(current.start))
        return current.label

    def note(self, note: Note) -> str:
        """A note about an evaluation, in the page's language."""
        values = {
            name: self.written_date(date.fromisoformat(value)) if name in _DATE_VALUES else value
            for name, value in note.values
        }
        return self.strings.say(f"note.{note.code.value}", **values)

    def target_value(self, target: Target, kpi: KpiDefinition) -> str:
        """A target's value as the direction reads it: "2 h", "≥ 95 %", "2–5 h"."""
        value = self.number(target.value, kpi.decimals)
        if kpi.direction is Direction.RANGE and target.upper is not None:
            text = f"{value}–{self.number(target.upper, kpi.decimals)}"
        elif kpi.direction in (Direction.MAINTAIN_ABOVE, Direction.RANGE):
            text = f"≥ {value}"
        elif kpi.direction is Direction.MAINTAIN_BELOW:
            text = f"≤ {value}"
        else:
            text = value
        return self._with_unit(text, kpi.unit)

    def run_rate(self, rate: RunRate, kpi: KpiDefinition) -> str:
        """The pace within the running period: "8 leads a day so far, on pace for 56"."""
        text = self.strings.say(
            "pace.run_rate",
            rate=self.quantity(rate.rate, kpi),
            days=self.number(rate.days_elapsed, 0),
            projected=self.quantity(rate.projected, kpi),
        )
        if rate.required is None or rate.target is None:
            return text
        limit = kpi.direction in (Direction.DECREASE, Direction.MAINTAIN_BELOW)
        if not limit and rate.required <= 0:
            return self.strings.say("pace.met", text=text)
        return self.strings.say(
            "pace.allowed" if limit else "pace.required",
            text=text,
            rate=self.quantity(max(rate.required, 0.0), kpi),
            days=self.number(rate.days_left, 0),
            target=self.quantity(rate.target, kpi),
        )

    def pace(self, ev: Evaluation, kpi: KpiDefinition) -> str:
        """How the KPI moves toward its target: the run rate while a cumulative period runs,
        else the projection to the deadline (for a dated target), else "—"."""
        if ev.run_rate is not None:
            return self.run_rate(ev.run_rate, kpi)
        if kpi.target is not None and kpi.target.date is not None and ev.current is not None:
            return self.projection(ev.projection, kpi)
        return self.strings.text("value.none")

    def profile(self, kpi: KpiDefinition) -> str:
        """Kind, horizon and category in one short line: "Quantitative · Leading · financial"."""
        kind = self.strings.text(f"kind.{kpi.kind.value}")
        horizon = self.strings.text(f"horizon.{kpi.horizon.value}")
        return f"{kind} · {horizon} · {kpi.category or self.strings.text('value.none')}"

    def projection(self, projection: Projection | None, kpi: KpiDefinition) -> str:
        """Where the trend line ends at the deadline, and how many points it rests on."""
        if projection is None:
            return self.strings.text("pace.too_few")
        return self.strings.say(
            "pace.projection",
            value=self.quantity(projection.value, kpi),
            date=self.written_date(projection.on),
            points=self.number(projection.points, 0),
            slope=self._with_unit(
                self.number(projection.slope, kpi.decimals, signed=True), kpi.unit
            ),
        )

    def period_value(self, value: PeriodValue, kpi: KpiDefinition) -> str:
        """A period's value with its unit, "(to date)" while the period runs, or "no data"."""
        text = self.quantity(value.value, kpi)
        if value.value is not None and not value.complete:
            text = self.strings.say("value.to_date", value=text)
        return text

    def current_value(self, ev: Evaluation, kpi: KpiDefinition) -> str:
        """The current value with its period, "as of" the newest data and any staleness."""
        if ev.current is None:
            return self.strings.text("value.no_data")
        text = self.strings.say(
            "value.in_period",
            value=self.period_value(ev.current, kpi),
            period=self.period_label(ev.current.period, kpi),
        )
        if ev.last_data is not None:
            text = self.strings.say("value.as_of", value=text, date=self.last_data(ev))
        if ev.stale_since is not None:
            text = self.strings.say(
                "value.stale", value=text, date=self.written_date(ev.stale_since)
            )
        return text

    def target(self, kpi: KpiDefinition) -> str:
        """The target value as the direction reads it: "2 h", "≥ 95 %", "2–5 h"; or "not set"."""
        if kpi.target is None:
            return self.strings.text("value.not_set")
        return self.target_value(kpi.target, kpi)

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

    def last_data(self, ev: Evaluation) -> str:
        """The date of the newest measurement, or "no data"."""
        if ev.last_data is None:
            return self.strings.text("value.no_data")
        return self.written_date(self.local_date(ev.last_data))

    def trend(self, change: Change | None, kpi: KpiDefinition) -> str:
        """Arrow and change against the previous period: "▲ +0.4 h (+12.5 %)".

        A KPI in "%" changes in percentage points, and a relative change of a percentage
        would only confuse, so it is left out there.
        """
        if change is None:
            return self.strings.text("value.none")
        arrow = "▲" if change.absolute > 0 else "▼" if change.absolute < 0 else "►"
        absolute = self.number(change.absolute, kpi.decimals, signed=True)
        if kpi.unit == "%":
            return f"{arrow} {self._with_unit(absolute, self.strings.text('value.points'))}"
        text = f"{arrow} {self._with_unit(absolute, kpi.unit)}"
        if change.relative is not None:
            relative = self._with_unit(self.number(change.relative * 100, 1, signed=True), "%")
            text = f"{text} ({relative})"
        return text

    @staticmethod
    def _with_unit(number: str, unit: str) -> str:
        return f"{number} {unit}" if unit else number
