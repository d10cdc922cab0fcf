"""A source's credentials show up nowhere (ARCHITECTURE.md, rule 10): each kind of source that
signs in fails a sync with a secret planted in its credentials, and the secret is in none of
the printed output, the log, the JSON report or the pages written.

The web sources' server answers every request with 401 and echoes the request's headers, as
some servers do in their error pages, so that a message quoting the answer would leak too."""

from __future__ import annotations

import json
import logging
from base64 import b64decode
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sources.planted import SECRET
from tests.sources.web_server import Handler, Received, Reply, WebServer

from .helpers import Cli, Wiki

CATALOG = """\
space: KPI
root_page: Secrets handbook
timezone: UTC
sources:
  guarded: {source}
teams:
  ops: {{name: Operations}}
kpis:
  - {{id: guarded, name: Guarded, team: ops, direction: increase, source: guarded,
     query: "{query}"}}
"""
# Each kind of source that signs in, with the secret where its catalog puts credentials.
SOURCES = {
    "csv-by-url": (
        '{type: csv, url: "ADDRESS/data.csv", headers_env: {Authorization: KPI_AUTH}}',
        "",
    ),
    "http": (
        '{type: http, url: "ADDRESS/api", points: "data[*]", retries: 0, '
        "auth: {type: bearer, token_env: KPI_SECRET}}",
        "",
    ),
    "prometheus": (
        '{type: prometheus, url: "ADDRESS", retries: 0, '
        "auth: {type: basic, username: kpi-bot, password_env: KPI_SECRET}}",
        "up",
    ),
    "jira": (
        '{type: jira, url: "ADDRESS", api: datacenter, retries: 0, '
        "auth: {type: bearer, token_env: KPI_SECRET}}",
        "project = OPS",
    ),
    "sql": ("{type: sql, url_env: KPI_DB_URL}", "SELECT ts, value FROM t"),
}


class _Everywhere(dict[str, Handler]):
    """Routes that answer every path with one handler."""

    def __init__(self, handler: Handler) -> None:
        super().__init__()
        self._handler = handler

    def get(self, key: str, default: Any = None) -> Handler:
        """The one handler, whatever the path."""
        return self._handler


def _basic(header: str) -> str:
    """The user and password of a basic Authorization header, else nothing."""
    return b64decode(header.removeprefix("Basic ")).decode() if header.startswith("Basic ") else ""


def _echo(received: Received) -> Reply:
    """401, with the request's headers in the body."""
    return Reply(401, text=f"unauthorised: {json.dumps(dict(received.headers))}")


@pytest.fixture
def echo_server() -> Iterator[WebServer]:
    server = WebServer()
    server.handlers = _Everywhere(_echo)
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("site", ["dc"])
@pytest.mark.parametrize("kind", list(SOURCES))
def test_a_planted_secret_is_in_no_output_report_log_or_page(
    kind: str,
    cli: Cli,
    wiki: Wiki,
    tmp_path: Path,
    echo_server: WebServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    source, query = SOURCES[kind]
    path = tmp_path / "secrets.yaml"
    source = source.replace("ADDRESS", echo_server.url)
    path.write_text(CATALOG.format(source=source, query=query), encoding="utf-8")
    cli.catalog = path
    cli.env(
        KPI_SECRET=SECRET,
        KPI_AUTH=f"Bearer {SECRET}",
        # A database that refuses the connection: its error is the driver's, URL and all.
        KPI_DB_URL=f"mysql+pymysql://kpi:{SECRET}@127.0.0.1:9/kpi",
    )
    caplog.set_level(logging.DEBUG)

    run = cli.sync("--report", "json")

    assert run.code == 1, run.out + run.err
    assert list(run.json()["kpi_errors"]) == ["guarded"]
    if kind != "sql":  # the secret was sent, so the check below is not trivially true
        sent = [r.headers.get("Authorization", "") for r in echo_server.received]
        assert any(SECRET in said or SECRET in _basic(said) for said in sent)
    pages = wiki.pages()
    assert pages, "no page was written: the check would prove nothing"
    bodies = [wiki.body(page["title"]) for page in pages]
    assert "Guarded" in "".join(bodies)
    for shown in (run.out, run.err, caplog.text, json.dumps(pages), *bodies):
        assert SECRET not in shown
