"""Jira as a source: the issues a KPI's JQL finds, a row each, through atlassian-python-api.

Cloud and Data Center search differently: Cloud's `/rest/api/3/search/jql` pages with
`nextPageToken`, Data Center's `/rest/api/2/search` with `startAt`, `maxResults` and `total`.
Which one a site speaks is the source's `api`, or asked of the site once a run (the
`deploymentType` of `/rest/api/2/serverInfo`), as the Confluence side asks which REST API a
site has. Only the fields the columns need are asked for (`fields=created,resolutiondate`).

With a `board`, its sprints (Jira Software's Agile API, `/rest/agile/1.0/board/{id}/sprint`)
are the periods of a sprint KPI: each issue falls in the sprint its `sprint_by` date is in,
the sprints following each other as `periods.SprintCalendar` has it.

`{start}` and `{end}` in the JQL are the window's bounds as JQL writes a moment,
`"2026-03-01 00:00"` in the catalog's zone (Jira reads them in its user's zone).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from atlassian import Jira

from confluence_kpi.catalog import JiraSourceConfig
from confluence_kpi.model import Window
from confluence_kpi.periods import SprintCalendar
from confluence_kpi.sources.jira_rows import IssueRows, columns
from confluence_kpi.sources.paging import Cursor, Offset, Request, Turn, walk
from confluence_kpi.sources.table import SourceError, Table
from confluence_kpi.sources.web import Answer, WebClient, shown_query
from confluence_kpi.sources.window import fill, window_or_default, zone_of

SERVER_INFO = "/rest/api/2/serverInfo"
CLOUD_SEARCH = "/rest/api/3/search/jql"
DC_SEARCH = "/rest/api/2/search"
BOARD_SPRINTS = "/rest/agile/1.0/board/{board}/sprint"
SPRINT_PAGE = 50  # the Agile API's own page size


class JiraSource:
    """Searches the site with each KPI's JQL; reads the board's sprints once a run."""

    def __init__(
        self, name: str, config: JiraSourceConfig, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._name = name
        self._config = config
        self._web = WebClient(name, config, explain=_explain, sleep=sleep)
        self._web.scrub_log("atlassian.rest_client")  # it logs every answer at debug level
        # The client sends on our session, which carries the credentials; its own retries are
        # off, as ours decide (web.py).
        client: Any = Jira(url=config.url, session=self._web.session, backoff_and_retry=False)
        client.timeout = config.timeout  # the constructor would cast it to whole seconds
        self._client = client
        self._cloud: bool | None = None if config.api == "auto" else config.api == "cloud"
        self._sprints: SprintCalendar | None = None

    def fetch(self, query: str | None, window: Window | None = None) -> Table:
        """A row per issue the JQL `query` finds, its placeholders filled with `window`."""
        if not query:
            raise SourceError(f"{self._name}: a jira source needs a JQL `query`")
        span = window_or_default(window)
        origin = f"{self._name} ({shown_query(query)})"
        sprints = self._sprint_calendar(zone_of(span)) if self._config.board else None
        rows = IssueRows(self._config, origin, sprints, zone_of(span))
        first, turn = self._search(fill(query, span, _jql_moment))
        walk(
            first, self._get, turn, read=rows.read, max_pages=self._config.max_pages, origin=origin
        )
        return Table(columns(self._config), tuple(rows.rows), origin)

    def _search(self, jql: str) -> tuple[Request, Turn]:
        """The first page's request of the site's search, and how it pages."""
        fields = ",".join(dict.fromkeys(self._config.fields.values()))
        asked = {"jql": jql, "fields": fields, "maxResults": str(self._config.page_size)}
        if self._is_cloud():
            return Request(self._url(CLOUD_SEARCH), asked), Cursor("nextPageToken", "nextPageToken")
        return Request(self._url(DC_SEARCH), {**asked, "startAt": "0"}), Offset("startAt")

    def _is_cloud(self) -> bool:
        """Whether the site is Jira Cloud: as configured, or as the site says (asked once)."""
        if self._cloud is None:
            info = self._get(Request(self._url(SERVER_INFO))).body
            self._cloud = isinstance(info, dict) and info.get("deploymentType") == "Cloud"
        return self._cloud

    def _sprint_calendar(self, zone: tzinfo) -> SprintCalendar:
        """The board's started sprints (active and closed) as periods, read once a run."""
        if self._sprints is not None:
            return self._sprints
        starts = []

        def read(page: int, body: Any) -> int:
            sprints = body.get("values") if isinstance(body, dict) else None
            if not isinstance(sprints, list):
                raise SourceError(f"{self._web.origin}, sprints page {page}: no list of values")
            for index, sprint in enumerate(sprints):
                started = sprint.get("startDate") if isinstance(sprint, dict) else None
                try:
                    starts.append(datetime.fromisoformat(str(started)).astimezone(zone).date())
                except ValueError:
                    raise SourceError(
                        f"{self._web.origin}, sprints page {page}, values[{index}].startDate: "
                        f"{started!r} is not a moment"
                    ) from None
            return len(sprints)

        board = self._url(BOARD_SPRINTS.format(board=self._config.board))
        asked = {"state": "active,closed", "startAt": "0", "maxResults": str(SPRINT_PAGE)}
        walk(
            Request(board, asked),
            self._get,
            Offset("startAt"),
            read=read,
            max_pages=self._config.max_pages,
            origin=self._web.origin,
        )
        if not starts:
            raise SourceError(
                f"{self._web.origin}: board {self._config.board} has no started sprint"
            )
        self._sprints = SprintCalendar.of(starts)
        return self._sprints

    def _get(self, request: Request) -> Answer:
        """A GET through the Jira client, under our retry policy."""
        return self._web.call(
            "GET",
            request.url,
            lambda: self._client.request(
                "GET",
                path=request.url,
                params=dict(request.params),
                absolute=True,
                advanced_mode=True,
            ),
        )

    def _url(self, path: str) -> str:
        return self._config.url.rstrip("/") + path

    def close(self) -> None:
        """Close the source's connections."""
        self._web.close()


def _jql_moment(moment: datetime) -> str:
    """A moment as JQL writes one: `2026-03-01 00:00`."""
    return moment.strftime("%Y-%m-%d %H:%M")


def _explain(body: Any) -> str | None:
    """Jira's own words in an error answer: its `errorMessages` and field `errors`."""
    fields = body.get("errors") or {}
    said = [*body.get("errorMessages", ()), *(f"{key}: {text}" for key, text in fields.items())]
    return "; ".join(str(line) for line in said) or None
