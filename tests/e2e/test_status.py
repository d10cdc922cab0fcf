"""`confluence-kpi status`: the KPIs' verdicts in the terminal, read from the sources, without
Confluence and without writing anything."""

from __future__ import annotations

from pathlib import Path

from .helpers import AS_OF, Cli, lower_november_uptime


def status(cli: Cli, *options: str) -> list[str]:
    run = cli("status", "--config", str(cli.catalog), "--as-of", AS_OF, *options)
    assert run.code == 0, run.err
    return run.out.splitlines()


def test_status_lists_verdicts_what_needs_attention_first_without_confluence(
    cli: Cli, catalog_dir: Path
) -> None:
    cli.env(CONFLUENCE_URL=None, CONFLUENCE_USERNAME=None, CONFLUENCE_API_TOKEN=None)
    lower_november_uptime(catalog_dir / "ops.csv")

    lines = status(cli)

    rows = [line for line in lines if "│" in line and "KPI" not in line]
    assert "at risk" in rows[0]
    assert "Uptime" in rows[0]
    assert "97.00 % in November 2026" in rows[0]
    assert any("Deals won" in row and "on track" in row for row in rows[1:])


def test_status_of_one_team_shows_only_its_kpis(cli: Cli) -> None:
    out = "\n".join(status(cli, "--team", "sales"))

    assert "Deals won" in out
    assert "Uptime" not in out


def test_status_of_an_unknown_team_names_the_teams(cli: Cli) -> None:
    run = cli("status", "--config", str(cli.catalog), "--team", "nobody")

    assert run.code == 2
    assert "teams: ops, sales" in run.err
