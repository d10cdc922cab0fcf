"""Where a page's bot-managed part ends and the part that belongs to people begins.

Every page ends with a Notes heading (and on KPI pages an Actions list); from that heading to
the end, the page is people's: the sync carries it over from the stored page unchanged. Above
it, people may still add blocks of their own (a paragraph, a section, a macro): those are kept
where they were put, between the bot's blocks (see `blocks.carry_over`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from confluence_kpi.pages.blocks import carry_over, signature, split_blocks
from confluence_kpi.pages.render import LOCALES, load_strings

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


def managed_signatures(rendered: str) -> tuple[str, ...]:
    """The signatures of the bot's blocks above Notes, remembered for the next carry-over."""
    return tuple(signature(block) for block in split_blocks(split_at_notes(rendered)[0]))


def compose(stored: str, previous: Sequence[str], rendered: str) -> str:
    """The new body: the rendered managed part with people's blocks kept in place, then the
    stored human part (or the rendered one, when the stored page has no Notes heading)."""
    stored_managed, stored_human = split_at_notes(stored)
    managed, rendered_human = split_at_notes(rendered)
    body = carry_over(stored_managed, previous, managed)
    return body + (stored_human if stored_human is not None else rendered_human or "")
