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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from lxml import etree

from confluence_kpi.model import Grain
from confluence_kpi.pages import storage_tree as page_tree
from confluence_kpi.pages.canonical import RI
from confluence_kpi.pages.strings import LOCALES, load_strings
from confluence_kpi.pages.values import (
    MAX_VALUE_TEXT,
    normalise,
    parse_date,
    parse_number,
    template_pattern,
)

SMART_KEYS = ("specific", "measurable", "achievable", "relevant", "time_bound")

_DETAILS_FIELDS = ("owner", "target", "baseline", "cadence", "deadline")
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


def parse_kpi_page(storage: str, *, locale: str, unit: str) -> KpiPageFields:
    """The team-editable fields of a KPI page; `locale` reads numbers, `unit` is the KPI's."""
    root = page_tree.read(storage)
    rows = page_tree.details_rows(root, "kpi", _DETAILS_FIELDS)
    sections = page_tree.sections(root)
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
    root = page_tree.read(storage)
    rows = page_tree.details_rows(root, "goal", _DETAILS_FIELDS)
    sections = page_tree.sections(root)
    found: set[str] = set()
    unreadable: list[Unreadable] = []
    owner = _owner(rows.get("owner"), found)
    deadline = _date_cell(rows.get("deadline"), "deadline", locale, found, unreadable)
    title = _section_text(sections, "goal.statement", None, "title", found)
    smart: dict[str, str] = {}
    index = page_tree.find_section(sections, "goal.smart")
    if index is not None:
        found.add("smart")
        for sub in page_tree.subsections(sections, index):
            key = _smart_key(sub.key)
            if key is not None and key not in smart:
                smart[key] = _placeholder_free(_free_text(sub.blocks), "value.not_written")
    return GoalPageFields(owner, deadline, title, smart, tuple(unreadable), frozenset(found))


# --- Fields -----------------------------------------------------------------------------------


def _owner(cell: etree._Element | None, found: set[str]) -> Owner | None:
    """A mention (the first, when there are several) and the text beside it, or None."""
    if cell is None:
        return None
    found.add("owner")
    name = normalise(page_tree.visible_text(cell))
    user = next(cell.iter(f"{{{RI}}}user"), None)
    if user is None:
        return (
            None if page_tree.is_placeholder(name, "value.not_set", "value.none") else Owner(name)
        )
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
    text = normalise(page_tree.visible_text(cell))
    if page_tree.is_placeholder(text, "value.not_set", "value.none"):
        return None, None, None
    amount, when = _split(
        text, [f"{{value}} {words} {{date}}" for words in page_tree.texts("value.by")]
    )
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
    text = normalise(page_tree.visible_text(cell))
    if page_tree.is_placeholder(text, "value.not_set", "value.none"):
        return None, None
    amount, when = _split(text, page_tree.texts("value.on_date"))
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
    text = normalise(page_tree.visible_text(cell))
    if page_tree.is_placeholder(text, "value.not_set", "value.none"):
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
    text = normalise(page_tree.visible_text(cell))
    key = page_tree.key(text)
    for grain in Grain:
        if key in page_tree.words(f"cadence.{grain}") | page_tree.words(f"grain.{grain}") | {
            grain.value
        }:
            return grain
    known = ", ".join(load_strings(LOCALES[0]).texts["cadence"].values())
    unreadable.append(Unreadable("cadence", shortened(text), f"not a cadence; use one of {known}"))
    return None


def _kpi_smart(sections: Sequence[page_tree.Section], found: set[str]) -> dict[str, dict[str, str]]:
    """Per goal heading under the SMART section, its SMART texts read from the goal's table."""
    smart: dict[str, dict[str, str]] = {}
    index = page_tree.find_section(sections, "kpi.smart")
    if index is not None:
        found.add("smart")
        for goal in page_tree.subsections(sections, index):
            texts: dict[str, str] = {}
            for table in (block for block in goal.blocks if block.tag == "table"):
                for row in page_tree.rows(table):
                    key = (
                        _smart_key(page_tree.key(page_tree.visible_text(row[0])))
                        if len(row) >= 2
                        else None
                    )
                    if key is not None and key not in texts:
                        free = page_tree.visible_text(row[1])
                        texts[key] = _placeholder_free(free, "value.not_written")
            smart.setdefault(goal.title, texts)
    return smart


def _history(sections: Sequence[page_tree.Section], found: set[str]) -> tuple[HistoryRow, ...]:
    """The rows of the history table, found by its Period and Value headings.

    Columns other than period, value, target and verdict are people's: their text is the
    row's comment (manual KPIs keep one there).
    """
    index = page_tree.find_section(sections, "kpi.history")
    if index is None:
        return ()
    blocks = [*sections[index].blocks]
    for sub in page_tree.subsections(sections, index):
        blocks.extend(sub.blocks)
    for table in (block for block in blocks if block.tag == "table"):
        rows = page_tree.rows(table)
        header = [page_tree.key(page_tree.visible_text(cell)) for cell in rows[0]] if rows else []
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
    texts = [page_tree.visible_text(cell) for cell in cells]
    cell = dict(enumerate(texts))
    period = normalise(cell.get(period_column, ""))
    value = normalise(cell.get(value_column, ""))
    comment = "\n".join(t for i, t in enumerate(texts) if i not in known and t) or None
    if not (period or value or comment):
        return None
    return HistoryRow(period, value, comment)


def _column(header: Sequence[str], path: str) -> int | None:
    words = page_tree.words(path)
    return next((index for index, key in enumerate(header) if key in words), None)


def _section_text(
    sections: Sequence[page_tree.Section],
    path: str,
    placeholder: str | None,
    name: str,
    found: set[str],
) -> str | None:
    """The free text of the first section headed by `path`; "" when it shows the placeholder."""
    index = page_tree.find_section(sections, path)
    if index is None:
        return None
    found.add(name)
    text = _free_text(sections[index].blocks)
    return _placeholder_free(text, placeholder) if placeholder else text


def _free_text(blocks: Sequence[etree._Element]) -> str:
    """The text of a section's paragraphs and lists, one line per paragraph."""
    texts = (
        page_tree.visible_text(block) for block in blocks if block.tag in page_tree.FREE_TEXT_BLOCKS
    )
    return "\n".join(text for text in texts if text)


def _placeholder_free(text: str, placeholder: str) -> str:
    """ "" for a text that is only the page's placeholder ("not written yet"), else the text."""
    return "" if page_tree.is_placeholder(text, placeholder) else text


def _smart_key(key: str) -> str | None:
    return next((smart for smart in SMART_KEYS if key in page_tree.words(f"smart.{smart}")), None)


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
