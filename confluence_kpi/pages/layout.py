"""Where a page's bot-managed part ends and the part that belongs to people begins.

Every page ends with a Notes heading (and on KPI pages an Actions list); from that heading to
the end, the page is people's: the sync carries it over from the stored page unchanged. Above
it, people may still add blocks of their own (a paragraph, a section, a macro): those are kept
where they were put, between the bot's blocks (see `blocks.carry_over`).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence

from confluence_kpi.pages.blocks import bot_blocks, carry_over, signature, split_blocks
from confluence_kpi.pages.canonical import StorageFormatError, canonical
from confluence_kpi.pages.strings import LOCALES, load_strings

_TAG = re.compile(r"<[^>]*>")
# The Notes heading in any page language, however an editor decorated it: attributes such as
# local-id, and inline markup or whitespace around the word.
_NOTES_HEADING = re.compile(
    r"<h2\b[^>]*>(?:\s|<[^>]*>)*(?:"
    + "|".join(re.escape(load_strings(locale).text("notes")) for locale in LOCALES)
    + r")(?:\s|<[^>]*>)*</h2>"
)


def split_at_notes(storage: str) -> tuple[str, str | None]:
    """(the managed part, the human part from the Notes heading on; None without a heading)."""
    match = _NOTES_HEADING.search(storage)
    if match is None:
        return storage, None
    return storage[: match.start()], storage[match.start() :]


def bot_part(stored: str, previous: Sequence[str]) -> str:
    """The stored page's managed part with only the bot's blocks in it (as people may have
    edited them in place): where the team-editable fields are read, so that a paragraph a
    person added is never read as part of a field. "" for a body that is not well-formed."""
    try:
        return "\n".join(bot_blocks(split_at_notes(stored)[0], previous))
    except StorageFormatError:
        return ""


def managed_signatures(rendered: str) -> tuple[str, ...]:
    """The signatures of the bot's blocks above Notes, remembered for the next carry-over."""
    return tuple(signature(block) for block in split_blocks(split_at_notes(rendered)[0]))


def managed_digests(rendered: str) -> tuple[str, ...]:
    """Short digests of the canonical form of the bot's blocks above Notes, remembered so a
    person's edit of one of them (a value the bot computes) can be told and reported."""
    return tuple(_short(canonical(block)) for block in split_blocks(split_at_notes(rendered)[0]))


def edited_bot_blocks(stored: str, signatures: Sequence[str], digests: Sequence[str]) -> int:
    """How many of the bot's blocks on the stored page differ from what the bot wrote."""
    try:
        blocks = split_blocks(split_at_notes(stored)[0])
    except StorageFormatError:
        return 0
    ours, written = set(signatures), set(digests)
    return sum(
        1
        for block in blocks
        if signature(block) in ours and _short(canonical(block)) not in written
    )


def _short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def compose(stored: str, previous: Sequence[str], rendered: str) -> str:
    """The new body: the rendered managed part with people's blocks kept in place, then the
    stored human part (or the rendered one, when the stored page has no Notes heading)."""
    stored_managed, stored_human = split_at_notes(stored)
    managed, rendered_human = split_at_notes(rendered)
    managed, previous = _adopt_reworded(stored_managed, previous, managed)
    body = carry_over(stored_managed, previous, managed)
    return body + (stored_human if stored_human is not None else rendered_human or "")


def _adopt_reworded(
    stored: str, previous: Sequence[str], managed: str
) -> tuple[str, tuple[str, ...]]:
    """A bot text block a person re-worded (the description, a SMART text) is taken over by
    the merge, so the bot now renders the same words, without the person's formatting. That
    stored block is the bot's block, as the person formatted it: it takes the rendered one's
    place, instead of standing next to it as a person's block."""
    try:
        stored_blocks, rendered_blocks = split_blocks(stored), split_blocks(managed)
    except StorageFormatError:
        return managed, tuple(previous)
    known = set(previous)
    by_text = {_words(block): block for block in stored_blocks if signature(block) not in known}
    adopted = list(previous)
    for block in rendered_blocks:
        words = _words(block)
        if signature(block) not in known and words and words in by_text:
            person = by_text.pop(words)
            managed = managed.replace(block, person, 1)
            adopted.append(signature(person))
    return managed, tuple(adopted)


def _words(block: str) -> str:
    """A block's text as a reader sees it, whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", canonical(block))).split())
