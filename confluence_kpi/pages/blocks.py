"""A page body as a sequence of top-level blocks, and the merge that keeps people's blocks.

The bot knows which blocks it wrote last time by their signatures (kept in the page's content
property). Every stored block that is not one of them is a person's: it is carried over
byte-for-byte into the new body, after the new version of the bot block it followed.

Decisions: the bot's order wins (a bot block a person moved goes back to its place, and what
the person wrote after it goes along); a bot block a person edited no longer matches, so it is
kept as theirs and the bot's comes back; editor noise between bot blocks is dropped.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict, deque
from collections.abc import Iterator, Mapping, Sequence
from difflib import SequenceMatcher
from typing import Final

from lxml import etree

from confluence_kpi.pages.canonical import AC, RI, StorageFormatError, _parse, canonical
from confluence_kpi.pages.comments import inline_comments, reapply_comments

# Markup tokens of a well-formed body. Attribute values may hold `>`, so they are matched
# whole; comments, CDATA and processing instructions may hold anything but their terminator.
_TOKEN: Final = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
    r"|<(/?)[^\s/>]+(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(/?)>",
    re.DOTALL,
)
_MACRO: Final = f"{{{AC}}}structured-macro"
_PARAMETER: Final = f"{{{AC}}}parameter"
_HEADINGS: Final = frozenset(f"h{level}" for level in range(1, 7))
_WHITESPACE: Final = re.compile(r"\s+")
# The signatures live in the content property, whose size is limited: 64 bits tell a page's
# blocks apart.
_SHA_LENGTH: Final = 16
_NOTHING: Final = canonical("")


def split_blocks(storage: str) -> list[str]:
    """The body's top-level blocks, each exactly as it is spelled in `storage`.

    Whitespace between blocks is not a block; other top-level text is one block per run,
    without its surrounding whitespace. Raises StorageFormatError on a body that is not
    well-formed.
    """
    return [storage[start:end] for start, end in _spans(storage)]


def signature(block: str) -> str:
    """The identity of a block that survives Confluence's normalisation and an editor's save.

    `macro:<name>:<id or title parameter>`, `h2:<text>`, `table:<text of the first row>`, and
    `<tag>:<digest of the canonical block>` for the rest (`text` for stray text).
    """
    root = _parse(block)
    element = next((child for child in root if isinstance(child.tag, str)), None)
    if element is None or (root.text or "").strip():
        return f"text:{_digest(block)}"
    if element.tag == _MACRO:
        parameters = {
            item.get(f"{{{AC}}}name"): _reader_text(item) for item in element.findall(_PARAMETER)
        }
        key = parameters.get("id") or parameters.get("title") or ""
        return f"macro:{element.get(f'{{{AC}}}name', '')}:{key}"
    if element.tag in _HEADINGS:
        return f"{element.tag}:{_reader_text(element)}"
    if element.tag == "table":
        row = next(element.iter("tr"), None)
        cells = [] if row is None else [cell for cell in row if cell.tag in ("th", "td")]
        return "table:" + " | ".join(_reader_text(cell) for cell in cells)
    name = etree.QName(element)
    tag = name.localname if element.prefix is None else f"{element.prefix}:{name.localname}"
    return f"{tag}:{_digest(block)}"


def carry_over(stored: str, previous: Sequence[str], rendered: str) -> str:
    """The rendered body with every person's block of the stored body where the person put it.

    `previous` holds the signatures of the blocks the bot wrote last time. A person's block
    follows the new version of the bot block it followed (or of the one before, when that one
    is gone; the start when there is none). Inline comments on bot blocks are anchored again.
    When either body is not well-formed, the rendered body is returned unchanged: the caller
    finds out with `split_blocks(stored)`, which raises.
    """
    try:
        return _carry_over(stored, previous, rendered)
    except StorageFormatError:
        return rendered


def bot_blocks(stored: str, previous: Sequence[str]) -> list[str]:
    """The stored blocks that stand where the bot wrote its own last time, as stored: the
    ones a person left alone and the ones a person edited in place (a reworded description).

    `previous` holds the signatures of the blocks the bot wrote. Every other block is a
    person's: a paragraph added anywhere, even right after a bot block, is not among them.
    Without signatures (an older bot wrote the page) every block counts as the bot's, as in
    `carry_over`. Raises StorageFormatError on a body that is not well-formed.
    """
    old = [stored[start:end] for start, end in _content_spans(stored)]
    if not previous:
        return old
    # An edited block no longer has its signature; the block that took its place in the
    # sequence is the edited one, where a block a person added is an insertion.
    ours = _align([signature(block) for block in old], previous, pair_replaced=True)
    return [old[index] for index in sorted(ours)]


def _carry_over(stored: str, previous: Sequence[str], rendered: str) -> str:
    old_spans = _content_spans(stored)
    old = [stored[start:end] for start, end in old_spans]
    new_spans = _spans(rendered)
    new = [rendered[start:end] for start, end in new_spans]
    ours = _bot_blocks(old, previous, new)

    attached: defaultdict[int, list[str]] = defaultdict(list)  # rendered index, -1: the start
    for anchor, run in _human_runs(stored, old_spans, ours):
        attached[anchor].append(run)
    versions = {
        image: _bot_version(old[index], new[image])
        for index, image in ours.items()
        if image is not None
    }

    first = new_spans[0][0] if new_spans else len(rendered)
    pieces = [rendered[:first]]
    for run in attached[-1]:
        pieces += [run, "\n"]
    for index, (_, end) in enumerate(new_spans):
        pieces.append(versions.get(index, new[index]))
        for run in attached[index]:
            pieces += ["\n", run]
        following = new_spans[index + 1][0] if index + 1 < len(new_spans) else len(rendered)
        pieces.append(rendered[end:following])
    return "".join(pieces)


def _content_spans(storage: str) -> list[tuple[int, int]]:
    """The spans of the top-level blocks that hold something. Editor noise (empty
    cursor-target paragraphs, comments) is no one's content: dropped between bot blocks, kept
    inside a run of a person's blocks (see _human_runs)."""
    return [
        (start, end) for start, end in _spans(storage) if canonical(storage[start:end]) != _NOTHING
    ]


def _bot_blocks(
    old: Sequence[str], previous: Sequence[str], new: Sequence[str]
) -> dict[int, int | None]:
    """The stored blocks that are the bot's, by index, each with the index of its new version
    among the rendered blocks (None when the bot no longer renders it). The other stored
    blocks are people's."""
    old_signatures = [signature(block) for block in old]
    new_signatures = [signature(block) for block in new]
    ours = _ours_by_memory(old_signatures, previous, new_signatures)
    # Ours by content: a stored block none of last time claims, paired by signature with a
    # rendered block still free. Ours when there is no memory (an older bot wrote the page),
    # else only when it is exactly what the bot now writes, so nothing of a person's is replaced.
    unclaimed = [index for index in range(len(old)) if index not in ours]
    taken = set(ours.values())
    free = [image for image in range(len(new)) if image not in taken]
    for index, image in _align_at(old_signatures, unclaimed, new_signatures, free).items():
        if not previous or canonical(old[index]) == canonical(new[image]):
            ours[index] = image
    return ours


def _ours_by_memory(
    old_signatures: Sequence[str], previous: Sequence[str], new_signatures: Sequence[str]
) -> dict[int, int | None]:
    """The stored blocks standing where the bot's blocks of last time stood, each with the
    rendered block now standing there (a block the bot now writes differently pairs with the
    one that took its place), or None."""
    last_time = _align(old_signatures, previous)
    now = _align(previous, new_signatures, pair_replaced=True)
    return {index: now.get(was) for index, was in last_time.items()}


def _human_runs(
    stored: str, spans: Sequence[tuple[int, int]], ours: Mapping[int, int | None]
) -> Iterator[tuple[int, str]]:
    """Each run of consecutive people's blocks, as stored, with the rendered block it follows.

    A run is one slice of the stored body, so the spacing between a person's blocks is kept.
    """
    anchor, start, end = -1, -1, -1
    for index, (block_start, block_end) in enumerate(spans):
        if index not in ours:
            start = block_start if start < 0 else start
            end = block_end
            continue
        if start >= 0:
            yield anchor, stored[start:end]
            start = -1
        image = ours[index]
        if image is not None:  # else a bot block no longer rendered: the one before anchors
            anchor = image
    if start >= 0:
        yield anchor, stored[start:end]


def _bot_version(stored_block: str, rendered_block: str) -> str:
    """The stored block when the bot would write the same (it keeps the editor's spelling,
    column widths and comments), else the rendered one with the stored comments re-applied."""
    if canonical(stored_block) == canonical(rendered_block):
        return stored_block
    return reapply_comments(rendered_block, inline_comments(stored_block))


def _align(
    first: Sequence[str], second: Sequence[str], *, pair_replaced: bool = False
) -> dict[int, int]:
    """Pairs blocks of two signature sequences one to one: index in `first` -> in `second`.

    In-order matches come from difflib's SequenceMatcher, which grows the longest contiguous
    runs first: when a signature repeats (`<p/>`, two tables with the same first row), a whole
    section matching is better evidence than a scattered LCS pick. Blocks left over are then
    paired by equal signature in any order (a moved block); with `pair_replaced`, a block that
    changed pairs with the block that took its place.
    """
    matcher = SequenceMatcher(None, first, second, autojunk=False)
    pairs: dict[int, int] = {}
    replaced: list[tuple[int, int]] = []
    for tag, first_start, first_end, second_start, second_end in matcher.get_opcodes():
        spans = zip(range(first_start, first_end), range(second_start, second_end), strict=False)
        if tag == "equal":
            pairs.update(spans)
        elif tag == "replace":
            replaced.extend(spans)
    unpaired: defaultdict[str, deque[int]] = defaultdict(deque)
    taken = set(pairs.values())
    for index, item in enumerate(second):
        if index not in taken:
            unpaired[item].append(index)
    for index, item in enumerate(first):
        if index not in pairs and unpaired[item]:
            pairs[index] = unpaired[item].popleft()
    if pair_replaced:
        taken = set(pairs.values())
        pairs.update((i, j) for i, j in replaced if i not in pairs and j not in taken)
    return pairs


def _align_at(
    first: Sequence[str], first_at: Sequence[int], second: Sequence[str], second_at: Sequence[int]
) -> dict[int, int]:
    """Pairs the blocks at `first_at` in `first` with those at `second_at` in `second` as
    `_align` pairs two sequences; the pairs are indices in `first` and `second`."""
    pairs = _align([first[i] for i in first_at], [second[j] for j in second_at])
    return {first_at[i]: second_at[j] for i, j in pairs.items()}


def _spans(storage: str) -> list[tuple[int, int]]:
    """Start and end offsets of the top-level blocks; see split_blocks."""
    _parse(storage)  # the tokens below are only meaningful in a well-formed body
    spans: list[tuple[int, int]] = []
    depth, start, position = 0, 0, 0
    for match in _TOKEN.finditer(storage):
        if depth == 0:
            spans.extend(_text_span(storage, position, match.start()))
        closing, empty = match.group(1), match.group(2)
        if closing is None or empty:  # comment, CDATA, PI or empty element: whole in itself
            if depth == 0:
                spans.append(match.span())
        elif closing:
            depth -= 1
            if depth < 0:  # a body such as "</page><page>" fits the parser's wrapper
                raise StorageFormatError("storage format closes an element it never opened")
            if depth == 0:
                spans.append((start, match.end()))
        else:
            start = match.start() if depth == 0 else start
            depth += 1
        position = match.end()
    spans.extend(_text_span(storage, position, len(storage)))
    return spans


def _text_span(storage: str, start: int, end: int) -> list[tuple[int, int]]:
    """The span of top-level text without its surrounding whitespace; none when it is blank."""
    text = storage[start:end]
    stripped = text.lstrip()
    if not stripped.strip():
        return []
    begin = start + len(text) - len(stripped)
    return [(begin, begin + len(stripped.rstrip()))]


def _reader_text(element: etree._Element) -> str:
    """The text as a reader sees it, whitespace collapsed; a link reads as its target's title.

    Each element's text is collapsed and stripped on its own, then joined with the text
    around it (signatures kept in pages' memory depend on that). Walks with a stack of its
    own, not recursion, so markup nested deeper than Python's recursion limit is read too.
    """
    title = f"{{{RI}}}content-title"
    stack = [(element, iter(element), [element.text or "", element.get(title, "")])]
    while True:
        node, children, pieces = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            text = _WHITESPACE.sub(" ", "".join(pieces)).strip()
            if not stack:
                return text
            stack[-1][2].extend((text, node.tail or ""))
        elif isinstance(child.tag, str):
            stack.append((child, iter(child), [child.text or "", child.get(title, "")]))
        else:  # a comment or processing instruction: only the text after it shows
            pieces.append(child.tail or "")


def _digest(block: str) -> str:
    return hashlib.sha256(canonical(block).encode()).hexdigest()[:_SHA_LENGTH]
