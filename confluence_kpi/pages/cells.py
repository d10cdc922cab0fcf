"""Keeps what a person typed in a Page Properties row that the bot could not read.

The bot re-renders its pages, but a cell a person typed and the bot could not understand
("soon" as a target) must stay as typed until the person corrects it: the rendered row's
value cell is replaced by the stored one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from lxml import etree

from confluence_kpi.pages.strings import load_strings
from confluence_kpi.pages.values import normalise

_AC = "http://atlassian.com/content"
_RI = "http://atlassian.com/resource/identifier"
_WRAP = f'<page xmlns:ac="{_AC}" xmlns:ri="{_RI}" xmlns:at="http://atlassian.com/template">'
# A serialised cell repeats the namespace declarations it inherited; the page declares none.
_DECLARATIONS = re.compile(r' xmlns:(?:ac|ri|at)="[^"]*"')
_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)


def keep_cells(rendered: str, stored: str, rows: Iterable[str], *, locale: str) -> str:
    """`rendered` with the value cell of each named row (target, baseline, ...) as stored."""
    strings = load_strings(locale)
    for row in rows:
        header = strings.text(f"field.{row}")
        cell = _stored_cell(stored, header)
        if cell is None:
            continue
        # The bot's own row, exactly as its template writes it (see the `row` macro).
        pattern = re.compile(
            r"(<tr><th><p>" + re.escape(header) + r"</p></th>)<td>.*?</td>(</tr>)", re.S
        )
        rendered = pattern.sub(_replacement(cell), rendered, count=1)
    return rendered


def _stored_cell(stored: str, header: str) -> str | None:
    """The value cell of the stored details row headed `header`, serialised, or None."""
    root = etree.fromstring(f"{_WRAP}{stored}</page>".encode(), _PARSER)
    if root is None:
        return None
    wanted = normalise(header).casefold()
    for row in root.iter("tr"):
        cells = [c for c in row if c.tag in ("th", "td")]
        if len(cells) >= 2 and normalise(_text(cells[0])).casefold() == wanted:
            cells[1].tag = "td"  # the value cell, whatever an editor made of it
            cell = etree.tostring(cells[1], encoding="unicode", with_tail=False)
            return _DECLARATIONS.sub("", cell)
    return None


def _replacement(cell: str) -> Callable[[re.Match[str]], str]:
    """The bot's row with `cell` as its value cell."""
    return lambda match: match.group(1) + cell + match.group(2)


def _text(element: etree._Element) -> str:
    return "".join(str(piece) for piece in element.itertext())
