"""A fake Prometheus: `GET /api/v1/query_range` as the Prometheus HTTP API v1 answers it (as of
Prometheus 2.x and 3.x), served by the local test server (web_server.py).

It checks its parameters as Prometheus does (`query`, `start`, `end` and `step` present and
readable, the end not before the start, at most 11,000 points a series) and answers a problem
as Prometheus does: 400 with `{"status": "error", "errorType": "bad_data", "error": ...}`.
The series of each query are the test's: labels, and a value (Prometheus's text of a float)
for each evaluation moment, or None where the series has no sample then.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .web_server import Received, Reply

QUERY_RANGE = "/api/v1/query_range"
MAX_POINTS = 11_000  # Prometheus refuses a range query with more points a series
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


@dataclass(frozen=True)
class Series:
    """A series a query gives: its labels, and its value at each moment (Unix seconds)."""

    labels: Mapping[str, str]
    value: Callable[[float], str | None]


def bad_data(error: str) -> Reply:
    """Prometheus's answer to a request it cannot read."""
    return Reply(400, {"status": "error", "errorType": "bad_data", "error": error})


class FakePrometheus:
    """Answers range queries over the series each query (PromQL, as sent) gives."""

    def __init__(self, queries: Mapping[str, list[Series]]) -> None:
        self.queries = queries

    def __call__(self, request: Received) -> Reply:
        params = request.params
        missing = [name for name in ("query", "start", "end", "step") if name not in params]
        if missing:
            return bad_data(f'invalid parameter "{missing[0]}": cannot parse "" to a valid value')
        try:
            start, end = float(params["start"]), float(params["end"])
            step = _seconds(params["step"])
        except ValueError as error:
            return bad_data(f"invalid parameter: {error}")
        if end < start:
            return bad_data('invalid parameter "end": end timestamp must not be before start time')
        if step <= 0:
            return bad_data(
                "zero or negative query resolution step widths are not accepted. "
                "Try a positive integer"
            )
        if (end - start) / step > MAX_POINTS:
            return bad_data(
                "exceeded maximum resolution of 11,000 points per timeseries. "
                "Try decreasing the query resolution (?step=XX)"
            )
        query = params["query"]
        if query not in self.queries:
            return bad_data(f'invalid parameter "query": 1:1: parse error: unknown query {query!r}')
        moments = [start + step * index for index in range(int((end - start) // step) + 1)]
        result = []
        for series in self.queries[query]:
            values = [[_number(moment), series.value(moment)] for moment in moments]
            result.append(
                {"metric": dict(series.labels), "values": [v for v in values if v[1] is not None]}
            )
        return Reply(200, {"status": "success", "data": {"resultType": "matrix", "result": result}})


def _seconds(text: str) -> float:
    """A step as Prometheus reads one: float seconds, or a duration like `1d` or `86400s`."""
    try:
        return float(text)
    except ValueError:
        parts = _DURATION.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise ValueError(f'cannot parse "{text}" to a valid duration') from None
        return sum(int(number) * _SECONDS[unit] for number, unit in parts)


def _number(moment: float) -> float | int:
    """A moment as Prometheus writes it in JSON: whole seconds without a fraction."""
    return int(moment) if moment == int(moment) else moment
