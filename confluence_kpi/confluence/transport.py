"""The transport: one Confluence site's requests, sent under our retry policy.

atlassian-python-api gives us the session, auth and the plain request. The retry policy and
the error mapping are ours, because the library's own are unsafe or wrong for this bot: it
repeats POSTs (ARCHITECTURE.md, rule 9), retries a 429 once, and drops /wiki on paging.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from atlassian import Confluence
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError

from confluence_kpi.confluence.answers import error_for
from confluence_kpi.confluence.errors import (
    ConflictError,
    ConfluenceError,
    ConnectionFailed,
    Target,
)
from confluence_kpi.confluence.rate_limit import RateLimiter
from confluence_kpi.retry_policy import TRANSIENT_STATUSES, parse_retry_after, retrying

log = logging.getLogger(__name__)


Recheck = Callable[[], Any]
"""Re-reads the server after an attempt that may have landed: its answer if it did, else None."""


class _RetryableError(Exception):
    """One attempt failed in a way a later attempt may not: 429, 5xx, timeout, network error."""

    def __init__(
        self,
        problem: str,
        *,
        may_have_landed: bool,
        network: bool,
        retry_after: float | None,
        throttled: bool = False,
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        # False only when the server cannot have acted on the request (429, never connected).
        self.may_have_landed = may_have_landed
        self.network = network
        self.retry_after = retry_after
        self.throttled = throttled  # a 429: the site asks the client, every thread, to wait


class Transport:
    """Authenticated requests to one Confluence site: JSON answers, retried where that is safe,
    and every failure a ConfluenceError. Safe to share between threads: `connections` of them
    at a time keep their connection open, and all of them keep to one `limiter`."""

    def __init__(
        self,
        url: str,
        *,
        username: str | None = None,
        api_token: str | None = None,
        pat: str | None = None,
        timeout: float = 30,
        verify_tls: bool | str = True,  # or the path of a PEM file of CA certificates
        max_retries: int = 5,
        max_retry_after: float = 60,
        sleep: Callable[[float], None] = time.sleep,
        limiter: RateLimiter | None = None,
        connections: int = 10,
    ) -> None:
        parts = urlsplit(url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfluenceError(f"Confluence URL must start with http:// or https://: {url!r}")
        if pat is not None and (username is not None or api_token is not None):
            raise ConfluenceError("give either a username and API token or a PAT, not both")
        if (username is None) != (api_token is None):
            raise ConfluenceError("a username needs an API token, and an API token a username")
        if max_retries < 1:
            raise ConfluenceError(f"max_retries counts attempts: at least 1, not {max_retries}")
        self._url = urlunsplit(parts)
        # Shown in messages: without any user:password@ someone may have put in the URL.
        self._shown_url = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
        self._who = (
            f"user '{username}'"
            if username
            else ("personal access token" if pat else "anonymous access")
        )
        # cloud=False keeps the v1 /rest/api paths for Cloud /wiki URLs too: in 5.x cloud=True
        # (or any *.atlassian.net URL) routes to a class without create_page and with wrong
        # paths. The library's own retries are off: they repeat POSTs and give up on 429 early.
        auth: dict[str, str] = (
            {"username": username, "password": api_token}
            if username and api_token
            else ({"token": pat} if pat else {})
        )
        # One kept-alive connection per thread that may send at once; with fewer, urllib3
        # closes the extra ones after each request and logs a warning.
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(connections, 1))
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        # Given a session, the library verifies as the session does and ignores `verify_ssl`.
        session.verify = verify_tls
        # Any: the constructor is untyped, and request() is typed narrower than it accepts.
        self._client: Any
        self._client = Confluence(  # type: ignore[no-untyped-call]
            url=self._url,
            cloud=False,
            timeout=timeout,
            backoff_and_retry=False,
            retry_with_header=False,
            session=session,
            **auth,
        )
        # The library casts the timeout to int (0.5 s would become 0, which requests refuses).
        self._client.timeout = timeout
        self._timeout = timeout
        self._max_retries = max_retries
        self._max_retry_after = max_retry_after
        self._sleep = sleep
        # Off unless asked for, but a 429's Retry-After still holds every thread.
        self._limiter = limiter or RateLimiter(sleep=sleep)
        self._request_count = 0
        self._count_lock = threading.Lock()  # threads send side by side: no count lost
        # Whether the site has answered yet: until it has, a connection refused or a host not
        # found is a wrong URL or a site that is down, said at once rather than after 30 s of
        # backoff; once it has, the same is a blip (a restart) and is retried.
        self._reached = False

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far, retries and re-reads included (for reports and benchmarks)."""
        return self._request_count

    def call(
        self,
        method: str,
        link: str,
        *,
        target: Target,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        repeatable: bool = False,
        recheck: Recheck | None = None,
    ) -> Any:
        """Send one request under the retry policy and return its JSON answer (None if empty).

        429 is retried for every method: the server refused without acting. 5xx and network
        errors are retried only when repeating is safe: for GET and other repeatable requests,
        or after `recheck` found that the earlier attempt did not land (if it did, its answer
        is returned instead of sending again). Other 4xx are mapped to errors, never retried.
        """
        url = self._absolute(link)
        where = f"{method} {urlsplit(url).path}"
        repeatable = repeatable or method == "GET"
        uncertain = False  # an earlier attempt may have changed something on the server
        attempts = 0
        paused: float | None = None  # the end of the pause this call's own 429 set

        def attempt() -> Any:
            nonlocal uncertain, attempts, paused
            attempts += 1
            if uncertain and recheck is not None:
                landed = recheck()
                if landed is not None:
                    return landed
                uncertain = False
            try:
                return self._send(method, url, params, body, target, where, paused)
            except _RetryableError as problem:
                uncertain = problem.may_have_landed and not repeatable
                if problem.throttled and problem.retry_after is not None:
                    # Every thread waits with this one, which sleeps it out below (retrying).
                    paused = self._limiter.pause(min(problem.retry_after, self._max_retry_after))
                raise

        def should_retry(exc: BaseException) -> bool:
            if not isinstance(exc, _RetryableError):
                return False
            if exc.network and not exc.may_have_landed and not self._reached:
                return False  # never reached: a wrong URL or a site that is down
            return repeatable or recheck is not None or not exc.may_have_landed

        def warn(problem: BaseException, wait: float, number: int) -> None:
            log.warning(
                "%s: %s; retrying in %.1f s (attempt %d of %d)",
                where,
                problem,
                wait,
                number,
                self._max_retries,
            )

        policy = retrying(
            attempts=self._max_retries,
            may_retry=should_retry,
            max_wait=self._max_retry_after,
            sleep=self._sleep,
            warn=warn,
        )
        try:
            return policy(attempt)
        except _RetryableError as problem:
            count = f"{attempts} attempt{'s' if attempts != 1 else ''}"
            if problem.network:
                raise ConnectionFailed(
                    f"cannot reach Confluence at {self._shown_url}: {problem.problem} "
                    f"({where}, {count})"
                ) from None
            raise ConfluenceError(
                f"Confluence kept answering {problem.problem} for {where} after {count}"
            ) from None

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        body: Any,
        target: Target,
        where: str,
        paused: float | None = None,
    ) -> Any:
        """One HTTP request, once the limiter lets it go (`paused`: the end of a pause the
        caller waited out itself): its JSON answer, a mapped ConfluenceError, or
        _RetryableError."""
        self._limiter.acquire(waited_until=paused)
        with self._count_lock:
            self._request_count += 1
        try:
            # advanced_mode returns the raw Response without the library's raise_for_status,
            # which flattens everything into HTTPError("some text"); we need the status and the
            # Retry-After header. The URL is already absolute (see _absolute).
            response: requests.Response = self._client.request(
                method, path=url, params=params, data=body, absolute=True, advanced_mode=True
            )
        except requests.TooManyRedirects:
            raise ConfluenceError(
                f"Confluence at {self._shown_url} redirects {where} without end: check "
                "CONFLUENCE_URL, and any proxy or single sign-on in front of Confluence"
            ) from None
        except requests.exceptions.SSLError as exc:
            # A subclass of ConnectionError, but no retry will make the certificate trusted.
            raise ConnectionFailed(_untrusted(self._shown_url, exc)) from None
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            never_sent = _never_connected(exc)
            raise _RetryableError(
                _network_problem(exc, self._timeout),
                may_have_landed=not never_sent,
                network=True,
                retry_after=None,
            ) from exc
        self._reached = True
        status = response.status_code
        if status == 429 or status in TRANSIENT_STATUSES:
            raise _RetryableError(
                f"{status} {response.reason}",
                may_have_landed=status != 429,
                network=False,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                throttled=status == 429,
            )
        if status >= 400:
            raise error_for(response, target, who=self._who, shown_url=self._shown_url)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            if "json" in response.headers.get("Content-Type", ""):  # JSON, but cut short
                raise ConfluenceError(
                    f"Confluence at {self._shown_url} answered {where} with JSON that ends "
                    "before it is complete: try again, and if it persists, check the proxy "
                    "between the bot and Confluence"
                ) from None
            # Cloud answers its REST paths without /wiki with its HTML app; with /wiki already
            # in the URL, HTML means something in front of Confluence answered instead.
            hint = (
                "is a proxy or a login page answering in Confluence's place?"
                if urlsplit(self._url).path.endswith("/wiki")
                else "is the URL right (Cloud URLs end in /wiki)?"
            )
            raise ConfluenceError(
                f"Confluence at {self._shown_url} answered {where} with "
                f"{response.headers.get('Content-Type', 'no content type')}, not JSON: {hint}"
            ) from None

    def _absolute(self, link: str) -> str:
        """Join our paths and the server's relative links to the configured URL, context path kept.

        Cloud's next links omit /wiki (and the 5.x library drops it when it joins them); a DC
        link may include its context path. Both end up under the configured URL exactly once.
        The configured URL is used rather than _links.base, which mirrors Confluence's base-URL
        setting and is often wrong behind a proxy.
        """
        if urlsplit(link).scheme:
            return link
        path = "/" + link.lstrip("/")
        context = urlsplit(self._url).path
        if context and path.startswith(context + "/"):
            path = path[len(context) :]
        return self._url + path


def landed(target: Target, *, before: int, now: int, ours: bool, answer: Any) -> Any:
    """After an uncertain write, what its re-read saw: None if the write did not land (send
    again), the answer if it did.

    Anything else means someone else wrote in between, which only the sync may resolve. A body
    that Confluence normalised on save also ends here: a ConflictError is the safe mistake.
    """
    if now == before:
        return None
    if now == before + 1 and ours:
        return answer
    raise ConflictError(
        f"cannot {target.action} {target.subject}: it changed while our write was in flight "
        f"(version {before} -> {now})"
    )


def _untrusted(shown_url: str, exc: requests.exceptions.SSLError) -> str:
    """What to do about a certificate that does not verify, with the reason TLS gave."""
    text = str(exc)
    reason = re.search(r"certificate verify failed: ([^(\]'\"]+)", text)
    why = reason.group(1).strip() if reason else text
    if "certificate verify failed" not in text:  # not the certificate: the handshake itself
        return f"cannot reach Confluence at {shown_url}: TLS failed ({text})"
    origin = urlunsplit(urlsplit(shown_url)._replace(path="", query="", fragment=""))
    return (
        f"the certificate of {origin} is not trusted ({why}): set CONFLUENCE_CA_BUNDLE to the "
        "CA's PEM file, or CONFLUENCE_VERIFY_TLS=false only for testing"
    )


def _never_connected(exc: requests.RequestException) -> bool:
    """Whether the request never reached the server (refused, DNS, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    cause = exc.args[0] if exc.args else None
    return isinstance(cause, MaxRetryError) and isinstance(cause.reason, NewConnectionError)


def _network_problem(exc: requests.RequestException, timeout: float) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return f"no connection within {timeout:g} s"
    if isinstance(exc, requests.Timeout):
        return f"no answer within {timeout:g} s"
    if _never_connected(exc):
        return "connection refused or host not found"
    return "connection dropped"
