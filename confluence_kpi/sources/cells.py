"""Reading one cell as a number; `None` means the cell is empty (points in time: `dates`).

Readers raise ValueError with a short reason; the caller adds where the cell is.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from math import isfinite

# The spaces that group digits: a plain one, and the no-break spaces that spreadsheets in
# French, Dutch and other locales write (1 234,5), which look the same on screen.
_SPACES = " \u00a0\u202f"


def shown_cell(value: object) -> str:
    """A cell's value for an error message, cut short so a huge cell cannot flood the report."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class NumberReader:
    """Reads numbers from cells; text follows one convention ("1,234.5" or "1.234,5").

    `thousands` is the mark that groups digits in text: None for the other one of "." and ","
    (a "." groups when "," marks decimals), " " for spaces, "" for none at all."""

    def __init__(self, decimal: str, thousands: str | None = None) -> None:
        self._decimal = decimal
        self._plain = decimal == "."
        group = ("," if decimal == "." else ".") if thousands is None else thousands
        self._groups = _SPACES if group == " " else group
        self._ungroup = str.maketrans("", "", self._groups)
        # Digit grouping must be exact (1,234 not 1,2): in "3.5" read with decimal ",", the dot
        # is no thousands separator, and dropping it would silently make the value 35.
        groups, mark = re.escape(self._groups), re.escape(decimal)
        self._grouped = (
            re.compile(rf"[+-]?\d{{1,3}}(?:[{groups}]\d{{3}})+(?:{mark}\d*)?")
            if self._groups
            else None  # no grouping: a mark other than the decimal one is no number
        )

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
            if self._grouped is not None and any(mark in text for mark in self._groups):
                if not self._grouped.fullmatch(text):
                    raise ValueError(f"{shown_cell(value)} is not a number")
                text = text.translate(self._ungroup)
            if self._decimal != ".":
                if "." in text:  # no mark of this source: float() would take it for a decimal
                    raise ValueError(f"{shown_cell(value)} is not a number")
                text = text.replace(self._decimal, ".")
            raw: str | float | Decimal = text
        elif value is None:
            return None
        elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            raw = value
        else:
            raise ValueError(f"{shown_cell(value)} is not a number")
        try:
            number = float(raw)
        except (ValueError, OverflowError):  # text that is no number, Decimal('sNaN'), 10**400
            raise ValueError(f"{shown_cell(value)} is not a number") from None
        # NaN and infinity pass float() but are never a measurement: one would turn every
        # sum and mean of its period into NaN.
        if not isfinite(number):
            raise ValueError(f"{shown_cell(value)} is not a finite number")
        return number


@cache
def number_reader(decimal: str, thousands: str | None = None) -> NumberReader:
    """The shared reader for a decimal and a thousands mark (its pattern is compiled once per
    process)."""
    return NumberReader(decimal, thousands)
