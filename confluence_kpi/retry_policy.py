"""Our retry policy's shared part (ARCHITECTURE.md, rule 9): how long to wait before asking
again, and tenacity set up to follow it. Which failures may be asked again is each caller's:
the Confluence transport re-reads before repeating a write, a web source repeats only reads.

A server's `Retry-After` is honoured in every form it comes in, capped; without one the wait
doubles from attempt to attempt, with jitter, so that parallel runs do not return in step.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

FIRST_BACKOFF = 1.0  # seconds; doubled on every retry that has no Retry-After to go by
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})  # worth asking again, where that is safe
_JITTER = (0.8, 1.2)

Warn = Callable[[BaseException, float, int], None]
"""Says that an attempt failed: the failure, the seconds until the next one, and its number."""


def retrying(
    *,
    attempts: int,
    may_retry: Callable[[BaseException], bool],
    max_wait: float,
    sleep: Callable[[float], None],
    warn: Warn,
) -> Retrying:
    """Tenacity, to call a function up to `attempts` times while what it raises `may_retry`,
    waiting as long as the failure's `retry_after` asks (capped at `max_wait`), or else
    FIRST_BACKOFF seconds doubled at each attempt. The last failure is raised as it is."""

    def wait(state: RetryCallState) -> float:
        problem = state.outcome.exception() if state.outcome else None
        asked = getattr(problem, "retry_after", None)
        if asked is not None:
            # No jitter here: the server said "not before", and jitter would only cut it short.
            return min(float(asked), max_wait)
        backoff = FIRST_BACKOFF * 2.0 ** min(state.attempt_number - 1, 16)
        return min(backoff * random.uniform(*_JITTER), max_wait)

    def before_sleep(state: RetryCallState) -> None:
        problem = state.outcome.exception() if state.outcome else None
        if problem is not None:
            warn(problem, state.upcoming_sleep, state.attempt_number + 1)

    return Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait,
        retry=retry_if_exception(may_retry),
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for: integer, decimal or HTTP date; None if unusable.

    Absurd values ("9223372036854775807", "inf") come back as they are, to be capped by the
    caller; a float never overflows the way int() and time.sleep() do on them.
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(seconds, 0.0)
