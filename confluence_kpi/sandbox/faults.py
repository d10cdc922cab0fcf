"""Injected faults: rules matching requests by method and path glob, triggered for the next N
matches or a random share, answering with a status (429 + Retry-After, 5xx), adding latency,
dropping the connection before or after the write is applied, or saving a person's edit to
the request's page just before the request is handled (`"edit": {"find": ..., "replace": ...}`:
the request then meets the version that edit made, as when someone saves between a client's
read and its write).

`retry_after` is sent verbatim ("2", "1.5", "9223372036854775807", or an HTTP date written
out), except `"http-date:N"`, which sends the HTTP date N seconds from the moment of sending."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from fnmatch import fnmatchcase
from typing import Any

_KEYS = {
    "method",
    "path",
    "count",
    "probability",
    "status",
    "retry_after",
    "latency_ms",
    "drop",
    "edit",
}
_HTTP_DATE = "http-date:"
MAX_LATENCY_MS = 60_000


@dataclass
class FaultRule:
    """One rule; `remaining` counts down when the rule was given a `count`."""

    method: str | None = None
    path: str | None = None
    remaining: int | None = None
    probability: float | None = None
    status: int | None = None
    retry_after: str | None = None
    latency_ms: int = 0
    drop: str | None = None
    edit: Edit | None = None

    @classmethod
    def parse(cls, raw: Any) -> FaultRule:
        """Reads a rule from JSON; ValueError says what is wrong."""
        if not isinstance(raw, dict):
            raise ValueError("each rule must be a JSON object")
        unknown = set(raw) - _KEYS
        if unknown:
            raise ValueError(f"unknown rule keys: {', '.join(sorted(unknown))}")
        rule = cls(
            method=_opt(raw, "method", str),
            path=_opt(raw, "path", str),
            remaining=_opt(raw, "count", int),
            probability=_opt(raw, "probability", float),
            status=_opt(raw, "status", int),
            retry_after=_retry_after(raw.get("retry_after")),
            latency_ms=_opt(raw, "latency_ms", int) or 0,
            drop=_opt(raw, "drop", str),
            edit=Edit.parse(raw["edit"]) if raw.get("edit") is not None else None,
        )
        rule.method = rule.method.upper() if rule.method else None
        rule.check()
        return rule

    def check(self) -> None:
        """Refuses rules that would do nothing or cannot be applied."""
        if self.status is None and not self.latency_ms and self.drop is None and not self.edit:
            raise ValueError("a rule needs an effect: status, latency_ms, drop or edit")
        if self.status is not None and not 400 <= self.status <= 599:
            raise ValueError("status must be between 400 and 599")
        if self.drop not in (None, "before", "after"):
            raise ValueError('drop must be "before" or "after"')
        if not 0 <= self.latency_ms <= MAX_LATENCY_MS:
            raise ValueError(f"latency_ms must be between 0 and {MAX_LATENCY_MS}")
        if self.remaining is not None and self.remaining < 1:
            raise ValueError("count must be at least 1")
        if self.probability is not None and not 0 <= self.probability <= 1:
            raise ValueError("probability must be between 0 and 1")
        if self.path is not None and not self.path.startswith("/"):
            raise ValueError("path must start with / (and leave out the context path)")

    def matches(self, method: str, path: str) -> bool:
        """Whether the rule's method and path glob cover the request."""
        return (self.method is None or self.method == method) and (
            self.path is None or fnmatchcase(path, self.path)
        )

    def describe(self) -> dict[str, Any]:
        """The rule as JSON, with the count still to go."""
        return {
            "method": self.method,
            "path": self.path,
            "count": self.remaining,
            "probability": self.probability,
            "status": self.status,
            "retry_after": self.retry_after,
            "latency_ms": self.latency_ms,
            "drop": self.drop,
            "edit": self.edit.describe() if self.edit else None,
        }


@dataclass(frozen=True)
class Edit:
    """A person's edit to save before a request is handled: the first `find` in the page's
    stored body becomes `replace`."""

    find: str
    replace: str

    @classmethod
    def parse(cls, raw: Any) -> Edit:
        """Reads `{"find": "...", "replace": "..."}`; ValueError says what is wrong."""
        if not isinstance(raw, dict) or set(raw) != {"find", "replace"}:
            raise ValueError('edit must be {"find": "...", "replace": "..."}')
        find, replacement = raw["find"], raw["replace"]
        if not isinstance(find, str) or not isinstance(replacement, str) or not find:
            raise ValueError("edit.find must be a non-empty string and edit.replace a string")
        return cls(find, replacement)

    def apply(self, body: str) -> str | None:
        """The edited body, or None when `find` is not in it (then nothing is saved)."""
        return body.replace(self.find, self.replace, 1) if self.find in body else None

    def describe(self) -> dict[str, str]:
        """The edit as JSON."""
        return {"find": self.find, "replace": self.replace}


@dataclass(frozen=True)
class FaultPlan:
    """What to do to one request: the sum of the latencies, the first status and drop, and
    the edits to save first, in rule order."""

    latency_ms: int = 0
    status: int | None = None
    retry_after: str | None = None
    drop: str | None = None
    edits: tuple[Edit, ...] = ()


class Faults:
    """The active rules; random triggers are repeatable for a given seed."""

    def __init__(self, seed: int) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._rng = random.Random(seed)

    def replace(self, raw_rules: Any) -> list[FaultRule]:
        """Installs new rules (all or none: one bad rule rejects the lot)."""
        if not isinstance(raw_rules, list):
            raise ValueError('expected {"rules": [...]}')
        rules = [FaultRule.parse(raw) for raw in raw_rules]
        with self._lock:
            self._rules = rules
        return rules

    def clear(self) -> None:
        """Removes every rule."""
        with self._lock:
            self._rules = []

    def describe(self) -> list[dict[str, Any]]:
        """The active rules as JSON."""
        with self._lock:
            return [rule.describe() for rule in self._rules]

    def plan(self, method: str, path: str) -> FaultPlan:
        """Fires the rules matching a request and says what they do to it."""
        latency, status, retry_after, drop = 0, None, None, None
        edits: list[Edit] = []
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path) or not self._fires(rule):
                    continue
                latency += rule.latency_ms
                if status is None and rule.status is not None:
                    status, retry_after = rule.status, rule.retry_after
                drop = drop or rule.drop
                if rule.edit is not None:
                    edits.append(rule.edit)
            self._rules = [r for r in self._rules if r.remaining != 0]
        return FaultPlan(latency, status, _header_value(retry_after), drop, tuple(edits))

    def _fires(self, rule: FaultRule) -> bool:
        if rule.probability is not None and self._rng.random() >= rule.probability:
            return False
        if rule.remaining is not None:
            rule.remaining -= 1
        return True


def _opt(raw: dict[str, Any], key: str, kind: type) -> Any:
    value = raw.get(key)
    if value is None:
        return None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ValueError(f"{key} must be a {kind.__name__}")
    return value


def _retry_after(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("retry_after must be a string or a number")
    text = str(value)
    if text.startswith(_HTTP_DATE):
        try:
            float(text.removeprefix(_HTTP_DATE))
        except ValueError:
            raise ValueError('retry_after "http-date:N" needs a number of seconds') from None
    return text


def _header_value(retry_after: str | None) -> str | None:
    if retry_after is None or not retry_after.startswith(_HTTP_DATE):
        return retry_after
    seconds = float(retry_after.removeprefix(_HTTP_DATE))
    return formatdate(time.time() + seconds, usegmt=True)
