"""A small Jira on a loopback port, for the demo: the issues it is given, found by JQL.

It answers what a jira source asks of a Jira Data Center site, in Jira's shapes: the server's
info (`/rest/api/2/serverInfo`) and the search (`/rest/api/2/search`), paged by `startAt` and
`maxResults` (at most 100 a page, as Jira caps it) with the `total`, each issue holding only
the `fields` asked for. Its JQL is the little a KPI needs: clauses joined by AND, `project`
and `type` with `=`, and `created` and `resolved` compared with `<`, `<=`, `>` or `>=` to a
moment written `"2026-03-01 00:00"` in the site's zone. Anything else is Jira's 400, and
other credentials than its one user's are Jira's 401.
"""

from __future__ import annotations

import json
import operator
import re
import threading
from base64 import b64encode
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

PAGE_CAP = 100
_CLAUSE = re.compile(
    r'\s*(?P<field>\w+)\s*(?P<op><=|>=|=|<|>)\s*(?:"(?P<quoted>[^"]*)"|(?P<word>[\w-]+))\s*',
)
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_MOMENTS = {"created": "created", "resolved": "resolutiondate"}


@dataclass(frozen=True)
class Issue:
    """An issue as the stand-in keeps it: its key (project and number), type and dates."""

    key: str
    created: datetime
    resolved: datetime | None
    type: str = "Bug"

    @property
    def project(self) -> str:
        return self.key.rsplit("-", 1)[0]

    def fields(self, asked: Sequence[str]) -> dict[str, Any]:
        """The fields asked for, as Jira writes them; a field it does not have is null."""
        known = {
            "created": _written(self.created),
            "resolutiondate": _written(self.resolved),
            "issuetype": {"name": self.type},
            "project": {"key": self.project},
        }
        return {name: known.get(name) for name in asked}


class JqlError(ValueError):
    """JQL the stand-in does not understand, said as Jira says it."""


class JiraStandIn:
    """Serves `issues` to the user `username` with `password` until stopped; moments in JQL
    are read in `zone`, the zone of the site's user."""

    def __init__(
        self, issues: Sequence[Issue], *, username: str, password: str, zone: tzinfo
    ) -> None:
        self._issues = tuple(issues)
        self._zone = zone
        self._signed_in = "Basic " + b64encode(f"{username}:{password}".encode()).decode()
        standin = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = standin.answer(self.path, self.headers.get("Authorization"))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the demo prints what it did, not each request."""

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"
        self._thread = threading.Thread(
            target=self._http.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="jira-stand-in",
            daemon=True,
        )

    def __enter__(self) -> JiraStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._thread.join()
        self._http.server_close()

    def answer(self, address: str, authorization: str | None) -> tuple[int, Any]:
        """The status and JSON body Jira gives to a GET of `address`."""
        if authorization != self._signed_in:
            return 401, _error(
                "You are not authenticated. Authentication required to perform this operation."
            )
        parts = urlsplit(address)
        params = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        if parts.path == "/rest/api/2/serverInfo":
            return 200, {"version": "9.12.4", "deploymentType": "Server", "serverTitle": "Jira"}
        if parts.path == "/rest/api/2/search":
            try:
                return 200, self._search(params)
            except JqlError as error:
                return 400, _error(str(error))
            except ValueError:
                return 400, _error("startAt and maxResults must be whole numbers.")
        return 404, _error("Not found.")

    def _search(self, params: dict[str, str]) -> dict[str, Any]:
        found = [one for one in self._issues if self._matches(one, params.get("jql", ""))]
        start = int(params.get("startAt", "0"))
        size = min(int(params.get("maxResults", "50")), PAGE_CAP)
        asked = params.get("fields", "*all").split(",")
        asked = list(_MOMENTS.values()) if asked == ["*all"] else asked
        return {
            "expand": "schema,names",
            "startAt": start,
            "maxResults": size,
            "total": len(found),
            "issues": [
                {"id": one.key.rsplit("-", 1)[1], "key": one.key, "fields": one.fields(asked)}
                for one in found[start : start + size]
            ],
        }

    def _matches(self, issue: Issue, jql: str) -> bool:
        """Whether `issue` is one the JQL finds; JqlError for JQL it does not understand."""
        return all(self._holds(issue, clause) for clause in re.split(r"\s+AND\s+", jql.strip()))

    def _holds(self, issue: Issue, clause: str) -> bool:
        parsed = _CLAUSE.fullmatch(clause)
        if parsed is None:
            raise JqlError(f"Error in the JQL Query: the stand-in cannot read {clause!r}.")
        field, op = parsed["field"].lower(), parsed["op"]
        value = parsed["quoted"] if parsed["quoted"] is not None else parsed["word"]
        if field in ("project", "type", "issuetype") and op == "=":
            have = issue.project if field == "project" else issue.type
            return have.lower() == value.lower()
        if field in _MOMENTS and op != "=":
            try:
                moment = datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=self._zone)
            except ValueError:
                raise JqlError(
                    f"Date value '{value}' for field '{field}' is invalid: write "
                    '"yyyy-MM-dd HH:mm".'
                ) from None
            have_moment = issue.created if field == "created" else issue.resolved
            return have_moment is not None and _COMPARE[op](have_moment, moment)
        raise JqlError(f"Error in the JQL Query: the stand-in cannot search by {clause!r}.")


def _written(moment: datetime | None) -> str | None:
    """A moment as Jira's REST API writes one: `2026-03-02T09:00:00.000+0100`."""
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S.000%z")


def _error(message: str) -> dict[str, Any]:
    return {"errorMessages": [message], "errors": {}}
