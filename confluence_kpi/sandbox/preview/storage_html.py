"""Confluence storage format as the read-only HTML Confluence would show: the elements and macros
KPI pages use, unknown macros as a grey box naming them. Pure: the store is reached only through a
`Resolver`, and every text and attribute from the page is escaped or dropped, never passed on."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from html import escape
from typing import Final, Protocol

from lxml import etree

from confluence_kpi.sandbox.preview.report_rows import Cell, ReportRow, sorted_report
from confluence_kpi.sandbox.preview.svg_chart import ChartOptions, chart_svg, time_chart_svg
from confluence_kpi.sandbox.xhtml import AC_NS, AT_NS, RI_NS

_AC: Final = "{" + AC_NS + "}"
_RI: Final = "{" + RI_NS + "}"
_WRAPPER: Final = f'<xml xmlns:ac="{AC_NS}" xmlns:ri="{RI_NS}" xmlns:at="{AT_NS}">'
# Stored bodies were checked on write, so this parser only has to be safe: no entities beyond
# XML's five, no network, libxml2's size limits. `recover` shows what it can of anything else.
_PARSER: Final = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, recover=True
)

# HTML elements passed through (with no attributes unless listed in _ATTRIBUTES); any other
# element shows its content only. Void elements have no closing tag.
_ELEMENTS: Final = frozenset(
    {
        *("p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "hr"),
        *("table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col"),
        *("strong", "em", "u", "s", "del", "ins", "sub", "sup", "code", "br", "span", "div"),
        *("small", "big", "cite", "q", "abbr"),
    }
)
_VOID: Final = frozenset({"br", "hr", "col"})
_ATTRIBUTES: Final = {"td": ("colspan", "rowspan"), "th": ("colspan", "rowspan"), "col": ("span",)}
_STYLED: Final = frozenset({"span", "p", "td", "th", "div", "h1", "h2", "h3", "h4", "h5", "h6"})
# The inline styles Confluence's editor writes (text colour, highlight, alignment), each value a
# colour or a bare word: no url(), no expression(), nothing that loads or positions anything.
_STYLE_DECLARATION: Final = re.compile(
    r"\s*(color|background-color|text-align)\s*:\s*"
    r"(#[0-9a-fA-F]{3,8}|rgba?\(\s*[0-9.%\s,]+\)|[a-zA-Z]+)\s*"
)
_SAFE_URL: Final = re.compile(r"(https?://|mailto:|#)", re.IGNORECASE)

STATUS_COLOURS: Final = {  # background, text: Confluence's lozenge colours
    "grey": ("#DFE1E6", "#42526E"),
    "red": ("#FFEBE6", "#BF2600"),
    "yellow": ("#FFF0B3", "#974F0C"),
    "green": ("#E3FCEF", "#006644"),
    "blue": ("#DEEBFF", "#0747A6"),
    "purple": ("#EAE6FF", "#403294"),
}
_PANELS: Final = {"info": "i", "note": "!", "warning": "!", "tip": "\u2713"}  # name: icon glyph
_EMOTICONS: Final = {
    "smile": "\U0001f642",
    "sad": "\U0001f641",
    "tick": "\u2705",
    "cross": "\u274c",
    "warning": "\u26a0\ufe0f",
    "information": "\u2139\ufe0f",
    "plus": "\u2795",
    "minus": "\u2796",
    "question": "\u2753",
    "light-on": "\U0001f4a1",
    "yellow-star": "\u2b50",
    "thumbs-up": "\U0001f44d",
    "thumbs-down": "\U0001f44e",
}
_LINE_CHARTS: Final = frozenset({"line", "area", "timeseries", "xyline", "xyarea", "xystep"})
_BAR_CHARTS: Final = frozenset({"bar", "stackedbar", "xybar"})


class Resolver(Protocol):
    """What the converter needs from the store; the viewer implements it."""

    @property
    def space_key(self) -> str:
        """The space of the page being shown: links without `ri:space-key` point into it."""
        ...

    def page_url(self, space_key: str, title: str) -> str | None:
        """The viewer address of a page, or None when no such page exists."""
        ...

    def user_name(self, reference: Mapping[str, str]) -> str | None:
        """The name of the user `ri:user` names (attributes without prefix), if known."""
        ...

    def report(self, cql: str, details_id: str) -> Sequence[ReportRow]:
        """The pages a Page Properties Report covers; ValueError says why the CQL is bad."""
        ...


def storage_to_html(body: str, resolver: Resolver) -> str:
    """The page body as HTML."""
    converter = _Converter(resolver, reports=True)
    converter.children(_parse(body))
    return "".join(converter.out)


def page_properties(body: str, resolver: Resolver, details_id: str = "") -> dict[str, Cell]:
    """The key-value rows of a page's Page Properties (`details`) macros, first key winning;
    with `details_id`, only the macros of that id, as a report with that id reads them."""
    properties: dict[str, Cell] = {}
    # A nested report would recurse through pages that report on each other: not expanded.
    converter = _Converter(resolver, reports=False)
    for macro in _parse(body).iter(_AC + "structured-macro"):
        if macro.get(_AC + "name") != "details":
            continue
        if details_id and _parameters(macro).get("id", "") != details_id:
            continue
        table = _rich_body(macro).find(".//table")
        for row in table.iter("tr") if table is not None else ():
            cells = [c for c in row if c.tag in ("th", "td")]
            if len(cells) >= 2:
                key = _text(cells[0])
                if key and key not in properties:
                    properties[key] = Cell(_text(cells[1]), converter.render_children(cells[1]))
    return properties


def _parse(body: str) -> etree._Element:
    root = etree.fromstring(f"{_WRAPPER}{body}</xml>".encode(), _PARSER)
    # recover=True yields None for a body with nothing recoverable at all.
    return root if root is not None else etree.Element("xml")


class _Converter:
    """Walks a parsed body and appends HTML to `out`."""

    def __init__(self, resolver: Resolver, *, reports: bool) -> None:
        self.resolver = resolver
        self.reports = reports
        self.out: list[str] = []

    def render_children(self, element: etree._Element) -> str:
        """The HTML of an element's content, apart from what was written so far."""
        start = len(self.out)
        self.children(element)
        html = "".join(self.out[start:])
        del self.out[start:]
        return html

    def children(self, element: etree._Element) -> None:
        """An element's text, child elements and their tails."""
        if element.text:
            self.out.append(escape(element.text))
        for child in element:
            if isinstance(child.tag, str):  # comments and processing instructions are dropped
                self.element(child)
            if child.tail:
                self.out.append(escape(child.tail))

    def element(self, element: etree._Element) -> None:
        tag = str(element.tag)
        if tag in _ELEMENTS:
            self._html(tag, element)
        elif tag == "a":
            self._anchor(element)
        elif tag == "time":
            self._time(element)
        elif tag in (_AC + "structured-macro", _AC + "macro"):
            self._macro(element)
        elif tag == _AC + "link":
            self._link(element)
        elif tag == _AC + "task-list":
            self._tasks(element)
        elif tag == _AC + "emoticon":
            self._emoticon(element)
        elif tag == _AC + "image":
            self._box(f"image: {_attachment_name(element)}")
        elif tag != _AC + "placeholder":  # placeholders are editor hints, invisible on a page
            self.children(element)

    def _html(self, tag: str, element: etree._Element) -> None:
        attributes = [
            f' {name}="{escape(value)}"'
            for name in _ATTRIBUTES.get(tag, ())
            if (value := element.get(name, "")).isdigit()
        ]
        style = _safe_style(element.get("style") or "") if tag in _STYLED else ""
        if style:
            attributes.append(f' style="{escape(style)}"')
        self.out.append(f"<{tag}{''.join(attributes)}>")
        if tag not in _VOID:
            self.children(element)
            self.out.append(f"</{tag}>")

    def _anchor(self, element: etree._Element) -> None:
        href = element.get("href", "").strip()
        if not _SAFE_URL.match(href):
            self.children(element)
            return
        self.out.append(f'<a href="{escape(href)}" rel="noopener noreferrer">')
        self.children(element)
        self.out.append("</a>")

    def _time(self, element: etree._Element) -> None:
        value = element.get("datetime", "")
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            self.out.append(escape(value or _text(element)))
            return
        shown = f"{day.day} {day:%b %Y}"
        self.out.append(f'<time class="date" datetime="{escape(value)}">{shown}</time>')

    def _macro(self, element: etree._Element) -> None:
        name = element.get(_AC + "name", "")
        params = _parameters(element)
        if name == "status":
            self.out.append(_lozenge(params))
        elif name in _PANELS:
            self._panel(name, params, element)
        elif name == "expand":
            title = params.get("title") or "Click here to expand..."
            self.out.append(f'<details class="expand"><summary>{escape(title)}</summary><div>')
            self.children(_rich_body(element))
            self.out.append("</div></details>")
        elif name == "details":
            if params.get("hidden", "").lower() != "true":  # hidden: shown only in reports
                self.out.append('<div class="page-properties">')
                self.children(_rich_body(element))
                self.out.append("</div>")
        elif name == "detailssummary":
            self._report(params)
        elif name == "chart":
            self._chart(params, element)
        elif name in ("code", "noformat"):
            self._code(params, element)
        else:
            self._box(f"{name or 'unnamed'} macro")

    def _panel(self, name: str, params: Mapping[str, str], element: etree._Element) -> None:
        self.out.append(f'<div class="panel panel-{name}">')
        if params.get("icon", "").lower() != "false":
            self.out.append(f'<span class="panel-icon" aria-hidden="true">{_PANELS[name]}</span>')
        self.out.append('<div class="panel-content">')
        if params.get("title"):
            self.out.append(f'<p class="panel-title">{escape(params["title"])}</p>')
        self.children(_rich_body(element))
        self.out.append("</div></div>")

    def _code(self, params: Mapping[str, str], element: etree._Element) -> None:
        plain = element.find(_AC + "plain-text-body")
        title = params.get("title", "")
        self.out.append('<div class="code">')
        if title:
            self.out.append(f'<div class="code-title">{escape(title)}</div>')
        self.out.append(f"<pre>{escape(_text(plain, collapse=False))}</pre></div>")

    def _chart(self, params: Mapping[str, str], element: etree._Element) -> None:
        tables = _rich_body(element).findall(".//table")
        kind = params.get("type", "pie").lower()
        if not tables or (kind not in _LINE_CHARTS and kind not in _BAR_CHARTS):
            self._box(f"{kind} chart: not drawn by the sandbox")
            self.children(_rich_body(element))
            return
        rows = [_table_texts(table) for table in tables]
        options = ChartOptions(
            kind="bar" if kind in _BAR_CHARTS else "line",
            title=params.get("title", ""),
            width=_bounded(params.get("width"), 600, 200, 1200),
            height=_bounded(params.get("height"), 300, 150, 800),
            x_label=params.get("xLabel", ""),
            y_label=params.get("yLabel", ""),
            vertical=params.get("dataOrientation", "").lower() == "vertical",
        )
        if kind == "timeseries":
            svg = time_chart_svg(rows, options, params.get("dateFormat", ""))
        else:
            svg = chart_svg(rows[0], options)
        if svg is None:
            self._box("chart: no numbers to draw")
        else:  # Confluence shows the chart in place of its table, never both
            self.out.append(f'<figure class="chart">{svg}</figure>')

    def _report(self, params: Mapping[str, str]) -> None:
        """A Page Properties Report: one row per page the CQL finds, one column per heading."""
        if not self.reports:
            self._box("detailssummary macro")
            return
        try:
            rows = self.resolver.report(params.get("cql", ""), params.get("id", ""))
        except ValueError as exc:
            self._box(f"Page Properties Report: {exc}")
            return
        headings = [h.strip() for h in params.get("headings", "").split(",") if h.strip()]
        if not headings:  # every key, in the order the pages first use them
            headings = list(dict.fromkeys(k for row in rows for k in row.properties))
        rows = sorted_report(rows, params)
        first = params.get("firstcolumn") or "Title"
        self.out.append('<table class="report"><thead><tr>')
        self.out += [f"<th>{escape(h)}</th>" for h in (first, *headings)]
        self.out.append("</tr></thead><tbody>")
        for row in rows:
            link = f'<a href="{escape(row.url)}">{escape(row.title)}</a>'
            cells = [row.properties[h].html if h in row.properties else "" for h in headings]
            self.out.append(f"<tr><td>{link}</td>{''.join(f'<td>{c}</td>' for c in cells)}</tr>")
        if not rows:
            self.out.append(f'<tr><td colspan="{len(headings) + 1}">No content found.</td></tr>')
        self.out.append("</tbody></table>")

    def _link(self, element: etree._Element) -> None:
        page = element.find(_RI + "page")
        user = element.find(_RI + "user")
        url = element.find(_RI + "url")
        if user is not None:
            reference = {etree.QName(k).localname: str(v) for k, v in user.attrib.items()}
            name = self.resolver.user_name(reference)
            label = f"@{name}" if name else "@unknown user"
            self.out.append(f'<span class="mention">{escape(label)}</span>')
            return
        if page is not None:
            title = page.get(_RI + "content-title", "")
            space = page.get(_RI + "space-key") or self.resolver.space_key
            target = self.resolver.page_url(space, title)
        elif url is not None and _SAFE_URL.match(url.get(_RI + "value", "")):
            title, target = url.get(_RI + "value", ""), url.get(_RI + "value", "")
        else:
            title, target = _attachment_name(element), None
        text = self._link_body(element) or escape(title)
        if target is None:  # Confluence shows a link to a missing page in red
            self.out.append(f'<span class="missing-link">{text}</span>')
        else:
            self.out.append(f'<a href="{escape(target)}">{text}</a>')

    def _link_body(self, element: etree._Element) -> str:
        plain = element.find(_AC + "plain-text-link-body")
        if plain is not None:
            return escape(_text(plain, collapse=False))
        rich = element.find(_AC + "link-body")
        return self.render_children(rich) if rich is not None else ""

    def _tasks(self, element: etree._Element) -> None:
        self.out.append('<ul class="tasks">')
        for task in element.iter(_AC + "task"):
            done = _text(task.find(_AC + "task-status")) == "complete"
            checked = " checked" if done else ""
            self.out.append(f'<li><input type="checkbox" disabled{checked}> ')
            body = task.find(_AC + "task-body")
            if body is not None:
                self.children(body)
            self.out.append("</li>")
        self.out.append("</ul>")

    def _emoticon(self, element: etree._Element) -> None:
        name = element.get(_AC + "name", "")
        shown = element.get(_AC + "emoji-fallback") or _EMOTICONS.get(name) or f":{name}:"
        self.out.append(escape(shown))

    def _box(self, text: str) -> None:
        self.out.append(f'<span class="macro-box">{escape(text)}</span>')


def _lozenge(params: Mapping[str, str]) -> str:
    """A status lozenge in Confluence's colours (uppercase by CSS); the title defaults to the
    colour's name, an unknown colour is grey, `subtle` draws an outline."""
    key = params.get("colour", "").strip().lower()
    key = key if key in STATUS_COLOURS else "grey"
    background, ink = STATUS_COLOURS[key]
    if params.get("subtle", "").lower() == "true":
        style = f"background:#FFFFFF;color:{ink};border:1px solid {ink}"
    else:
        style = f"background:{background};color:{ink}"
    text = params.get("title", "").strip() or key
    return f'<span class="status" style="{style}">{escape(text)}</span>'


def _parameters(macro: etree._Element) -> dict[str, str]:
    """A macro's parameters by name; the first of a repeated name wins."""
    params: dict[str, str] = {}
    for param in macro.iterchildren(_AC + "parameter"):
        params.setdefault(param.get(_AC + "name", ""), _text(param))
    return params


def _table_texts(table: etree._Element) -> list[list[str]]:
    """A table's rows as the texts of their cells."""
    return [[_text(c) for c in row if c.tag in ("th", "td")] for row in table.iter("tr")]


def _rich_body(macro: etree._Element) -> etree._Element:
    body = macro.find(_AC + "rich-text-body")
    return body if body is not None else etree.Element("empty")


def _text(element: etree._Element | None, *, collapse: bool = True) -> str:
    """An element's text; with `collapse`, runs of white space become one space."""
    if element is None:
        return ""
    text = "".join(map(str, element.itertext()))
    return " ".join(text.split()) if collapse else text


def _attachment_name(element: etree._Element) -> str:
    attachment = element.find(_RI + "attachment")
    if attachment is not None:
        return attachment.get(_RI + "filename", "attachment")
    url = element.find(_RI + "url")
    return url.get(_RI + "value", "") if url is not None else ""


def _safe_style(style: str) -> str:
    if not style:
        return ""
    kept = [d.strip() for d in style.split(";") if _STYLE_DECLARATION.fullmatch(d)]
    return "; ".join(kept)


def _bounded(text: str | None, default: int, low: int, high: int) -> int:
    try:
        value = int((text or "").strip().removesuffix("px"))
    except ValueError:
        return default
    return min(max(value, low), high)
