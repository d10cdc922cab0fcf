"""Text from the catalog that looks like markup reaches the pages as text, never as markup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from lxml import etree

from .helpers import Cli, Wiki

HTML_MACRO = (
    '<ac:structured-macro ac:name="html"><ac:plain-text-body><![CDATA[<b>bold</b>]]>'
    "</ac:plain-text-body></ac:structured-macro>"
)
SCRIPT = "<script>alert('pwned')</script>"
# Jinja syntax must stay text (names are data, never template); wiki markup, an escaped tag
# (not to be unescaped or escaped twice) and an emoji must reach the page as typed.
TEMPLATE = "{{ 7*7 }} {% for x in range(3) %}{{ x }}{% endfor %} {# gone? #}"
WIKI = "{html}<b>x</b>{html} &lt;b&gt; &amp;amp; \U0001f680"
HOSTILE = f'Tom & Jerry {SCRIPT} ]]> "quoted" \x07\x1b {HTML_MACRO} {TEMPLATE} {WIKI}'
# What a reader must see: the same text, less the control characters XML cannot carry.
SHOWN = "".join(character for character in HOSTILE if character.isprintable())
# Where each prefixed text must show, as text, by page kind (the team name shows in titles).
FIELDS = {
    "kpi": ("kpi", "description", "unit", "owner", "specific", "relevant", "time_bound"),
    "goal": ("goal", "goal owner", "specific", "measurable", "achievable", "relevant"),
    "team": ("about",),
}
NAMESPACES = {
    "ac": "http://atlassian.com/content",
    "ri": "http://atlassian.com/resource/identifier",
    "at": "http://atlassian.com/template",
}


def hostile_catalog(folder: Path) -> Path:
    """A catalog whose every free text is HOSTILE with a prefix, so each one can be found."""
    goal_texts = ("specific", "measurable", "achievable", "relevant", "time_bound")
    document: dict[str, Any] = {
        "space": "KPI",
        "root_page": "Hostile handbook",
        "timezone": "UTC",
        "sources": {"ops_sheet": {"type": "csv", "path": "ops.csv"}},
        "teams": {"ops": {"name": f"team {HOSTILE}", "description": f"about {HOSTILE}"}},
        "goals": [
            {
                "id": "hostile-goal",
                "team": "ops",
                "title": f"goal {HOSTILE}",
                "owner": f"goal owner {HOSTILE}",
                "deadline": "2027-12-31",
                "kpis": ["uptime"],
                **{text: f"{text} {HOSTILE}" for text in goal_texts},
            }
        ],
        "kpis": [
            {
                "id": "uptime",
                "name": f"kpi {HOSTILE}",
                "team": "ops",
                "description": f"description {HOSTILE}",
                "unit": f"unit {HOSTILE}",
                "owner": f"owner {HOSTILE}",
                "direction": "maintain_above",
                "aggregation": "mean",
                "source": "ops_sheet",
                "time_column": "month",
                "column": "uptime",
                "target": {"value": 99.5},
            }
        ],
    }
    path = folder / "hostile.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def parsed(storage: str) -> etree._Element:
    """A storage-format body as XML, its namespace prefixes declared (fails if not well formed)."""
    declared = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
    return etree.fromstring(f"<body {declared}>{storage}</body>".encode())


def test_hostile_strings_stay_text(cli: Cli, wiki: Wiki, catalog_dir: Path) -> None:
    cli.catalog = hostile_catalog(catalog_dir)

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err + run.out
    pages = run.json()["pages"]
    assert {page["action"] for page in pages} == {"created"}
    assert len(pages) == 4
    texts: dict[str, str] = {}
    for page in pages:
        tree = parsed(wiki.body(page["title"]))
        assert tree.xpath("//script") == [], page["title"]
        assert tree.xpath("//ac:structured-macro[@ac:name='html']", namespaces=NAMESPACES) == []
        texts[page["kind"]] = etree.tostring(tree, method="text", encoding="unicode")
    for kind, prefixes in FIELDS.items():
        for prefix in prefixes:
            assert f"{prefix} {SHOWN}" in texts[kind], f"{prefix} on the {kind} page"
    one_line = " ".join(SHOWN.split())  # titles are one line: runs of spaces collapse
    expected = ["Hostile handbook", f"Goal: goal {one_line}", f"KPI: kpi {one_line}"]
    expected.append(f"Team: team {one_line}")
    titles = sorted(page["title"] for page in pages)
    for title, want in zip(titles, sorted(expected), strict=True):  # a long title is cut
        assert title == want or (title.endswith("…") and want.startswith(title[:-1])), title
    wiki.reset_stats()
    again = cli.sync("--report", "json")
    assert {page["action"] for page in again.json()["pages"]} == {"unchanged"}
    assert wiki.writes() == {}


TERMINAL = "[red]alarm[/red] [link=http://x]x[/link] :smile: \x1b[2J\x1b]0;title\x07 \u202eevil"


def test_hostile_names_print_literally_in_the_terminal(cli: Cli, catalog: Path) -> None:
    text = catalog.read_text(encoding="utf-8")
    name = "Uptime " + TERMINAL
    catalog.write_text(text.replace("name: Uptime", f"name: {yaml.safe_dump(name).strip()}", 1))

    runs = [cli.sync(), cli.sync("--verbose"), cli("status", "--config", str(cli.catalog))]

    for run in runs:
        assert "\x1b" not in run.out + run.err, run.out + run.err  # no escape reaches the terminal
        assert "\x07" not in run.out + run.err
    shown = runs[1].out
    assert "[red]alarm[/red]" in shown
    assert ":smile:" in shown
