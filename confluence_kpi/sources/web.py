"""HTTP for the web sources: JSON answers under our retry policy, every failure a SourceError.

One client per source and run, on one requests session that carries the credentials. A 429 is
asked again whatever the method, honouring Retry-After (capped); a 5xx, a timeout or a dropped
connection only for a GET, which repeating cannot harm (ARCHITECTURE.md, rule 9). An answer
that is no JSON (an HTML login page), a redirect loop, an unreachable server: each is one line
that names the source and the address, never a credential nor the query string (rule 10).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from confluence_kpi.catalog.schema import WebSourceConfig
from confluence_kpi.retry_policy import TRANSIENT_STATUSES, parse_retry_after, retrying
from confluence_kpi.sources.credentials import Credentials, read_credentials
from confluence_kpi.sources.download import shown_url
from confluence_kpi.sources.table import SourceError

log = logging.getLogger(__name__)

MAX_REDIRECTS = 10  # a redirect chain longer than this is taken for a loop
MAX_RETRY_AFTER = 60.0  # seconds: the longest a Retry-After is waited for

Explain = Callable[[Any], str | None]
"""The API's own words for an error, from the JSON of its error answer; None when it has none."""


@dataclass(frozen=True)
class Answer:
    """A JSON answer: its body, and the next page's address its Link header gives, if any."""

    body: Any
    next_link: str | None = None


class _RetryableError(Exception):
    """One attempt failed in a way a later one may not: a 429, a 5xx, a timeout, a dropped
    connection. `refused` is a 429: the server did nothing, so any method may ask again."""

    def __init__(self, problem: str, *, retry_after: float | None = None, refused: bool = False):
        super().__init__(problem)
        self.retry_after = retry_after
        self.refused = refused


class _Session(requests.Session):
    """A session that drops the credential headers when a redirect leaves the host: requests
    drops only Authorization, and would send an API key header on to any other server."""

    def __init__(self, credential_headers: Iterable[str]) -> None:
        super().__init__()
        self._credential_headers = tuple(credential_headers)
        self.max_redirects = MAX_REDIRECTS

    def rebuild_auth(
        self, prepared_request: requests.PreparedRequest, response: requests.Response
    ) -> None:
        """requests' own rule for Authorization, applied to every credential header."""
        # Both are untyped in types-requests.
        super().rebuild_auth(prepared_request, response)  # type: ignore[no-untyped-call]
        leaving = self.should_strip_auth(  # type: ignore[no-untyped-call]
            response.request.url, prepared_request.url
        )
        if leaving:
            for name in self._credential_headers:
                prepared_request.headers.pop(name, None)


class _Scrubbing(logging.Filter):
    """Hides the credentials in what a library logs: atlassian-python-api logs every answer's
    text at debug level, and a server may echo what it was sent."""

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def filter(self, record: logging.LogRecord) -> bool:
        """The record, its message formatted and scrubbed."""
        record.msg, record.args = self._credentials.scrub(record.getMessage()), ()
        return True


def shown_query(query: str) -> str:
    """A query for messages: its first non-blank line, cut short (a table's origin)."""
    line = next((line.strip() for line in query.splitlines() if line.strip()), "")
    return line if len(line) <= 80 else line[:77] + "..."


class WebClient:
    """A source's requests: JSON answers, asked again where that is safe, errors in words.

    Opened with the source: its credentials are read then, so that a missing one fails the
    source's KPIs. `origin` names the source in every message: `name (https://host/path)`.
    """

    def __init__(
        self,
        name: str,
        config: WebSourceConfig,
        *,
        explain: Explain | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.origin = f"{name} ({shown_url(config.url)})"
        credentials = read_credentials(config.auth, self.origin)
        self.session = _Session(credentials.headers)
        self.session.headers.update({"Accept": "application/json", **credentials.headers})
        self.timeout = config.timeout
        self._credentials = credentials
        self._attempts = config.retries + 1
        self._explain = explain
        self._sleep = sleep
        self._scrubbing = _Scrubbing(credentials)
        self._scrubbed: list[logging.Logger] = []

    def scrub_log(self, name: str) -> None:
        """Hide the credentials in what the logger `name` logs, until the client is closed."""
        logger = logging.getLogger(name)
        logger.addFilter(self._scrubbing)
        self._scrubbed.append(logger)

    def get(self, url: str, params: Mapping[str, str] | None = None) -> Answer:
        """The JSON answer to a GET of `url` with `params`."""
        return self.call(
            "GET", url, lambda: self.session.get(url, params=params, timeout=self.timeout)
        )

    def post(self, url: str, params: Mapping[str, str], body: Any) -> Answer:
        """The JSON answer to a POST of the JSON `body` to `url` with `params`."""
        return self.call(
            "POST",
            url,
            lambda: self.session.post(url, params=params, json=body, timeout=self.timeout),
        )

    def call(self, method: str, url: str, send: Callable[[], requests.Response]) -> Answer:
        """Send a request with `send` (which may be another client's, on this session) under
        the retry policy; its JSON answer, or SourceError naming the source and address."""
        where = f"{method} {shown_url(url)}"
        attempts = 0

        def attempt() -> Answer:
            nonlocal attempts
            attempts += 1
            return self._answer(where, send)

        def may_retry(problem: BaseException) -> bool:
            return isinstance(problem, _RetryableError) and (problem.refused or method == "GET")

        def warn(problem: BaseException, wait: float, number: int) -> None:
            log.warning(
                "%s: %s: %s; asking again in %.1f s (attempt %d of %d)",
                self.origin,
                where,
                self._credentials.scrub(str(problem)),
                wait,
                number,
                self._attempts,
                extra={"source": self.name},
            )

        policy = retrying(
            attempts=self._attempts,
            may_retry=may_retry,
            max_wait=MAX_RETRY_AFTER,
            sleep=self._sleep,
            warn=warn,
        )
        try:
            return policy(attempt)
        except _RetryableError as problem:
            tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
            raise self._error(f"{where}: {problem} ({tries})") from None

    def _answer(self, where: str, send: Callable[[], requests.Response]) -> Answer:
        """One attempt: the JSON answer, a SourceError, or _RetryableError."""
        try:
            response = send()
        except requests.TooManyRedirects:
            raise self._error(
                f"{where} redirects in a loop (more than {MAX_REDIRECTS} redirects): "
                "check the address"
            ) from None
        except requests.exceptions.SSLError:
            # A kind of ConnectionError, but no retry makes a certificate trusted.
            raise self._error(f"{where}: TLS verification failed") from None
        except requests.Timeout:
            raise _RetryableError(f"no answer within {self.timeout:g} s") from None
        except requests.ConnectionError:
            raise _RetryableError("cannot connect, or the connection dropped") from None
        except requests.exceptions.ChunkedEncodingError:
            raise _RetryableError("the connection dropped") from None
        status = response.status_code
        if status == 429 or status in TRANSIENT_STATUSES:
            raise _RetryableError(
                self._status(response),
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                refused=status == 429,
            )
        if status >= 400:
            raise self._error(f"{where} answered {self._status(response)}{self._hint(status)}")
        return Answer(self._json(where, response), response.links.get("next", {}).get("url"))

    def _json(self, where: str, response: requests.Response) -> Any:
        """The answer's JSON; an HTML page or anything else is said to be no JSON."""
        kind = response.headers.get("Content-Type", "")
        if "html" in kind or response.content.lstrip()[:1] == b"<":
            raise self._error(
                f"{where} answered with an HTML page, not JSON: a login page, or the wrong address?"
            )
        try:
            return response.json() if response.content else None
        except ValueError:
            raise self._error(
                f"{where} answered {kind or 'without a content type'}, not JSON"
            ) from None

    def _status(self, response: requests.Response) -> str:
        """The status, with the API's own words for it when its answer has them."""
        said = f"{response.status_code} {response.reason}"
        if self._explain is None:
            return said
        try:
            detail = self._explain(response.json())
        except (ValueError, TypeError, KeyError, AttributeError):  # no JSON, or not the API's
            detail = None
        return f"{said}: {detail}" if detail else said

    def _hint(self, status: int) -> str:
        if status not in (401, 403):
            return ""
        held = " and ".join(self._credentials.variables)
        return f" (check the credentials in {held})" if held else " (the source has no auth)"

    def _error(self, problem: str) -> SourceError:
        """The error that ends the fetch: the source first, and no secret anywhere."""
        return SourceError(self._credentials.scrub(f"{self.origin}: {problem}"))

    def close(self) -> None:
        """Close the session's connections, and stop scrubbing other loggers."""
        self.session.close()
        for logger in self._scrubbed:
            logger.removeFilter(self._scrubbing)
