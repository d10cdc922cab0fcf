"""Counts of the sandbox's requests by method and by route, for tests and benchmarks.

A route is the template of the API route that answered, `(viewer)` for the HTML viewer's pages
and `(unmatched)` for a path nothing serves, so that a client's every request shows up."""

from __future__ import annotations

import threading
from collections import Counter

UNMATCHED = "(unmatched)"
VIEWER = "(viewer)"


class Stats:
    """Thread-safe counters; `snapshot()` is what `GET /_sandbox/stats` answers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_method: Counter[str] = Counter()
        self._by_route: Counter[str] = Counter()

    def record(self, method: str, route: str) -> None:
        """Counts one request under `METHOD route`."""
        with self._lock:
            self._by_method[method] += 1
            self._by_route[f"{method} {route}"] += 1

    def snapshot(self) -> dict[str, object]:
        """`{"total", "by_method", "by_route"}`."""
        with self._lock:
            return {
                "total": sum(self._by_method.values()),
                "by_method": dict(self._by_method),
                "by_route": dict(self._by_route),
            }

    def reset(self) -> None:
        """Zeroes every counter."""
        with self._lock:
            self._by_method.clear()
            self._by_route.clear()
