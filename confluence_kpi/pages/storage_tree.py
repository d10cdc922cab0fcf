"""A page's storage format as a reader sees it: the tree, the text shown, the headed sections,
the rows of its Page Properties tables, and the words of the page languages they are found by.

Tolerant by design, as the readers of fields need it: recover mode for broken markup, walks
without recursion for deep nesting, and headings matched in any page language.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache

from lxml import etree

# canonical's entity table turns HTML entities (`&nbsp;`) into references XML knows; one
# table for both readers of storage format.
from confluence_kpi.pages.canonical import _ENTITY, AC, AT, RI, _numeric_entity
from confluence_kpi.pages.markup import clean_text
from confluence_kpi.pages.strings import LOCALES, load_strings
from confluence_kpi.pages.values import normalise

_ROOT = "confluence-kpi-page"  # unlikely in a body, so a stray close tag cannot end it early
MACRO = f"{{{AC}}}structured-macro"
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements that stand as one block of a section; layout wrappers around them are looked into.
_SECTION_BLOCKS = frozenset(
    {"p", "table", "ul", "ol", "pre", "blockquote", MACRO, f"{{{AC}}}task-list"}
)
FREE_TEXT_BLOCKS = frozenset({"p", "ul", "ol", "pre", "blockquote"})
# Elements whose ends break a line of text.
_LINE_BLOCKS = _HEADINGS | FREE_TEXT_BLOCKS | {"div", "li", "tr", "td", "th", "table"}
# Content a reader does not see as text: macro settings, editor placeholders, scripts.
_HIDDEN = frozenset({f"{{{AC}}}parameter", f"{{{AC}}}placeholder", "script", "style"})
_BREAK = "\x00"  # marks a block boundary while text is collected; XML text cannot hold it
_LINK_BODIES = frozenset({f"{{{AC}}}link-body", f"{{{AC}}}plain-text-link-body"})


@dataclass(frozen=True)
class Section:
    """A heading and the blocks up to the next heading, in document order."""

    level: int
    title: str
    blocks: tuple[etree._Element, ...]

    @property
    def key(self) -> str:
        """The heading as compared with the page's words."""
        return key(self.title)


def read(storage: str) -> etree._Element:
    """The body as a tree under a root declaring Confluence's namespaces; never raises."""
    body = _ENTITY.sub(_numeric_entity, clean_text(storage))
    wrapped = f'<{_ROOT} xmlns:ac="{AC}" xmlns:ri="{RI}" xmlns:at="{AT}">{body}</{_ROOT}>'
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(wrapped.encode(), parser)
    except etree.XMLSyntaxError:
        root = None  # recover mode gives up only on input with no element at all
    return root if root is not None else etree.Element(_ROOT)


def visible_text(element: etree._Element, *, statuses: bool = False) -> str:
    """The text a reader sees in an element: blocks on their own lines (ends stripped), `<br>`
    as a line break, date lozenges as ISO dates, page links as their titles, no macro
    parameters. Walks without recursion, so deeply nested markup cannot exhaust the stack.

    With `statuses`, a status lozenge reads as its title: a table's cell that holds one has it
    as its value. The fields of the bot's pages take lozenges as decoration beside the text."""
    pieces: list[str] = []
    walk = etree.iterwalk(element, events=("start", "end"))
    for event, node in walk:
        tag = node.tag
        if event == "start":
            if not isinstance(tag, str) or tag in _HIDDEN:
                walk.skip_subtree()
                continue
            if tag in _LINE_BLOCKS:
                pieces.append(_BREAK)
            if statuses and tag == MACRO and node.get(f"{{{AC}}}name") == "status":
                pieces.append(parameter(node, "title") or "")
                walk.skip_subtree()
                continue
            pieces.append(_own_text(node))
            if tag == "time" and node.get("datetime"):
                walk.skip_subtree()
        else:
            if isinstance(tag, str) and tag in _LINE_BLOCKS:
                pieces.append(_BREAK)
            if node is not element:
                pieces.append(node.tail or "")
    lines = (line.strip() for line in "".join(pieces).split(_BREAK))
    return "\n".join(line for line in lines if line)


def _own_text(node: etree._Element) -> str:
    """The text an element shows before its first child."""
    if node.tag == "br":
        return "\n"
    if node.tag == "time":
        return node.get("datetime") or node.text or ""
    if node.tag == f"{{{RI}}}page":
        parent = node.getparent()
        has_body = parent is not None and any(child.tag in _LINK_BODIES for child in parent)
        return "" if has_body else node.get(f"{{{RI}}}content-title", "")
    return node.text or ""


def sections(root: etree._Element) -> list[Section]:
    """The page as headed sections; content before the first heading is left out."""
    sections: list[Section] = []
    heading: tuple[int, str] | None = None
    blocks: list[etree._Element] = []
    walk = etree.iterwalk(root, events=("start",))
    for _, node in walk:
        tag = node.tag
        if not isinstance(tag, str):
            walk.skip_subtree()
        elif tag in _HEADINGS or tag in _SECTION_BLOCKS:
            walk.skip_subtree()
            if tag in _SECTION_BLOCKS:
                blocks.append(node)
                continue
            if heading is not None:
                sections.append(Section(heading[0], heading[1], tuple(blocks)))
            heading, blocks = (int(tag[1]), normalise(visible_text(node))), []
    if heading is not None:
        sections.append(Section(heading[0], heading[1], tuple(blocks)))
    return sections


def find_section(sections: Sequence[Section], path: str) -> int | None:
    """The index of the first section headed by the text at `path`, in any page language."""
    heading = words(path)
    return next((index for index, section in enumerate(sections) if section.key in heading), None)


def subsections(sections: Sequence[Section], index: int) -> Iterator[Section]:
    """The sections under the one at `index`: those after it with a deeper heading."""
    for section in sections[index + 1 :]:
        if section.level <= sections[index].level:
            return
        yield section


def details_rows(
    root: etree._Element, details_id: str, fields: Sequence[str]
) -> dict[str, etree._Element]:
    """The value cells of the Page Properties tables, by field name (`owner`, `target`, ...).

    The table of the `details` macro with this id comes first, then the page's other `details`
    tables (a KPI page keeps its cadence in its definition's table); a row whose header is no
    field name (one a person added) is passed over.
    """
    macros = [m for m in root.iter(MACRO) if m.get(f"{{{AC}}}name") == "details"]
    macros.sort(key=lambda macro: parameter(macro, "id") != details_id)
    by_header = {word: name for name in fields for word in words(f"field.{name}")}
    cells: dict[str, etree._Element] = {}
    for details in macros:
        for table in details.iter("table"):
            if next(table.iterancestors(MACRO), None) is not details:
                continue  # a table in a macro inside the details table is not a row of it
            for row in rows(table):
                if len(row) >= 2 and (name := by_header.get(key(visible_text(row[0])))):
                    cells.setdefault(name, row[1])  # a repeated row: the first one counts
    return cells


def parameter(macro: etree._Element, name: str) -> str | None:
    """The text of a macro's own parameter, or None."""
    for child in macro:
        if child.tag == f"{{{AC}}}parameter" and child.get(f"{{{AC}}}name") == name:
            return child.text or ""
    return None


def rows(table: etree._Element) -> list[list[etree._Element]]:
    """A table's own rows (not those of tables nested in its cells) as lists of cells."""
    rows = []
    for row in table.iter("tr"):
        if next(row.iterancestors("table"), None) is table:
            rows.append([cell for cell in row if cell.tag in ("th", "td")])
    return rows


# --- Words of the page languages ---------------------------------------------------------------


def key(text: str) -> str:
    """A heading as compared: case and spacing ignored, a trailing colon too."""
    return normalise(text).casefold().rstrip(":").rstrip()


def texts(path: str) -> tuple[str, ...]:
    return tuple(load_strings(locale).text(path) for locale in LOCALES)


@cache
def words(path: str) -> frozenset[str]:
    """The keys of the text at `path` in every page language."""
    return frozenset(key(text) for text in texts(path))


def is_placeholder(text: str, *paths: str) -> bool:
    """Whether text is empty or one of the page's placeholder words, in any language."""
    typed = key(text)
    return not normalise(text) or any(typed in words(path) for path in paths)
