"""Change detection for one of the bot's pages (ARCHITECTURE.md, rule 4): whether it can be
left unread, and what writing the plan over the version read now would make it say.

Pure: the page as read, its memory and the plan in, the decision out; apply.py does the
reading and the writing.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass

from confluence_kpi.confluence.protocol import Page
from confluence_kpi.memory import PageMemory, remembered_rows
from confluence_kpi.model import ManualRow
from confluence_kpi.pages.canonical import canonical
from confluence_kpi.pages.cells import keep_cells
from confluence_kpi.pages.layout import compose, edited_bot_blocks
from confluence_kpi.pages.properties import property_rows
from confluence_kpi.pipeline import DesiredPage
from confluence_kpi.report import FieldDelta


@dataclass(frozen=True)
class Rewrite:
    """The plan for a page written over the version read now, and what that would change."""

    want: DesiredPage
    current: Page  # the version read now, body included
    remembered: PageMemory  # what the bot remembered of the page when the pass listed it
    title: str
    body: str
    memory: PageMemory  # what the memory says once the page says this, at current's version

    @property
    def changes_page(self) -> bool:
        """Whether writing it changes what the page says: its title or its canonical form."""
        if self.title != self.current.title:
            return True
        return canonical(self.current.body or "") != canonical(self.body)

    @property
    def edited(self) -> bool:
        """Whether someone saved the page since the bot wrote it."""
        return self.current.version != self.remembered.page_version

    def reason(self, *, taken: bool) -> str:
        """Why the page is written: a rename, measurements people typed (data entry, not an
        edit of the bot's values), a person's edit of what the bot computes (replaced, and
        said so, unless this pass took their edits in), or changed content."""
        remembered, stored = self.remembered, self.current.body or ""
        if self.title != self.current.title:
            return f"renamed from {self.current.title!r}"
        typed = _typed_rows(remembered, self.want.rows)
        if typed:
            return typed
        replaced = (
            self.edited
            and not taken
            and edited_bot_blocks(stored, remembered.blocks, remembered.block_digests)
        )
        if replaced:
            deleted = [
                name for name in property_rows(self.body) if name not in property_rows(stored)
            ]
            if deleted:
                return f"rows people deleted were put back: {', '.join(deleted)}"
            return "a person's edit of values the bot computes was replaced"
        return "content changed"

    def changed_fields(self) -> tuple[FieldDelta, ...]:
        """The title and the Page Properties values this write changes, in words."""
        before = property_rows(self.current.body or "")
        after = property_rows(self.body)
        changes = [FieldDelta("Title", self.current.title, self.title)]
        changes += [FieldDelta(name, before.get(name, ""), value) for name, value in after.items()]
        changes += [
            FieldDelta(name, value, "") for name, value in before.items() if name not in after
        ]
        return tuple(change for change in changes if change.before != change.after)

    def diff(self) -> str:
        """A readable unified diff of the canonical forms, one element per line."""
        title = self.current.title
        before = canonical(self.current.body or "").replace("><", ">\n<").splitlines()
        after = canonical(self.body).replace("><", ">\n<").splitlines()
        return "\n".join(
            difflib.unified_diff(
                before, after, f"{title} (in Confluence)", f"{title} (new)", lineterm=""
            )
        )


def as_written(want: DesiredPage, page: Page, memory: PageMemory) -> bool:
    """Whether the page may be left unread: its version is the one the bot wrote, and its
    memory already says what writing `want` would make it say."""
    return (
        page.version == memory.page_version
        and title_for(want, page, memory) == page.title
        and _same(memory, want)
    )


def rewrite(want: DesiredPage, current: Page, memory: PageMemory, *, locale: str) -> Rewrite:
    """`want` written over the version read now: the blocks and Notes people added composed
    back in where they were, the cells they typed kept as typed (ARCHITECTURE.md, rule 3)."""
    title = title_for(want, current, memory)
    stored = current.body or ""
    body = compose(stored, memory.blocks, want.body)
    if want.kept_rows:
        body = keep_cells(body, stored, want.kept_rows, locale=locale)
    after = memory_of(want, current.version, title, memory)
    return Rewrite(want, current, memory, title, body, after)


def title_for(want: DesiredPage, page: Page, memory: PageMemory) -> str:
    """The title to write: a catalog rename is applied, unless people renamed the page."""
    renamed_in_catalog = memory.wanted_title and memory.wanted_title != want.title
    renamed_by_people = memory.title and page.title != memory.title
    return want.title if renamed_in_catalog and not renamed_by_people else page.title


def memory_of(
    want: DesiredPage, version: int, title: str, before: PageMemory | None = None
) -> PageMemory:
    """What the bot remembers of a page it wrote (or confirmed) at `version`; the root's
    index carried over from its memory `before`."""
    rows, rows_digest = remembered_rows(want.rows)
    return PageMemory.of(
        want.key,
        version,
        want.digest,
        title=title,
        wanted_title=want.title,
        fields=want.fields,
        catalog=want.catalog,
        blocks=want.blocks,
        block_digests=want.block_digests,
        kept_rows=want.kept_rows,
        rows=rows,
        rows_digest=rows_digest,
        index=before.index if before else {},
        index_parts=before.index_parts if before else 0,
        index_digest=before.index_digest if before else "",
        unavailable_since=want.unavailable_since,
        status=want.status,
        shown=want.shown,
    )


def _same(memory: PageMemory, want: DesiredPage) -> bool:
    """Whether the memory already says what writing `want` would make it say."""
    return (
        memory.digest == want.digest
        and memory.fields == want.fields
        and memory.catalog == want.catalog
        and memory.wanted_title == want.title
        and memory.kept_rows == want.kept_rows
        and (memory.rows, memory.rows_digest) == remembered_rows(want.rows)
        and memory.unavailable_since == want.unavailable_since
        and memory.shown == want.shown
        and not memory.retired
    )


def _typed_rows(remembered: PageMemory, now: tuple[ManualRow, ...]) -> str:
    """Data entry on a manual KPI's page, in words: "3 measurements read from the page"
    (typed or changed since the last run), or those taken off it; "" when none. Of a table
    too long for the memory only its digest is known: then whether it changed."""
    if remembered.rows_digest:
        changed = remembered_rows(now)[1] != remembered.rows_digest
        return "measurements typed or changed on the page" if changed else ""
    before = remembered.rows
    added = sum((Counter(now) - Counter(before)).values())
    removed = sum((Counter(before) - Counter(now)).values())
    if added:
        return f"{_measurements(added)} read from the page"
    return f"{_measurements(removed)} removed from the page" if removed else ""


def _measurements(count: int) -> str:
    return f"{count} measurement{'' if count == 1 else 's'}"
