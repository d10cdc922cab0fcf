"""Hostile text from where the bot does not choose it: typed by people into a page's fields and a
manual KPI's table, and found in a data file's cells. Whatever it holds (markup, a macro, a
template, invisible and control characters, ten thousand characters), every page stays valid
storage format with no macro or element the bot did not write, the text shows as text, and the
terminal shows control and invisible characters by their code, never as they are."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from .helpers import Cli, Run, Wiki, edit_catalog, set_row
from .test_hostile_strings import NAMESPACES, parsed
from .test_manual_kpi import STATIC_VALUES, free_row, rows_typed

MACRO = (
    '<ac:structured-macro ac:name="html"><ac:plain-text-body><![CDATA[<script>x</script>]]>'
    "</ac:plain-text-body></ac:structured-macro>"
)
# What a person can type into the editor: the editor stores it escaped, as text.
TYPED = {
    "markup and a macro": f"<b>bold</b> {MACRO} <script>alert(1)</script>",
    "template and wiki syntax": "{{ 7*7 }} {% if 1 %}x{% endif %} {html}<b>x</b>{html} ]]>",
    "invisible characters": "Pat\u200b Ops\u2060 \u202eevil\u202c \ufeff",
    "ten thousand characters": "Pat " + "x" * 10_000,
}
# What a data file can hold besides: control characters the editor cannot store.
IN_A_CELL = {**TYPED, "control characters": "99.9\x00\x07\x1b[2J\x1b]0;title\x07"}
DEALS = "KPI: Deals won"
# The macros the page templates write (page_templates/): a page may gain or lose one of these
# as its data changes, never another.
BOT_MACROS = {"chart", "details", "status", "info", "note", "warning", "expand"}


def escaped(text: str) -> str:
    """`text` as the editor stores it in a paragraph."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def macro_names(wiki: Wiki) -> Counter[str]:
    """The macros of every page by name, and any element that runs code; each body parsed as
    XML (fails when one is not well formed)."""
    found: Counter[str] = Counter()
    for page in wiki.pages():
        tree = parsed(wiki.body(page["title"]))
        names = tree.xpath("//ac:structured-macro/@ac:name", namespaces=NAMESPACES)
        assert isinstance(names, list)
        found.update(str(name) for name in names)
        found.update(f"<{element.tag}>" for element in tree.iter("script", "iframe", "object"))
    return found


def assert_only_the_bots_macros(wiki: Wiki) -> None:
    """Every page well formed, holding only macros the templates write."""
    assert set(macro_names(wiki)) <= BOT_MACROS


def text_of(wiki: Wiki, title: str) -> str:
    """A page's text as a reader sees it, markup taken off."""
    return str(etree.tostring(parsed(wiki.body(title)), method="text", encoding="unicode"))


def assert_terminal_safe(*runs: Run) -> None:
    """No control character but line ends and tabs, and no invisible one, as it is."""
    for run in runs:
        said = run.out + run.err
        raw = [
            char
            for char in said
            if char not in "\n\t" and unicodedata.category(char) in ("Cc", "Cf")
        ]
        lines = [line for line in said.splitlines() if any(char in line for char in raw)]
        assert not raw, f"shown as it is: {raw[:5]!r} in {lines[:3]!r}"


def assert_quiet_then(runs: list[Run]) -> None:
    """The run after the one that met the text wrote nothing, and no run showed a control or
    invisible character as it is."""
    assert runs[1].actions() == dict.fromkeys(runs[1].actions(), "unchanged")
    assert_terminal_safe(*runs)


@pytest.mark.parametrize("typed", TYPED.values(), ids=TYPED.keys())
def test_text_typed_into_a_field_stays_text(cli: Cli, wiki: Wiki, typed: str) -> None:
    assert cli.sync().code == 0
    before = macro_names(wiki)
    wiki.edit("KPI: Uptime", lambda body: set_row(body, "Owner", escaped(typed)))

    runs = [cli.sync("--report", "json"), cli.sync("--report", "json")]

    assert [run.code for run in runs] == [0, 0], runs[0].err
    assert ("kpi uptime", "owner") in runs[0].edits()  # taken over as the owner
    assert macro_names(wiki) == before
    assert typed in text_of(wiki, "KPI: Uptime")
    assert_quiet_then(runs)


@pytest.mark.parametrize("typed", TYPED.values(), ids=TYPED.keys())
def test_text_typed_into_a_manual_kpis_table_stays_text(
    cli: Cli, wiki: Wiki, catalog: Path, typed: str
) -> None:
    edit_catalog(catalog, STATIC_VALUES, "    source: page\n")
    assert cli.sync().code == 0
    rows = rows_typed(
        ("2026-10", "20", escaped(typed)),  # a comment: kept and shown
        (escaped(typed), "21", ""),  # a period nobody can read
        ("2026-11", escaped(typed), ""),  # a value nobody can read
    )
    wiki.edit(DEALS, lambda body: body.replace(free_row(body), rows + free_row(body), 1))

    runs = [cli.sync("--report", "json"), cli.sync("--report", "json")]

    assert runs[0].code == 0, runs[0].err
    assert len(runs[0].json()["unreadable"]) == 2
    assert_only_the_bots_macros(wiki)
    assert text_of(wiki, DEALS).count(typed) >= 3  # each typed cell kept as typed
    assert_quiet_then(runs)


@pytest.mark.parametrize("cell", IN_A_CELL.values(), ids=IN_A_CELL.keys())
def test_text_in_a_data_files_cell_is_named_as_text(
    cli: Cli, wiki: Wiki, catalog_dir: Path, cell: str
) -> None:
    assert cli.sync().code == 0
    data = catalog_dir / "ops.csv"
    rows = list(csv.reader(io.StringIO(data.read_text(encoding="utf-8"))))
    rows[-1][1] = cell  # November's uptime
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    data.write_text(out.getvalue(), encoding="utf-8")

    run = cli.sync("--report", "json")

    assert run.code == 1, run.err
    assert "ops.csv" in run.json()["kpi_errors"]["uptime"]
    assert_only_the_bots_macros(wiki)
    assert "data unavailable" in text_of(wiki, "KPI: Uptime").lower()
    assert len(run.out + run.err) < 20_000  # a long cell is cut short where it is quoted
    assert_terminal_safe(run)
