"""`confluence-kpi validate` on the sources: a warning for each that cannot be opened here (its
settings are missing), and with `--check-sources` each KPI's query run over yesterday only,
every failure named by its source (exit 1). tests/e2e/test_confluence_table_source.py checks a
Confluence table over HTTP."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from confluence_kpi.cli import main
from tests.sources.web_server import Reply, WebServer, replies

CATALOG = """\
space: KPI
root_page: KPI handbook
sources:
  sheet: {type: csv, path: ops.csv}
  other_sheet: {type: csv, path: other.csv}
  support_db: {type: sql, url_env: KPI_TEST_SUPPORT_DB}
  surveys: {type: static}
teams: {ops: {name: Ops}}
kpis:
  - {id: uptime, name: Uptime, team: ops, direction: increase, source: sheet, column: uptime}
  - {id: tickets, name: Tickets, team: ops, direction: decrease, source: sheet, column: tickets}
  - {id: visits, name: Visits, team: ops, direction: increase, source: other_sheet, column: n}
  - {id: answers, name: Answers, team: ops, direction: decrease, source: support_db,
     query: "SELECT day AS ts, hours FROM answers", column: hours}
  - {id: score, name: Score, team: ops, direction: increase, source: surveys,
     values: [{date: 2026-11-01, value: 8}]}
"""


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A catalog whose sources all answer: two CSV files, an SQLite file through a variable,
    and static values; no wiki and no settings beyond that variable."""
    for name in ("CONFLUENCE_URL", "CONFLUENCE_USERNAME", "CONFLUENCE_API_TOKEN", "KPI_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("CONFLUENCE_PAT", raising=False)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    monkeypatch.setenv("CONFLUENCE_KPI_SECRETS_DIR", str(secrets))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ops.csv").write_text("ts,uptime,tickets\n2026-11-01,99.9,96\n", "utf-8")
    (tmp_path / "other.csv").write_text("ts,n\n2026-11-01,5\n", "utf-8")
    database = tmp_path / "support.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE answers (day TEXT, hours REAL)")
        connection.execute("INSERT INTO answers VALUES ('2026-11-01', 1.5)")
    connection.close()
    monkeypatch.setenv("KPI_TEST_SUPPORT_DB", f"sqlite:///{database}")
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG, "utf-8")
    return path


def validate(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = main(["validate", *argv])
    return code, capsys.readouterr().out.splitlines()


def test_check_sources_reads_every_source_and_exits_0(
    catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = validate(capsys, "--config", str(catalog), "--check-sources")

    assert code == 0, lines
    assert lines[-1] == "sources OK: 4 sources read"


def test_check_sources_names_each_failing_source_and_exits_1(
    catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalog.parent / "ops.csv").write_text("ts,uptime\n2026-11-01,n/a\n", "utf-8")

    code, lines = validate(capsys, "--config", str(catalog), "--check-sources")

    assert code == 1
    assert lines[-3:] == [
        "sheet (ops.csv), line 2, column 'uptime': 'n/a' is not a number",
        "sheet (ops.csv): column 'tickets' not found; columns are: ts, uptime",
        "1 of 4 sources failed",
    ]


def test_without_check_sources_no_query_is_run(
    catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalog.parent / "ops.csv").unlink()

    code, lines = validate(capsys, "--config", str(catalog))

    assert code == 0
    assert lines[-1] == "catalog OK: 5 KPIs, 0 goals, 1 team, 2 warnings"


def test_a_source_that_cannot_be_opened_here_is_a_warning_and_a_failed_check(
    catalog: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KPI_TEST_SUPPORT_DB")

    code, lines = validate(capsys, "--config", str(catalog))
    checked, check_lines = validate(capsys, "--config", str(catalog), "--check-sources")

    assert code == 0
    assert lines[-2:] == [
        "sources: warning: support_db: environment variable KPI_TEST_SUPPORT_DB is not set",
        "catalog OK: 5 KPIs, 0 goals, 1 team, 2 warnings",
    ]
    assert checked == 1
    assert check_lines[-2:] == [
        "support_db: environment variable KPI_TEST_SUPPORT_DB is not set",
        "1 of 4 sources failed",
    ]


def yesterday_and_today(zone: str) -> tuple[date, date]:
    today = datetime.now(ZoneInfo(zone)).date()
    return today - timedelta(days=1), today


def test_check_sources_runs_an_sql_query_over_yesterday_only(
    catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    yesterday, _ = yesterday_and_today("Europe/Amsterdam")
    with sqlite3.connect(catalog.parent / "support.sqlite") as connection:
        connection.execute("CREATE TABLE waits (day TEXT, hours REAL)")
        connection.executemany(
            "INSERT INTO waits VALUES (?, ?)",
            # A row no sync of these months would read, and yesterday's good one.
            [(f"{yesterday - timedelta(days=400)} 10:00:00", "n/a"), (f"{yesterday} 10:00:00", 2)],
        )
    connection.close()
    query = "SELECT day AS ts, hours FROM waits WHERE day >= :start AND day < :end"
    text = CATALOG.replace("sources:", "timezone: Europe/Amsterdam\nsources:") + (
        f"  - {{id: waits, name: Waits, team: ops, direction: decrease, source: support_db,\n"
        f'     query: "{query}", column: hours}}\n'
    )
    catalog.write_text(text, "utf-8")

    code, lines = validate(capsys, "--config", str(catalog), "--check-sources")

    assert code == 0, lines
    with sqlite3.connect(catalog.parent / "support.sqlite") as connection:
        connection.execute("UPDATE waits SET hours = 'n/a'")  # yesterday's too, now
    connection.close()
    code, lines = validate(capsys, "--config", str(catalog), "--check-sources")
    assert code == 1
    assert lines[-2:] == [
        "support_db (SELECT day AS ts, hours FROM waits WHERE day >= :start AND day < :end), "
        "row 1, column 'hours': 'n/a' is not a number",
        "1 of 4 sources failed",
    ]


def test_check_sources_passes_a_quiet_day_but_not_a_missing_column(
    catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = "SELECT day AS ts, hours FROM answers WHERE day >= :start AND day < :end"
    catalog.write_text(CATALOG.replace("SELECT day AS ts, hours FROM answers", query), "utf-8")

    code, lines = validate(capsys, "--config", str(catalog), "--check-sources")
    assert code == 0, lines  # the table's one row is from 2026-11-01, not yesterday

    catalog.write_text(
        CATALOG.replace(
            "SELECT day AS ts, hours FROM answers", query.replace("hours", "hours AS spent")
        ),
        "utf-8",
    )
    code, lines = validate(capsys, "--config", str(catalog), "--check-sources")
    assert code == 1
    assert lines[-2].endswith("column 'hours' not found; columns are: ts, spent")
    assert lines[-2].startswith("support_db (")


def test_check_sources_asks_a_web_api_for_yesterday_only(
    catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = WebServer()
    server.start()
    server.route("/daily", replies(Reply(200, {"data": []})))
    try:
        text = (
            CATALOG.replace(
                "  surveys: {type: static}",
                f'  surveys: {{type: static}}\n  deploys: {{type: http, url: "{server.url}/daily", '
                'params: {from: "{start_date}", to: "{end_date}"}, points: "data[*]", retries: 0}',
            )
            + "  - {id: deploys, name: Deploys, team: ops, direction: increase, source: deploys}\n"
        )
        catalog.write_text(text, "utf-8")

        code, lines = validate(capsys, "--config", str(catalog), "--check-sources")
    finally:
        server.stop()

    assert code == 0, lines
    yesterday, today = yesterday_and_today("UTC")
    assert [dict(sent.params) for sent in server.received] == [
        {"from": yesterday.isoformat(), "to": today.isoformat()}
    ]
