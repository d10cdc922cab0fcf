"""Prometheus as a source: a KPI's PromQL over the window, one value per step, as a table.

Each KPI's `query` goes to `/api/v1/query_range` (Prometheus HTTP API v1) over the window at
a step of a day or a week: the source's `step` when the catalog sets one, else the grain of the
KPIs that read the query. Prometheus steps are fixed lengths, so a KPI of months or quarters
reads daily values, and its aggregation makes the period's value from them (the mean of the
days' uptimes); weekly KPIs read a value a week when their query covers a week. A query sums
up its step: `avg_over_time(up[{step}])` (`{step}` is replaced by `1d` or `1w`), an error rate
from `increase(...[1d])`, a `histogram_quantile` over a day's buckets; a query whose ranges are
all shorter than its step would see only part of each step, and is refused. The value at a
moment covers the step before it, so each row is dated at the start of its step. Prometheus
answers at most 11,000 points a series: a longer range is asked for in parts.

The table has the column `ts` and a column per series: `value` for a query giving one, or
the value of the source's `label` for each (`instance` gives a column per instance). NaN, which
Prometheus gives where there is nothing to compute (0/0 without traffic), is an empty cell;
an infinity is refused, since no KPI can use it.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import datetime, timedelta, tzinfo
from datetime import time as day_time
from typing import Any

from confluence_kpi.catalog import PrometheusSourceConfig
from confluence_kpi.model import Grain, Window
from confluence_kpi.sources.table import SourceError, Table
from confluence_kpi.sources.web import WebClient, shown_query
from confluence_kpi.sources.window import window_or_default, zone_of

log = logging.getLogger(__name__)

QUERY_RANGE = "/api/v1/query_range"
STEPS = {"day": timedelta(days=1), "week": timedelta(weeks=1)}
_STEP_TEXT = {"day": "1d", "week": "1w"}
# Prometheus refuses a range of more points a series: (end - start) / step must not exceed it.
MAX_POINTS = 11_000
# A range selector, `[1d]`, or a subquery's, `[1w:5m]`: the span each value looks back over.
_RANGE = re.compile(r"\[((?:\d+(?:ms|[smhdwy]))+)(?::[^\]]*)?\]")
_DURATION_PART = re.compile(r"(\d+)(ms|[smhdwy])")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_HALF_DAY = timedelta(hours=12)
# How far a step of fixed length drifts from local midnights: the hour daylight saving time
# moves them. The range's end is let out by that much, so the last local day is not lost.
_DRIFT = timedelta(hours=1)


class PrometheusSource:
    """Asks the server for each query's range of values over the window."""

    def __init__(
        self,
        name: str,
        config: PrometheusSourceConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._name = name
        self._config = config
        self._web = WebClient(name, config, explain=_explain, sleep=sleep)

    def fetch(
        self, query: str | None, window: Window | None = None, grains: Collection[Grain] = ()
    ) -> Table:
        """The query's values over `window` (the default span without one), a row per step;
        the step is the source's, or follows `grains`, those of the KPIs reading the query."""
        if not query:
            raise SourceError(f"{self._name}: a prometheus source needs a PromQL `query`")
        origin = f"{self._name} ({shown_query(query)})"
        named = self._config.step or _step_for(query, grains)
        span, step = window_or_default(window), STEPS[named]
        _check_covers(query, step, origin)
        sent = query.replace("{step}", _STEP_TEXT[named])
        series: list[Any] = []
        # Each value covers the step before its moment: the first moment is one step in. A
        # span shorter than a step (a check's one day) still asks for that one moment.
        first = span.start + step
        for start, end in _parts(first, max(first, span.end + _DRIFT), step):
            params = {
                "query": sent,
                "start": f"{start.timestamp():.3f}",
                "end": f"{end.timestamp():.3f}",
                "step": f"{int(step.total_seconds())}s",
            }
            body = self._web.get(self._config.url.rstrip("/") + QUERY_RANGE, params).body
            series = _joined(series, _matrix(body, origin))
        return _table(series, origin, self._config.label, step, zone_of(span))

    def close(self) -> None:
        """Close the source's connections."""
        self._web.close()


def _step_for(query: str, grains: Collection[Grain]) -> str:
    """The step that follows the KPIs' grains: a week when they are all weekly and the query
    covers a week (`{step}`, or a range of a week or more), else a day."""
    if grains and set(grains) == {Grain.WEEK}:
        longest = _longest_range(query)
        if "{step}" in query or (longest is not None and longest >= STEPS["week"]):
            return "week"
    return "day"


def _longest_range(query: str) -> timedelta | None:
    """The longest span a range selector in `query` looks back over; None without one."""
    spans = [
        sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(found))
        for found in _RANGE.findall(query)
    ]
    return timedelta(seconds=max(spans)) if spans else None


def _check_covers(query: str, step: timedelta, origin: str) -> None:
    """SourceError when every range in `query` is shorter than `step`: each value would
    sample part of its step (a day of each week) and pass for the whole (ARCHITECTURE.md,
    rule 8)."""
    longest = _longest_range(query)
    if "{step}" not in query and longest is not None and longest < step:
        raise SourceError(
            f"{origin}: the query looks back {longest} but each value stands for a step of "
            f"{step.days} days: write the range as [{{step}}], or set the source's step: day"
        )


def _parts(start: datetime, end: datetime, step: timedelta) -> Iterator[tuple[datetime, datetime]]:
    """[start, end] cut into ranges of at most MAX_POINTS steps, each going on a step after the
    last one's end."""
    while start <= end:
        last = min(start + step * (MAX_POINTS - 1), end)
        yield start, last
        start = last + step


def _joined(series: list[Any], more: list[Any]) -> list[Any]:
    """`series` with the values of `more` added to the series of the same labels."""
    if not series:
        return more
    joined = {_key(one): dict(one, values=list(one.get("values") or ())) for one in series}
    for one in more:
        key = _key(one)
        if key in joined:
            joined[key]["values"] += one.get("values") or ()
        else:
            joined[key] = one
    return list(joined.values())


def _key(series: Any) -> tuple[tuple[str, str], ...]:
    """What tells a series from the others: its labels."""
    return tuple(sorted((series.get("metric") or {}).items()))


def _explain(body: Any) -> str | None:
    """Prometheus's own words in an error answer: `bad_data: parse error at char 5: ...`."""
    if body.get("status") != "error":
        return None
    return f"{body['errorType']}: {body['error']}"


def _matrix(body: Any, origin: str) -> list[Any]:
    """The series of a successful range query's answer; SourceError for anything else."""
    if not isinstance(body, dict) or body.get("status") != "success":
        raise SourceError(f"{origin}: the answer is no Prometheus API answer (status success)")
    for warning in body.get("warnings") or ():
        log.warning("%s: Prometheus warns: %s", origin, warning)
    data = body.get("data")
    data = data if isinstance(data, dict) else {}
    result = data.get("result")
    if data.get("resultType") != "matrix" or not isinstance(result, list):
        raise SourceError(
            f"{origin}: data.resultType is {data.get('resultType')!r}, not the matrix of a range"
        )
    return result


def _table(
    series: list[Any], origin: str, label: str | None, step: timedelta, zone: tzinfo
) -> Table:
    """A row per moment that any series has a value at, a column per series."""
    columns = _columns(series, origin, label)
    rows: dict[datetime, list[float | None]] = {}
    for index, one in enumerate(series):
        for position, pair in enumerate(one.get("values") or ()):
            where = f"{origin}, data.result[{index}].values[{position}]"
            try:
                moment, text = pair
                start = _step_start(float(moment), step, zone)
                value = _number(text)
            except (TypeError, ValueError) as problem:
                raise SourceError(f"{where} ({_said(one)}): {problem}") from None
            rows.setdefault(start, [None] * len(columns))[index] = value
    ordered = tuple((start, *rows[start]) for start in sorted(rows))
    return Table(("ts", *columns), ordered, origin)


def _columns(series: list[Any], origin: str, label: str | None) -> tuple[str, ...]:
    """Each series' column: its `label`'s value, or `value` where it has none; one each."""
    names = []
    for one in series:
        metric: Mapping[str, str] = one.get("metric") or {}
        names.append(metric[label] if label is not None and label in metric else "value")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        shown = "; ".join(_said(one) for one in series[:5])
        fix = (
            f"their {label} labels are alike"
            if label is not None
            else "set the source's `label` to the label that tells them apart (a column each)"
        )
        raise SourceError(
            f"{origin}: the query gives {len(series)} series ({shown}) for the column "
            f"{twice[0]!r}: {fix}, or aggregate them in the query (sum by (...))"
        )
    return tuple(names)


def _number(text: object) -> float | None:
    """A sample value: Prometheus writes it as text. NaN is no value (an empty cell)."""
    if not isinstance(text, str):
        raise ValueError(f"the value {text!r} is not Prometheus's text of a number")
    value = float(text)
    if math.isnan(value):
        return None
    if math.isinf(value):
        raise ValueError(
            f"{text} is no measurement (histogram_quantile gives +Inf when the quantile falls "
            "in the +Inf bucket: add a bucket above it)"
        )
    return value


def _step_start(moment: float, step: timedelta, zone: tzinfo) -> datetime:
    """The local midnight a step ending at `moment` began at. Steps are fixed lengths and
    drift from local midnights by the hour daylight saving time moves them: the nearest
    midnight to one step earlier is the one meant."""
    begun = datetime.fromtimestamp(moment - step.total_seconds(), zone)
    return datetime.combine((begun + _HALF_DAY).date(), day_time(), zone)


def _said(series: Any) -> str:
    """A series as PromQL writes it: `{instance="a", job="api"}`."""
    metric = series.get("metric") or {}
    return "{" + ", ".join(f'{key}="{value}"' for key, value in sorted(metric.items())) + "}"
