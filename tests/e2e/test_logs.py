"""The log on stderr as a program reads it (one JSON object per line) and as a person does
(text), through a sync that meets throttling, server errors and a failing web source: every
line has its fields, and no secret is anywhere, in the log, the report or the pages."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from confluence_kpi.sandbox import SandboxServer, UserSpec

from .conftest import SandboxFactory
from .helpers import ADMIN, PAGES, Cli, Run, Wiki, add_kpi

# Unlike anything else in a run's output, so that finding one anywhere is a leak.
TOKEN = "pl4nted-C0NFLUENCE-t0ken-5e1d7a"
SOURCE_TOKEN = "pl4nted-S0URCE-t0ken-93b0c4"
BOT = "kpi-bot"
API = "/rest/ci/deploys"  # under /rest/, where the sandbox injects faults


@pytest.fixture
def site() -> str:
    """What is logged does not depend on the REST API: Data Center's is enough."""
    return "dc"


@pytest.fixture
def sandbox(sandbox_factory: SandboxFactory, flavour: str) -> SandboxServer:
    """A sandbox where the bot signs in with the planted token (admin stays for the tests)."""
    return sandbox_factory(flavour=flavour, users=[UserSpec(*ADMIN), UserSpec(BOT, TOKEN)])


@pytest.fixture
def troubled(cli: Cli, wiki: Wiki, catalog: Path) -> Cli:
    """The CLI as the bot, with a web source whose token is planted too, against a wiki that
    throttles and fails requests (each retried, each retry logged) and answers the source
    with 503s, then 404."""
    add_kpi(
        catalog,
        f"ci: {{type: http, url: '{wiki.server.url}{API}', points: data, retries: 1, "
        "auth: {type: bearer, token_env: CI_TOKEN}}",
        "  - {id: deploys, name: Deploys, team: ops, unit: deploys, direction: increase, "
        "grain: month, aggregation: sum, source: ci, time_column: day, column: count, "
        "target: {value: 40, date: 2027-12-31}}\n",
    )
    cli.env(
        CONFLUENCE_USERNAME=BOT,
        CONFLUENCE_API_TOKEN=TOKEN,
        CI_TOKEN=SOURCE_TOKEN,
        CONFLUENCE_MAX_RETRIES="8",
    )
    pages = PAGES[wiki.api]
    wiki.inject(
        {"method": "GET", "path": f"{pages}/*", "count": 2, "status": 429, "retry_after": "0"},
        {"method": "POST", "path": pages, "count": 2, "status": 503, "retry_after": "0"},
        {"method": "GET", "path": API, "count": 1, "status": 503, "retry_after": "0"},
    )
    return cli


def shown_anywhere(run: Run, wiki: Wiki) -> str:
    """Everything a person or program could read after the run: its output and the pages."""
    pages = [wiki.page(page["title"]) for page in wiki.pages()]
    return run.out + run.err + json.dumps(pages)


def assert_no_secret(text: str) -> None:
    assert TOKEN not in text
    assert SOURCE_TOKEN not in text


def test_json_log_is_one_object_per_line_with_extras_and_no_secret(
    troubled: Cli, wiki: Wiki
) -> None:
    run = troubled.sync("--log-format", "json", "--report", "json")

    assert run.code == 1, run.err  # the source's KPI failed, the rest synced
    lines: list[dict[str, Any]] = [json.loads(line) for line in run.err.splitlines()]
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys()
        assert line["time"].endswith("Z")
        assert datetime.fromisoformat(line["time"]).utcoffset() is not None
    levels = {line["level"] for line in lines}
    assert levels == {"info", "warning"}
    retried = [line for line in lines if "retrying in" in line["message"]]
    assert len(retried) >= 4, lines  # 2 throttled reads, 2 failed creates
    assert all(line["logger"] == "confluence_kpi.confluence.transport" for line in retried)
    source = [line for line in lines if line.get("source") == "ci"]
    assert len(source) == 1, run.json()["kpi_errors"]
    assert source[0]["level"] == "warning"
    progress = next(line for line in lines if line.get("page") == "KPI: Uptime")
    assert progress | {"time": None} == {
        "time": None,
        "level": "info",
        "logger": "confluence_kpi.terminal",
        "message": "KPI: Uptime: created",
        "page": "KPI: Uptime",
        "kind": "kpi",
        "id": "uptime",
        "kpi": "uptime",
        "action": "created",
    }
    assert "deploys" in run.json()["kpi_errors"]
    assert_no_secret(shown_anywhere(run, wiki))


def test_text_log_is_readable_lines_without_secrets(troubled: Cli, wiki: Wiki) -> None:
    run = troubled.sync("--log-format", "text")

    assert run.code == 1, run.err
    warnings = [line for line in run.err.splitlines() if " WARNING " in line]
    assert any("retrying in" in line and "(attempt 2 of 9)" in line for line in warnings)
    assert any(line.endswith(": created") for line in run.err.splitlines())
    for line in run.err.splitlines():
        with pytest.raises(json.JSONDecodeError):
            json.loads(line)
    assert_no_secret(shown_anywhere(run, wiki))


def test_log_is_json_when_stderr_is_no_terminal_and_the_option_goes_before_or_after_the_command(
    cli: Cli,
) -> None:
    automatic = cli.sync()
    before = cli("--log-format", "json", "sync", "--config", str(cli.catalog))
    after = cli("sync", "--config", str(cli.catalog), "--log-format", "text")

    for run in (automatic, before):
        lines = run.err.splitlines()
        assert lines
        assert all(json.loads(line)["logger"] for line in lines)
    assert after.err.startswith("sync: ")


def test_an_error_that_stops_the_sync_is_a_json_line_naming_the_command(cli: Cli) -> None:
    cli.env(CONFLUENCE_API_TOKEN=TOKEN)  # not admin's: the sandbox refuses it

    run = cli.sync("--log-format", "json")

    assert run.code == 2
    (line,) = [json.loads(text) for text in run.err.splitlines()]
    assert (line["level"], line["command"]) == ("error", "sync")
    assert "authentication failed" in line["message"]
    assert TOKEN not in run.err
