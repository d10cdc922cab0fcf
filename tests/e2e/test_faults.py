"""A sync against a Confluence that throttles, fails and drops connections: it finishes, it
never creates a page twice, and it never leaves an update out."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from .helpers import PAGES, SMALL_PAGES, UPTIME_DEPENDENTS, Cli, Wiki, lower_november_uptime


def storm(api: str) -> tuple[dict[str, Any], ...]:
    """429s and 503s on the page endpoints of `api`, and on a third of all reads.

    Retry-After values are small so the test stays fast; the gateway waits what the server asks.
    """
    pages = PAGES[api]
    return (
        {"method": "GET", "path": f"{pages}/*", "count": 3, "status": 429, "retry_after": "0.1"},
        {"method": "POST", "path": pages, "count": 2, "status": 429, "retry_after": "0"},
        # A 503 may come after the server acted: the gateway must look before it sends again.
        {"method": "PUT", "path": f"{pages}/*", "count": 2, "status": 503, "retry_after": "0"},
        {"method": "GET", "probability": 0.3, "status": 503, "retry_after": "0"},
    )


def unique(titles: Counter[str]) -> bool:
    return all(count == 1 for count in titles.values())


def test_a_storm_of_429_and_503_is_ridden_out(cli: Cli, wiki: Wiki, catalog_dir: Path) -> None:
    # Generous retries: a 30 % chance of 503 per GET must not exhaust them by bad luck.
    cli.env(CONFLUENCE_MAX_RETRIES="8")
    wiki.inject(*storm(wiki.api))
    created = cli.sync("--report", "json")
    fired_while_creating = wiki.active_faults()
    lower_november_uptime(catalog_dir / "ops.csv")
    wiki.inject(*storm(wiki.api))
    updated = cli.sync("--report", "json")
    fired_while_updating = wiki.active_faults()
    wiki.clear_faults()
    wiki.reset_stats()

    quiet = cli.sync("--report", "json")

    assert (created.code, updated.code, quiet.code) == (0, 0, 0), created.err + updated.err
    assert created.actions() == dict.fromkeys(SMALL_PAGES, "created")
    assert {k for k, a in updated.actions().items() if a == "updated"} == UPTIME_DEPENDENTS
    # Every count-limited rule that the pass's requests match has fired as often as it could
    # (creating writes the root's page index with a property PUT); updating sends no POST.
    left = [
        [(rule["method"], rule["count"]) for rule in rules]
        for rules in (fired_while_creating, fired_while_updating)
    ]
    assert left == [[("GET", None)], [("POST", 2), ("GET", None)]]
    assert unique(wiki.titles())
    assert quiet.actions() == dict.fromkeys(SMALL_PAGES, "unchanged")
    assert wiki.writes() == {}


def test_dropped_connection_after_post_does_not_duplicate_the_page(cli: Cli, wiki: Wiki) -> None:
    wiki.inject({"method": "POST", "path": PAGES[wiki.api], "drop": "after", "count": 1})

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert wiki.active_faults() == []  # the drop happened
    assert run.actions() == dict.fromkeys(SMALL_PAGES, "created")
    titles = wiki.titles()
    assert unique(titles)
    assert set(titles) == {page.title for page in SMALL_PAGES.values()} | {"KPI Home"}
    assert cli.sync("--report", "json").actions() == dict.fromkeys(SMALL_PAGES, "unchanged")


def test_dropped_connection_after_put_still_leaves_the_page_updated(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    assert cli.sync().code == 0
    lower_november_uptime(catalog_dir / "ops.csv")
    wiki.inject({"method": "PUT", "path": f"{PAGES[wiki.api]}/*", "drop": "after", "count": 1})

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert wiki.active_faults() == []
    assert "97.00 %" in wiki.body("KPI: Uptime")
    assert unique(wiki.titles())
    wiki.reset_stats()
    assert cli.sync("--report", "json").actions() == dict.fromkeys(SMALL_PAGES, "unchanged")
    assert wiki.writes() == {}
