"""The rate limiter every thread of one site's transport shares: the rate holds across threads,
and a 429's Retry-After pauses every thread, not only the one that got it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from confluence_kpi.confluence import Gateway, Transport
from confluence_kpi.confluence.rate_limit import RateLimiter
from confluence_kpi.sandbox import SandboxServer

SandboxFactory = Callable[..., SandboxServer]  # the shape of tests/conftest.py's fixture


class FakeClock:
    """A clock that moves only when someone sleeps on it; records every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


def limiter_on(clock: FakeClock, per_second: float = 0) -> RateLimiter:
    return RateLimiter(per_second, clock=clock, sleep=clock.sleep)


def test_a_429_seen_by_one_thread_pauses_another() -> None:
    clock = FakeClock()
    limiter = limiter_on(clock)
    limiter.pause(5.0)  # one thread's 429 asked for 5 s

    other = threading.Thread(target=limiter.acquire)
    other.start()
    other.join()

    assert clock.slept == [5.0]
    assert clock.now == 5.0


def test_the_thread_that_got_the_429_does_not_wait_twice() -> None:
    clock = FakeClock()
    limiter = limiter_on(clock)
    until = limiter.pause(5.0)
    clock.sleep(5.0)  # its own retry waits the Retry-After out

    limiter.acquire(waited_until=until)

    assert clock.slept == [5.0]


def test_a_later_pause_from_another_thread_still_holds_the_first() -> None:
    clock = FakeClock()
    limiter = limiter_on(clock)
    mine = limiter.pause(2.0)
    limiter.pause(6.0)  # another thread's 429, asking for longer
    clock.sleep(2.0)

    limiter.acquire(waited_until=mine)

    assert clock.now == 6.0


def test_requests_keep_to_the_rate_after_a_second_s_burst() -> None:
    clock = FakeClock()
    limiter = limiter_on(clock, per_second=10)
    sent = []
    for _ in range(30):
        limiter.acquire()
        sent.append(clock())

    assert sent[:10] == [0.0] * 10  # a second's worth at once
    assert sent[-1] == pytest.approx(2.0)  # then one every 0.1 s
    for number, moment in enumerate(sent, start=1):
        assert number <= 10 + 10 * moment + 1e-9


def test_after_a_pause_requests_resume_at_the_rate_not_in_a_burst() -> None:
    clock = FakeClock()
    limiter = limiter_on(clock, per_second=10)
    limiter.pause(2.0)
    sent = []
    for _ in range(3):
        limiter.acquire()
        sent.append(clock())

    assert sent == pytest.approx([2.1, 2.2, 2.3])


def test_no_rate_means_no_wait() -> None:
    clock = FakeClock()
    limiter = limiter_on(clock)
    for _ in range(1000):
        limiter.acquire()
    assert clock.slept == []


def test_a_negative_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        RateLimiter(-1)


def test_the_rate_holds_for_threads_sharing_the_limiter() -> None:
    limiter = RateLimiter(50)

    def send(count: int) -> None:
        for _ in range(count):
            limiter.acquire()

    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(send, [25] * 4))
    # 100 requests: 50 at once, the other 50 at 50 a second.
    assert time.monotonic() - started >= 0.95


def gateway_on(sandbox: SandboxServer, connections: int = 10) -> Gateway:
    return Gateway(Transport(sandbox.base_url, pat="sandbox-pat", connections=connections))


def faults(sandbox: SandboxServer, *rules: dict[str, Any]) -> list[dict[str, Any]]:
    """Install `rules`, if any; the rules still installed."""
    control = f"{sandbox.url}/_sandbox/faults"
    if rules:
        requests.post(control, json={"rules": list(rules)}, timeout=5).raise_for_status()
    answer = requests.get(control, timeout=5)
    answer.raise_for_status()
    installed: list[dict[str, Any]] = answer.json()["rules"]
    return installed


class SignallingLimiter(RateLimiter):
    """A rate limiter that says when a 429 has paused it."""

    def __init__(self) -> None:
        super().__init__()
        self.paused = threading.Event()

    def pause(self, seconds: float) -> float:
        until = super().pause(seconds)
        self.paused.set()
        return until


def test_a_429_pauses_every_thread_of_the_transport(sandbox_factory: SandboxFactory) -> None:
    sandbox = sandbox_factory(flavour="dc")
    limiter = SignallingLimiter()
    gateway = Gateway(Transport(sandbox.base_url, pat="sandbox-pat", limiter=limiter))
    page = gateway.create_page("KPI", "Churn", "<p>1</p>", parent_id=None)
    path = f"/rest/api/content/{page.id}"
    faults(sandbox, {"method": "GET", "path": path, "status": 429, "retry_after": "1", "count": 1})

    throttled = threading.Thread(target=gateway.get_page, args=(page.id,))
    throttled.start()
    assert limiter.paused.wait(10)  # the 429 answered and taken in by the throttled thread
    seen = time.monotonic()
    assert gateway.check_space("KPI").key == "KPI"  # another path, not throttled itself
    waited = time.monotonic() - seen
    throttled.join()

    assert 0.5 <= waited <= 2  # about the second the 429 asked for, not at once


def test_requests_are_counted_exactly_from_many_threads(sandbox_factory: SandboxFactory) -> None:
    sandbox = sandbox_factory(flavour="dc")
    gateway = gateway_on(sandbox, connections=8)
    requests.post(f"{sandbox.url}/_sandbox/stats/reset", timeout=5).raise_for_status()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: gateway.check_space("KPI"), range(200)))

    stats = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=5).json()
    assert gateway.request_count == stats["total"] == 200
