"""The exit codes of `sync`: 2 when nothing could be written (settings, catalog, credentials,
space, connection), 1 when some KPI failed but the rest synced, 0 when all is well."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from confluence_kpi.sandbox import UserSpec

from .conftest import SandboxFactory
from .helpers import SMALL_PAGES, Cli, Wiki, set_csv_value

ONLY_THE_HOME_PAGE = {"KPI Home": 1}


def test_bad_credentials_exit_2_before_any_write(cli: Cli, wiki: Wiki) -> None:
    secret = "not-the-token-8d1f"
    cli.env(CONFLUENCE_API_TOKEN=secret)

    run = cli.sync()

    assert run.code == 2
    assert "authentication failed" in run.err
    assert "the token may be wrong or expired" in run.err
    assert secret not in run.out + run.err
    assert wiki.writes() == {}
    assert wiki.titles() == ONLY_THE_HOME_PAGE


@pytest.mark.parametrize("site", ["dc"])
def test_an_account_that_may_only_read_fails_each_page_saying_what_to_do(
    sandbox_factory: SandboxFactory, cli: Cli
) -> None:
    reader = sandbox_factory(flavour="dc", users=[UserSpec.parse("reader:reader-secret:read")])
    cli.env(
        CONFLUENCE_URL=reader.base_url,
        CONFLUENCE_USERNAME="reader",
        CONFLUENCE_API_TOKEN="reader-secret",
    )

    run = cli.sync("--report", "json")

    assert run.code == 1
    root = run.reasons()["root root"]
    assert root.startswith("no permission to")
    assert "give the bot's account permission to add and edit pages" in root


def test_unknown_space_exit_2(cli: Cli, wiki: Wiki) -> None:
    cli.env(CONFLUENCE_SPACE="NOSUCH")

    run = cli.sync()

    assert run.code == 2
    assert "space NOSUCH not found" in run.err
    assert wiki.writes() == {}


def test_unreachable_confluence_exit_2(cli: Cli, flavour: str) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago, and is closed now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    context = "/wiki" if flavour == "cloud" else ""
    cli.env(CONFLUENCE_URL=f"http://127.0.0.1:{port}{context}")

    started = time.monotonic()
    run = cli.sync()

    assert run.code == 2
    assert time.monotonic() - started < 5  # a site never reached is not retried with backoff
    assert f"cannot reach Confluence at http://127.0.0.1:{port}" in run.err
    assert "Traceback" not in run.err


@pytest.mark.parametrize("site", ["cloud"])
def test_cloud_url_without_wiki_exit_2_with_a_hint(cli: Cli, wiki: Wiki) -> None:
    cli.env(CONFLUENCE_URL=wiki.server.url)  # the site's root, where /wiki is missing

    run = cli.sync()

    assert run.code == 2
    assert f"is {wiki.server.url} the right Confluence URL?" in run.err
    assert wiki.writes() == {}


def test_unknown_host_exit_2_within_seconds(cli: Cli) -> None:
    cli.env(CONFLUENCE_URL="http://confluence.invalid")  # .invalid never resolves (RFC 2606)

    started = time.monotonic()
    run = cli.sync()

    assert run.code == 2
    assert "cannot reach Confluence at http://confluence.invalid" in run.err
    assert time.monotonic() - started < 5


def test_missing_catalog_says_how_to_name_one(cli: Cli, wiki: Wiki, tmp_path: Path) -> None:
    cli.catalog = tmp_path / "nowhere.yaml"

    run = cli.sync()

    assert run.code == 2
    assert "nowhere.yaml" in run.err
    assert "--config" in run.err
    assert "KPI_CONFIG" in run.err
    assert wiki.stats()["total"] == 0


def test_broken_catalog_exit_2(cli: Cli, wiki: Wiki, catalog_dir: Path) -> None:
    broken = catalog_dir / "small.yaml"
    text = broken.read_text(encoding="utf-8")
    broken.write_text(
        text.replace("direction: maintain_above", "direction: upwards").replace(
            "team: sales\n    unit: deals", "team: nobody\n    unit: deals"
        ),
        encoding="utf-8",
    )

    run = cli.sync()

    assert run.code == 2
    assert "kpis[0] 'uptime'" in run.err
    assert "direction" in run.err
    assert "nobody" in run.err  # every problem at once, not only the first
    assert "Traceback" not in run.err
    assert wiki.stats()["total"] == 0  # not even a read: the catalog is checked first


@pytest.mark.parametrize(
    ("breakage", "failing"),
    [("non-numeric cell", {"tickets"}), ("missing file", {"uptime", "tickets"})],
)
def test_one_failing_source_still_syncs_the_rest_and_exits_1(
    cli: Cli, wiki: Wiki, catalog_dir: Path, breakage: str, failing: set[str]
) -> None:
    if breakage == "missing file":
        (catalog_dir / "ops.csv").unlink()
    else:
        set_csv_value(catalog_dir / "ops.csv", "2026-10-01", "tickets", "n/a")

    run = cli.sync("--report", "json")

    assert run.code == 1
    report = run.json()
    assert set(report["kpi_errors"]) == failing
    assert all("ops.csv" in error for error in report["kpi_errors"].values())
    assert {report["kpi_status"][kpi] for kpi in failing} == {"no_data"}
    assert report["kpi_status"]["deals-won"] == "on_track"
    assert run.actions() == dict.fromkeys(SMALL_PAGES, "created")
    for kpi in failing:
        body = wiki.body(SMALL_PAGES[f"kpi {kpi}"].title)
        assert "could not be evaluated" in body
        assert "ops.csv" in body
    if breakage == "non-numeric cell":
        assert "'n/a' is not a number" in report["kpi_errors"]["tickets"]
        assert "line 11" in report["kpi_errors"]["tickets"]
