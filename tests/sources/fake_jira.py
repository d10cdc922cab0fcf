"""A fake Jira on the local test server (web_server.py), answering in the real APIs' shapes:
Jira Cloud REST v3 search/jql, Jira DC REST v2 search (as of Jira Data Center 9.x and 10.x),
REST v2 serverInfo, and Jira Software Agile 1.0's board sprints.

It checks what Jira checks and pages as each API pages: Cloud by an opaque `nextPageToken`
(absent on the last page, which says `isLast`), Data Center by `startAt` and `maxResults` with
the `total`, the Agile API by `startAt` with `isLast`; each gives at most `page_cap` items a
page whatever is asked, as Jira caps `maxResults`. It cannot run JQL: the test says which
issues each JQL finds, and any other JQL is a 400 in Jira's error shape. Each issue holds only
the `fields` asked for, as Jira's do, and the wrong credentials are a 401.
"""

from __future__ import annotations

from base64 import b64decode, b64encode
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .web_server import Received, Reply, WebServer

SITE_ISSUE = "https://example.atlassian.net/rest/api/{version}/issue/{id}"


def issue(key: str, **fields: Any) -> dict[str, Any]:
    """An issue as a search answers it, with these fields (by their Jira ids)."""
    number = key.rsplit("-", 1)[1]
    return {
        "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
        "id": f"100{number}",
        "self": SITE_ISSUE.format(version=2, id=f"100{number}"),
        "key": key,
        "fields": fields,
    }


def sprint(number: int, start: str, end: str, state: str = "closed") -> dict[str, Any]:
    """A sprint as the Agile API lists a board's sprints."""
    return {
        "id": number,
        "self": f"https://example.atlassian.net/rest/agile/1.0/sprint/{number}",
        "state": state,
        "name": f"OPS Sprint {number}",
        "startDate": start,
        "endDate": end,
        **({"completeDate": end} if state == "closed" else {}),
        "originBoardId": 42,
        "goal": "",
    }


def jira_error(status: int, *messages: str) -> Reply:
    return Reply(status, {"errorMessages": list(messages), "errors": {}})


@dataclass
class FakeJira:
    """A Jira site: `found` maps each JQL to its issues; `sprints` are board 42's."""

    found: Mapping[str, Sequence[dict[str, Any]]]
    deployment: str = "Cloud"  # serverInfo's deploymentType: Cloud, or Server / DataCenter
    sprints: Sequence[dict[str, Any]] = ()
    page_cap: int = 50
    authorization: str | None = None  # the Authorization header it accepts; None: any
    searches: list[Mapping[str, str]] = field(default_factory=list)

    def install(self, server: WebServer) -> None:
        """Serve this site's endpoints on `server`."""
        for path, handler in {
            "/rest/api/2/serverInfo": self.server_info,
            "/rest/api/3/search/jql": self.cloud_search,
            "/rest/api/2/search": self.dc_search,
            "/rest/agile/1.0/board/42/sprint": self.board_sprints,
        }.items():
            server.route(path, self._signed_in(handler))

    def _signed_in(self, handler: Any) -> Any:
        def answer(request: Received) -> Reply:
            if self.authorization and request.headers.get("Authorization") != self.authorization:
                return jira_error(
                    401,
                    "You are not authenticated. Authentication required to perform this "
                    f"operation. ({request.headers.get('Authorization')})",
                )
            reply: Reply = handler(request)
            return reply

        return answer

    def server_info(self, request: Received) -> Reply:
        return Reply(
            200,
            {
                "baseUrl": "https://example.atlassian.net",
                "version": "1001.0.0-SNAPSHOT" if self.deployment == "Cloud" else "9.12.4",
                "versionNumbers": [1001, 0, 0] if self.deployment == "Cloud" else [9, 12, 4],
                "deploymentType": self.deployment,
                "buildNumber": 100247,
                "serverTitle": "Jira",
            },
        )

    def cloud_search(self, request: Received) -> Reply:
        if self.deployment != "Cloud":
            return Reply(404, text="<html>Not Found</html>", headers={"Content-Type": "text/html"})
        found = self._found(request)
        if isinstance(found, Reply):
            return found
        if "startAt" in request.params:
            return jira_error(400, "Unrecognized parameter: startAt")
        token = request.params.get("nextPageToken")
        start = int(b64decode(token)) if token else 0
        page = found[start : start + self._size(request)]
        following = start + len(page)
        answer: dict[str, Any] = {"issues": page, "isLast": following >= len(found)}
        if following < len(found):
            answer["nextPageToken"] = b64encode(str(following).encode()).decode()
        return Reply(200, answer)

    def dc_search(self, request: Received) -> Reply:
        found = self._found(request)
        if isinstance(found, Reply):
            return found
        start, size = int(request.params.get("startAt", "0")), self._size(request)
        return Reply(
            200,
            {
                "expand": "schema,names",
                "startAt": start,
                "maxResults": size,
                "total": len(found),
                "issues": found[start : start + size],
            },
        )

    def board_sprints(self, request: Received) -> Reply:
        states = request.params.get("state", "future,active,closed").split(",")
        listed = [one for one in self.sprints if one["state"] in states]
        start, size = int(request.params.get("startAt", "0")), self._size(request)
        page = listed[start : start + size]
        return Reply(
            200,
            {
                "maxResults": size,
                "startAt": start,
                "isLast": start + len(page) >= len(listed),
                "values": page,
            },
        )

    def _found(self, request: Received) -> list[dict[str, Any]] | Reply:
        """The issues the request's JQL finds, with only the fields it asks for."""
        jql = request.params.get("jql", "")
        self.searches.append(request.params)
        if jql not in self.found:
            return jira_error(400, f"Error in the JQL Query: the fake knows no JQL {jql!r}")
        if "fields" not in request.params:
            return jira_error(400, "the fake wants `fields`: all of them is never what is meant")
        asked = request.params["fields"].split(",")
        return [
            {**one, "fields": {name: one["fields"].get(name) for name in asked}}
            for one in self.found[jql]
        ]

    def _size(self, request: Received) -> int:
        return min(int(request.params.get("maxResults", "50")), self.page_cap)
