"""Fuzzing the merge with the bot's own pages as people change them: paragraphs put between
sections, rows deleted or renamed, the page wrapped in a layout, macro ids and attributes
added, parameters reordered. Whatever they did, the next render keeps each of their blocks
exactly once, writes well-formed storage format, and reads the fields without failing."""

from __future__ import annotations

import re
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from confluence_kpi.model import GoalEvaluation, Status
from confluence_kpi.pages import render_goal_page, render_kpi_page
from confluence_kpi.pages.blocks import split_blocks
from confluence_kpi.pages.canonical import canonical
from confluence_kpi.pages.layout import bot_part, compose, managed_signatures, split_at_notes
from confluence_kpi.pages.merge import kpi_catalog_values, kpi_page_values, merge
from confluence_kpi.pages.parse import parse_goal_page, parse_kpi_page

from .factories import TEAM, make_context, make_evaluation, make_goal, make_kpi, period_value

FUZZ = (
    settings()
    if settings.get_current_profile_name() == "fuzz"
    else settings(
        max_examples=15,
        deadline=timedelta(seconds=5),
        suppress_health_check=[HealthCheck.too_slow],
    )
)
KPI = make_kpi()
KPI_PAGE = render_kpi_page(KPI, make_evaluation(), TEAM, [make_goal()], make_context())
GOAL_PAGE = render_goal_page(
    make_goal(),
    GoalEvaluation("fast-answers", Status.ON_TRACK, 0.5, (make_evaluation(),)),
    {KPI.id: KPI},
    TEAM,
    make_context(),
)
# The next run's render of the KPI page: a new value, so that every changed block is written.
KPI_NEXT = render_kpi_page(
    KPI,
    make_evaluation(status=Status.AT_RISK, current=period_value(3, 4.4, complete=False)),
    TEAM,
    [make_goal()],
    make_context(),
)
_MACRO = re.compile(r"<ac:structured-macro (?!ac:macro-id)")  # once: Confluence keeps one id
_PARAMETERS = re.compile(r"((?:<ac:parameter [^>]*>[^<]*</ac:parameter>)+)")
_PARAMETER = re.compile(r"<ac:parameter [^>]*>[^<]*</ac:parameter>")
_ROW = re.compile(r"<tr>.*?</tr>", re.S)
_OPENING = re.compile(r"<(p|table|h2|h3|td|th)>")


def _note(number: int) -> str:
    """The words of a person's paragraph, told apart from every other paragraph's."""
    return f"Person's note {number} &amp; more"


@st.composite
def edited(draw: st.DrawFn, page: str) -> tuple[str, list[str]]:
    """The page as people left it after some edits, and the paragraphs they added."""
    body, notes = page, []
    for number in range(draw(st.integers(0, 6))):
        kind = draw(
            st.sampled_from(
                ["note", "note", "delete row", "rename row", "layout", "ids", "attributes",
                 "parameters", "delete block"]
            )
        )  # fmt: skip
        if kind == "note":
            managed, human = split_at_notes(body)
            blocks = split_blocks(managed)
            at = draw(st.integers(0, len(blocks)))
            end = managed.index(blocks[at - 1]) + len(blocks[at - 1]) if at else 0
            body = f"{managed[:end]}\n<p>{_note(number)}</p>{managed[end:]}{human or ''}"
            notes.append(_note(number))
        elif kind in ("delete row", "rename row"):
            rows = _ROW.findall(body)
            if rows:
                row = draw(st.sampled_from(rows))
                renamed = re.sub(r"<p>([^<]*)</p>", r"<p>\1 (renamed)</p>", row, count=1)
                body = body.replace(row, "" if kind == "delete row" else renamed, 1)
        elif kind == "layout":
            managed, human = split_at_notes(body)
            body = (
                '<ac:layout><ac:layout-section ac:type="single"><ac:layout-cell>'
                f"{managed}</ac:layout-cell></ac:layout-section></ac:layout>{human or ''}"
            )
        elif kind == "ids":
            body = _MACRO.sub(
                lambda _: f'<ac:structured-macro ac:macro-id="{draw(st.uuids())}" ', body
            )
        elif kind == "attributes":
            body = _OPENING.sub(
                lambda m: f'<{m.group(1)} local-id="{draw(st.uuids())}" data-x="1">', body
            )
        elif kind == "parameters":
            body = _PARAMETERS.sub(lambda m: "".join(reversed(_PARAMETER.findall(m[1]))), body)
        else:
            blocks = split_blocks(split_at_notes(body)[0])
            if blocks:
                body = body.replace(draw(st.sampled_from(blocks)), "", 1)
    return body, [note for note in notes if note in body]  # a note may have been deleted


@FUZZ
@given(edited(KPI_PAGE))
def test_people_blocks_on_a_kpi_page_are_kept_exactly_once(change: tuple[str, list[str]]) -> None:
    stored, notes = change
    previous = managed_signatures(KPI_PAGE)
    result = compose(stored, previous, KPI_NEXT)
    canonical(result)  # well-formed
    for note in notes:
        assert result.count(note) == 1, note
    assert compose(result, managed_signatures(KPI_NEXT), KPI_NEXT).count("Person's note") == len(
        notes
    )
    fields = parse_kpi_page(bot_part(stored, previous), locale="en", unit="h")
    assert all(unreadable.reason for unreadable in fields.unreadable)


@FUZZ
@given(edited(GOAL_PAGE))
def test_people_blocks_on_a_goal_page_are_kept_exactly_once(change: tuple[str, list[str]]) -> None:
    stored, notes = change
    result = compose(stored, managed_signatures(GOAL_PAGE), GOAL_PAGE)
    canonical(result)
    for note in notes:
        assert result.count(note) == 1, note
    parse_goal_page(bot_part(stored, managed_signatures(GOAL_PAGE)), locale="en")


def test_a_page_merged_with_itself_is_written_as_it_is() -> None:
    for page in (KPI_PAGE, GOAL_PAGE):
        assert compose(page, managed_signatures(page), page) == page


def test_fields_of_a_page_as_the_bot_wrote_it_merge_to_no_change() -> None:
    values, unreadable = kpi_page_values(parse_kpi_page(KPI_PAGE, locale="en", unit="h"))
    catalog = kpi_catalog_values(KPI)
    result = merge(values, catalog, catalog, catalog, unreadable=unreadable)
    assert unreadable == frozenset()
    assert result.changes == ()
    assert result.values == catalog
