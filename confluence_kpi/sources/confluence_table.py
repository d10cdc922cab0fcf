"""A table on a Confluence page as a source: a number a team keeps on a page it already edits.

The page is read through the sync's own connection to Confluence (the gateway, v1 or v2 as
the site speaks), handed in as a `PageReader`: this module sends no request of its own, so
the settings, credentials, retries and error messages are the sync's. Cells are read as the
page shows them, with the reader of the bot's own pages (`pages.storage_tree`): text in
paragraphs, links as their text, status lozenges as their titles, date lozenges as ISO dates,
every kind of space as one; a merged cell counts in every row and column it spans.
"""

from __future__ import annotations

from collections.abc import Sequence
from threading import Lock
from typing import Protocol

from lxml import etree

from confluence_kpi.catalog import ConfluenceTableConfig
from confluence_kpi.confluence.errors import ConfluenceError
from confluence_kpi.confluence.protocol import Page
from confluence_kpi.pages import storage_tree
from confluence_kpi.pages.values import normalise
from confluence_kpi.sources.table import SourceError, Table

_BODY = ("body.storage",)
# HTML's own limit on colspan: a larger value is a damaged cell, not a table that wide.
_MAX_SPAN = 1000


class PageReader(Protocol):
    """What this source asks of Confluence: reading a page. The sync's gateway
    (`confluence.ConfluenceApi`) is one; the source gets no way to write."""

    def get_page(self, page_id: str, *, expand: Sequence[str]) -> Page:
        """The page with this id, as it is now."""
        ...

    def find_page(self, space: str, title: str, *, expand: Sequence[str]) -> Page | None:
        """The page titled exactly `title` in the space, or None."""
        ...


class TakingTurns:
    """A page reader shared by sources fetched in parallel, one read at a time: the sync's
    gateway is built for one thread (one HTTP session, a request count, the spaces it knows)."""

    def __init__(self, pages: PageReader) -> None:
        self._pages = pages
        self._turn = Lock()

    def get_page(self, page_id: str, *, expand: Sequence[str]) -> Page:
        """The page with this id, read when no other source is reading."""
        with self._turn:
            return self._pages.get_page(page_id, expand=expand)

    def find_page(self, space: str, title: str, *, expand: Sequence[str]) -> Page | None:
        """The page titled `title` in the space, read when no other source is reading."""
        with self._turn:
            return self._pages.find_page(space, title, expand=expand)


class ConfluenceTableSource:
    """Reads the configured page on each fetch; the query is ignored (KPIs pick columns)."""

    def __init__(self, name: str, config: ConfluenceTableConfig, pages: PageReader | None) -> None:
        self._name = name
        self._config = config
        self._pages = pages
        self._chosen = (
            f"table {config.table}" if isinstance(config.table, int) else f"table {config.table!r}"
        )

    def fetch(self, query: str | None) -> Table:
        """The chosen table: its header row's texts as columns, the rows below it as text."""
        page = self._page()
        origin = f"{self._name} (page {page.id} {page.title!r}, {self._chosen})"
        tables = list(storage_tree.read(page.body or "").iter("table"))
        element = self._choose(tables, origin)
        grid = _texts(storage_tree.rows(element))
        if not grid:
            raise SourceError(f"{origin}: the table has no rows")
        columns = tuple(grid[0])
        width = len(columns)
        rows = []
        for number, cells in enumerate(grid[1:], 1):
            if any(cells[width:]):
                raise SourceError(
                    f"{origin}, row {number}: {len(cells)} cells, but the header names {width}"
                )
            rows.append(tuple(cells[:width]) + ("",) * (width - len(cells)))
        return Table(columns, tuple(rows), origin, decimal=self._config.decimal)

    def _page(self) -> Page:
        """The page with its body; a SourceError naming the page when it cannot be read."""
        config = self._config
        if self._pages is None:
            raise SourceError(
                f"{self._name}: a confluence_table source reads Confluence through the sync's "
                "connection, and there is none here (set CONFLUENCE_URL and its credentials)"
            )
        try:
            if config.page_id is not None:
                return self._pages.get_page(config.page_id, expand=_BODY)
            # Without a page id the model requires both.
            assert config.space is not None
            assert config.title is not None
            found = self._pages.find_page(config.space, config.title, expand=_BODY)
        except ConfluenceError as exc:
            raise SourceError(f"{self._name} ({self._address()}): {exc}") from None
        if found is None:
            raise SourceError(f"{self._name}: no page titled {config.title!r} in {config.space}")
        return found

    def _address(self) -> str:
        config = self._config
        if config.page_id is not None:
            return f"page {config.page_id}"
        return f"page {config.title!r} in space {config.space}"

    def _choose(self, tables: list[etree._Element], origin: str) -> etree._Element:
        """The table the catalog names: by its place on the page, or by a header cell."""
        wanted = self._config.table
        if not tables:
            raise SourceError(f"{origin}: the page has no table")
        if isinstance(wanted, int):
            if wanted > len(tables):
                raise SourceError(f"{origin}: the page has {_tables(len(tables))}")
            return tables[wanted - 1]
        key = normalise(wanted).casefold()
        headers = [_header(table) for table in tables]
        for table, header in zip(tables, headers, strict=True):
            if key in (cell.casefold() for cell in header):
                return table
        shown = "; ".join(" | ".join(header) for header in headers)
        raise SourceError(
            f"{origin}: no table whose header row holds {wanted!r}; the header rows of the "
            f"page's {_tables(len(tables))} are: {_shortened(shown)}"
        )

    def close(self) -> None:
        """Nothing to release: the connection is the sync's."""


def _header(table: etree._Element) -> list[str]:
    """The texts of a table's first row (empty for a table without rows)."""
    rows = storage_tree.rows(table)
    return _texts(rows[:1])[0] if rows else []


def _texts(rows: list[list[etree._Element]]) -> list[list[str]]:
    """Each row's cell texts as the page shows them: a cell merged across rows or columns
    (rowspan, colspan) stands in every row and column it covers."""
    grid: list[list[str]] = []
    below: dict[int, tuple[int, str]] = {}  # column: (rows it still covers, text), from above
    for cells in rows:
        line: list[str] = []
        remaining = iter(cells)
        while True:
            column = len(line)
            if column in below:
                left, text = below.pop(column)
                if left > 1:
                    below[column] = (left - 1, text)
                line.append(text)
                continue
            cell = next(remaining, None)
            if cell is None:
                if any(at > column for at in below):
                    line.append("")  # a gap left of a cell merged down from above
                    continue
                break
            text = normalise(storage_tree.visible_text(cell, statuses=True))
            down = _span(cell, "rowspan")
            for _ in range(_span(cell, "colspan")):
                if down > 1:
                    below[len(line)] = (down - 1, text)
                line.append(text)
        grid.append(line)
    return grid


def _span(cell: etree._Element, name: str) -> int:
    """How many rows or columns a cell covers: 1 unless the attribute says more."""
    try:
        return min(max(int(cell.get(name) or 1), 1), _MAX_SPAN)
    except ValueError:
        return 1


def _tables(count: int) -> str:
    return f"{count} table" + ("" if count == 1 else "s")


def _shortened(text: str) -> str:
    return text if len(text) <= 300 else text[:297] + "..."
