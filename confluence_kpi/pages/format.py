"""Formatting of values, dates and verdicts for one locale.

Most of it returns plain text, which the templates escape. The small pieces of markup a page
repeats by the hundred (lozenges, links, table rows and cells) are built here too, as
`Markup` with every text in them escaped: a template macro costs several times a Python
call. Fixed words come from `page_templates/strings/<locale>.yaml` (a `Strings`), never
from code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, cached_property, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from confluence_kpi.evaluate import MAINTAIN_MARGIN
from confluence_kpi.model import (
    Bands,
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
from confluence_kpi.profile import MIN_PATTERN_PERIODS

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

# Units written before the number, where the page's language puts currency symbols.
_CURRENCIES = frozenset({"€", "$", "£", "¥", "₹"})
_ONE_DAY = timedelta(days=1)
# A reach KPI moves toward its target; a maintain KPI holds a limit, a floor or a range.
_REACH = frozenset({Direction.INCREASE, Direction.DECREASE})
_LIMITS = frozenset({Direction.DECREASE, Direction.MAINTAIN_BELOW})
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
_SAID_BY_THE_STATUS = frozenset({NoteCode.NO_DATA, NoteCode.STALE_SINCE})
_MORE_DECIMALS = 4  # at most this many more decimals to tell a value from the target it misses

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

    def __getattr__(self, name: str) -> Any:
        # Called only for a name that is no text. It tells type checkers the texts are
        # attributes, and keeps a missing one an AttributeError (Jinja's "undefined").
        raise AttributeError(f"no text {name!r}")


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

    @cached_property
    def paths(self) -> frozenset[str]:
        """Every dotted path that holds a text."""
        return frozenset(self._by_path)

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


@cache
def _quantum(places: int) -> Decimal:
    """The Decimal step of `places` decimals: 1, 0.1, 0.01, ..."""
    return Decimal(1).scaleb(-places)


def _rounded(value: float, places: int) -> str:
    """`value` with `places` decimals, grouped by "_", its halves rounded away from zero as
    people round on paper (86.5 -> 87, 2.675 -> 2.68).

    `format` rounds the binary value, which lies a hair below many written halves (2.675 is
    2.67499999...), and rounds exact halves to even (86.5 -> 86). Only a number whose shortest
    written form ends in a 5 just past the last shown place is such a tie: it alone takes the
    slower decimal route (and stays a Decimal: a float may not hold the rounded digits), and
    a cheap float test rules out nearly every other number first."""
    scaled = abs(value) * _TENS[places]
    # From 2**52 on, a float no longer holds halves: such a number may be a tie unseen.
    tolerance = _TIE_TOLERANCE + scaled * _FLOAT_ERROR  # the product's own rounding error
    if scaled >= _WHOLE_FLOATS or abs(scaled - int(scaled) - 0.5) < tolerance:
        written = repr(value)
        point = written.find(".")
        tie = point >= 0 and len(written) - point - 1 == places + 1 and written[-1] == "5"
        if tie or "e" in written:  # 1e-05: let Decimal read it
            rounded = Decimal(written).quantize(_quantum(places), ROUND_HALF_UP)
            return format(rounded, f",.{places}f").replace(",", "_")
    return format(value, _spec(places))  # not a written half: `format` rounds it right


_TENS = tuple(10.0**places for places in range(16))
_WHOLE_FLOATS = 2.0**52
_TIE_TOLERANCE = 1e-6  # a half within this of the written value is treated as a tie candidate
_FLOAT_ERROR = 1e-14  # far above the relative error of a float and one multiplication


def _figures(value: float, decimals: int | None, signed: bool) -> tuple[str, str]:
    """The sign (U+2212, "+" or none) and the digits of `value`, grouped by "_" with a "."
    decimal point, for the caller to put in its own marks. A value that rounds to zero has
    no sign: no "-0"."""
    places = 2 if decimals is None else max(decimals, 0)
    digits = _rounded(value, places)
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
    """The history as the chart macro's tables, and as the heading and rows of the history
    table (whose third column is the plan, or the target where there is no plan)."""

    chart: Markup
    heading: Markup
    table: Markup


@dataclass(frozen=True)
class SourceLabel:
    """What a page says about where a KPI's data comes from: its kind (csv, sql, static,
    page) and a name a reader recognises (a file name, a database name), never a secret."""

    kind: str
    name: str = ""
    dialect: str = ""


@dataclass(frozen=True)
class Formatter:
    """Formats values of KPIs for pages in one locale and time zone.

    One formatter serves every page of a sync: the period names a catalog's pages repeat by
    the thousand are worded once (`_names`, `_marks`)."""

    strings: Strings
    zone: ZoneInfo
    space_key: str  # the space that page links point into
    _names: dict[tuple[Period, Grain], str] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _marks: dict[tuple[Period, Grain], tuple[Markup, str, str, str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    # --- numbers and dates -------------------------------------------------------------------

    def number(self, value: float, decimals: int | None, *, signed: bool = False) -> str:
        """A number in the locale's style ("1,234.5" / "1.234,5"), minus sign U+2212, halves
        rounded away from zero.

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
        """A KPI value with its unit ("5.5 h", "€1,200"), or "no data": missing is never zero."""
        if value is None:
            return self.strings.text("value.no_data")
        return self.with_unit(self.number(value, kpi.decimals), kpi.unit)

    def with_unit(self, number: str, unit: str) -> str:
        """A formatted number with its unit where the language puts it: a currency symbol
        before ("€1,381,435" in English, "€ 1.381.435" in Dutch), any other unit after."""
        if not unit:
            return number
        if unit not in _CURRENCIES:
            return f"{number} {unit}"
        sign = number[0] if number[:1] in (_MINUS, "+") else ""
        return self.strings.say("number.currency", sign=sign, unit=unit, digits=number[len(sign) :])

    def percent(self, fraction: float | None) -> str:
        """A share such as progress (0.45) as "45 %"; "—" when unknown."""
        if fraction is None:
            return self.strings.text("value.none")
        return self.with_unit(self.number(fraction * 100, 0), "%")

    def written_date(self, day: date) -> str:
        """A date for reading: "30 June 2027" / "30 juni 2027"."""
        months = self.strings.texts["months"]
        return f"{day.day} {months[day.month - 1]} {day.year}"

    def short_date(self, day: date) -> str:
        """A date short enough for a status lozenge: "30 Jun 2027" / "30 jun 2027"."""
        months = self.strings.texts["short_months"]
        return f"{day.day} {months[day.month - 1]} {day.year}"

    def local_date(self, moment: datetime) -> date:
        """The date of a moment in the catalog's zone; a naive moment is taken to be in it."""
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.zone).date()
        return moment.astimezone(self.zone).date()

    def period_name(self, current: Period, grain: Grain) -> str:
        """A period in words: "27 November 2026", "week 48, 2026", "November 2026", "Q3 2026",
        "2026"; weeks that do not start on Monday (no ISO number) and sprints by their first
        day."""
        name = self._names.get((current, grain))
        if name is None:
            name = self._names[current, grain] = self._period_name(current, grain)
        return name

    def _period_marks(self, current: Period, grain: Grain) -> tuple[Markup, str, str, str]:
        """A period's name as escaped markup, and its first, middle and last day as the chart
        reads them: every history row of every page needs them (worded once)."""
        marks = self._marks.get((current, grain))
        if marks is None:
            last = current.end - _ONE_DAY
            middle = current.start + (current.end - current.start) // 2
            marks = self._marks[current, grain] = (
                _text(self.period_name(current, grain)),
                _chart_day(current.start),
                _chart_day(middle),
                _chart_day(last),
            )
        return marks

    def _period_name(self, current: Period, grain: Grain) -> str:
        """`period_name` worded."""
        say = self.strings.say
        start = current.start
        match grain:
            case Grain.DAY:
                return say("period.day", date=self.written_date(start))
            case Grain.WEEK if start.weekday() == 0:
                year, week, _ = start.isocalendar()
                return say("period.week", week=str(week), year=str(year))
            case Grain.WEEK:
                return say("period.week_of", date=self.written_date(start))
            case Grain.MONTH:
                month = self.strings.texts["months"][start.month - 1]
                return say("period.month", month=month, year=str(start.year))
            case Grain.QUARTER:
                quarter = str((start.month - 1) // 3 + 1)
                return say("period.quarter", quarter=quarter, year=str(start.year))
            case Grain.YEAR:
                return say("period.year", year=str(start.year))
            case Grain.SPRINT:
                return say("period.sprint", date=self.written_date(start))

    def last_day(self, current: Period) -> str:
        """The last day of a period, written out: where "by ..." ends."""
        return self.written_date(current.end - _ONE_DAY)

    # --- markup pieces -----------------------------------------------------------------------

    def lozenge(
        self, status: Status, stale_since: date | None = None, title: str | None = None
    ) -> Markup:
        """A status lozenge macro; the title defaults to the verdict's name ("Stale since ...").

        Built here rather than in a template macro: pages hold hundreds of lozenges, and a
        template macro call costs ten times a Python call. Markup.format escapes the texts.
        """
        return _lozenge(status_colour(status), title or self.status_title(status, stale_since))

    def status_cell(self, ev: Evaluation, kpi: KpiDefinition) -> Markup:
        """The status lozenge and the sentence saying why."""
        return Markup(f"{self.lozenge(ev.status, ev.stale_since)} {_text(self.reason(ev, kpi))}")

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

    def kpi_heading(self, columns: Sequence[str], first: str | None = None) -> Markup:
        """The heading of a table of KPIs: the KPI (or `first`), then `columns` by their field
        names (status, current_value, target, trend, last_data, reason, team)."""
        say = self.strings.text
        return self.heading_row([first or say("field.kpi")] + [say(f"field.{c}") for c in columns])

    def kpi_row(
        self,
        ev: Evaluation,
        kpi: KpiDefinition,
        title: str | None,
        columns: Sequence[str],
        lead: str = "",
        team: Markup | None = None,
    ) -> Markup:
        """One KPI in a table of KPIs: a link to its page titled `title`, after `lead` (which
        shows it under a goal), then the `columns` (see `kpi_heading`); `team` fills a team
        column."""
        cells = "".join(
            f"<td><p>{_text(self._kpi_cell(ev, kpi, c, team))}</p></td>" for c in columns
        )
        link = f"<td><p>{_text(lead)}{self.page_link(title, kpi.name)}</p></td>"
        return Markup(f"<tr>{link}{cells}</tr>")

    def _kpi_cell(
        self, ev: Evaluation, kpi: KpiDefinition, column: str, team: Markup | None
    ) -> str:
        """One cell of `kpi_row`."""
        match column:
            case "status":
                return self.lozenge(ev.status, ev.stale_since)
            case "current_value":
                none = self.strings.text("value.no_data")
                return none if ev.current is None else self.period_value(ev.current, kpi)
            case "target":
                return self.target_cell(kpi)
            case "trend":
                return self.trend_cell(ev, kpi, short=True)
            case "last_data":
                return self.last_data(ev, kpi, short=True)
            case "reason":
                return self.reason(ev, kpi)
            case "team":
                return team or ""
        raise ValueError(f"no KPI column {column!r}")

    def page_link(self, title: str | None, name: str) -> Markup:
        """A link to the page titled `title`, showing `name` ("Revenue", not "KPI: Revenue");
        the plain name when the page's title is unknown."""
        if not title:
            return _text(name)
        space, page = xml_attribute(self.space_key), xml_attribute(title)
        body = "" if name == title else f"<ac:link-body>{_text(name)}</ac:link-body>"
        return Markup(
            f'<ac:link><ri:page ri:space-key="{space}" ri:content-title="{page}"/>{body}</ac:link>'
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

    def trend_cell(self, ev: Evaluation, kpi: KpiDefinition, *, short: bool = False) -> Markup:
        """The trend, green when it moves the good way for the KPI and red when the bad way;
        uncoloured when neutral or too small to show. A running period says what it is compared
        with (`short`: in a few words, for tables of KPIs)."""
        change = ev.change
        text = self.trend(change, kpi)
        if change is None or change.good is None or self._rounds_to_nothing(change, kpi):
            colour = None
        else:
            colour = _GOOD_COLOUR if change.good else _BAD_COLOUR
        if change is not None and change.days is not None and ev.previous is not None:
            text = self._compared(text, change.days, ev.previous.period, kpi, short)
        if colour is None:
            return _text(text)
        return Markup(f'<span style="color: {colour};">{_text(text)}</span>')

    def _compared(
        self, text: str, days: int, previous: Period, kpi: KpiDefinition, short: bool
    ) -> str:
        """The trend with what a running period is compared with."""
        if short:
            return self.strings.say("trend.short_same_days", change=text)
        name = self.period_name(previous, kpi.grain)
        if days >= (previous.end - previous.start).days:
            return self.strings.say("trend.all_of", change=text, period=name)
        if days == 1:
            return self.strings.say("trend.first_day", change=text, period=name)
        return self.strings.say(
            "trend.same_days", change=text, days=self.number(days, 0), period=name
        )

    def history(self, ev: Evaluation, kpi: KpiDefinition) -> HistoryRows:
        """The chart's tables and the history table's rows, built in one pass: a page holds two
        dozen periods, and row by row in the template they dominated rendering.

        The chart is a time series, so that the level each period was judged against is drawn
        as a step over the period (a milestone jumps, it does not slope), values sit mid-period,
        a running period is its own point (its total so far is no dip), and a period without
        data has no point at all, never a zero."""
        none = _text(self.strings.text("value.none"))
        say = self.strings.text
        planned = any(pv.expected is not None for pv in ev.history)
        reference = say("field.planned") if planned else say("field.target")
        aims: dict[tuple[float | None, float | None], str] = {(None, None): none}
        verdicts: dict[Status, str] = {}
        steps: list[tuple[str, str]] = []
        uppers: list[tuple[str, str]] = []
        values, running, table = [], [], []
        for pv in ev.history:
            label, first, middle, last = self._period_marks(pv.period, kpi.grain)
            aim = pv.expected if planned else pv.target
            upper = None if planned else pv.upper
            if pv.value is not None:
                if not pv.partial:
                    values.append((middle, self.plain_number(pv.value, kpi.decimals)))
                elif ev.run_rate is not None and pv is ev.current:
                    running.append((middle, self.plain_number(ev.run_rate.projected, kpi.decimals)))
                else:
                    running.append((middle, self.plain_number(pv.value, kpi.decimals)))
            for bound, points in ((aim, steps), (upper, uppers)):
                if bound is not None:
                    level = self.plain_number(bound, kpi.decimals)
                    points.append((first, level))
                    if last != first:
                        points.append((last, level))
            if (aim, upper) not in aims:
                aims[aim, upper] = _text(self._aim_text(aim, upper, kpi))
            verdict: str = none
            if pv.status is not None:
                if pv.status not in verdicts:
                    verdicts[pv.status] = self.lozenge(pv.status)
                verdict = verdicts[pv.status]
            shown = _text(self.period_value(pv, kpi))
            table.append(
                f"<tr><td><p>{label}</p></td><td><p>{shown}</p></td>"
                f"<td><p>{aims[aim, upper]}</p></td><td><p>{verdict}</p></td></tr>"
            )
        # The running period's point: where its total is heading, or its value so far.
        if ev.run_rate is not None or ev.current is None:
            running_name = say("field.projection")
        else:
            running_name = self.strings.say(
                "value.to_date", value=self.period_name(ev.current.period, kpi.grain)
            )
        chart = [
            _chart_table(say("field.period"), name, rows)
            for name, rows in (
                (say("field.value"), values),
                (say("field.range_low") if uppers else reference, steps),
                (say("field.range_high"), uppers),
                (running_name, running),
            )
            if rows
        ]
        heading = self.heading_row(
            [say("field.period"), say("field.value"), reference, say("field.verdict")]
        )
        return HistoryRows(Markup("\n".join(chart)), heading, Markup("\n".join(table)))

    # --- words ---------------------------------------------------------------------------------

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

    def _band(self, target: Target, kpi: KpiDefinition) -> str:
        """A range's bounds as the catalog or the page gives them: "30–45 points"."""
        upper = target.value if target.upper is None else target.upper
        low = self.number(target.value, kpi.decimals)
        return self.with_unit(f"{low}–{self.number(upper, kpi.decimals)}", kpi.unit)

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
        if number is None or target is None or abs(number - target) >= _TENS[shown] ** -1:
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

    def last_data(self, ev: Evaluation, kpi: KpiDefinition, *, short: bool = False) -> str:
        """When the newest data is from: a day (`short` for a narrow table column), or the
        period it stands for (a ledger row, a typed quarter); "no data" without any."""
        if ev.last_data is None:
            return self.strings.text("value.no_data")
        if ev.data_period is not None:
            return self.period_name(ev.data_period, kpi.expected_cadence)
        day = self.local_date(ev.last_data)
        return self.short_date(day) if short else self.written_date(day)

    def trend(self, change: Change | None, kpi: KpiDefinition) -> str:
        """Arrow and change against the previous period: "▲ +0.4 h (+12.5 %)"; "no change"
        when the change rounds to nothing at the KPI's precision.

        A KPI in "%" changes in percentage points, and a relative change of a percentage
        would only confuse, so it is left out there.
        """
        if change is None:
            return self.strings.text("value.none")
        if self._rounds_to_nothing(change, kpi):
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

    def _rounds_to_nothing(self, change: Change, kpi: KpiDefinition) -> bool:
        """Whether the change shows as zero at the KPI's precision ("0.0 h"): no change."""
        return not _figures(change.absolute, kpi.decimals, signed=True)[0]

    # --- why a KPI has its status -------------------------------------------------------------

    def reason(self, ev: Evaluation, kpi: KpiDefinition) -> str:
        """One plain sentence of why the KPI has its status: "258 tickets so far; at the usual
        pattern about 263 tickets by 29 November, within the limit of 320 tickets."."""
        say, text = self.strings.say, self.strings.text
        current = ev.current
        if ev.error is not None:
            return say("reason.failed", error=ev.error)
        if current is None or current.value is None or ev.status is Status.NO_DATA:
            return text("reason.none_typed" if kpi.manual else "reason.no_data")
        if ev.status is Status.STALE and ev.stale_since is not None:
            every = text(f"every.{kpi.expected_cadence.value}")
            return say("reason.stale", date=self.written_date(ev.stale_since), every=every)
        judged = ev.judged or current
        final = kpi.target
        if ev.status in (Status.ACHIEVED, Status.MISSED) and final is not None and final.date:
            return say(
                f"reason.{ev.status.value}",
                value=self.quantity(judged.value, kpi),
                period=self.period_name(judged.period, kpi.grain),
                target=self._aim(final, kpi),
                date=self.written_date(final.date),
            )
        value = self._value_phrase(ev, current, kpi)
        if ev.status is Status.NO_TARGET:
            return say("reason.no_target", value=value)
        return say("reason.sentence", value=value, verdict=self._verdict(ev, kpi))

    def _value_phrase(self, ev: Evaluation, current: PeriodValue, kpi: KpiDefinition) -> str:
        """The value a verdict rests on, and for a running total where it is heading."""
        say = self.strings.say
        value = self.verdict_value(current, kpi)
        rate = ev.run_rate
        if rate is not None:
            return say(
                "reason.so_far_usual" if rate.pattern_periods else "reason.so_far_even",
                value=value,
                projected=self.quantity(rate.projected, kpi),
                end=self.last_day(current.period),
            )
        period = self.period_name(current.period, kpi.grain)
        if current.partial:
            return say("reason.so_far", value=value, period=period)
        on_day = kpi.grain is Grain.DAY
        return say("reason.on_day" if on_day else "reason.in_period", value=value, period=period)

    def _verdict(self, ev: Evaluation, kpi: KpiDefinition) -> str:
        """What the value means against the target in effect: on plan, within the limit, ...;
        for a verdict no rule words (a stale value without its date), the verdict's name."""
        aim = ev.milestone or kpi.target
        if ev.status not in _PLAN_WORDS or aim is None:
            return self.status_title(ev.status).lower()
        if kpi.direction in _REACH and ev.expected is not None and ev.current is not None:
            return self._plan(ev, ev.current, ev.expected, kpi)
        if kpi.direction in _REACH:
            words = "meets" if ev.status is Status.ON_TRACK else "not_yet"
        else:
            words = _BAND_WORDS[kpi.direction][ev.status]
        return self.strings.say(f"reason.{words}", target=self._aim(aim, kpi))

    def _plan(
        self, ev: Evaluation, current: PeriodValue, expected: float, kpi: KpiDefinition
    ) -> str:
        """A reach KPI against its plan: "ahead of plan (€1,198,453 planned by now)"."""
        say = self.strings.say
        words = _PLAN_WORDS[ev.status]
        judged = current.value if ev.run_rate is None else ev.run_rate.to_date
        if ev.status is Status.ON_TRACK and judged is not None:
            sign = 1 if kpi.direction is Direction.INCREASE else -1
            if self.number(judged, kpi.decimals) != self.number(expected, kpi.decimals):
                words = "ahead" if (judged - expected) * sign > 0 else words
        if not current.complete:
            when = self.strings.text("reason.by_now")
        else:
            when = say("reason.for_period", period=self.period_name(current.period, kpi.grain))
        return say(
            "reason.plan",
            words=self.strings.text(f"reason.{words}"),
            expected=self.quantity(expected, kpi),
            when=when,
        )

    def _aim_text(self, aim: float | None, upper: float | None, kpi: KpiDefinition) -> str:
        """What a history row was judged against: a level, or a range's bounds."""
        if aim is None or upper is None:
            return self.quantity(aim, kpi)
        return self._band(Target(value=aim, upper=upper), kpi)

    def _aim(self, target: Target, kpi: KpiDefinition) -> str:
        """A target as a sentence names it: "320 tickets", "30–45 points"."""
        if kpi.direction is Direction.RANGE:
            return self._band(target, kpi)
        return self.quantity(target.value, kpi)

    # --- how it is measured ---------------------------------------------------------------------

    def method(
        self, ev: Evaluation, kpi: KpiDefinition, bands: Bands, names: Mapping[str, str]
    ) -> list[tuple[str, str]]:
        """The rows of "How it is measured" that say how the verdicts are reached: the
        calculation (with KPI names in a formula), the verdicts, a running period, the
        projection; in plain words, for people who want to check the numbers."""
        say, text = self.strings.say, self.strings.text
        grain = text(f"unit_one.{kpi.grain.value}")
        if kpi.formula is not None:
            calculation = say("method.formula", formula=_named(kpi.formula, names), grain=grain)
        else:
            aggregation = text(f"aggregation.{kpi.aggregation.value}")
            calculation = say("method.calculation", aggregation=aggregation, grain=grain)
        rows = [(text("field.calculation"), calculation)]
        if kpi.target is None and not kpi.milestones:
            rows.append((text("field.judging"), text("method.none")))
        elif kpi.direction not in _REACH:
            rows.append(
                (text("field.judging"), say("method.limit", margin=self.percent(MAINTAIN_MARGIN)))
            )
        elif any(pv.expected is not None for pv in ev.history):
            rows.append(
                (
                    text("field.judging"),
                    say(
                        "method.plan",
                        on_track=self.percent(bands.on_track),
                        at_risk=self.percent(bands.at_risk),
                    ),
                )
            )
        else:
            rows.append((text("field.judging"), text("method.plain")))
        rows.extend(self._running_rows(ev, kpi))
        if ev.projection is not None:
            points = self.number(ev.projection.points, 0)
            rows.append((text("field.projection"), say("method.projection", points=points)))
        return rows

    def _running_rows(self, ev: Evaluation, kpi: KpiDefinition) -> list[tuple[str, str]]:
        """How a running period is compared and judged, and how long data counts as current."""
        say, text = self.strings.say, self.strings.text
        grains = text(f"unit_many.{kpi.grain.value}")
        rows = []
        rate = ev.run_rate
        if rate is not None and rate.pattern_periods:
            running = say(
                "method.usual",
                grain=text(f"unit_one.{kpi.grain.value}"),
                grains=grains,
                periods=self.number(rate.pattern_periods, 0),
                kind=text(f"pattern.{kpi.grain.value}"),
            )
            rows.append((text("field.running"), running))
        elif rate is not None:
            minimum = self.number(MIN_PATTERN_PERIODS, 0)
            rows.append((text("field.running"), say("method.even", minimum=minimum, grains=grains)))
        elif any(pv.partial for pv in ev.history):
            rows.append((text("field.running"), text("method.so_far")))
        cadence = kpi.expected_cadence.value
        one, many = text(f"unit_one.{cadence}"), text(f"unit_many.{cadence}")
        fresh = "method.fresh_whole" if ev.data_period is not None else "method.fresh_event"
        rows.append((text("field.freshness"), say(fresh, cadence=one, cadences=many)))
        return rows

    def source(self, label: SourceLabel) -> str:
        """Where the data comes from, as a reader knows it: "the spreadsheet sales.csv"."""
        path = f"source.{label.kind}"
        if path not in self.strings.paths:
            path = "source.unknown"
        return self.strings.say(path, name=label.name, dialect=label.dialect)


def _named(formula: str, names: Mapping[str, str]) -> str:
    """A formula with each KPI id (`-` written `_`) replaced by the KPI's name."""
    return _IDENTIFIER.sub(lambda m: names.get(m.group(0), m.group(0)), formula)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _chart_day(day: date) -> str:
    """A date as the time-series chart reads it (its `dateFormat` is yyyy-MM-dd)."""
    return day.isoformat()


def _chart_table(first: str, name: str, rows: Sequence[tuple[str, str]]) -> str:
    """One series of the time-series chart: a table of (day, value) rows under its name."""
    body = "".join(f"<tr><td><p>{day}</p></td><td><p>{value}</p></td></tr>" for day, value in rows)
    return (
        f"<table><tbody><tr><th><p>{_text(first)}</p></th><th><p>{_text(name)}</p></th></tr>"
        f"{body}</tbody></table>"
    )
