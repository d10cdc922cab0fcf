"""The demo's pages as a reader sees them: a real browser at Confluence's page widths.

The example catalog is synced in English and in Dutch into a sandbox, and its viewer shows the
pages as Confluence would. Headless Chromium opens the root, a team, a goal and three KPI pages
at Confluence's default page width (760 px) and at a wide 1,400 px: nothing may need a
horizontal scroll, and no markup or unfilled placeholder may show as text.

Needs Debian's `chromium` (never a browser downloaded by a test tool); skipped, saying so, where
it is not installed. Set KPI_SCREENSHOTS to a directory to keep a screenshot of every page.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from confluence_kpi.catalog import load_catalog
from confluence_kpi.confluence import Gateway, Transport
from confluence_kpi.demo import DEMO_AS_OF, DEMO_CATALOG, demo_sources
from confluence_kpi.report_json import JsonReport
from confluence_kpi.runner import Setup, sync_once
from confluence_kpi.sandbox import SandboxConfig, SandboxServer
from confluence_kpi.sandbox.config import SpaceSpec

from .helpers import ADMIN

CHROMIUM = Path("/usr/bin/chromium")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no browser check: Debian's chromium is not installed (apt-get install chromium)",
)

SPACES = {"en": "KPI", "nl": "KPINL"}
WIDTHS = (760, 1400)  # Confluence's default page width, and a wide screen
# The pages a team lead opens first: the root, a team, a goal, and KPIs of every shape (a
# running total paced by its pattern, a sprint range, a quarterly ratio of monthly rows).
PAGES = (
    "KPI handbook",
    "Team: Customer service",
    "{goal}: Answer customer questions within 2 hours during office hours by 30 June 2027",
    "KPI: Ticket volume",
    "KPI: Development velocity",
    "KPI: Employee turnover",
)
GOAL_WORD = {"en": "Goal", "nl": "Doel"}
# What must never reach a reader: storage-format tags, escaped markup, unfilled placeholders,
# Python's words for nothing, and the viewer's note on a macro it could not draw.
RAW = re.compile(
    r"<\s*/?\s*(?:ac|ri|at):|&(?:lt|gt|amp|quot);|\{[a-z_]+\}|\bNone\b|\bnan\b|not drawn"
)
# Chromium as a root user in a container, and without the network calls this machine refuses.
ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


@pytest.fixture(scope="module")
def demo() -> Iterator[dict[str, dict[str, str]]]:
    """The demo synced in each language; per language, the viewer's address of each page."""
    spaces = [SpaceSpec(key, key) for key in SPACES.values()]
    with SandboxServer(SandboxConfig(port=0, spaces=spaces)) as server:
        addresses: dict[str, dict[str, str]] = {}
        for locale, space in SPACES.items():
            gateway = Gateway(Transport(server.base_url, username=ADMIN[0], api_token=ADMIN[1]))
            with demo_sources(load_catalog(DEMO_CATALOG), gateway) as shipped:
                catalog = shipped.model_copy(update={"locale": locale, "space": space})
                report = sync_once(Setup(catalog, gateway), now=DEMO_AS_OF)
            assert not report.failed, JsonReport.of(report).model_dump()
            addresses[locale] = {}
            for title in PAGES:
                title = title.format(goal=GOAL_WORD[locale])
                page = gateway.find_page(space, title)
                assert page is not None, f"{locale}: no page {title!r}"
                addresses[locale][title] = f"{server.url}/spaces/{space}/pages/{page.id}"
        yield addresses


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("locale", list(SPACES))
def test_demo_pages_fit_the_page_width_and_show_no_raw_markup(
    demo: dict[str, dict[str, str]], locale: str, width: int
) -> None:
    shots = os.environ.get("KPI_SCREENSHOTS")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(ARGS))
        try:
            view = browser.new_page(viewport={"width": width, "height": 900})
            for title, address in demo[locale].items():
                view.goto(address)
                overflow = view.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 0, f"{locale} {width} px {title!r}: {overflow} px too wide"
                shown = view.inner_text("main")
                assert title.split(": ", 1)[-1] in shown, f"{title!r} did not render"
                raw = RAW.search(shown)
                assert raw is None, f"{locale} {width} px {title!r} shows {raw.group(0)!r}"
                if shots:
                    name = re.sub(r"\W+", "-", title)[:60]
                    view.screenshot(path=f"{shots}/{locale}-{width}-{name}.png", full_page=True)
        finally:
            browser.close()
