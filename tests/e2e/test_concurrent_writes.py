"""Pages written several at a time (KPI_WRITE_WORKERS): every page once, under its parent,
reported in the plan's order whatever finishes first, and a second run that writes nothing;
also while the site throttles and fails writes."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from .helpers import PAGES, SMALL_PAGES, UPTIME_DEPENDENTS, Cli, Expected, Run, Wiki
from .helpers import lower_november_uptime as lower_uptime

HOME = "KPI Home"
EXTRA_KPIS = 12


def add_kpis(catalog: Path, count: int) -> dict[str, Expected]:
    """`count` more manual KPIs, the teams taking turns, appended to the catalog (its KPI list
    comes last); every page the catalog now calls for, by "kind id"."""
    pages = dict(SMALL_PAGES)
    entries = []
    for number in range(count):
        team = ("ops", "sales")[number % 2]
        entries.append(
            f"  - id: extra-{number:02d}\n"
            f"    name: Extra {number:02d}\n"
            f"    team: {team}\n"
            "    unit: items\n"
            "    direction: increase\n"
            "    grain: month\n"
            "    aggregation: sum\n"
            "    source: manual\n"
            "    values:\n"
            f"      - {{date: 2026-10-15, value: {number + 10}}}\n"
            f"      - {{date: 2026-11-15, value: {number + 12}}}\n"
            "    target: {value: 50, date: 2027-12-31}\n"
        )
        pages[f"kpi extra-{number:02d}"] = Expected(
            f"KPI: Extra {number:02d}", "kpi", f"team {team}"
        )
    with catalog.open("a", encoding="utf-8") as file:
        file.write("".join(entries))
    return pages


def assert_each_page_once_under_its_parent(wiki: Wiki, pages: dict[str, Expected]) -> None:
    titles = wiki.titles()
    assert titles == Counter({page.title: 1 for page in pages.values()} | {HOME: 1})
    for page in pages.values():
        parent = pages[page.parent].title if page.parent else HOME
        assert wiki.parent_title(page.title) == parent, page.title


def page_order(run: Run) -> list[str]:
    """The report's pages, "kind id", in the order it lists them."""
    return list(run.actions())


def test_four_writers_create_every_page_once_under_its_parent(
    cli: Cli, wiki: Wiki, catalog: Path
) -> None:
    pages = add_kpis(catalog, EXTRA_KPIS)
    cli.env(KPI_WRITE_WORKERS="1")
    planned = cli.sync("--dry-run", "--report", "json")  # one page after the other
    # Creates finish in a random order: half of them take 150 ms longer.
    wiki.inject({"method": "POST", "path": PAGES[wiki.api], "probability": 0.5, "latency_ms": 150})
    cli.env(KPI_WRITE_WORKERS="4")

    first = cli.sync("--report", "json")
    wiki.clear_faults()
    wiki.reset_stats()
    second = cli.sync("--report", "json")

    assert first.code == 0, first.err
    assert first.actions() == dict.fromkeys(pages, "created")
    assert page_order(first) == page_order(planned)
    assert_each_page_once_under_its_parent(wiki, pages)
    root_index = wiki.memory(SMALL_PAGES["root root"].title)["index"]
    assert set(root_index) == set(pages) - {"root root"}
    assert second.code == 0, second.err
    assert second.actions() == dict.fromkeys(pages, "unchanged")
    assert page_order(second) == page_order(planned)
    assert wiki.writes() == {}


def test_throttled_and_failing_writes_still_give_every_page_once(
    cli: Cli, wiki: Wiki, catalog: Path, catalog_dir: Path
) -> None:
    pages = add_kpis(catalog, EXTRA_KPIS)
    api = PAGES[wiki.api]
    cli.env(KPI_WRITE_WORKERS="4", CONFLUENCE_MAX_RETRIES="8")
    # 429s with a Retry-After on creates (nothing was created: sent again), and 503s on
    # updates and memory writes (the gateway looks before it sends again).
    wiki.inject(
        {"method": "POST", "path": api, "count": 4, "status": 429, "retry_after": "0.2"},
        {"method": "POST", "path": api, "probability": 0.5, "latency_ms": 50},
    )
    created = cli.sync("--report", "json")
    throttled_left = wiki.active_faults()
    lower_uptime(catalog_dir / "ops.csv")
    wiki.inject({"method": "PUT", "path": f"{api}/*", "count": 3, "status": 503})
    updated = cli.sync("--report", "json")
    failed_left = wiki.active_faults()
    wiki.clear_faults()
    wiki.reset_stats()
    quiet = cli.sync("--report", "json")

    assert (created.code, updated.code, quiet.code) == (0, 0, 0), created.err + updated.err
    assert [rule["count"] for rule in throttled_left] == [None]  # all four 429s were sent
    assert failed_left == []  # and all three 503s
    assert created.actions() == dict.fromkeys(pages, "created")
    assert_each_page_once_under_its_parent(wiki, pages)
    assert {k for k, a in updated.actions().items() if a == "updated"} == UPTIME_DEPENDENTS
    assert page_order(updated) == page_order(created) == page_order(quiet)
    assert "97.00 %" in wiki.body(SMALL_PAGES["kpi uptime"].title)
    assert quiet.actions() == dict.fromkeys(pages, "unchanged")
    assert wiki.writes() == {}


@pytest.mark.parametrize("site", ["dc"])
def test_the_request_rate_holds_for_every_writer_together(cli: Cli, wiki: Wiki) -> None:
    cli.env(KPI_WRITE_WORKERS="8", CONFLUENCE_REQUESTS_PER_SECOND="10")
    started = time.monotonic()
    run = cli.sync("--report", "json")
    seconds = time.monotonic() - started

    assert run.code == 0, run.err
    sent = wiki.stats()["total"]
    assert sent > 15
    # A second's worth at once, then 10 a second.
    assert seconds >= (sent - 10) / 10 - 0.05


@pytest.mark.parametrize("site", ["dc"])
def test_too_many_writers_or_a_negative_rate_stop_the_run_before_any_write(
    cli: Cli, wiki: Wiki
) -> None:
    cli.env(KPI_WRITE_WORKERS="33", CONFLUENCE_REQUESTS_PER_SECOND="-1")

    run = cli.sync()

    assert run.code == 2
    assert "KPI_WRITE_WORKERS must be at most 32 (got '33')" in run.err
    assert "CONFLUENCE_REQUESTS_PER_SECOND must be at least 0 (got '-1')" in run.err
    assert wiki.stats()["total"] == 0
