"""The gateway: the only module that talks to Confluence (v1 REST API, Cloud and Data Center).

atlassian-python-api gives us the session, auth and the plain request. The retry policy, paging,
error mapping and typed results are ours, because the library's own are unsafe or wrong for this
bot: it repeats POSTs (ARCHITECTURE.md, rule 9), retries a 429 once, and drops /wiki on paging.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import MappingProxyType
from typing import Any, TypeAlias
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from atlassian import Confluence
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from urllib3.exceptions import MaxRetryError, NewConnectionError

# Read-only containers, so that a dict[str, str] is a JSON value too (dict is invariant).
JSON: TypeAlias = "Mapping[str, JSON] | Sequence[JSON] | str | int | float | bool | None"

log = logging.getLogger(__name__)

# Every page we read carries these, so that a Page is always complete in id, title, version,
# space and parent; callers add body, labels and properties only where they need them.
_PAGE_EXPAND = ("version", "space", "ancestors")
_FIRST_BACKOFF = 1.0  # seconds; doubled on every retry that has no Retry-After to go by
_JITTER = (0.8, 1.2)  # spreads the retries of parallel runs so they do not return in step
_TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})


class ConfluenceError(Exception):
    """Anything that went wrong talking to Confluence; one clear line, never a secret."""


class AuthError(ConfluenceError):
    """Confluence refused the credentials (401)."""


class ForbiddenError(ConfluenceError):
    """The credentials are valid but may not do this (403)."""


class NotFoundError(ConfluenceError):
    """The space, page or property does not exist, or this user may not see it (404)."""


class ConflictError(ConfluenceError):
    """Someone else changed the page or property first (409, or seen when re-reading)."""


class TitleTakenError(ConfluenceError):
    """Another page in the space already has this title (400); titles are unique per space."""


class StorageFormatRejected(ConfluenceError):  # noqa: N818 (the name the sync uses)
    """Confluence could not parse the storage-format body (400 "Error parsing xhtml")."""


class ConnectionFailed(ConfluenceError):  # noqa: N818 (the name the sync uses)
    """Confluence could not be reached, or stopped answering, even after retries."""


@dataclass(frozen=True)
class Property:
    """A content property: the bot's memory of a page, versioned like the page itself."""

    key: str
    value: JSON
    version: int


@dataclass(frozen=True)
class Page:
    """A page as read; labels, body and properties hold only what was expanded (else empty)."""

    id: str
    title: str
    version: int
    space_key: str
    parent_id: str | None
    labels: frozenset[str] = frozenset()
    body: str | None = None
    properties: Mapping[str, Property] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class SpaceInfo:
    """What check_space learns: the space exists, these credentials can read it, and its home."""

    id: str
    key: str
    name: str
    homepage_id: str | None


@dataclass(frozen=True)
class _Target:
    """What a request acts on, in words for messages: "no permission to {action} {subject}"."""

    action: str
    subject: str
    missing: str = ""  # what a 404 means, when it is not the subject itself (e.g. on create)

    def not_found(self) -> str:
        return f"{self.missing or self.subject} not found"


class _RetryableError(Exception):
    """One attempt failed in a way a later attempt may not: 429, 5xx, timeout, network error."""

    def __init__(
        self, problem: str, *, may_have_landed: bool, network: bool, retry_after: float | None
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        # False only when the server cannot have acted on the request (429, never connected).
        self.may_have_landed = may_have_landed
        self.network = network
        self.retry_after = retry_after


Recheck = Callable[[], Any]
"""Re-reads the server after an attempt that may have landed: its answer if it did, else None."""


class Gateway:
    """Typed, retrying access to the Confluence pages, labels and properties the sync manages."""

    def __init__(
        self,
        url: str,
        *,
        username: str | None = None,
        api_token: str | None = None,
        pat: str | None = None,
        timeout: float = 30,
        verify_tls: bool = True,
        max_retries: int = 5,
        max_retry_after: float = 60,
        sleep: Callable[[float], None] = time.sleep,
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
        # Any: the constructor is untyped, and request() is typed narrower than it accepts.
        self._client: Any
        self._client = Confluence(  # type: ignore[no-untyped-call]
            url=self._url,
            cloud=False,
            timeout=timeout,
            verify_ssl=verify_tls,
            backoff_and_retry=False,
            retry_with_header=False,
            **auth,
        )
        # The library casts the timeout to int (0.5 s would become 0, which requests refuses).
        self._client.timeout = timeout
        self._timeout = timeout
        self._max_retries = max_retries
        self._max_retry_after = max_retry_after
        self._sleep = sleep
        self._request_count = 0

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far, retries and re-reads included (for reports and benchmarks)."""
        return self._request_count

    def check_space(self, key: str) -> SpaceInfo:
        """Read the space first, so bad URL, credentials or space key fail before any write."""
        data = self._call(
            "GET",
            f"rest/api/space/{_segment(key)}",
            params={"expand": "homepage"},
            target=_Target("read", f"space {key}"),
        )
        try:
            homepage = data.get("homepage")
            return SpaceInfo(
                id=str(data["id"]),
                key=data["key"],
                name=data["name"],
                homepage_id=str(homepage["id"]) if homepage else None,
            )
        except (AttributeError, KeyError, TypeError) as exc:
            raise _malformed(f"space {key}", exc) from None

    def search(self, cql: str, *, expand: Sequence[str] = (), limit: int = 200) -> Iterator[Page]:
        """Yield the pages a CQL query finds, lazily, following the server's next links."""
        target = _Target("search with", f"CQL {cql!r}")
        link: str | None = "rest/api/content/search"
        params: dict[str, Any] | None = {"cql": cql, "expand": _expand(expand), "limit": limit}
        followed: set[str] = set()
        while link is not None:
            results, link = _results(self._call("GET", link, params=params, target=target))
            for item in results:
                yield _page(item)
            # The next link carries the whole query (offset on DC, cursor on Cloud) and the
            # server's capped limit: follow it as given rather than counting `start` ourselves.
            params = None
            if link in followed:
                raise ConfluenceError(f"Confluence's search paging loops back to {link}")
            if link is not None:
                followed.add(link)

    def find_page(self, space: str, title: str, *, expand: Sequence[str] = ()) -> Page | None:
        """The page titled exactly `title` in the space, or None.

        The content endpoint, not CQL: CQL trails writes on Cloud by up to a minute, and this
        is asked right after another writer may have created the page.
        """
        found = self._call(
            "GET",
            "rest/api/content",
            params={"spaceKey": space, "title": title, "type": "page", "expand": _expand(expand)},
            target=_Target("read", f"page {title!r} in space {space}"),
        )
        results = _results(found)[0]
        return _page(results[0]) if results else None

    def get_page(
        self, page_id: str, *, expand: Sequence[str] = ("body.storage", "version")
    ) -> Page:
        """Read one page with the given expansions."""
        data = self._call(
            "GET",
            f"rest/api/content/{_segment(page_id)}",
            params={"expand": _expand(expand)},
            target=_Target("read", f"page {page_id}"),
        )
        return _page(data)

    def create_page(
        self,
        space: str,
        title: str,
        body: str,
        *,
        parent_id: str | None,
        labels: Iterable[str] = (),
        properties: Mapping[str, JSON] = MappingProxyType({}),
    ) -> Page:
        """Create a page with its properties in one request, then its labels in one more.

        Labels go in a second request because Confluence's REST API documentation does not
        confirm that a create takes metadata.labels; metadata.properties it documents.
        If an attempt fails in a way that may have created the page, the page is looked up
        (by title, and by its first property when given) before anything is sent again.
        """
        target = _Target(
            "create",
            f"page {title!r} in space {space}",
            missing=f"space {space}" + (f" or parent page {parent_id}" if parent_id else ""),
        )
        request: dict[str, Any] = {
            "type": "page",
            "title": title,
            "status": "current",
            "space": {"key": space},
            "body": {"storage": {"value": body, "representation": "storage"}},
        }
        if properties:
            # The shape atlassian-python-api sends for its own properties.
            request["metadata"] = {"properties": {k: {"value": v} for k, v in properties.items()}}
        if parent_id is not None:
            request["ancestors"] = [{"type": "page", "id": parent_id}]

        def find_created() -> Any:
            # The content endpoint, not CQL: CQL trails writes on Cloud by up to a minute, so it
            # could miss the page we just created and we would post a duplicate.
            found = self._call(
                "GET",
                "rest/api/content",
                params={
                    "spaceKey": space,
                    "title": title,
                    "type": "page",
                    "expand": _expand(("body.storage",)),
                },
                target=target,
            )
            for candidate in _results(found)[0]:
                if self._is_ours(_page(candidate).id, properties):
                    return candidate
            return None

        data = self._call(
            "POST", "rest/api/content", body=request, target=target, recheck=find_created
        )
        created = _page(data, space_key=space, parent_id=parent_id)
        label_set = frozenset(labels)
        self.add_labels(created.id, label_set)
        return replace(
            created,
            labels=label_set,
            properties=MappingProxyType(
                {k: Property(key=k, value=v, version=1) for k, v in properties.items()}
            ),
        )

    def update_page(self, page: Page, title: str, body: str, *, version_message: str = "") -> Page:
        """Write a new version (page.version + 1); ConflictError if someone else wrote first.

        A 409 is not retried here: whether to merge, skip or overwrite is the sync's decision.
        """
        target = _Target("edit", f"page {page.id} {page.title!r}")
        path = f"rest/api/content/{_segment(page.id)}"
        version: dict[str, Any] = {"number": page.version + 1, "minorEdit": False}
        if version_message:
            version["message"] = version_message
        request = {
            "id": page.id,
            "type": "page",
            "title": title,
            "version": version,
            "body": {"storage": {"value": body, "representation": "storage"}},
        }

        def find_updated() -> Any:
            answer = self._call(
                "GET", path, params={"expand": _expand(("body.storage",))}, target=target
            )
            seen = _page(answer)
            return _landed(
                target,
                before=page.version,
                now=seen.version,
                ours=seen.title == title and seen.body == body,
                answer=answer,
            )

        data = self._call("PUT", path, body=request, target=target, recheck=find_updated)
        updated = _page(data, space_key=page.space_key, parent_id=page.parent_id)
        return replace(updated, labels=page.labels, properties=page.properties)

    def set_property(
        self, page_id: str, key: str, value: JSON, *, current: Property | None
    ) -> Property:
        """Create the property (POST) or write its next version (PUT current.version + 1)."""
        target = _Target("write", f"property {key!r} of page {page_id}")
        base = f"rest/api/content/{_segment(page_id)}/property"
        before = current.version if current else 0

        def find_written() -> Any:
            answer = self._property_or_none(page_id, key)
            seen = _property(answer) if answer is not None else None
            return _landed(
                target,
                before=before,
                now=seen.version if seen else 0,
                ours=seen is not None and seen.value == value,
                answer=answer,
            )

        if current is None:
            data = self._call(
                "POST", base, body={"key": key, "value": value}, target=target, recheck=find_written
            )
        else:
            # minorEdit: property writes are the bot's bookkeeping, nothing to notify anyone of.
            request = {
                "key": key,
                "value": value,
                "version": {"number": before + 1, "minorEdit": True},
            }
            path = f"{base}/{_segment(key)}"
            data = self._call("PUT", path, body=request, target=target, recheck=find_written)
        return _property(data)

    def add_labels(self, page_id: str, labels: Iterable[str]) -> None:
        """Add labels in one request; repeatable, since adding a label the page has is a no-op."""
        names = sorted(set(labels))
        if names:
            self._call(
                "POST",
                f"rest/api/content/{_segment(page_id)}/label",
                body=[{"prefix": "global", "name": name} for name in names],
                target=_Target("label", f"page {page_id}"),
                repeatable=True,
            )

    def _is_ours(self, page_id: str, properties: Mapping[str, JSON]) -> bool:
        """Whether a page found by title is the one our create made: it has our first property."""
        if not properties:
            return True  # nothing else to tell it by; titles are unique within a space
        key, value = next(iter(properties.items()))
        found = self._property_or_none(page_id, key)
        return found is not None and _property(found).value == value

    def get_property(self, page_id: str, key: str) -> Property | None:
        """A content property of a page, or None when the page has none by that key."""
        data = self._property_or_none(page_id, key)
        return None if data is None else _property(data)

    def _property_or_none(self, page_id: str, key: str) -> Any:
        try:
            return self._call(
                "GET",
                f"rest/api/content/{_segment(page_id)}/property/{_segment(key)}",
                target=_Target("read", f"property {key!r} of page {page_id}"),
            )
        except NotFoundError:
            return None

    def _call(
        self,
        method: str,
        link: str,
        *,
        target: _Target,
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

        def attempt() -> Any:
            nonlocal uncertain, attempts
            attempts += 1
            if uncertain and recheck is not None:
                landed = recheck()
                if landed is not None:
                    return landed
                uncertain = False
            try:
                return self._send(method, url, params, body, target, where)
            except _RetryableError as problem:
                uncertain = problem.may_have_landed and not repeatable
                raise

        def should_retry(exc: BaseException) -> bool:
            return isinstance(exc, _RetryableError) and (
                repeatable or recheck is not None or not exc.may_have_landed
            )

        def before_sleep(state: RetryCallState) -> None:
            log.warning(
                "%s: %s; retrying in %.1f s (attempt %d of %d)",
                where,
                state.outcome.exception() if state.outcome else "?",
                state.upcoming_sleep,
                state.attempt_number + 1,
                self._max_retries,
            )

        retrying = Retrying(
            stop=stop_after_attempt(self._max_retries),
            wait=self._wait,
            retry=retry_if_exception(should_retry),
            sleep=self._sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
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

    def _wait(self, state: RetryCallState) -> float:
        """Seconds before the next attempt: the server's Retry-After, else backoff with jitter."""
        problem = state.outcome.exception() if state.outcome else None
        if isinstance(problem, _RetryableError) and problem.retry_after is not None:
            # No jitter here: the server said "not before", and jitter would only cut it short.
            return min(problem.retry_after, self._max_retry_after)
        backoff = _FIRST_BACKOFF * 2.0 ** min(state.attempt_number - 1, 16)
        return min(backoff * random.uniform(*_JITTER), self._max_retry_after)

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        body: Any,
        target: _Target,
        where: str,
    ) -> Any:
        """One HTTP request: its JSON answer, a mapped ConfluenceError, or _RetryableError."""
        self._request_count += 1
        try:
            # advanced_mode returns the raw Response without the library's raise_for_status,
            # which flattens everything into HTTPError("some text"); we need the status and the
            # Retry-After header. The URL is already absolute (see _absolute).
            response: requests.Response = self._client.request(
                method, path=url, params=params, data=body, absolute=True, advanced_mode=True
            )
        except requests.exceptions.SSLError as exc:
            # A subclass of ConnectionError, but no retry will make the certificate trusted.
            raise ConnectionFailed(
                f"cannot reach Confluence at {self._shown_url}: TLS verification failed ({exc})"
            ) from None
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
        status = response.status_code
        if status == 429 or status in _TRANSIENT_STATUSES:
            raise _RetryableError(
                f"{status} {response.reason}",
                may_have_landed=status != 429,
                network=False,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 400:
            raise self._error(response, target)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ConfluenceError(
                f"Confluence at {self._shown_url} answered {where} with "
                f"{response.headers.get('Content-Type', 'no content type')}, not JSON: "
                "is the URL right (Cloud URLs end in /wiki)?"
            ) from None

    def _error(self, response: requests.Response, target: _Target) -> ConfluenceError:
        """The ConfluenceError for a 4xx answer other than 429, with Confluence's own reason."""
        status = response.status_code
        message, is_json = _server_message(response)
        reason = f": {message}" if message else ""
        if status == 401:
            return AuthError(
                f"authentication failed for {self._who} at {self._shown_url} (HTTP 401){reason}"
            )
        if status == 403:
            return ForbiddenError(f"no permission to {target.action} {target.subject}{reason}")
        if status == 404:
            # A 404 that is not Confluence's JSON usually means the URL does not point at
            # Confluence's REST API (on Cloud, a URL without /wiki).
            hint = "" if is_json else f" (is {self._shown_url} the right Confluence URL?)"
            return NotFoundError(target.not_found() + hint)
        if status == 409:
            return ConflictError(
                f"cannot {target.action} {target.subject}: someone else changed it first{reason}"
            )
        lowered = message.lower()
        if status == 400 and "title already exists" in lowered:
            return TitleTakenError(f"cannot {target.action} {target.subject}{reason}")
        if status == 400 and "error parsing xhtml" in lowered:
            return StorageFormatRejected(
                f"Confluence rejected the storage format of {target.subject}{reason}"
            )
        return ConfluenceError(
            f"cannot {target.action} {target.subject}: "
            f"Confluence answered {status} {response.reason}{reason}"
        )

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


def _landed(target: _Target, *, before: int, now: int, ours: bool, answer: Any) -> Any:
    """After an uncertain write: None if it did not land (send again), the answer if it did.

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


def _page(data: Any, *, space_key: str | None = None, parent_id: str | None = None) -> Page:
    """A Page from v1 content JSON; space and parent default to the given ones when not in it."""
    try:
        metadata = data.get("metadata") or {}
        labels = metadata.get("labels", {}).get("results", [])
        properties = metadata.get("properties", {})
        ancestors = data.get("ancestors")
        # Ancestors run from the root down, so the last one is the direct parent; an empty list
        # is a top-level page, a missing one means the answer did not say.
        parent = (
            parent_id if ancestors is None else (str(ancestors[-1]["id"]) if ancestors else None)
        )
        space = data.get("space")
        return Page(
            id=str(data["id"]),
            title=data["title"],
            version=int(data["version"]["number"]),
            space_key=space["key"] if space else _required(space_key, "space"),
            parent_id=parent,
            labels=frozenset(label["name"] for label in labels),
            body=_storage(data),
            properties=MappingProxyType(
                {
                    key: _property(prop)
                    for key, prop in properties.items()
                    # Skip _links and _expandable, which sit beside the properties.
                    if isinstance(prop, dict) and "key" in prop
                }
            ),
        )
    except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
        raise _malformed("a page", exc) from None


def _property(data: Any) -> Property:
    try:
        return Property(
            key=data["key"], value=data["value"], version=int(data["version"]["number"])
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _malformed("a content property", exc) from None


def _results(answer: Any) -> tuple[list[Any], str | None]:
    """A content list's items and its next link, if any."""
    try:
        return list(answer["results"]), answer.get("_links", {}).get("next")
    except (AttributeError, KeyError, TypeError) as exc:
        raise _malformed("a list of pages", exc) from None


def _storage(data: Any) -> str | None:
    storage = (data.get("body") or {}).get("storage") or {}
    value = storage.get("value")
    return value if isinstance(value, str) else None


def _required(value: str | None, name: str) -> str:
    if value is None:
        raise KeyError(name)
    return value


def _malformed(what: str, exc: Exception) -> ConfluenceError:
    return ConfluenceError(
        f"unexpected answer from Confluence for {what}: {type(exc).__name__} {exc}"
    )


def _expand(extra: Sequence[str]) -> str:
    return ",".join(dict.fromkeys((*_PAGE_EXPAND, *extra)))


def _segment(value: str) -> str:
    """One URL path segment, escaped (property keys and space keys are user data)."""
    return quote(value, safe="")


_EXCEPTION_PREFIX = re.compile(r"^(?:[\w$]+\.)+[\w$]*(?:Exception|Error):\s*")


def _server_message(response: requests.Response) -> tuple[str, bool]:
    """Confluence's reason in one line (v1 "message" or v2 "errors"), and whether it was JSON.

    Java class prefixes ("com.atlassian...BadRequestException: ") are dropped; HTML error
    pages (Tomcat, proxies) give no message, plain text is kept short.
    """
    try:
        data = response.json()
    except ValueError:
        text = response.text.strip()
        looks_html = text.startswith("<") or "html" in response.headers.get("Content-Type", "")
        return ("" if looks_html else " ".join(text.split())[:300]), False
    message = ""
    if isinstance(data, dict):
        errors = data.get("errors")
        if isinstance(data.get("message"), str):
            message = data["message"]
        elif isinstance(errors, list) and errors and isinstance(errors[0], dict):
            message = str(errors[0].get("title") or errors[0].get("message") or "")
    while (stripped := _EXCEPTION_PREFIX.sub("", message)) != message:
        message = stripped
    return " ".join(message.split()), True


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
