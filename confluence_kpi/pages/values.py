"""Typed values read from text that people typed on a page: numbers with units, and dates.

Every reader raises ValueError with a reason a person can act on; nothing here guesses when
the text allows two readings (a "03/06/2027" on an English page, "2 days" for a KPI in h).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from string import Formatter

from confluence_kpi.model import Grain
from confluence_kpi.pages.strings import LOCALES, load_strings
from confluence_kpi.periods import MONDAY, period_index, period_label, period_start

MAX_VALUE_TEXT = 200  # longer text is no number or date a person typed; refuse it unread

# Spaces people and editors type inside values: no-break, narrow no-break, figure, thin.
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " "})
_MINUSES = "-\u2212\u2013"  # hyphen, minus sign, and the en dash editors turn "-" into
_GROUPED = re.compile(r"^[0-9]{1,3}(?:G[0-9]{3})+$")
_ISO = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_NUMERIC = re.compile(r"^([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})$")
_DAY_MONTH = re.compile(r"^([0-9]{1,2})\.?\s+([^\W\d_]+)\.?,?\s+([0-9]{4})$")
_MONTH_DAY = re.compile(r"^([^\W\d_]+)\.?\s+([0-9]{1,2}),?\s+([0-9]{4})$")


def normalise(text: str) -> str:
    """Text with every kind of space as a plain one, runs collapsed and ends stripped."""
    return " ".join(text.translate(_SPACES).split())


def parse_number(text: str, *, locale: str, unit: str = "") -> float:
    """A number as people type it: "1,234.5" (en), "1.234,5" (nl), "12 %", "€ 1.200", "−3".

    The unit may stand before or after the number, or be left out; any other word is an
    error, so "2 days" for a KPI in hours is never read as 2 hours.
    """
    return parse_typed_number(text, locale=locale, unit=unit)[0]


def parse_typed_number(text: str, *, locale: str, unit: str = "") -> tuple[float, int]:
    """A number as `parse_number` reads it, and how many decimals were typed: "84.60" is
    (84.6, 2), "1.200" on a Dutch page (1200.0, 0). Shown elsewhere, a typed number keeps at
    least its precision."""
    value = _bounded(text)
    match = _number_pattern(unit).match(value)
    if match is None or (match["sign"] and match["signed"]):
        expected = f" in {unit}" if unit else ""
        raise ValueError(f"{value!r} is not a number{expected}")
    number, places = _digits(match["digits"], load_strings(locale).texts["number"]["decimal"])
    negative = (match["sign"] or match["signed"] or "+") in _MINUSES
    return -number if negative else number, places


@lru_cache(maxsize=64)
def _number_pattern(unit: str) -> re.Pattern[str]:
    """Sign, unit and digits in the orders people type them: "−3 h", "€ −3", "−€3", "3h"."""
    sign = r"[+\-\u2212\u2013]"
    before = after = rf"(?:{re.escape(unit)})?" if unit else ""
    return re.compile(
        rf"^(?P<sign>{sign})?\s*{before}\s*(?P<signed>{sign})?\s*"
        rf"(?P<digits>[0-9]+(?:[.,][0-9]+)*[.,]?|[.,][0-9]+)\s*{after}$",
        re.IGNORECASE,
    )


def _digits(core: str, decimal: str) -> tuple[float, int]:
    """The value of digits with "," and "." in them, and the number of decimals; which mark
    is the decimal mark is decided by their order, by the locale, or by a group that cannot
    be a thousands group."""
    marks = [char for char in core if char in ".,"]
    if not marks:
        return float(core), 0
    last = marks[-1]
    if len(set(marks)) == 2:
        point = last  # both used: the last one ends the whole part ("1.234,5", "1,234.5")
    elif len(marks) > 1:
        point = ""  # one mark used twice can only group ("1.234.567")
    elif last == decimal:
        point = last
    else:
        # The locale's group mark once: a thousands group ("1.200" in nl), unless what
        # follows it is no group of three ("1.5" in nl), which only a decimal mark can be.
        point = "" if _GROUPED.match(core.replace(last, "G")) else last
    whole, _, fraction = core.rpartition(point) if point else (core, "", "")
    group = ({".", ","} - {point}).pop() if point else last
    if group in whole and not _GROUPED.match(whole.replace(group, "G")):
        raise ValueError(f"{core!r} has its thousands marks in the wrong places")
    return float(f"{whole.replace(group, '') or '0'}.{fraction or '0'}"), len(fraction)


def parse_date(text: str, *, locale: str) -> date:
    """A date as people type it: "2027-06-30", "30 June 2027", "30 juni 2027", "30-06-2027".

    Day and month in numbers are read in the page language's order: day first on a Dutch
    page; on an English page, where readers write either, only a date that can be read one
    way ("30/06/2027", "06/30/2027"), and one that could be read both ways is refused.
    """
    value = _bounded(text)
    day = _date(value, locale)
    if day is None:
        raise ValueError(f"{value!r} is not a date")
    return day


def _date(value: str, locale: str) -> date | None:
    """The date written in `value` (normalised), or None when it is written in no date form;
    ValueError when it is, but ambiguous or not in the calendar."""
    if match := _ISO.match(value):
        year, month, day = (int(part) for part in match.groups())
    elif match := _NUMERIC.match(value):
        day, month, year = (int(part) for part in match.groups())
        if locale != "nl" and day <= 12 and month <= 12 and day != month:
            raise ValueError(f"{value!r} is ambiguous: write it as {year}-{month:02}-{day:02}")
        if locale != "nl" and month > 12:
            day, month = month, day  # month first, as in "11/28/2026"
    elif match := _DAY_MONTH.match(value):
        day, month, year = int(match[1]), _month(match[2], value), int(match[3])
    elif match := _MONTH_DAY.match(value):
        day, month, year = int(match[2]), _month(match[1], value), int(match[3])
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{value!r} is not a day in the calendar") from None


@dataclass(frozen=True)
class TypedPeriod:
    """A period as people typed it: its first day, the day after its last, its length, and
    its text as it stays on the page (with the year added where it was left out, so that
    the text names the same period next year)."""

    start: date
    end: date
    grain: Grain
    text: str


_YEAR = r"(?P<year>[0-9]{4})"
# Between a period's parts: nothing, a space, "-", "/", "." or ",", or "of" / "van".
_APART = r"(?:\s*[-/.,]?\s*|\s+(?:of|van)\s+)"
_QUARTER_WORD = r"(?:quarter|qtr|kwartaal|kw)"
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_ORDINALS |= {"eerste": 1, "tweede": 2, "derde": 3, "vierde": 4}
# Q3, K3 (kwartaal), 3rd quarter, 3e kwartaal, third quarter, derde kwartaal, kwartaal 3.
_QUARTER = (
    rf"(?:[QK]\s*(?P<q>[1-4])|(?P<nth>[1-4])\s*(?:st|nd|rd|th|ste|de|e)?\.?\s+{_QUARTER_WORD}"
    rf"|(?P<named>{'|'.join(_ORDINALS)})\s+{_QUARTER_WORD}|{_QUARTER_WORD}\s*(?P<after>[1-4]))"
)
_ABBREVIATED = {"mrt": 3}  # maart, as Dutch abbreviates it: not its first letters
_WEEK = r"(?:week|wk|w)\.?\s*(?P<week>[0-9]{1,2})"
_PERIODS = tuple(
    (re.compile(pattern, re.IGNORECASE), grain)
    for pattern, grain in (
        (rf"^{_QUARTER}{_APART}{_YEAR}$", Grain.QUARTER),
        (rf"^{_YEAR}{_APART}{_QUARTER}$", Grain.QUARTER),
        (rf"^{_WEEK}{_APART}{_YEAR}$", Grain.WEEK),
        (rf"^{_YEAR}{_APART}{_WEEK}$", Grain.WEEK),
        (rf"^{_WEEK}$", Grain.WEEK),  # the year left out: the latest such week
        (rf"^(?P<month>[0-9]{{1,2}})[-/.]{_YEAR}$", Grain.MONTH),
        (rf"^{_YEAR}[-/.](?P<month>[0-9]{{1,2}})$", Grain.MONTH),
        (rf"^(?P<name>[^\W\d_]+)\.?(?:,?\s+|-){_YEAR}$", Grain.MONTH),
        (rf"^{_YEAR}$", Grain.YEAR),
    )
)
_LIKE = "like 2026-11, November 2026, 2026-Q3, Q3 2026, week 48 2026 or 28 November 2026"


def parse_period(text: str, *, locale: str, today: date) -> TypedPeriod:
    """The period people mean by what they typed in a manual KPI's table, in any notation
    of either page language: 2026-Q3, Q3 2026, K3 2026, 3e kwartaal 2026, 2026-W48, week 48
    2026, wk 48, 2026-11, 11-2026, 11/2026, nov 2026, november 2026, 2026, or a date.

    A week typed without its year ("wk 48") is the latest such week begun by `today`.
    """
    value = _bounded(text)
    for pattern, grain in _PERIODS:
        if match := pattern.match(value):
            try:
                start, written = _start(match, grain, value, today)
            except ValueError:
                break  # a month 13, a week 60, "Smarch 2026": no period
            return _typed(start, grain, written)
    day = _date(value, locale)
    if day is None:
        raise ValueError(f"{value!r} is not a period ({_LIKE})")
    return _typed(day, Grain.DAY, value)


def _start(match: re.Match[str], grain: Grain, text: str, today: date) -> tuple[date, str]:
    """The first day of a period matched by one of `_PERIODS`, and its text to keep."""
    parts = match.groupdict()
    if grain is Grain.WEEK:
        week = int(parts["week"])
        if parts.get("year"):
            return date.fromisocalendar(int(parts["year"]), week, 1), text
        year = today.isocalendar().year
        if date.fromisocalendar(year, week, 1) > today:
            year -= 1
        return date.fromisocalendar(year, week, 1), f"{text} {year}"
    year = int(parts["year"])
    if grain is Grain.QUARTER:
        named = parts["named"]
        number = parts["q"] or parts["nth"] or parts["after"]
        quarter = _ORDINALS[named.casefold()] if named else int(number)
        return date(year, 3 * quarter - 2, 1), text
    if grain is Grain.MONTH:
        name = parts.get("name")
        return date(year, _month(name, text) if name else int(parts["month"]), 1), text
    return date(year, 1, 1), text


def _typed(start: date, grain: Grain, text: str) -> TypedPeriod:
    """A typed period from its first day: numbered weeks are ISO weeks, from Monday."""
    index = period_index(start, grain, MONDAY)
    return TypedPeriod(start, period_start(index + 1, grain, MONDAY), grain, text)


def period_example(day: date, grain: Grain, week_start: int, locale: str) -> str:
    """How to type the period of `grain` holding `day`, in the page's language: "2026-11 or
    November 2026". The manual table shows it; `parse_period` reads it back as that period."""
    strings = load_strings(locale)
    start = period_start(period_index(day, grain, week_start), grain, week_start)
    if grain is Grain.WEEK and week_start != MONDAY:
        grain = Grain.DAY  # numbered weeks start on Monday: this week's first day names it
    iso_year, week, _ = start.isocalendar()
    return strings.say(
        f"kpi.example.{grain.value}",
        label=period_label(start, grain),
        day=str(start.day),
        month=strings.texts["months"][start.month - 1],
        quarter=str((start.month - 1) // 3 + 1),
        week=str(week),
        year=str(iso_year if grain is Grain.WEEK else start.year),
    )


def _month(name: str, text: str) -> int:
    """A month's number from its name or its first three letters or more ("Sept"), in any
    page language, or from the Dutch "mrt"."""
    folded = name.casefold()
    if folded in _ABBREVIATED:
        return _ABBREVIATED[folded]
    for locale in LOCALES:
        for number, month in enumerate(load_strings(locale).texts["months"], start=1):
            if len(folded) >= 3 and month.casefold().startswith(folded):
                return number
    raise ValueError(f"{text!r} is not a date: no month called {name!r}")


def _bounded(text: str) -> str:
    """The normalised text of a value, refusing text far too long to be one."""
    value = normalise(text)
    if len(value) > MAX_VALUE_TEXT:
        raise ValueError(f"{len(value)} characters is too long for a value")
    if not value:
        raise ValueError("the value is empty")
    return value


@lru_cache(maxsize=64)
def template_pattern(template: str) -> re.Pattern[str]:
    """A pattern that reads back a localised template such as "{value} on {date}".

    Placeholders become named groups; the fixed words match case-insensitively with any
    whitespace, so "5.5 h ON  1 June 2026" reads as the template wrote it.
    """
    parts = ["^"]
    for literal, name, _, _ in Formatter().parse(template):
        words = literal.split()
        if words:
            lead = r"\s+" if literal[0].isspace() else r"\s*"
            trail = r"\s+" if literal[-1].isspace() else r"\s*"
            parts.append(lead + r"\s+".join(map(re.escape, words)) + trail)
        if name is not None:
            parts.append(f"(?P<{name}>.+?)")
    parts.append("$")
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)
