"""A source type that a plugin adds, named in a catalog like a built-in one and synced.

The plugin is installed as pip leaves one: a module and its dist-info, whose entry point in the
group `confluence_kpi.sources` adds the type `monthly-series` (tests/e2e/plugin/).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import Cli, Wiki

PLUGIN = Path(__file__).parent / "plugin"
CATALOG = """\
space: KPI
root_page: Plugin handbook
timezone: UTC
sources:
  backlog:
    type: monthly-series
    first_month: 2026-09-01
    values: [40, 35, 31]
teams:
  ops: {name: Operations}
kpis:
  - id: open-bugs
    name: Open bugs
    team: ops
    unit: bugs
    decimals: 0
    direction: decrease
    grain: month
    aggregation: last
    source: backlog
    time_column: month
    column: value
    baseline: {value: 45, date: 2026-01-01}
    target: {value: 20, date: 2027-06-30}
"""


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test plugin on the path, where importlib.metadata finds its entry point."""
    monkeypatch.syspath_prepend(str(PLUGIN))


@pytest.fixture
def plugin_catalog(cli: Cli, tmp_path: Path) -> Path:
    """A catalog whose one KPI reads a `monthly-series` source, synced by `cli`."""
    path = tmp_path / "plugin.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    cli.catalog = path
    return path


@pytest.mark.usefixtures("installed", "plugin_catalog")
def test_a_dry_run_measures_a_plugin_source_and_writes_nothing(cli: Cli, wiki: Wiki) -> None:
    run = cli.sync("--dry-run", "--report", "json")

    assert run.code == 0, run.err + run.out
    assert run.json()["kpi_errors"] == {}
    assert run.json()["kpi_status"] == {"open-bugs": "on_track"}  # 31 bugs: on plan
    assert set(run.actions().values()) == {"created"}
    assert wiki.writes() == {}


@pytest.mark.usefixtures("installed")
def test_a_dry_run_shows_a_changed_plugin_series_on_the_kpi_page(
    cli: Cli, wiki: Wiki, plugin_catalog: Path
) -> None:
    assert cli.sync().code == 0
    page = wiki.body("KPI: Open bugs")
    assert "31 bugs in November 2026" in page
    assert "the source backlog" in page  # named by the catalog's name for it, not by its type
    replace_in(plugin_catalog, "values: [40, 35, 31]", "values: [40, 35, 22]")
    wiki.reset_stats()

    run = cli.sync("--dry-run", "--diff")

    assert run.code == 0, run.err + run.out
    lines = run.out.splitlines()
    bugs = lines.index("~ update KPI: Open bugs")
    assert any(
        "31 bugs in November 2026 → 22 bugs in November 2026" in line for line in lines[bugs:]
    )
    assert wiki.writes() == {}


@pytest.mark.usefixtures("installed")
def test_plugin_options_are_validated_by_the_plugin_with_file_and_line(
    cli: Cli, plugin_catalog: Path
) -> None:
    replace_in(plugin_catalog, "first_month: 2026-09-01", "first_month: someday")
    replace_in(plugin_catalog, "values: [40, 35, 31]", "values: [40, 35, 31]\n    colour: red")

    run = cli("validate", "--config", str(plugin_catalog))

    assert run.code == 2, run.out + run.err
    assert run.out.splitlines()[:2] == [
        f"{plugin_catalog}:7: sources 'backlog': first_month must be a date like 2027-06-30 "
        "(got 'someday')",
        f"{plugin_catalog}:9: sources 'backlog': unknown field 'colour'; a source of type "
        "monthly-series takes first_month, type, values",
    ]


def test_a_catalog_naming_a_type_no_plugin_adds_is_refused_at_its_line(
    cli: Cli, plugin_catalog: Path
) -> None:
    run = cli("validate", "--config", str(plugin_catalog))

    assert run.code == 2, run.out + run.err
    assert (
        f"{plugin_catalog}:6: sources 'backlog': type must be one of confluence_table, csv, "
        "excel, http, jira, prometheus, sql, static (got 'monthly-series'): the built-in source "
        "types and those installed plugins add"
    ) in run.out


def replace_in(path: Path, old: str, new: str) -> None:
    """Edit the catalog in place, as its author does."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {path} once"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.usefixtures("installed")
def test_a_plugin_source_that_fails_marks_its_kpi_and_the_run_goes_on(
    cli: Cli, wiki: Wiki, plugin_catalog: Path
) -> None:
    replace_in(plugin_catalog, "    source: backlog\n", "    source: backlog\n    query: all\n")
    text = plugin_catalog.read_text(encoding="utf-8")
    text = text.replace("  backlog:\n", "  manual: {type: static}\n  backlog:\n")
    plugin_catalog.write_text(
        text
        + "  - {id: deals, name: Deals, team: ops, direction: increase, source: manual,\n"
        + "     values: [{date: 2026-11-01, value: 8}]}\n",
        encoding="utf-8",
    )

    run = cli.sync("--report", "json")

    assert run.code == 1, run.out + run.err
    assert run.json()["kpi_errors"] == {"open-bugs": "backlog: a monthly series takes no query"}
    assert "backlog: a monthly series takes no query" in wiki.body("KPI: Open bugs")
    assert run.actions()["kpi deals"] == "created"  # the other KPI is synced
    assert "could not be evaluated" not in wiki.body("KPI: Deals")
