"""Property: whatever people do to a KPI page between syncs (paragraphs, notes, sections, a
target, a rename, a move) while the data changes, nothing people wrote is lost, and the bot's
fields end equal to what a sync of the merged catalog into a fresh space writes."""

from __future__ import annotations

import html
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from confluence_kpi.sandbox import SandboxConfig, SandboxServer

from .conftest import CATALOGS
from .helpers import SMALL_PAGES, Cli, Wiki, replace_once, row, set_csv_value, set_row

UPTIME = SMALL_PAGES["kpi uptime"].title
# Where a person may add a paragraph: before one of these headings, or under Notes.
ANCHORS = ("<h2>What it measures</h2>", "<h2>SMART goal</h2>", "<h2>History</h2>")
PARENTS = (SMALL_PAGES["team sales"].title, SMALL_PAGES["root root"].title)
# The rows the bot computes, and the team's target, compared with a fresh sync.
BOT_ROWS = ("Status", "Current value", "Target", "Trend", "Last data")
# People type unicode and markup-looking text; the editor escapes it.
TEXT = st.text(alphabet=st.sampled_from("abcXYZ 019<>&\"'éß€—"), min_size=1, max_size=12).filter(
    lambda text: text.strip() == text and bool(text)
)

Step = tuple[str, object]
STEPS: st.SearchStrategy[Step] = st.one_of(
    st.tuples(st.just("paragraph"), st.tuples(st.sampled_from(ANCHORS), TEXT)),
    st.tuples(st.just("notes"), TEXT),
    st.tuples(st.just("section"), TEXT),
    st.tuples(st.just("target"), st.integers(9000, 9999)),
    st.tuples(st.just("rename"), st.integers(1, 9)),
    st.tuples(st.just("move"), st.sampled_from(PARENTS)),
    st.tuples(st.just("csv"), st.sampled_from(["97.0", "99.0", "99.9", "100.0"])),
    st.tuples(st.just("sync"), st.none()),
)


@dataclass
class Person:
    """What one person did to the uptime page, and the blocks they added as stored."""

    wiki: Wiki
    title: str = UPTIME
    target: float | None = None
    added: list[str] = field(default_factory=list)

    def do(self, step: Step, n: int) -> None:
        kind, arg = step
        token = f"P{n}"  # makes every added block unique
        if kind == "paragraph":
            anchor, text = cast(tuple[str, str], arg)
            self._add(token, f"<p>{token} {html.escape(text)}</p>", before=anchor)
        elif kind == "notes":
            self._add(token, f"<p>{token} {html.escape(str(arg))}</p>", after="<h2>Notes</h2>")
        elif kind == "section":
            block = f"<h2>{token} extra</h2><p>{token} {html.escape(str(arg))}</p>"
            self._add(token, block, before="<h2>History</h2>")
        elif kind == "target":
            self.target = int(str(arg)) / 100
            self.wiki.edit(self.title, lambda body: set_row(body, "Target", f"≥ {self.target} %"))
        elif kind == "rename":
            new = f"Uptime, page {arg}"
            if new != self.title:
                self.wiki.edit(self.title, new_title=new)
                self.title = new
        elif kind == "move":
            self.wiki.edit(self.title, parent=str(arg))

    def _add(self, token: str, block: str, *, before: str = "", after: str = "") -> None:
        if before:
            self.wiki.edit(self.title, lambda body: replace_once(body, before, block + before))
        else:
            self.wiki.edit(self.title, lambda body: replace_once(body, after, after + block))
        # The blocks as Confluence stored them: what must come back byte for byte.
        stored = re.compile(rf"<(p|h2)>{token} [^<]*</\1>")
        self.added += [match.group(0) for match in stored.finditer(self.wiki.body(self.title))]


@contextmanager
def fresh_space(cli: Cli) -> Iterator[Wiki]:
    """A sandbox of its own for one example, with the CLI pointed at it."""
    server = SandboxServer(SandboxConfig(port=0, flavour="dc"))
    server.start()
    wiki = Wiki(server)
    cli.env(CONFLUENCE_URL=server.base_url, CONFLUENCE_API="v1")
    try:
        yield wiki
    finally:
        wiki.session.close()
        server.stop()


@pytest.mark.parametrize("site", ["dc"])
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEPS, min_size=1, max_size=6))
def test_people_edits_and_syncs_in_any_order_lose_nothing_and_end_freshly_evaluated(
    cli: Cli, steps: list[Step]
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(shutil.copytree(CATALOGS, Path(scratch) / "edited"))
        cli.catalog = data / "small.yaml"
        with fresh_space(cli) as wiki:
            assert cli.sync().code == 0
            person = Person(wiki)
            for n, step in enumerate(steps):
                if step[0] == "sync":
                    assert cli.sync().code == 0
                elif step[0] == "csv":
                    set_csv_value(data / "ops.csv", "2026-11-01", "uptime", str(step[1]))
                else:
                    person.do(step, n)
            final = cli.sync("--report", "json")
            assert final.code == 0, final.err
            body = wiki.body(person.title)
            titles = wiki.titles()

        for block in person.added:
            assert body.count(block) == 1, block
        assert titles[person.title] == 1
        assert sum(titles.values()) == len(SMALL_PAGES) + 1  # and the home page

        # The same data and the merged definitions, synced into a space nobody touched.
        fresh = Path(shutil.copytree(data, Path(scratch) / "fresh"))
        if person.target is not None:
            replace_in = fresh / "small.yaml"
            replace_in.write_text(
                replace_in.read_text(encoding="utf-8").replace(
                    "target: {value: 99.5}", f"target: {{value: {person.target}}}"
                ),
                encoding="utf-8",
            )
        cli.catalog = fresh / "small.yaml"
        with fresh_space(cli) as clean:
            assert cli.sync().code == 0
            expected = clean.body(UPTIME)
        for name in BOT_ROWS:
            assert row(body, name) == row(expected, name), name
        history = expected[expected.index("<h2>History</h2>") : expected.index("<h2>Notes</h2>")]
        assert history in body
