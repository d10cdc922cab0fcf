"""Where a page's bot-managed part ends and the part that belongs to people begins.

Every page ends with a Notes heading (and on KPI pages an Actions list); from that heading to
the end, the page is people's: the sync carries it over from the stored page unchanged.
"""

from __future__ import annotations

import re

from confluence_kpi.pages.render import LOCALES, load_strings

# The Notes heading in any page language, however an editor decorated it: attributes such as
# local-id, and inline markup or whitespace around the word.
_NOTES_HEADING = re.compile(
    r"<h2\b[^>]*>(?:\s|<[^>]*>)*(?:"
    + "|".join(re.escape(load_strings(locale).text("notes")) for locale in LOCALES)
    + r")(?:\s|<[^>]*>)*</h2>"
)


def human_part(storage: str) -> str | None:
    """The stored page's human part, from its Notes heading on; None when it has none."""
    match = _NOTES_HEADING.search(storage)
    return storage[match.start() :] if match else None


def with_human_part(rendered: str, human: str | None) -> str:
    """The rendered page with its human part replaced by the stored one (when there is one)."""
    if human is None:
        return rendered
    match = _NOTES_HEADING.search(rendered)
    managed = rendered[: match.start()] if match else rendered
    return managed + human
