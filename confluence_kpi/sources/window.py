"""The span of time a web source is asked for, and the placeholders that carry it to the API.

The sync knows which span of data each (source, query) must cover: the periods its KPIs' pages
show (`pipeline.data_windows`). It hands that to `fetch` as a `model.Window`, whose `start` and
`end` are aware moments in the catalog's zone, end excluded. A web source fetched without one
asks for the default span, the last DEFAULT_HISTORY up to the end of today (UTC), rather than
for all the data an API has.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta, tzinfo

from confluence_kpi.model import Window

# Two years and a month: a monthly KPI's page shows 24 periods and compares with the one before.
DEFAULT_HISTORY = timedelta(days=800)

# {start}, {end}: moments; {start_date}, {end_date}: local dates; {start_unix}, {end_unix}:
# Unix seconds. Only these are replaced, so other braces (PromQL's, JSON's) are left alone.
_PLACEHOLDER = re.compile(r"\{(start|end)(_date|_unix)?\}")


def window_or_default(window: Window | None) -> Window:
    """`window`, or the default span ending at the end of today (UTC) when there is none."""
    if window is not None:
        return window
    today = datetime.now(UTC).date()
    end = datetime.combine(today + timedelta(days=1), time(), UTC)
    return Window(end - DEFAULT_HISTORY, end)


def zone_of(window: Window) -> tzinfo:
    """The zone the window is in: the catalog's when the sync gave it, else UTC."""
    return window.start.tzinfo or UTC


def fill(text: str, window: Window, moment: Callable[[datetime], str] = datetime.isoformat) -> str:
    """`text` with its placeholders replaced: `{start}` and `{end}` as `moment` writes them
    (ISO 8601 with the offset, by default), `{start_date}` and `{end_date}` as the dates of the
    window's zone, `{start_unix}` and `{end_unix}` as Unix seconds. The end is excluded: a
    window of March ends at `2026-04-01`."""

    def value(found: re.Match[str]) -> str:
        at = window.start if found[1] == "start" else window.end
        if found[2] == "_date":
            return at.date().isoformat()
        if found[2] == "_unix":
            return str(int(at.timestamp()))
        return moment(at)

    return _PLACEHOLDER.sub(value, text)
