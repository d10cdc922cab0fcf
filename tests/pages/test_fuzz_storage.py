"""Fuzzing the readers of stored pages with what editors produce: the parser, the canonical form
and the merges fail only in their documented ways, and keep their promises on any body.

Generated bodies are storage format as Confluence's editors write it (macros with parameters,
Page Properties, status lozenges, layouts, task lists, tables with spans, nested lists,
entities, CDATA, inline comment markers, emoticons, local ids, data attributes), each written
twice: as a program sends it, and as Confluence stores it after a save. Rendered pages are
changed the way people change them. HYPOTHESIS_PROFILE=fuzz runs many more examples.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta
from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from confluence_kpi.pages.blocks import carry_over, signature, split_blocks
from confluence_kpi.pages.canonical import StorageFormatError, canonical, digest
from confluence_kpi.pages.layout import bot_part, compose, managed_signatures
from confluence_kpi.pages.merge import merge
from confluence_kpi.pages.parse import parse_goal_page, parse_kpi_page

# Characters XML 1.0 carries (no controls but tab and newline, no surrogates), and the
# invisible ones people paste: no-break and zero-width spaces, a right-to-left override.
_CHARACTERS = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"
) | st.sampled_from("\n\t \u00a0\u200b\u202e")
_ENTITIES = st.sampled_from(["&nbsp;", "&amp;", "&lt;", "&gt;", "&quot;", "&#8364;", "&#x2713;"])
_IDS = st.text("0123456789abcdef-", min_size=1, max_size=12)
# In the test suite, few examples and a generous time per example (the machine is shared);
# the `fuzz` profile, loaded by hand, sets its own.
FUZZ = (
    settings()
    if settings.get_current_profile_name() == "fuzz"
    else settings(
        max_examples=25,
        deadline=timedelta(seconds=5),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
)
_MACROS = ("details", "status", "chart", "panel", "expand", "info", "code", "x-unknown-macro")


@dataclass(frozen=True)
class Node:
    """Markup written two ways: `sent` as a program sends it, `saved` as Confluence stores it
    after an editor's save, with the ids, wrappers and spellings it adds."""

    sent: str
    saved: str


def _join(nodes: list[Node], saved_between: list[str] | None = None) -> Node:
    """Nodes one after the other; `saved_between` is what Confluence put between them."""
    gaps = saved_between or [""] * len(nodes)
    return Node(
        "".join(n.sent for n in nodes),
        "".join(g + n.saved for g, n in zip(gaps, nodes, strict=True)),
    )


@st.composite
def text(draw: st.DrawFn) -> Node:
    """Escaped text with entities; saved with a no-break space spelled any way."""
    pieces = draw(st.lists(st.one_of(st.text(_CHARACTERS, max_size=8).map(escape), _ENTITIES)))
    sent = "".join(pieces)
    nbsp = draw(st.sampled_from(["&nbsp;", "&#160;", "\u00a0", "&#xA0;"]))
    return Node(sent, sent.replace("&nbsp;", nbsp))


@st.composite
def noise(draw: st.DrawFn, *names: str) -> str:
    """Some of the attributes Confluence adds on save, with any values, in any order."""
    chosen = draw(st.lists(st.sampled_from(names), unique=True))
    return "".join(f" {name}={quoteattr(draw(_IDS))}" for name in chosen)


@st.composite
def inline(draw: st.DrawFn) -> Node:
    """One piece of a paragraph's content."""
    kind = draw(st.sampled_from(["text", "strong", "em", "link", "emoticon", "br", "time"]))
    words = draw(text())
    if kind == "text":
        if words.sent and draw(st.booleans()):  # an inline comment on the words
            marker = f'<ac:inline-comment-marker ac:ref="{draw(_IDS)}">'
            return Node(words.sent, f"{marker}{words.saved}</ac:inline-comment-marker>")
        return words
    if kind in ("strong", "em"):
        tag = draw(st.sampled_from([kind, {"strong": "b", "em": "i"}[kind]]))
        return Node(f"<{kind}>{words.sent}</{kind}>", f"<{tag}>{words.saved}</{tag}>")
    if kind == "link":
        title = quoteattr(draw(text()).sent)
        return Node(
            f'<ac:link><ri:page ri:space-key="KPI" ri:content-title={title}/></ac:link>',
            f"<ac:link><ri:page ri:content-title={title} "
            f'ri:version-at-save="{draw(_IDS)}" ri:space-key="KPI" /></ac:link>',
        )
    if kind == "emoticon":
        return Node('<ac:emoticon ac:name="smile"/>', '<ac:emoticon ac:name="smile" />')
    if kind == "br":
        return Node("<br/>", draw(st.sampled_from(["<br />", "<br></br>", "<br/>"])))
    day = f'"2027-0{draw(st.integers(1, 9))}-15"'
    return Node(f"<time datetime={day}/>", f"<time datetime={day} />")


@st.composite
def paragraph(draw: st.DrawFn, tag: str = "p") -> Node:
    content = _join(draw(st.lists(inline(), max_size=4)))
    ids = draw(noise("local-id"))
    return Node(f"<{tag}>{content.sent}</{tag}>", f"<{tag}{ids}>{content.saved}</{tag}>")


def _blank() -> st.SearchStrategy[str]:
    """What an editor leaves between two blocks: nothing, line breaks, a cursor stop."""
    return st.sampled_from(["", "\n", "\n  ", '<p class="auto-cursor-target"><br /></p>'])


@st.composite
def blocks(
    draw: st.DrawFn, children: st.SearchStrategy[Node], max_size: int = 4, *, container: bool
) -> Node:
    """Blocks one after the other, with what an editor puts between them. Only in a container
    (the page, a macro's body, a layout's cell) is a blank before a macro layout: elsewhere
    a macro may stand inline (a status lozenge), and the blank is text."""
    nodes = draw(st.lists(children, min_size=1, max_size=max_size))
    gaps = [
        draw(_blank()) if container or not node.sent.startswith("<ac:") else "" for node in nodes
    ]
    return _join(nodes, gaps)


@st.composite
def listing(draw: st.DrawFn, children: st.SearchStrategy[Node]) -> Node:
    """A bulleted or numbered list; an item holds text and, maybe, a list of its own."""
    tag = draw(st.sampled_from(["ul", "ol"]))
    items = []
    for _ in range(draw(st.integers(1, 3))):
        words = _join(draw(st.lists(inline(), max_size=3)))
        nested = draw(st.one_of(st.just(Node("", "")), children))
        items.append(
            Node(f"<li>{words.sent}{nested.sent}</li>", f"<li>{words.saved}{nested.saved}</li>")
        )
    inner = _join(items, [draw(_blank().filter(lambda gap: "<" not in gap)) for _ in items])
    return Node(f"<{tag}>{inner.sent}</{tag}>", f"<{tag}>{inner.saved}</{tag}>")


@st.composite
def table(draw: st.DrawFn, children: st.SearchStrategy[Node]) -> Node:
    """A table whose cells hold blocks, some spanning columns or rows; saved the way each
    editor marks a table (widths, column groups, a wrapper in each cell)."""
    rows = []
    for _ in range(draw(st.integers(1, 3))):
        cells = []
        for _ in range(draw(st.integers(1, 3))):
            tag = draw(st.sampled_from(["th", "td"]))
            span = draw(st.sampled_from(["", ' colspan="2"', ' rowspan="2"']))
            content = draw(blocks(children, max_size=2, container=False))
            wrapped = (
                f'<div class="content-wrapper">{content.saved}</div>'
                if draw(st.booleans())
                else content.saved
            )
            cells.append(
                Node(f"<{tag}{span}>{content.sent}</{tag}>", f"<{tag}{span}>{wrapped}</{tag}>")
            )
        inner = _join(cells)
        rows.append(Node(f"<tr>{inner.sent}</tr>", f"<tr>\n{inner.saved}\n</tr>"))
    body = _join(rows, [draw(st.sampled_from(["", "\n", "\n  "])) for _ in rows])
    marks = draw(noise("data-layout", "data-table-width", "ac:local-id"))
    extra = draw(st.sampled_from(["", ' class="wrapped"']))
    columns = draw(st.sampled_from(["", "<colgroup><col /><col /></colgroup>"]))
    return Node(
        f"<table><tbody>{body.sent}</tbody></table>",
        f"<table{marks}{extra}>{columns}<tbody>{body.saved}</tbody></table>",
    )


@st.composite
def macro(draw: st.DrawFn, children: st.SearchStrategy[Node]) -> Node:
    """A structured macro with parameters and a rich-text or plain-text body (CDATA)."""
    name = draw(st.sampled_from(_MACROS))
    parameters = []
    for key in draw(st.lists(st.sampled_from(["id", "title", "colour", "type"]), unique=True)):
        value = draw(text()).sent
        parameters.append(f'<ac:parameter ac:name="{key}">{value}</ac:parameter>')
    if name == "code":
        code = draw(st.text(_CHARACTERS, max_size=20)).replace("]]>", "]] >")
        body = Node(*[f"<ac:plain-text-body><![CDATA[{code}]]></ac:plain-text-body>"] * 2)
    elif name == "status":
        body = Node("", "")
    else:
        inner = draw(blocks(children, max_size=2, container=True))
        body = Node(
            f"<ac:rich-text-body>{inner.sent}</ac:rich-text-body>",
            f"<ac:rich-text-body>{inner.saved}</ac:rich-text-body>",
        )
    ids = draw(noise("ac:macro-id", "ac:schema-version", "ac:local-id"))
    opening = f'ac:structured-macro ac:name="{name}"'
    return Node(
        f"<{opening}>{''.join(parameters)}{body.sent}</ac:structured-macro>",
        f"<{opening}{ids}>{''.join(parameters)}{body.saved}</ac:structured-macro>",
    )


@st.composite
def tasks(draw: st.DrawFn) -> Node:
    """A task list; saved with the list id and task uuids Cloud adds."""
    items = []
    for number in range(1, draw(st.integers(1, 3)) + 1):
        status = draw(st.sampled_from(["incomplete", "complete"]))
        words = _join(draw(st.lists(inline(), max_size=2)))
        head = f"<ac:task-id>{number}</ac:task-id>"
        uuid = f"<ac:task-uuid>{draw(_IDS)}</ac:task-uuid>"
        tail = f"<ac:task-status>{status}</ac:task-status>"
        items.append(
            Node(
                f"<ac:task>{head}{tail}<ac:task-body>{words.sent}</ac:task-body></ac:task>",
                f"<ac:task>{head}{uuid}{tail}<ac:task-body>{words.saved}</ac:task-body></ac:task>",
            )
        )
    inner = _join(items)
    ids = draw(noise("ac:task-list-id"))
    return Node(
        f"<ac:task-list>{inner.sent}</ac:task-list>",
        f"<ac:task-list{ids}>{inner.saved}</ac:task-list>",
    )


@st.composite
def layout(draw: st.DrawFn, children: st.SearchStrategy[Node]) -> Node:
    """A page layout: sections of cells holding blocks."""
    cells = draw(st.lists(blocks(children, max_size=2, container=True), min_size=1, max_size=2))
    inner = _join(
        [
            Node(
                f"<ac:layout-cell>{c.sent}</ac:layout-cell>",
                f"<ac:layout-cell>{c.saved}</ac:layout-cell>",
            )
            for c in cells
        ]
    )
    kind = draw(st.sampled_from(["single", "two_equal", "three_equal"]))
    section = f'<ac:layout><ac:layout-section ac:type="{kind}">'
    end = "</ac:layout-section></ac:layout>"
    return Node(f"{section}{inner.sent}{end}", f"{section}{inner.saved}{end}")


@st.composite
def division(draw: st.DrawFn, children: st.SearchStrategy[Node]) -> Node:
    """A div with data attributes of an app or macro, around blocks."""
    data = draw(noise("data-macro-name", "data-app", "data-x"))
    inner = draw(blocks(children, max_size=2, container=False))
    return Node(f"<div{data}>{inner.sent}</div>", f"<div{data}>{inner.saved}</div>")


_LEAVES = st.one_of(
    paragraph(),
    st.sampled_from(["h1", "h2", "h3"]).flatmap(paragraph),
    tasks(),
    st.just(Node("<hr/>", "<hr />")),
)
BLOCK = st.recursive(
    _LEAVES,
    lambda children: st.one_of(
        listing(children), table(children), macro(children), layout(children), division(children)
    ),
    max_leaves=8,
)
BODY = blocks(BLOCK, max_size=6, container=True)


def _inner(canonical_form: str) -> str:
    """A canonical form as a body again: without the root it is wrapped in."""
    return canonical_form[canonical_form.index(">") + 1 : canonical_form.rindex("</page>")]


# --- The canonical form --------------------------------------------------------------------------


@FUZZ
@given(BODY)
def test_canonical_form_is_blind_to_what_a_save_adds(body: Node) -> None:
    assert canonical(body.saved) == canonical(body.sent)
    assert digest(body.saved) == digest(body.sent)


@FUZZ
@given(BODY)
def test_canonical_form_of_a_canonical_form_is_itself(body: Node) -> None:
    for written in (body.sent, body.saved):
        once = canonical(written)
        assert canonical(_inner(once)) == once


@FUZZ
@given(st.one_of(st.text(), BODY.map(lambda body: body.saved[: len(body.saved) // 2])))
def test_canonical_form_of_any_text_is_a_form_or_a_storage_format_error(storage: str) -> None:
    """Anything else escaping (a RecursionError, an lxml error) fails the test."""
    with contextlib.suppress(StorageFormatError):
        canonical(storage)


# --- Reading fields ------------------------------------------------------------------------------


_ANY_BODY = st.one_of(
    st.text(),
    BODY.map(lambda body: body.saved),
    BODY.map(lambda body: body.saved[: len(body.saved) // 2]),  # cut anywhere: broken markup
    st.tuples(BODY, st.sampled_from(["Owner", "Target", "Baseline", "Cadence", "Deadline"])).map(
        lambda pair: (
            '<ac:structured-macro ac:name="details"><ac:parameter ac:name="id">kpi</ac:parameter>'
            f"<ac:rich-text-body><table><tbody><tr><th><p>{pair[1]}</p></th><td>{pair[0].saved}"
            "</td></tr></tbody></table></ac:rich-text-body></ac:structured-macro>"
        )
    ),
)


@FUZZ
@given(_ANY_BODY, st.sampled_from(["en", "nl"]))
def test_reading_fields_from_any_body_never_raises(storage: str, locale: str) -> None:
    fields = parse_kpi_page(storage, locale=locale, unit="h")
    goal = parse_goal_page(storage, locale=locale)
    for unreadable in (*fields.unreadable, *goal.unreadable):
        assert unreadable.reason


# --- Blocks and the merge of people's blocks ----------------------------------------------------


@FUZZ
@given(BODY)
def test_a_body_merged_with_itself_is_itself(body: Node) -> None:
    for written in (body.sent, body.saved):
        signatures = [signature(block) for block in split_blocks(written)]
        merged = carry_over(written, signatures, written)
        assert canonical(merged) == canonical(written)
        composed = compose(written, managed_signatures(written), written)
        assert canonical(composed) == canonical(written)
        kept = split_blocks(bot_part(written, signatures))
        assert all(block in written for block in kept)


_VALUE = st.one_of(
    st.none(),
    st.text(max_size=10),
    st.floats(allow_nan=False),
    st.dictionaries(
        st.sampled_from(["value", "date", "upper"]), st.none() | st.floats(allow_nan=False)
    ),
)


@FUZZ
@given(st.dictionaries(st.sampled_from(["owner", "target", "baseline", "description"]), _VALUE))
def test_fields_merged_with_themselves_change_nothing(values: dict[str, object]) -> None:
    result = merge(values, values, values, values)  # type: ignore[arg-type]
    assert result.values == values
    assert result.changes == ()
