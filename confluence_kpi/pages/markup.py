"""Storage-format markup for the pages, and `Formatter`, the object the templates use as `fmt`.

Most of a page's text is plain (`numbers`, `phrases`, `reasons`, `method`), which the templates
escape. The small pieces of markup a page repeats by the hundred (lozenges, links, table rows
and cells, the history's tables) are built here, as `Markup` with every text in them cleaned
and escaped: a template macro costs several times a Python call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from markupsafe import Markup, escape

from confluence_kpi.model import Bands, Evaluation, Grain, KpiDefinition, Period, Status
from confluence_kpi.pages.method import SourceLabel, method_rows, source_text
from confluence_kpi.pages.phrases import Phrases
from confluence_kpi.pages.reasons import reason

# Characters XML 1.0 forbids (C0 controls but tab/LF/CR, surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAK = re.compile("\r\n?")
# Attribute values lose tabs and line breaks to XML's attribute normalisation unless they
# are written as character references.
_ATTRIBUTE_BREAKS = str.maketrans({"\t": "&#9;", "\n": "&#10;"})
_ONE_DAY = timedelta(days=1)

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
_LOZENGE = Markup(
    '<ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">{}</ac:parameter>'
    '<ac:parameter ac:name="title">{}</ac:parameter></ac:structured-macro>'
)


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
class Formatter(Phrases):
    """What the templates use as `fmt`: the numbers, dates and phrases of one locale and time
    zone (`Phrases`), the markup pieces, the status sentences (`reasons`) and "How it is
    measured" (`method`).

    One formatter serves every page of a sync: the period names a catalog's pages repeat by
    the thousand are worded once (`_names`, `_marks`)."""

    space_key: str  # the space that page links point into
    _marks: dict[tuple[Period, Grain], tuple[Markup, str, str, str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

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
        return Markup(f"{self.lozenge(ev.status, ev.stale_since)} {_text(reason(self, ev, kpi))}")

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
                return reason(self, ev, kpi)
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
        if change is None or change.good is None or self.rounds_to_nothing(change, kpi):
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
                aims[aim, upper] = _text(self.judged_against(aim, upper, kpi))
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

    def method(
        self, ev: Evaluation, kpi: KpiDefinition, bands: Bands, names: Mapping[str, str]
    ) -> list[tuple[str, str]]:
        """The rows of "How it is measured" that say how the verdicts are reached (`method`)."""
        return method_rows(self, ev, kpi, bands, names)

    def source(self, label: SourceLabel) -> str:
        """Where the data comes from, as a reader knows it: "the spreadsheet sales.csv"."""
        return source_text(self, label)


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
