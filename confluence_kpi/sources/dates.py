"""Reading one cell as a point in time; `None` means the cell is empty.

Cells hold database dates and date-times, Excel's dates (openpyxl reads them as datetimes), or
text. Text is read the way its source writes dates (`DateText`): ISO 8601 or Unix seconds by
default, a source's `date_format`, or day first (`dayfirst`) for exports such as the Dutch
`05-01-2026`, which is 5 January. Readers raise ValueError with a short reason; the caller adds
where the cell is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache, lru_cache, partial
from zoneinfo import ZoneInfo

from confluence_kpi.sources.cells import shown_cell

# Numbers in a time column are Unix seconds from this one on (2001-09-09 01:46:40 UTC). A
# smaller number is much likelier something else than a moment before then: an Excel serial
# day number (46023 is 2026-01-01), or a date written as digits (20260101).
MIN_EPOCH_SECONDS = 1_000_000_000
# Excel's day 0 as its serials from 1 March 1900 on count (Excel has a 29 February 1900).
_EXCEL_DAY_ZERO = date(1899, 12, 30)
_EXCEL_LAST_DAY = 2_958_465  # 9999-12-31, the last day Excel knows

# A date written day first: 5-1-2026, 05/01/2026, 05.01.2026, with a time or not; one
# separator throughout, and four digits of year (a two-digit year could be any century).
_DAY_FIRST = re.compile(
    r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)

TimeReader = Callable[[object, ZoneInfo], datetime | None]


@dataclass(frozen=True)
class DateText:
    """How a source writes dates as text: ISO 8601 or Unix seconds (the default), the
    `datetime.strptime` format `format`, or, with `dayfirst`, ISO 8601 or day-month-year."""

    format: str | None = None
    dayfirst: bool = False


ISO_DATES = DateText()


@cache
def time_reader(dates: DateText) -> TimeReader:
    """`read_time` for the dates of one source, shared by every KPI that reads it.

    Many KPIs share one table (a team's sheet) and so its time column: each distinct cell is
    read once per process, not once per KPI. read_time is pure, so caching it is safe."""
    return lru_cache(maxsize=1 << 16)(partial(read_time, dates=dates))


def read_time(value: object, zone: ZoneInfo, dates: DateText = ISO_DATES) -> datetime | None:
    """The cell's moment as an aware datetime in `zone` (naive values are taken to be in it)."""
    if isinstance(value, str):
        found = _from_text(value, zone, dates)
        if found is None:
            return None
        moment = found
    elif isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif value is None:
        return None
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        moment = _from_epoch(float(value), value, zone)
    else:
        raise ValueError(f"{shown_cell(value)} is not a date or time")
    if moment.tzinfo is None:
        # combine() rather than replace(tzinfo=...): the same result, several times faster.
        return datetime.combine(moment.date(), moment.time(), zone)
    return moment.astimezone(zone)


def _from_text(value: str, zone: ZoneInfo, dates: DateText) -> datetime | None:
    """The moment text names, read as `dates` says; None for blank text."""
    if dates.format is not None:
        return _formatted(value, dates.format)
    try:
        return datetime.fromisoformat(value)  # the common case, tried before anything else
    except ValueError:
        text = value.strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)  # dates, "T" or " " separated times, Z and offsets
    except ValueError:
        pass
    day_first = _DAY_FIRST.fullmatch(text)
    if day_first and dates.dayfirst:
        return _day_first(day_first, value)
    if day_first:
        raise ValueError(
            f"{shown_cell(value)} is not a date or time as this source reads them: a csv or "
            "excel source reads dates written day first (05-01-2026 for 5 January) with "
            "`dayfirst: true` or a `date_format`"
        )
    try:
        seconds = float(text)  # epoch seconds exported as text
    except ValueError:
        raise ValueError(f"{shown_cell(value)} is not a date or time") from None
    return _from_epoch(seconds, value, zone)


def _formatted(value: str, date_format: str) -> datetime | None:
    """Text in the source's own `date_format`, and only in that: a cell in another form is
    an error rather than a guess at which of two readings was meant."""
    text = value.strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, date_format)
    except ValueError:
        raise ValueError(
            f"{shown_cell(value)} is not a date in the source's date_format {date_format!r}"
        ) from None


def _day_first(match: re.Match[str], value: str) -> datetime:
    day, _, month, year, hour, minute, second = match.groups()
    try:
        return datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError:  # 31-02-2026, 05-13-2026 (month first, perhaps), 25:00
        raise ValueError(
            f"{shown_cell(value)} is no date read day first (day-month-year)"
        ) from None


def _from_epoch(seconds: float, value: object, zone: ZoneInfo) -> datetime:
    """The moment `seconds` after 1970 began (Unix time); ValueError for a smaller number
    than MIN_EPOCH_SECONDS, which is almost surely no such moment."""
    if seconds < MIN_EPOCH_SECONDS:
        raise ValueError(_not_epoch(seconds, value))
    try:
        return datetime.fromtimestamp(seconds, tz=zone)
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"{shown_cell(value)} is not a date or time") from None


def _not_epoch(number: float, value: object) -> str:
    """Why a number in a time column is no moment, and what to write instead."""
    if 1 <= number <= _EXCEL_LAST_DAY:
        day = _EXCEL_DAY_ZERO + timedelta(days=int(number))
        return (
            f"{shown_cell(value)} looks like an Excel serial day number ({day} in Excel), not a "
            "date: write dates as text like 2026-01-01 (in Excel, format the column as "
            "yyyy-mm-dd before saving the file) or as Unix seconds"
        )
    return (
        f"{shown_cell(value)} is a number, not a date: numbers in a time column are read as "
        f"Unix seconds, which are {MIN_EPOCH_SECONDS} (2001-09-09) or more; write dates as text "
        "like 2026-01-01"
    )
