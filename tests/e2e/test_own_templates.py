"""A catalog's own templates directory, used by `validate` and `sync` as a company would:
branded pages, and a mistake in a template said with its file and line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import SMALL_PAGES, Cli, Wiki, edit_catalog

UPTIME = SMALL_PAGES["kpi uptime"].title


@pytest.fixture
def brand(catalog: Path) -> Path:
    """The catalog's own templates directory, `brand/` beside it, named in the catalog."""
    directory = catalog.parent / "brand"
    (directory / "strings").mkdir(parents=True)
    edit_catalog(catalog, "locale: en\n", "locale: en\ntemplates: brand\n")
    return directory


@pytest.mark.parametrize("site", ["dc"], indirect=True)
def test_sync_writes_branded_pages(cli: Cli, wiki: Wiki, brand: Path) -> None:
    (brand / "kpi.xml.j2").write_text(
        '{% include "shipped/kpi.xml.j2" %}\n<p>ACME metrics handbook</p>\n', encoding="utf-8"
    )
    (brand / "strings" / "en.yaml").write_text('title:\n  kpi: "Metric: {name}"\n')

    assert cli("validate", "--config", str(cli.catalog)).code == 0
    run = cli.sync()

    assert run.code == 0, run.err
    title = UPTIME.replace("KPI: ", "Metric: ")
    assert wiki.body(title).endswith("<p>ACME metrics handbook</p>")


@pytest.mark.parametrize("site", ["dc"], indirect=True)
def test_a_template_failing_on_the_data_stops_sync_before_any_write(
    cli: Cli, wiki: Wiki, brand: Path
) -> None:
    (brand / "team.xml.j2").write_text("<p>{{ team.name }}</p>\n<p>{{ team.motto }}</p>\n")

    run = cli.sync()

    assert run.code == 2
    # The file and line of the template, and the missing name.
    assert f"{brand / 'team.xml.j2'}:2: " in run.err
    assert "Team object' has no attribute 'motto'" in run.err
    assert "Traceback" not in run.err
    assert wiki.writes() == {}


@pytest.mark.parametrize("site", ["dc"], indirect=True)
def test_validate_names_a_template_error_by_file_and_line(cli: Cli, brand: Path) -> None:
    (brand / "goal.xml.j2").write_text("<p>{{ goal.title }</p>\n")

    run = cli("validate", "--config", str(cli.catalog))

    assert run.code == 2
    assert f"{brand / 'goal.xml.j2'}:1: unexpected '}}'" in run.out
