"""Top-level blocks, their signatures, and the merge that keeps people's blocks where they are."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confluence_kpi.model import Evaluation, GoalEvaluation, Status
from confluence_kpi.pages import (
    render_goal_page,
    render_kpi_page,
    render_root_page,
    render_team_page,
)
from confluence_kpi.pages.blocks import bot_blocks, carry_over, signature, split_blocks
from confluence_kpi.pages.canonical import StorageFormatError, canonical
from confluence_kpi.pages.comments import inline_comments, reapply_comments

from .factories import (
    TEAM,
    make_context,
    make_evaluation,
    make_goal,
    make_kpi,
    make_team_evaluation,
    parse,
    period_value,
)

CHANGED = make_evaluation(
    status=Status.AT_RISK,
    current=period_value(3, 4.4, complete=False),
    history=(period_value(1, 3.9), period_value(2, 3.2), period_value(3, 4.4, complete=False)),
)
NOTE = "<p>Call with the vendor on Monday.</p>"
SECTION = (
    "<h2>Our plan</h2>\n<p>Hire two agents.</p>\n"
    '<ac:structured-macro ac:name="jira"><ac:parameter ac:name="key">SUP-1'
    "</ac:parameter></ac:structured-macro>\n"
    '<ac:image ac:height="250"><ri:attachment ri:filename="plan.png" /></ac:image>'
)
CURSOR = '<p class="auto-cursor-target"><br /></p>'


def render(ev: Evaluation | None = None, description: str | None = None) -> str:
    """The KPI page of the fixtures, with another evaluation or description when given."""
    kpi = make_kpi() if description is None else make_kpi(description=description)
    ev = make_evaluation() if ev is None else ev
    return render_kpi_page(kpi, ev, TEAM, [make_goal()], make_context())


OLD = render()
NEW = render(CHANGED)
FAILED = render(make_evaluation(error="the source is down"))


def signatures(body: str) -> list[str]:
    return [signature(block) for block in split_blocks(body)]


def merge(stored: str, new: str = NEW) -> str:
    """A sync of a page the bot last wrote as OLD; the result is checked to be well-formed."""
    result = carry_over(stored, signatures(OLD), new)
    parse(result)
    return result


def insert(body: str, after: str, added: str) -> str:
    """The body with a person's blocks on a line after the first block that starts with `after`."""
    block = next(block for block in split_blocks(body) if block.startswith(after))
    end = body.index(block) + len(block)
    return f"{body[:end]}\n{added}{body[end:]}"


def following(body: str, block: str) -> str:
    """The block just before `block` in the body."""
    blocks = split_blocks(body)
    return blocks[blocks.index(block) - 1]


def saved(body: str) -> str:
    """The body as Confluence's editor stores it: ids, respelled empty elements, wrappers."""
    body = body.replace(
        "<ac:structured-macro ", '<ac:structured-macro ac:schema-version="1" ac:macro-id="0f3a" '
    )
    body = body.replace("<table>", '<table data-layout="default" ac:local-id="t7">')
    body = body.replace("<p>", '<p local-id="p1">').replace("/>", " />")
    return "\n".join(piece for block in split_blocks(body) for piece in (block, CURSOR))


# --- Blocks and signatures ---------------------------------------------------------------------


def test_blocks_are_exact_slices_of_the_body() -> None:
    body = (
        ' stray &amp; text <p local-id="a">One</p>\n\n<hr/>'
        '<ac:image><ri:url ri:value="http://x/?a=1&amp;b=>"/></ac:image>'
        "<!-- note --><pre><![CDATA[<p>not a tag</p>]]></pre>\t"
        '<table class="wrapped"><tbody><tr><td><table><tr><td>in</td></tr></table></td></tr>'
        "</tbody></table> tail"
    )
    assert split_blocks(body) == [
        "stray &amp; text",
        '<p local-id="a">One</p>',
        "<hr/>",
        '<ac:image><ri:url ri:value="http://x/?a=1&amp;b=>"/></ac:image>',
        "<!-- note -->",
        "<pre><![CDATA[<p>not a tag</p>]]></pre>",
        '<table class="wrapped"><tbody><tr><td><table><tr><td>in</td></tr></table></td></tr>'
        "</tbody></table>",
        "tail",
    ]


def test_a_rendered_page_splits_into_its_sections() -> None:
    blocks = split_blocks(OLD)
    position = 0
    for block in blocks:  # each block in turn, with nothing but whitespace between them
        start = OLD.index(block, position)
        assert not OLD[position:start].strip()
        position = start + len(block)
    assert not OLD[position:].strip()
    assert [signature(block) for block in blocks][:3] == [
        "macro:info:",
        "macro:details:kpi",
        "macro:chart:First response time",
    ]


@pytest.mark.parametrize("body", ["<p>open", "<p>a</b>", "</page><page>", "<p>&bogus;</p>"])
def test_a_body_that_is_not_well_formed_cannot_be_split(body: str) -> None:
    with pytest.raises(StorageFormatError):
        split_blocks(body)


def test_macro_signature_names_the_macro_and_its_id_or_title() -> None:
    details = (
        '<ac:structured-macro ac:name="details" ac:macro-id="1"><ac:parameter ac:name="id">kpi'
        "</ac:parameter><ac:rich-text-body><p>x</p></ac:rich-text-body></ac:structured-macro>"
    )
    expand = (
        '<ac:structured-macro ac:name="expand"><ac:parameter ac:name="title"> How  it is '
        "measured</ac:parameter></ac:structured-macro>"
    )
    assert signature(details) == "macro:details:kpi"
    assert signature(expand) == "macro:expand:How it is measured"
    assert signature('<ac:structured-macro ac:name="info"/>') == "macro:info:"


def test_heading_signature_survives_editor_markup() -> None:
    assert signature("<h2>Our  plan</h2>") == "h2:Our plan"
    assert (
        signature(
            '<h2 local-id="h"><b>Our</b>&nbsp;<ac:inline-comment-marker ac:ref="c">pl'
            "</ac:inline-comment-marker>an</h2>"
        )
        == "h2:Our plan"
    )
    linked = '<h3><ac:link><ri:page ri:space-key="KPI" ri:content-title="Goal: A" /></ac:link></h3>'
    assert signature(linked) == "h3:Goal: A"


def test_table_signature_is_its_first_row() -> None:
    sent = "<table><tbody><tr><th><p>Period</p></th><th>Value</th></tr><tr><td>1</td></tr>"
    stored = (
        '<table class="wrapped" data-layout="default"><colgroup><col /><col /></colgroup>'
        "<tbody><tr><th><p>Period</p></th><th><p>Value</p></th></tr><tr><td>2</td></tr>"
    )
    assert signature(sent + "</tbody></table>") == "table:Period | Value"
    assert signature(stored + "</tbody></table>") == "table:Period | Value"


def test_other_blocks_are_told_apart_by_their_canonical_content() -> None:
    sent = "<p><strong>Owner</strong> Jane</p>"
    assert signature('<p local-id="9"><b>Owner</b> Jane</p>') == signature(sent)
    assert signature("<p><strong>Owner</strong> Joe</p>") != signature(sent)
    assert signature(sent).startswith("p:")
    assert signature("<ac:task-list/>").startswith("ac:task-list:")
    assert signature("just text").startswith("text:")


# --- Carrying people's blocks over -------------------------------------------------------------


def test_page_without_edits_is_written_as_rendered() -> None:
    assert merge(OLD) == NEW


def test_empty_stored_body_gives_the_rendered_body() -> None:
    assert merge("") == NEW
    assert carry_over("", [], NEW) == NEW


def test_paragraph_added_between_sections_stays_between_them() -> None:
    stored = insert(OLD, '<ac:structured-macro ac:name="expand"', NOTE)
    result = merge(stored)
    assert result.count(NOTE) == 1
    assert following(result, NOTE).startswith('<ac:structured-macro ac:name="expand"')
    assert split_blocks(result)[split_blocks(result).index(NOTE) + 1] == "<h2>SMART goal</h2>"


def test_new_section_at_the_top_stays_at_the_top() -> None:
    assert merge(SECTION + "\n" + OLD) == SECTION + "\n" + NEW


def test_new_section_in_the_middle_stays_after_its_bot_block() -> None:
    result = merge(insert(OLD, "<h2>Notes", SECTION))
    assert result == insert(NEW, "<h2>Notes", SECTION)


def test_new_section_at_the_end_stays_at_the_end() -> None:
    assert merge(OLD + "\n" + SECTION) == NEW.rstrip() + "\n" + SECTION + "\n"


def test_spacing_and_cursor_targets_inside_a_persons_blocks_are_kept() -> None:
    run = f"<p>First</p>  {CURSOR}<p>Second</p>"
    result = merge(insert(OLD, "<h2>Notes", run))
    assert run in result
    assert result.replace(f"\n{run}", "") == NEW


def test_cursor_targets_between_bot_blocks_are_dropped() -> None:
    stored = "\n".join(piece for block in split_blocks(OLD) for piece in (CURSOR, block))
    assert merge(stored) == NEW


def test_inline_comment_in_a_bot_cell_survives_a_new_value() -> None:
    owner = '<ac:inline-comment-marker ac:ref="c-42">Jane Doe</ac:inline-comment-marker>'
    week = '<ac:inline-comment-marker ac:ref="c-43">3.2 h</ac:inline-comment-marker>'
    stored = OLD.replace("<td><p>Jane Doe</p></td>", f"<td><p>{owner}</p></td>")
    stored = stored.replace("<td><p>3.2 h</p></td>", f"<td><p>{week}</p></td>")
    result = merge(stored)
    assert f"<td><p>{owner}</p></td>" in result  # in the Page Properties macro
    assert f"<td><p>week 2, 2027</p></td><td><p>{week}</p></td>" in result  # in the history
    assert canonical(result) == canonical(NEW)


def test_inline_comment_on_a_value_that_changed_is_dropped() -> None:
    marker = '<ac:inline-comment-marker ac:ref="c-7">3.6 h</ac:inline-comment-marker>'
    stored = OLD.replace("<td><p>3.6 h so far", f"<td><p>{marker} so far", 1)
    assert marker in stored
    result = merge(stored)
    assert "inline-comment-marker" not in result
    assert result == NEW


def test_deleted_bot_block_comes_back() -> None:
    blocks = split_blocks(OLD)
    stored = "\n".join(block for block in blocks if not block.startswith("<h2>SMART"))
    assert merge(stored) == NEW


def test_paragraph_after_a_removed_bot_block_follows_the_block_before_it() -> None:
    stored = insert(FAILED, '<ac:structured-macro ac:name="warning"', NOTE)
    result = carry_over(stored, signatures(FAILED), OLD)
    assert "the source is down" not in result
    assert following(result, NOTE).startswith('<ac:structured-macro ac:name="details"')


def test_persons_panel_that_looks_like_a_new_bot_panel_is_kept() -> None:
    panel = (
        '<ac:structured-macro ac:name="warning"><ac:rich-text-body><p>Numbers of March are '
        "incomplete.</p></ac:rich-text-body></ac:structured-macro>"
    )
    result = merge(insert(OLD, "<h2>Notes", panel), FAILED)
    assert result == insert(FAILED, "<h2>Notes", panel)


def test_moved_bot_section_goes_back_to_its_place_with_what_follows_it() -> None:
    # The bot's order wins: a person cannot reorder the bot's sections, but what they wrote
    # after a bot block moves along with it, and nothing is doubled.
    blocks = split_blocks(OLD)
    history = blocks.index("<h2>History</h2>")
    moved = blocks[history : history + 2]  # the heading and the history table
    stored = "\n".join([*moved, NOTE, *blocks[:history], *blocks[history + 2 :]])
    result = merge(stored)
    assert result == insert(NEW, "<table><tbody>\n<tr><th><p>Period", NOTE)


def test_normalised_bot_blocks_are_recognised() -> None:
    stored = saved(insert(OLD, "<h2>Notes", NOTE))
    assert stored != OLD
    note = NOTE.replace("<p>", '<p local-id="p1">')
    result = merge(stored)
    expected = split_blocks(insert(NEW, "<h2>Notes", note))
    assert [canonical(block) for block in split_blocks(result)] == [
        canonical(block) for block in expected
    ]
    assert following(result, note) == "<h2>Notes</h2>"


def test_bold_saved_as_b_is_still_the_bots_paragraph() -> None:
    rendered = "<h2>Owner</h2>\n<p><strong>Jane</strong> Doe</p>"
    stored = '<h2>Owner</h2><p local-id="x"><b>Jane</b> Doe</p>'
    assert carry_over(stored, signatures(rendered), rendered) == (
        '<h2>Owner</h2>\n<p local-id="x"><b>Jane</b> Doe</p>'
    )


def test_unchanged_bot_block_keeps_the_stored_spelling() -> None:
    sized = OLD.replace(
        "<table><tbody>\n<tr><th><p>Specific",
        '<table class="wrapped"><colgroup><col style="width: 120px" /><col /></colgroup>'
        "<tbody>\n<tr><th><p>Specific",
    )
    result = merge(sized)
    assert '<col style="width: 120px" />' in result
    assert canonical(result) == canonical(NEW)


def test_description_edited_on_the_page_is_not_doubled_once_taken_over() -> None:
    edited = "<p>Hours until a person first answers.</p>"
    stored = OLD.replace(f"<p>{make_kpi().description}</p>", edited)
    taken_over = render(description="Hours until a person first answers.")
    result = merge(stored, taken_over)
    assert result.count(edited) == 1
    assert result == taken_over


def test_bot_blocks_are_the_bots_edited_in_place_or_not_never_a_persons_added_block() -> None:
    description = split_blocks(OLD)[3]
    edited = "<p>Hours until a person first answers.</p>"
    stored = insert(OLD.replace(description, f"{CURSOR}\n{edited}"), "<h2>SMART", NOTE)
    stored = insert(stored, "<p>Hours", NOTE.replace("Monday", "Friday"))

    ours = bot_blocks(stored, signatures(OLD))

    assert edited in ours
    assert not any("Call with the vendor" in block for block in ours)
    assert len(ours) == len(split_blocks(OLD))


def render_other(kind: str, ev: Evaluation) -> str:
    """The goal, team or root page of the fixtures for one evaluation of their KPI."""
    goal, kpis, tev = make_goal(), {ev.kpi_id: make_kpi()}, make_team_evaluation(ev)
    if kind == "goal":
        gev = GoalEvaluation(goal.id, ev.status, 0.4, (ev,))
        return render_goal_page(goal, gev, kpis, TEAM, make_context())
    if kind == "team":
        return render_team_page("support", TEAM, tev, kpis, [goal], make_context())
    return render_root_page({"support": TEAM}, [tev], kpis, [goal], make_context())


@pytest.mark.parametrize("kind", ["goal", "team", "root"])
def test_notes_survive_a_new_evaluation_on_every_page_kind(kind: str) -> None:
    old, new = render_other(kind, make_evaluation()), render_other(kind, CHANGED)
    stored = insert(old, "<h2>Notes", SECTION)
    result = carry_over(stored, signatures(old), new)
    assert result == insert(new, "<h2>Notes", SECTION)
    assert carry_over(result, signatures(new), new) == result


def test_without_memory_blocks_the_bot_renders_are_taken_as_the_bots() -> None:
    stored = insert(OLD, "<h2>Notes", NOTE)
    result = carry_over(stored, [], NEW)
    assert result == insert(NEW, "<h2>Notes", NOTE)


@pytest.mark.parametrize("stored", ["<p>unclosed", "<p>&nosuchentity;</p>", "</page><page>"])
def test_malformed_stored_body_gives_the_rendered_body_unchanged(stored: str) -> None:
    assert carry_over(stored, signatures(OLD), NEW) == NEW


def test_carry_over_is_idempotent() -> None:
    marker = '<ac:inline-comment-marker ac:ref="c-1">Jane Doe</ac:inline-comment-marker>'
    stored = saved(SECTION + "\n" + insert(OLD.replace("Jane Doe", marker, 1), "<h2>Notes", NOTE))
    once = merge(stored)
    assert carry_over(once, signatures(NEW), NEW) == once
    assert marker in once


# --- Inline comments ---------------------------------------------------------------------------


def test_inline_comments_lists_refs_and_marked_text() -> None:
    block = (
        '<p><ac:inline-comment-marker ac:ref="a">on <b>track</b></ac:inline-comment-marker> and '
        '<ac:inline-comment-marker ac:ref="b">late</ac:inline-comment-marker></p>'
    )
    assert inline_comments(block) == [("a", "on track"), ("b", "late")]
    assert inline_comments("<p>none</p>") == []


def test_reapply_marks_text_nodes_only_never_attributes_or_parameters() -> None:
    block = (
        '<p title="Green"><ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">'
        "Green</ac:parameter></ac:structured-macro> Green light</p>"
    )
    assert reapply_comments(block, [("r", "Green")]) == (
        '<p title="Green"><ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">'
        'Green</ac:parameter></ac:structured-macro> <ac:inline-comment-marker ac:ref="r">Green'
        "</ac:inline-comment-marker> light</p>"
    )


def test_reapply_puts_a_second_comment_on_the_same_words_on_the_next_occurrence() -> None:
    block = "<tr><td>2.0 h</td><td>2.0 h</td></tr>"
    assert reapply_comments(block, [("a", "2.0 h"), ("b", "2.0 h")]) == (
        '<tr><td><ac:inline-comment-marker ac:ref="a">2.0 h</ac:inline-comment-marker></td>'
        '<td><ac:inline-comment-marker ac:ref="b">2.0 h</ac:inline-comment-marker></td></tr>'
    )


def test_reapply_finds_words_written_with_entities() -> None:
    result = reapply_comments("<p>a ticket&#39;s reply</p>", [("q", "ticket's")])
    marked = '<ac:inline-comment-marker ac:ref="q">ticket\'s</ac:inline-comment-marker>'
    assert result == f"<p>a {marked} reply</p>"


def test_reapply_drops_a_comment_whose_text_is_gone() -> None:
    block = "<p>a ticket&#39;s reply</p>"
    assert reapply_comments(block, [("q", "no longer here")]) == block


# --- Property: people's blocks survive any re-render --------------------------------------------


def _panel(text: str) -> str:
    return (
        f'<ac:structured-macro ac:name="panel"><ac:parameter ac:name="title">{text}'
        f"</ac:parameter><ac:rich-text-body><p>{text}</p></ac:rich-text-body></ac:structured-macro>"
    )


def _image(text: str) -> str:
    filename = text.replace('"', "&quot;")
    return f'<ac:image><ri:attachment ri:filename="{filename}.png" /></ac:image>'


_TEXT = st.text(
    alphabet=st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=12
).map(lambda text: "Human " + escape(text))
_HUMAN_BLOCKS = st.one_of(
    _TEXT.map(lambda text: f"<p>{text}</p>"),
    _TEXT.map(lambda text: f"<h2>{text}</h2>"),
    _TEXT.map(lambda text: f"<h3>{text}</h3>"),
    _TEXT.map(_panel),
    _TEXT.map(_image),
)
_BOT = split_blocks(OLD)
_CHANGED = render(CHANGED, "Hours until a person first answers.")


def _with(blocks: list[str], added: list[tuple[int, str]]) -> list[str]:
    """Bot blocks with people's blocks; (k, block) puts the block just before bot block k."""
    result: list[str] = []
    for index in range(len(blocks) + 1):
        result += [block for position, block in added if position == index]
        result += blocks[index : index + 1]
    return result


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_BOT)), _HUMAN_BLOCKS), max_size=6))
def test_human_blocks_survive_a_rerender_exactly_once_and_in_place(
    added: list[tuple[int, str]],
) -> None:
    stored = "\n".join(_with(_BOT, added))
    result = carry_over(stored, signatures(OLD), _CHANGED)
    parse(result)
    expected = _with(split_blocks(_CHANGED), added)
    got = split_blocks(result)
    assert len(got) == len(expected)
    humans = {block for _, block in added}
    for block, want in zip(got, expected, strict=True):
        assert block == want if want in humans else canonical(block) == canonical(want)
    assert carry_over(result, signatures(_CHANGED), _CHANGED) == result
