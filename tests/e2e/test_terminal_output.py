"""Names from the catalog, sources and pages print literally in every command's terminal
output: text that looks like rich markup or an emoji code is neither read nor dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from confluence_kpi import demo
from confluence_kpi.cli import main

from .helpers import Cli, edit_catalog, set_csv_value

KPI_NAME = "Up [/b] time :thumbs_up:"  # a closing tag that opens nothing: rich raises
TEAM_NAME = "[bold red]Sales"  # an opening tag: rich would style the rest and drop the tag
CELL = "[/b]"


def hostile(catalog: Path) -> None:
    """The small catalog with a KPI and a team named like markup."""
    edit_catalog(catalog, "name: Uptime", f'name: "{KPI_NAME}"')
    edit_catalog(catalog, "sales: {name: Sales}", f'sales: {{name: "{TEAM_NAME}"}}')


def test_names_and_values_that_look_like_markup_print_literally_in_the_sync_report(
    cli: Cli, catalog: Path, catalog_dir: Path
) -> None:
    hostile(catalog)
    set_csv_value(catalog_dir / "ops.csv", "2026-10-01", "tickets", CELL)

    run = cli.sync()

    assert run.code == 1, run.err  # the tickets KPI failed, the rest synced
    assert f"KPI: {KPI_NAME}" in run.out
    assert f"Team: {TEAM_NAME}" in run.out
    assert f"'{CELL}' is not a number" in run.out


def test_names_that_look_like_markup_print_literally_in_validate(
    catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile(catalog)
    edit_catalog(catalog, "id: uptime", 'id: "[/b]"')

    code = main(["validate", "--config", str(catalog)])

    assert code == 2
    assert "kpis[0] '[/b]': id '[/b]' is not a slug" in capsys.readouterr().out


def test_names_that_look_like_markup_print_literally_in_the_demo_table(
    catalog: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile(catalog)
    monkeypatch.setattr(demo, "DEMO_CATALOG", catalog)

    code = main(["demo", "--port", "0"])

    out = capsys.readouterr().out
    assert code == 0, out
    assert f"│ {TEAM_NAME} " in out
