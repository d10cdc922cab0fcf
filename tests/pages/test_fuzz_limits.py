"""Bounded time on pages far larger or deeper than people make them: a 1 MB page is read,
put in canonical form and merged in seconds, and markup nested thousands deep gives a clear
StorageFormatError (or, read for fields, whatever is readable), never a RecursionError.

The limits are several times the CPU time this takes on a two-core machine (measured: a
10,000-row table, 0.9 MB, about 5 s for the three steps; 1 MB of notes about 1 s; 5,000
levels of nesting 0.1 s), so they catch a hang or a quadratic step, not a slow day.
"""

from __future__ import annotations

import contextlib
import time

import pytest

from confluence_kpi.pages import render_kpi_page
from confluence_kpi.pages.blocks import split_blocks
from confluence_kpi.pages.canonical import StorageFormatError, canonical
from confluence_kpi.pages.layout import bot_part, compose, managed_signatures, split_at_notes
from confluence_kpi.pages.parse import parse_kpi_page

from .factories import TEAM, make_context, make_evaluation, make_goal, make_kpi

PAGE = render_kpi_page(make_kpi(), make_evaluation(), TEAM, [make_goal()], make_context())
SIGNATURES = managed_signatures(PAGE)
ROWS = "".join(
    f"<tr><td><p>2027-W{row % 52 + 1:02}</p></td><td><p>{row}.5&nbsp;h</p></td>"
    f"<td><p>note &amp; comment {row}</p></td></tr>"
    for row in range(10_000)
)
BIG_TABLE = (
    "<h2>Our own log</h2><table><tbody><tr><th><p>Week</p></th><th><p>Hours</p></th>"
    f"<th><p>Comment</p></th></tr>{ROWS}</tbody></table>"
)
NOTES = "".join(
    f"<p>Note {n}: <strong>call</strong> the vendor&nbsp;again.</p>\n" for n in range(18_000)
)
DEPTHS = (500, 1500, 5000)
NESTINGS = {
    "divs": ("<div>", "</div>"),
    "lists": ("<ul><li>", "</li></ul>"),
    "macros": (
        '<ac:structured-macro ac:name="expand"><ac:rich-text-body>',
        "</ac:rich-text-body></ac:structured-macro>",
    ),
    "spans in a heading": ("<span>", "</span>"),
}


def steps(stored: str) -> tuple[float, str]:
    """Seconds to read the fields, compare and merge a stored page as a sync does, and the
    merged body. A body too deep to compare is refused with a StorageFormatError. The time is
    this process's CPU time: the machine is shared, and a busy neighbour is no hang."""
    start = time.process_time()
    parse_kpi_page(bot_part(stored, SIGNATURES), locale="en", unit="h")
    with contextlib.suppress(StorageFormatError):  # the depth test checks it says why
        canonical(stored)
    merged = compose(stored, SIGNATURES, PAGE)
    return time.process_time() - start, merged


def test_a_page_with_a_table_of_ten_thousand_rows_takes_seconds() -> None:
    stored = PAGE.replace("<h2>Notes</h2>", BIG_TABLE + "<h2>Notes</h2>", 1)
    assert len(stored.encode()) > 800_000
    seconds, merged = steps(stored)
    assert seconds < 30
    assert BIG_TABLE in merged


def test_a_megabyte_of_notes_takes_seconds() -> None:
    stored = PAGE + NOTES
    assert len(stored.encode()) > 1_000_000
    seconds, merged = steps(stored)
    assert seconds < 10
    assert split_at_notes(merged)[1] == split_at_notes(stored)[1]


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("nesting", NESTINGS)
def test_deep_nesting_is_read_or_refused_clearly_in_time(nesting: str, depth: int) -> None:
    opening, closing = NESTINGS[nesting]
    deep = opening * depth + "deep" + closing * depth
    block = f"<h2>{deep}</h2>" if nesting == "spans in a heading" else deep
    stored = PAGE.replace("<h2>Notes</h2>", block + "<h2>Notes</h2>", 1)
    levels = depth * opening.count("<")
    seconds, merged = steps(stored)
    if levels > 2048:  # lxml refuses more than 2048 levels, even for a huge tree
        with pytest.raises(StorageFormatError, match="depth"):
            split_blocks(stored)
    else:
        assert block in merged
    assert seconds < 5
