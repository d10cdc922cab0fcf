"""Reads the team-editable fields back from a KPI or goal page as Confluence stores it.

Tolerant by design: people and Confluence's editors rewrite storage format (ids, wrappers,
`tbody`, `<p>` in cells or not, mentions, date lozenges, reordered rows), so everything is
found by the words of its heading or row header in any page language, never by position,
and a value that cannot be understood becomes an `Unreadable`, never an exception.

lxml is used directly rather than through BeautifulSoup: it is typed (bs4 is untyped here,
which strict mypy would turn into Any everywhere), it is the parser `canonical` already uses,
and its recover mode is what survives broken markup either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from lxml import etree

from confluence_kpi.model import Grain

# canonical's entity table turns HTML entities (`&nbsp;`) into references XML knows; one
# table for both readers of storage format.
from confluence_kpi.pages.canonical import _ENTITY, AC, AT, RI, _numeric_entity
from confluence_kpi.pages.markup import clean_text
from confluence_kpi.pages.strings import LOCALES, load_strings
from confluence_kpi.pages.values import (
    MAX_VALUE_TEXT,
    normalise,
    parse_date,
    parse_number,
    template_pattern,
)

SMART_KEYS = ("specific", "measurable", "achievable", "relevant", "time_bound")

_ROOT = "confluence-kpi-page"  # unlikely in a body, so a stray close tag cannot end it early
_MACRO = f"{{{AC}}}structured-macro"
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements that stand as one block of a section; layout wrappers around them are looked into.
_SECTION_BLOCKS = frozenset(
    {"p", "table", "ul", "ol", "pre", "blockquote", _MACRO, f"{{{AC}}}task-list"}
)
_FREE_TEXT_BLOCKS = frozenset({"p", "ul", "ol", "pre", "blockquote"})
# Elements whose ends break a line of text.
_LINE_BLOCKS = _HEADINGS | _FREE_TEXT_BLOCKS | {"div", "li", "tr", "td", "th", "table"}
# Content a reader does not see as text: macro settings, editor placeholders, scripts.
_HIDDEN = frozenset({f"{{{AC}}}parameter", f"{{{AC}}}placeholder", "script", "style"})
_LINK_BODIES = frozenset({f"{{{AC}}}link-body", f"{{{AC}}}plain-text-link-body"})
_DETAILS_FIELDS = ("owner", "target", "baseline", "cadence", "deadline")
_BREAK = "\x00"  # marks a block boundary while text is collected; XML text cannot hold it
_COMPARATOR = re.compile(r"^(?:[≥≤<>]=?|=)\s*")
_RANGE = re.compile(r"^(?P<low>[^0-9]*[0-9].*?)\s*[–—-]\s*(?P<high>.*[0-9].*)$")


@dataclass(frozen=True)
class Owner:
    """An owner as the page names them: a mention (Cloud account id, Data Center user key or
    username) and/or the text next to it."""

    name: str
    account_id: str | None = None
    user_key: str | None = None
    username: str | None = None


@dataclass(frozen=True)
class Unreadable:
    """A person's edit the bot cannot understand; the page keeps it and the report lists it."""

    field: str
    text: str
    reason: str


@dataclass(frozen=True)
class HistoryRow:
    """One row of a KPI page's history table: the period and the value as written (read as
    typed: a manual KPI's measurements are read on from here, see `manual`), a comment."""

    period: str
    value: str
    comment: str | None


@dataclass(frozen=True)
class KpiPageFields:
    """The team-editable fields of a KPI page as found on it; None when absent or not set.

    `found` names the fields whose row or section is on the page, which tells "not set" on
    the page (found, None) from a removed row (not found). `smart` maps each goal heading
    on the page to its SMART texts; "" means the placeholder ("not written yet") is shown.
    """

    owner: Owner | None
    target_value: float | None
    target_date: date | None
    target_upper: float | None
    baseline_value: float | None
    baseline_date: date | None
    description: str | None
    smart: Mapping[str, Mapping[str, str]]
    cadence: Grain | None
    history_rows: tuple[HistoryRow, ...]
    unreadable: tuple[Unreadable, ...]
    found: frozenset[str]


@dataclass(frozen=True)
class GoalPageFields:
    """The team-editable fields of a goal page as found on it; see `KpiPageFields`."""

    owner: Owner | None
    deadline: date | None
    title: str | None
    smart: Mapping[str, str]
    unreadable: tuple[Unreadable, ...]
    found: frozenset[str]


@dataclass(frozen=True)
class _Section:
    """A heading and the blocks up to the next heading, in document order."""

    level: int
    title: str
    blocks: tuple[etree._Element, ...]

    @property
    def key(self) -> str:
        """The heading as compared with the page's words."""
        return _key(self.title)


def parse_kpi_page(storage: str, *, locale: str, unit: str) -> KpiPageFields:
    """The team-editable fields of a KPI page; `locale` reads numbers, `unit` is the KPI's."""
    root = _tree(storage)
    rows = _details_rows(root, "kpi")
    sections = _sections(root)
    found: set[str] = set()
    unreadable: list[Unreadable] = []
    owner = _owner(rows.get("owner"), found)
    target = _target(rows.get("target"), locale, unit, found, unreadable)
    baseline = _baseline(rows.get("baseline"), locale, unit, found, unreadable)
    cadence = _cadence(rows.get("cadence"), found, unreadable)
    description = _section_text(
        sections, "kpi.measures", "value.no_description", "description", found
    )
    smart = _kpi_smart(sections, found)
    history = _history(sections, found)
    return KpiPageFields(
        owner=owner,
        target_value=target[0],
        target_date=target[2],
        target_upper=target[1],
        baseline_value=baseline[0],
        baseline_date=baseline[1],
        description=description,
        smart=smart,
        cadence=cadence,
        history_rows=history,
        unreadable=tuple(unreadable),
        found=frozenset(found),
    )


def parse_goal_page(storage: str, *, locale: str) -> GoalPageFields:
    """The team-editable fields of a SMART goal's page."""
    root = _tree(storage)
    rows = _details_rows(root, "goal")
    sections = _sections(root)
    found: set[str] = set()
    unreadable: list[Unreadable] = []
    owner = _owner(rows.get("owner"), found)
    deadline = _date_cell(rows.get("deadline"), "deadline", locale, found, unreadable)
    title = _section_text(sections, "goal.statement", None, "title", found)
    smart: dict[str, str] = {}
    index = _find_section(sections, "goal.smart")
    if index is not None:
        found.add("smart")
        for sub in _subsections(sections, index):
            key = _smart_key(sub.key)
            if key is not None and key not in smart:
                smart[key] = _placeholder_free(_free_text(sub.blocks), "value.not_written")
    return GoalPageFields(owner, deadline, title, smart, tuple(unreadable), frozenset(found))


# --- Reading the tree -------------------------------------------------------------------------


def _tree(storage: str) -> etree._Element:
    """The body as a tree under a root declaring Confluence's namespaces; never raises."""
    body = _ENTITY.sub(_numeric_entity, clean_text(storage))
    wrapped = f'<{_ROOT} xmlns:ac="{AC}" xmlns:ri="{RI}" xmlns:at="{AT}">{body}</{_ROOT}>'
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(wrapped.encode(), parser)
    except etree.XMLSyntaxError:
        root = None  # recover mode gives up only on input with no element at all
    return root if root is not None else etree.Element(_ROOT)


def _visible_text(element: etree._Element) -> str:
    """The text a reader sees in an element: blocks on their own lines (ends stripped), `<br>`
    as a line break, date lozenges as ISO dates, page links as their titles, no macro
    parameters. Walks without recursion, so deeply nested markup cannot exhaust the stack."""
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


def _sections(root: etree._Element) -> list[_Section]:
    """The page as headed sections; content before the first heading is left out."""
    sections: list[_Section] = []
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
                sections.append(_Section(heading[0], heading[1], tuple(blocks)))
            heading, blocks = (int(tag[1]), normalise(_visible_text(node))), []
    if heading is not None:
        sections.append(_Section(heading[0], heading[1], tuple(blocks)))
    return sections


def _find_section(sections: Sequence[_Section], path: str) -> int | None:
    """The index of the first section headed by the text at `path`, in any page language."""
    words = _words(path)
    return next((index for index, section in enumerate(sections) if section.key in words), None)


def _subsections(sections: Sequence[_Section], index: int) -> Iterator[_Section]:
    """The sections under the one at `index`: those after it with a deeper heading."""
    for section in sections[index + 1 :]:
        if section.level <= sections[index].level:
            return
        yield section


def _details_rows(root: etree._Element, details_id: str) -> dict[str, etree._Element]:
    """The value cells of the Page Properties tables, by field name (`owner`, `target`, ...).

    The table of the `details` macro with this id comes first, then the page's other `details`
    tables (a KPI page keeps its cadence in its definition's table); a row whose header is no
    field name (one a person added) is passed over.
    """
    macros = [m for m in root.iter(_MACRO) if m.get(f"{{{AC}}}name") == "details"]
    macros.sort(key=lambda macro: _parameter(macro, "id") != details_id)
    by_header = {word: name for name in _DETAILS_FIELDS for word in _words(f"field.{name}")}
    cells: dict[str, etree._Element] = {}
    for details in macros:
        for table in details.iter("table"):
            if next(table.iterancestors(_MACRO), None) is not details:
                continue  # a table in a macro inside the details table is not a row of it
            for row in _rows(table):
                if len(row) >= 2 and (name := by_header.get(_key(_visible_text(row[0])))):
                    cells.setdefault(name, row[1])  # a repeated row: the first one counts
    return cells


def _parameter(macro: etree._Element, name: str) -> str | None:
    """The text of a macro's own parameter, or None."""
    for child in macro:
        if child.tag == f"{{{AC}}}parameter" and child.get(f"{{{AC}}}name") == name:
            return child.text or ""
    return None


def _rows(table: etree._Element) -> list[list[etree._Element]]:
    """A table's own rows (not those of tables nested in its cells) as lists of cells."""
    rows = []
    for row in table.iter("tr"):
        if next(row.iterancestors("table"), None) is table:
            rows.append([cell for cell in row if cell.tag in ("th", "td")])
    return rows


# --- Fields -----------------------------------------------------------------------------------


def _owner(cell: etree._Element | None, found: set[str]) -> Owner | None:
    """A mention (the first, when there are several) and the text beside it, or None."""
    if cell is None:
        return None
    found.add("owner")
    name = normalise(_visible_text(cell))
    user = next(cell.iter(f"{{{RI}}}user"), None)
    if user is None:
        return None if _is_placeholder(name, "value.not_set", "value.none") else Owner(name)
    return Owner(
        name,
        account_id=user.get(f"{{{RI}}}account-id"),
        user_key=user.get(f"{{{RI}}}userkey"),
        username=user.get(f"{{{RI}}}username"),
    )


def _target(
    cell: etree._Element | None,
    locale: str,
    unit: str,
    found: set[str],
    unreadable: list[Unreadable],
) -> tuple[float | None, float | None, date | None]:
    """(value, upper bound of a range, date) from "≥ 2.0 h by <time/>", "2–5 h", "2h"."""
    if cell is None:
        return None, None, None
    found.add("target")
    text = normalise(_visible_text(cell))
    if _is_placeholder(text, "value.not_set", "value.none"):
        return None, None, None
    amount, when = _split(text, [f"{{value}} {words} {{date}}" for words in _texts("value.by")])
    day = _read_date(when, text, "target_date", locale, unreadable) if when else None
    amount = _COMPARATOR.sub("", amount)
    band = _match(_RANGE, amount)
    try:
        if band is None:
            return parse_number(amount, locale=locale, unit=unit), None, day
        low = parse_number(band["low"], locale=locale, unit=unit)
        return low, parse_number(band["high"], locale=locale, unit=unit), day
    except ValueError as error:
        unreadable.append(_unreadable("target", text, error))
        return None, None, day


def _baseline(
    cell: etree._Element | None,
    locale: str,
    unit: str,
    found: set[str],
    unreadable: list[Unreadable],
) -> tuple[float | None, date | None]:
    """(value, date) from "5.5 h on 1 January 2026", or a value alone."""
    if cell is None:
        return None, None
    found.add("baseline")
    text = normalise(_visible_text(cell))
    if _is_placeholder(text, "value.not_set", "value.none"):
        return None, None
    amount, when = _split(text, _texts("value.on_date"))
    day = _read_date(when, text, "baseline_date", locale, unreadable) if when else None
    try:
        return parse_number(amount, locale=locale, unit=unit), day
    except ValueError as error:
        unreadable.append(_unreadable("baseline", text, error))
        return None, day


def _date_cell(
    cell: etree._Element | None,
    field: str,
    locale: str,
    found: set[str],
    unreadable: list[Unreadable],
) -> date | None:
    """A date lozenge or a typed date, or None for "not set"."""
    if cell is None:
        return None
    found.add(field)
    text = normalise(_visible_text(cell))
    if _is_placeholder(text, "value.not_set", "value.none"):
        return None
    return _read_date(text, text, field, locale, unreadable)


def _read_date(
    text: str, cell_text: str, field: str, locale: str, unreadable: list[Unreadable]
) -> date | None:
    try:
        return parse_date(text, locale=locale)
    except ValueError as error:
        unreadable.append(_unreadable(field, cell_text, error))
        return None


def _cadence(
    cell: etree._Element | None, found: set[str], unreadable: list[Unreadable]
) -> Grain | None:
    """The cadence from its word ("Weekly", "Wekelijks", "week") in any page language."""
    if cell is None:
        return None
    found.add("cadence")
    text = normalise(_visible_text(cell))
    key = _key(text)
    for grain in Grain:
        if key in _words(f"cadence.{grain}") | _words(f"grain.{grain}") | {grain.value}:
            return grain
    known = ", ".join(load_strings(LOCALES[0]).texts["cadence"].values())
    unreadable.append(Unreadable("cadence", shortened(text), f"not a cadence; use one of {known}"))
    return None


def _kpi_smart(sections: Sequence[_Section], found: set[str]) -> dict[str, dict[str, str]]:
    """Per goal heading under the SMART section, its SMART texts read from the goal's table."""
    smart: dict[str, dict[str, str]] = {}
    index = _find_section(sections, "kpi.smart")
    if index is not None:
        found.add("smart")
        for goal in _subsections(sections, index):
            texts: dict[str, str] = {}
            for table in (block for block in goal.blocks if block.tag == "table"):
                for row in _rows(table):
                    key = _smart_key(_key(_visible_text(row[0]))) if len(row) >= 2 else None
                    if key is not None and key not in texts:
                        free = _visible_text(row[1])
                        texts[key] = _placeholder_free(free, "value.not_written")
            smart.setdefault(goal.title, texts)
    return smart


def _history(sections: Sequence[_Section], found: set[str]) -> tuple[HistoryRow, ...]:
    """The rows of the history table, found by its Period and Value headings.

    Columns other than period, value, target and verdict are people's: their text is the
    row's comment (manual KPIs keep one there).
    """
    index = _find_section(sections, "kpi.history")
    if index is None:
        return ()
    blocks = [*sections[index].blocks]
    for sub in _subsections(sections, index):
        blocks.extend(sub.blocks)
    for table in (block for block in blocks if block.tag == "table"):
        rows = _rows(table)
        header = [_key(_visible_text(cell)) for cell in rows[0]] if rows else []
        period = _column(header, "field.period")
        value = _column(header, "field.value")
        if period is None or value is None:
            continue  # a table people added for something else
        found.add("history")
        known = {period, value, _column(header, "field.target"), _column(header, "field.verdict")}
        return tuple(
            row for cells in rows[1:] if (row := _history_row(cells, period, value, known))
        )
    return ()


def _history_row(
    cells: Sequence[etree._Element],
    period_column: int,
    value_column: int,
    known: set[int | None],
) -> HistoryRow | None:
    """One history row, or None for a row left empty (an editor's placeholder is no text)."""
    texts = [_visible_text(cell) for cell in cells]
    cell = dict(enumerate(texts))
    period = normalise(cell.get(period_column, ""))
    value = normalise(cell.get(value_column, ""))
    comment = "\n".join(t for i, t in enumerate(texts) if i not in known and t) or None
    if not (period or value or comment):
        return None
    return HistoryRow(period, value, comment)


def _column(header: Sequence[str], path: str) -> int | None:
    words = _words(path)
    return next((index for index, key in enumerate(header) if key in words), None)


def _section_text(
    sections: Sequence[_Section], path: str, placeholder: str | None, name: str, found: set[str]
) -> str | None:
    """The free text of the first section headed by `path`; "" when it shows the placeholder."""
    index = _find_section(sections, path)
    if index is None:
        return None
    found.add(name)
    text = _free_text(sections[index].blocks)
    return _placeholder_free(text, placeholder) if placeholder else text


def _free_text(blocks: Sequence[etree._Element]) -> str:
    """The text of a section's paragraphs and lists, one line per paragraph."""
    texts = (_visible_text(block) for block in blocks if block.tag in _FREE_TEXT_BLOCKS)
    return "\n".join(text for text in texts if text)


def _placeholder_free(text: str, placeholder: str) -> str:
    """ "" for a text that is only the page's placeholder ("not written yet"), else the text."""
    return "" if _is_placeholder(text, placeholder) else text


def _smart_key(key: str) -> str | None:
    return next((smart for smart in SMART_KEYS if key in _words(f"smart.{smart}")), None)


# --- Words of the page languages ---------------------------------------------------------------


def _key(text: str) -> str:
    """A heading as compared: case and spacing ignored, a trailing colon too."""
    return normalise(text).casefold().rstrip(":").rstrip()


def _texts(path: str) -> tuple[str, ...]:
    return tuple(load_strings(locale).text(path) for locale in LOCALES)


@cache
def _words(path: str) -> frozenset[str]:
    """The keys of the text at `path` in every page language."""
    return frozenset(_key(text) for text in _texts(path))


def _is_placeholder(text: str, *paths: str) -> bool:
    """Whether text is empty or one of the page's placeholder words, in any language."""
    key = _key(text)
    return not normalise(text) or any(key in _words(path) for path in paths)


def _split(text: str, templates: Sequence[str]) -> tuple[str, str | None]:
    """(value, date) from text written as one of the "{value} ... {date}" templates."""
    for template in templates:
        if match := _match(template_pattern(template), text):
            return match["value"], match["date"]
    return text, None


def _match(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """`pattern.match`, skipped on text too long to be a value: no backtracking over huge cells
    (the number or date reader then says it is too long)."""
    return pattern.match(text) if len(text) <= MAX_VALUE_TEXT else None


def _unreadable(field: str, text: str, error: ValueError) -> Unreadable:
    return Unreadable(field, shortened(text), str(error))


def shortened(text: str) -> str:
    """A person's text cut to a length a report and a warning panel can show."""
    return text if len(text) <= MAX_VALUE_TEXT else text[: MAX_VALUE_TEXT - 1] + "…"
