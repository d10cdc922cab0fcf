"""Numbers, dates and periods as a page's language writes them: "1,234.5" or "1.234,5",
"€1,200", "30 June 2027", "Q3 2026".

Halves are rounded away from zero, as people round on paper, and nothing shows as "-0". Plain
text, which the templates escape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from zoneinfo import ZoneInfo

from confluence_kpi.model import Grain, KpiDefinition, Period
from confluence_kpi.pages.strings import Strings

_MINUS = "\u2212"  # a real minus sign: "-" next to a number reads as a hyphen
# Units written before the number, where the page's language puts currency symbols.
_CURRENCIES = frozenset({"€", "$", "£", "¥", "₹"})
_ONE_DAY = timedelta(days=1)
_TENS = tuple(10.0**places for places in range(16))
_WHOLE_FLOATS = 2.0**52
_TIE_TOLERANCE = 1e-6  # a half within this of the written value is treated as a tie candidate
_FLOAT_ERROR = 1e-14  # far above the relative error of a float and one multiplication


def step(places: int) -> float:
    """The smallest difference `places` decimals show: 1, 0.1, 0.01, ..."""
    return _TENS[places] ** -1


def shows_as_zero(value: float, decimals: int | None) -> bool:
    """Whether `value` shows as zero with `decimals` decimals ("0.0"): no change, no sign."""
    return not _figures(value, decimals, signed=True)[0]


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


@dataclass(frozen=True)
class Numbers:
    """Writes numbers, dates and periods in one locale and time zone.

    One instance serves every page of a sync: the period names a catalog's pages repeat by
    the thousand are worded once (`_names`)."""

    strings: Strings
    zone: ZoneInfo
    _names: dict[tuple[Period, Grain], str] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

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
