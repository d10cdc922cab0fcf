"""Typed values read from text that people typed on a page: numbers with units, and dates.

Every reader raises ValueError with a reason a person can act on; nothing here guesses when
the text allows two readings (a "03/06/2027" on an English page, "2 days" for a KPI in h).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from string import Formatter

from confluence_kpi.pages.render import LOCALES, load_strings

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
    value = _bounded(text)
    match = _number_pattern(unit).match(value)
    if match is None or (match["sign"] and match["signed"]):
        expected = f" in {unit}" if unit else ""
        raise ValueError(f"{value!r} is not a number{expected}")
    number = _digits(match["digits"], load_strings(locale).texts["number"]["decimal"])
    return -number if (match["sign"] or match["signed"] or "+") in _MINUSES else number


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


def _digits(core: str, decimal: str) -> float:
    """The value of digits with "," and "." in them; which one is the decimal mark is decided
    by their order, by the locale, or by a group that cannot be a thousands group."""
    marks = [char for char in core if char in ".,"]
    if not marks:
        return float(core)
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
    return float(f"{whole.replace(group, '') or '0'}.{fraction or '0'}")


def parse_date(text: str, *, locale: str) -> date:
    """A date as people type it: "2027-06-30", "30 June 2027", "30 juni 2027", "30-06-2027".

    Day and month in numbers are read day first ("30/06/2027"); on an English page, where
    readers may mean month first, a date whose day could be a month is refused as ambiguous.
    """
    value = _bounded(text)
    if match := _ISO.match(value):
        year, month, day = (int(part) for part in match.groups())
    elif match := _NUMERIC.match(value):
        day, month, year = (int(part) for part in match.groups())
        if locale != "nl" and day <= 12 and month <= 12 and day != month:
            raise ValueError(f"{value!r} is ambiguous: write it as {year}-{month:02}-{day:02}")
    elif match := _DAY_MONTH.match(value):
        day, month, year = int(match[1]), _month(match[2], value), int(match[3])
    elif match := _MONTH_DAY.match(value):
        day, month, year = int(match[2]), _month(match[1], value), int(match[3])
    else:
        raise ValueError(f"{value!r} is not a date")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{value!r} is not a day in the calendar") from None


_WEEK = re.compile(r"^([0-9]{4})-?W([0-9]{1,2})$", re.IGNORECASE)
_QUARTER = re.compile(r"^([0-9]{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{1,2})$")
_YEAR = re.compile(r"^([0-9]{4})$")
_NAMED_MONTH = re.compile(r"^([^\W\d_]+)\.?\s+([0-9]{4})$")


def parse_period(text: str, *, locale: str) -> date:
    """The first day of a period as the pages label it (2026-W38, 2026-Q3, 2026-09, 2026), as
    people name a month ("November 2026", "nov 2026") or of a date they type ("15 September
    2026"): where a manual measurement belongs."""
    value = _bounded(text)
    try:
        if match := _WEEK.match(value):
            return date.fromisocalendar(int(match[1]), int(match[2]), 1)
        if match := _QUARTER.match(value):
            return date(int(match[1]), 3 * int(match[2]) - 2, 1)
        if match := _MONTH.match(value):
            return date(int(match[1]), int(match[2]), 1)
        if match := _YEAR.match(value):
            return date(int(match[1]), 1, 1)
        if match := _NAMED_MONTH.match(value):
            return date(int(match[2]), _month(match[1], value), 1)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a period (like 2026-09-15, 2026-W38, 2026-09, 2026-Q3)"
        ) from None
    return parse_date(value, locale=locale)


def _month(name: str, text: str) -> int:
    """A month's number from its name or first three letters, in any page language."""
    folded = name.casefold()
    for locale in LOCALES:
        for number, month in enumerate(load_strings(locale).texts["months"], start=1):
            if folded == month.casefold() or (len(folded) >= 3 and month.casefold()[:3] == folded):
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
