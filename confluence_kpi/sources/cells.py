"""Reading one cell as a number or a point in time; `None` means the cell is empty.

Parsers raise ValueError with a short reason; the caller adds where the cell is.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from math import isfinite
from zoneinfo import ZoneInfo

# Numbers in a time column are Unix seconds from this one on (2001-09-09 01:46:40 UTC). A
# smaller number is much likelier something else than a moment before then: an Excel serial
# day number (46023 is 2026-01-01), or a date written as digits (20260101).
MIN_EPOCH_SECONDS = 1_000_000_000
# Excel's day 0 as its serials from 1 March 1900 on count (Excel has a 29 February 1900).
_EXCEL_DAY_ZERO = date(1899, 12, 30)
_EXCEL_LAST_DAY = 2_958_465  # 9999-12-31, the last day Excel knows


def _shown(value: object) -> str:
    """A cell's value for an error message, cut short so a huge cell cannot flood the report."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class NumberReader:
    """Reads numbers from cells; text follows one convention ("1,234.5" or "1.234,5")."""

    def __init__(self, decimal: str) -> None:
        self._decimal = decimal
        self._plain = decimal == "."
        self._group = "," if decimal == "." else "."
        # Digit grouping must be exact (1,234 not 1,2): in "3.5" read with decimal ",", the dot
        # is no thousands separator, and dropping it would silently make the value 35.
        group, mark = re.escape(self._group), re.escape(decimal)
        self._grouped = re.compile(rf"[+-]?\d{{1,3}}(?:{group}\d{{3}})+(?:{mark}\d*)?")

    def __call__(self, value: object) -> float | None:
        """The cell's number, or None for an empty cell; ValueError when it is not a number."""
        if self._plain and type(value) is str:
            # The common cell ("123.45") read at once. float() takes no text that the long way
            # below would refuse when the decimal mark is a dot; what it refuses, or reads as
            # NaN or infinity, goes the long way to be read or named.
            try:
                number = float(value)
            except ValueError:
                pass
            else:
                if isfinite(number):
                    return number
        if isinstance(value, str):
            text = value.strip()
            if text.endswith("%"):  # "12 %" is the number 12 in a percentage KPI
                text = text[:-1].rstrip()
            if not text:
                return None
            if self._group in text:
                if not self._grouped.fullmatch(text):
                    raise ValueError(f"{_shown(value)} is not a number")
                text = text.replace(self._group, "")
            if self._decimal != ".":
                text = text.replace(self._decimal, ".")
            raw: str | float | Decimal = text
        elif value is None:
            return None
        elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            raw = value
        else:
            raise ValueError(f"{_shown(value)} is not a number")
        try:
            number = float(raw)
        except (ValueError, OverflowError):  # text that is no number, Decimal('sNaN'), 10**400
            raise ValueError(f"{_shown(value)} is not a number") from None
        # NaN and infinity pass float() but are never a measurement: one would turn every
        # sum and mean of its period into NaN.
        if not isfinite(number):
            raise ValueError(f"{_shown(value)} is not a finite number")
        return number


@cache
def number_reader(decimal: str) -> NumberReader:
    """The shared reader for a decimal mark (its pattern is compiled once per process)."""
    return NumberReader(decimal)


def read_time(value: object, zone: ZoneInfo) -> datetime | None:
    """The cell's moment as an aware datetime in `zone` (naive values are taken to be in it)."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)  # the common case, tried before anything else
        except ValueError:
            text = value.strip()
            if not text:
                return None
            moment = _time_from_text(text, value, zone)
    elif isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif value is None:
        return None
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        moment = _from_epoch(float(value), value, zone)
    else:
        raise ValueError(f"{_shown(value)} is not a date or time")
    if moment.tzinfo is None:
        # combine() rather than replace(tzinfo=...): the same result, several times faster.
        return datetime.combine(moment.date(), moment.time(), zone)
    return moment.astimezone(zone)


def _time_from_text(text: str, value: object, zone: ZoneInfo) -> datetime:
    try:
        return datetime.fromisoformat(text)  # dates, "T" or " " separated times, Z and offsets
    except ValueError:
        pass
    try:
        seconds = float(text)  # epoch seconds exported as text
    except ValueError:
        raise ValueError(f"{_shown(value)} is not a date or time") from None
    return _from_epoch(seconds, value, zone)


def _from_epoch(seconds: float, value: object, zone: ZoneInfo) -> datetime:
    """The moment `seconds` after 1970 began (Unix time); ValueError for a smaller number
    than MIN_EPOCH_SECONDS, which is almost surely no such moment."""
    if seconds < MIN_EPOCH_SECONDS:
        raise ValueError(_not_epoch(seconds, value))
    try:
        return datetime.fromtimestamp(seconds, tz=zone)
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"{_shown(value)} is not a date or time") from None


def _not_epoch(number: float, value: object) -> str:
    """Why a number in a time column is no moment, and what to write instead."""
    if 1 <= number <= _EXCEL_LAST_DAY:
        day = _EXCEL_DAY_ZERO + timedelta(days=int(number))
        return (
            f"{_shown(value)} looks like an Excel serial day number ({day} in Excel), not a "
            "date: write dates as text like 2026-01-01 (in Excel, format the column as "
            "yyyy-mm-dd before saving the file) or as Unix seconds"
        )
    return (
        f"{_shown(value)} is a number, not a date: numbers in a time column are read as Unix "
        f"seconds, which are {MIN_EPOCH_SECONDS} (2001-09-09) or more; write dates as text "
        "like 2026-01-01"
    )
