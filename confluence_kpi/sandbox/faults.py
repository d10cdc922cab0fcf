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
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_HTTP_DATE = "http-date:"
MAX_LATENCY_MS = 60_000


class Edit(BaseModel):
    """A person's edit to save before a request is handled: the first `find` in the page's
    stored body becomes `replace`."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    find: str = Field(min_length=1)
    replace: str

    def apply(self, body: str) -> str | None:
        """The edited body, or None when `find` is not in it (then nothing is saved)."""
        return body.replace(self.find, self.replace, 1) if self.find in body else None


class FaultRule(BaseModel):
    """One rule as `POST /_sandbox/faults` takes it and `GET` shows it; `count`, when given,
    counts down as the rule fires. Strict: `"429"` or `true` is no status."""

    model_config = ConfigDict(strict=True, extra="forbid")

    method: str | None = Field(default=None, min_length=1)
    path: str | None = None
    count: int | None = Field(default=None, ge=1)
    probability: float | None = Field(default=None, ge=0, le=1)
    status: int | None = Field(default=None, ge=200, le=599)
    retry_after: str | None = None
    body: str | None = None
    content_type: str | None = Field(default=None, min_length=1)
    location: str | None = Field(default=None, min_length=1)
    latency_ms: int = Field(default=0, ge=0, le=MAX_LATENCY_MS)
    drop: Literal["before", "after"] | None = None
    edit: Edit | None = None

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, raw: object) -> object:
        # null is as good as absent, so the rules `GET` answers with can be posted back.
        return {k: v for k, v in raw.items() if v is not None} if isinstance(raw, dict) else raw

    @field_validator("method")
    @classmethod
    def _upper_case(cls, method: str) -> str:
        return method.upper()

    @field_validator("path")
    @classmethod
    def _absolute(cls, path: str) -> str:
        if not path.startswith("/"):
            raise ValueError("must start with / (and leave out the context path)")
        return path

    @field_validator("retry_after", mode="before")
    @classmethod
    def _number_as_written(cls, value: object) -> object:
        # Sent verbatim, so a number becomes its text; a bool is no number here.
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        return str(value) if is_number else value

    @field_validator("retry_after")
    @classmethod
    def _http_date_seconds(cls, text: str) -> str:
        if text.startswith(_HTTP_DATE):
            try:
                float(text.removeprefix(_HTTP_DATE))
            except ValueError:
                raise ValueError('"http-date:N" needs a number of seconds') from None
        return text

    @model_validator(mode="after")
    def _has_an_effect(self) -> Self:
        if self.status is None and not self.latency_ms and self.drop is None and not self.edit:
            raise ValueError("a rule needs an effect: status, latency_ms, drop or edit")
        if (self.body is not None or self.location) and self.status is None:
            raise ValueError("body and location need a status to answer with")
        if self.content_type and self.body is None:
            raise ValueError("content_type needs a body")
        if self.location and not 300 <= (self.status or 0) < 400:
            raise ValueError("location needs a 3xx status")
        return self

    def matches(self, method: str, path: str) -> bool:
        """Whether the rule's method and path glob cover the request."""
        return (self.method is None or self.method == method) and (
            self.path is None or fnmatchcase(path, self.path)
        )


class FaultRules(BaseModel):
    """The body of `POST /_sandbox/faults`: `{"rules": [...]}`."""

    rules: list[FaultRule]


@dataclass(frozen=True)
class FaultPlan:
    """What to do to one request: the sum of the latencies, the first status and drop, and
    the edits to save first, in rule order; the answer's body, type and location come with its
    status."""

    latency_ms: int = 0
    status: int | None = None
    retry_after: str | None = None
    body: str | None = None
    content_type: str | None = None
    location: str | None = None
    drop: str | None = None
    edits: tuple[Edit, ...] = ()


class Faults:
    """The active rules; random triggers are repeatable for a given seed."""

    def __init__(self, seed: int) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._rng = random.Random(seed)

    def replace(self, rules: list[FaultRule]) -> None:
        """Installs new rules in place of the active ones."""
        with self._lock:
            self._rules = rules

    def clear(self) -> None:
        """Removes every rule."""
        with self._lock:
            self._rules = []

    def describe(self) -> list[dict[str, Any]]:
        """The active rules as JSON, each with its count still to go."""
        with self._lock:
            return [rule.model_dump() for rule in self._rules]

    def plan(self, method: str, path: str) -> FaultPlan:
        """Fires the rules matching a request and says what they do to it."""
        latency, drop, answer = 0, None, None
        edits: list[Edit] = []
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path) or not self._fires(rule):
                    continue
                latency += rule.latency_ms
                if answer is None and rule.status is not None:
                    answer = rule
                drop = drop or rule.drop
                if rule.edit is not None:
                    edits.append(rule.edit)
            self._rules = [r for r in self._rules if r.count != 0]
        if answer is None:
            return FaultPlan(latency, drop=drop, edits=tuple(edits))
        return FaultPlan(
            latency,
            answer.status,
            _header_value(answer.retry_after),
            answer.body,
            answer.content_type,
            answer.location,
            drop,
            tuple(edits),
        )

    def _fires(self, rule: FaultRule) -> bool:
        if rule.probability is not None and self._rng.random() >= rule.probability:
            return False
        if rule.count is not None:
            rule.count -= 1
        return True


def _header_value(retry_after: str | None) -> str | None:
    if retry_after is None or not retry_after.startswith(_HTTP_DATE):
        return retry_after
    seconds = float(retry_after.removeprefix(_HTTP_DATE))
    return formatdate(time.time() + seconds, usegmt=True)
