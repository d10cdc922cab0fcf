"""How fast every thread of one site's transport may send: a token bucket shared by all of
them, and a pause all of them keep when the site answers 429 with a Retry-After.

A site that throttles one request throttles the client, not the thread: the other threads'
requests would only be refused too, so they wait for the same moment.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

_ROUNDING = 1e-9


class RateLimiter:
    """At most `per_second` requests a second on average, in bursts of up to a second's worth
    (0: no limit), and none while a pause a 429 asked for lasts. Thread-safe."""

    def __init__(
        self,
        per_second: float = 0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second < 0:
            raise ValueError(f"requests per second cannot be negative: {per_second}")
        self._rate = per_second
        self._capacity = max(per_second, 1.0)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self._capacity
        self._filled = clock()  # when the tokens were last counted
        self._resume = float("-inf")  # no request before this moment (a 429's Retry-After)

    def acquire(self, waited_until: float | None = None) -> None:
        """Wait until a request may go, and count it. `waited_until`: the end of a pause the
        caller already slept through itself (its own 429), so that it does not wait twice."""
        while True:
            with self._lock:
                now = self._clock()
                wait = self._resume - now
                if waited_until is not None and self._resume <= waited_until:
                    wait = 0.0
                if wait <= 0:
                    wait = self._take(now)
                if wait <= 0:
                    return
            # Slept outside the lock; then everything is looked at again, since another
            # thread may have taken the token or a 429 may have paused every thread meanwhile.
            self._sleep(wait)

    def pause(self, seconds: float) -> float:
        """Hold every request for `seconds` from now (a 429's Retry-After, already capped);
        the end of this pause. The bucket starts empty then: no burst right after a 429."""
        with self._lock:
            until = self._clock() + seconds
            if until > self._resume:
                self._resume = until
                self._tokens = 0.0
                self._filled = until
            return until

    def _take(self, now: float) -> float:
        """Take a token (0: taken), or the seconds until one is there. Under the lock."""
        if not self._rate:
            return 0.0
        self._tokens = min(self._capacity, self._tokens + max(now - self._filled, 0.0) * self._rate)
        self._filled = max(now, self._filled)
        # A token just refilled may add up to 0.9999999999999998: rounding, not a wait.
        if self._tokens >= 1 - _ROUNDING:
            self._tokens = max(self._tokens - 1, 0.0)
            return 0.0
        return (1 - self._tokens) / self._rate
