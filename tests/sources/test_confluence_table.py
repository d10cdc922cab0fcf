"""A table on a Confluence page as a source: the page found by id or title, the table by a
header cell or its place, cells read as the page shows them, and errors that say where.

The page reader here is in memory; tests/e2e/test_confluence_table_source.py reads the
sandbox over HTTP through the sync's own gateway, v1 and v2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

import pytest

from confluence_kpi.catalog import ConfluenceTableConfig
from confluence_kpi.confluence import ForbiddenError, NotFoundError, Page
from confluence_kpi.model import KpiDefinition
from confluence_kpi.sources import Fetcher, SourceError, Table, measure, open_source

KpiFactory = Callable[..., KpiDefinition]

NUMBERS = (
    "<p>Our numbers, kept by hand.</p>"
    "<table><tbody>"
    "<tr><th><p>Owner</p></th><th><p>Team</p></th></tr>"
    "<tr><td><p>Pat</p></td><td><p>Ops</p></td></tr>"
    "</tbody></table>"
    '<table data-layout="default"><colgroup><col /><col /><col /></colgroup><tbody>'
    "<tr><th><p><strong>Month</strong></p></th><th><p>Revenue&nbsp;(EUR)</p></th>"
    "<th><p>State</p></th></tr>"
    '<tr><td><p><time datetime="2026-10-01" /></p></td><td><p>1,200.5</p></td>'
    '<td><p><ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">Green'
    '</ac:parameter><ac:parameter ac:name="title">Closed</ac:parameter>'
    "</ac:structured-macro></p></td></tr>"
    '<tr><td><p>2026-11-01</p></td><td><p>  980 </p><p></p></td><td><p><a href="https://x">'
    "Open</a></p></td></tr>"
    "</tbody></table>"
)


class Pages:
    """Pages in memory, answering as the sync's gateway does."""

    def __init__(self, *pages: Page) -> None:
        self.pages = {page.id: page for page in pages}
        self.reads = 0

    def get_page(self, page_id: str, *, expand: Sequence[str]) -> Page:
        self.reads += 1
        if page_id not in self.pages:
            raise NotFoundError(f"page {page_id} not found")
        return self.pages[page_id]

    def find_page(self, space: str, title: str, *, expand: Sequence[str]) -> Page | None:
        self.reads += 1
        found = [p for p in self.pages.values() if (p.space_key, p.title) == (space, title)]
        return found[0] if found else None


def page(body: str, *, page_id: str = "4242", title: str = "Ops numbers") -> Page:
    return Page(id=page_id, title=title, version=3, space_key="OPS", parent_id=None, body=body)


def read(body: str, **config: object) -> Table:
    """The table the source reads from a page holding `body`, configured with `config`."""
    source = open_source(
        "ops_page",
        ConfluenceTableConfig.model_validate(
            {"type": "confluence_table", "page_id": 4242, **config}
        ),
        pages=Pages(page(body)),
    )
    return source.fetch(None)


def test_a_table_chosen_by_a_header_cell_reads_as_the_page_shows_it() -> None:
    table = read(NUMBERS, table="month")

    assert table.columns == ("Month", "Revenue (EUR)", "State")
    assert table.rows == (("2026-10-01", "1,200.5", "Closed"), ("2026-11-01", "980", "Open"))
    assert table.origin == "ops_page (page 4242 'Ops numbers', table 'month')"


def test_a_table_chosen_by_its_place_on_the_page() -> None:
    assert read(NUMBERS, table=1).rows == (("Pat", "Ops"),)
    assert read(NUMBERS, table=2).columns[0] == "Month"


def test_the_header_is_the_first_row_also_in_plain_cells() -> None:
    body = "<table><tr><td>day</td><td>n</td></tr><tr><td>2026-11-02</td><td>3</td></tr></table>"

    table = read(body)

    assert (table.columns, table.rows) == (("day", "n"), (("2026-11-02", "3"),))


def test_a_merged_cell_counts_in_every_row_and_column_it_spans() -> None:
    body = (
        "<table>"
        "<tr><th>Quarter</th><th>Month</th><th colspan='2'>Tickets</th></tr>"
        "<tr><td rowspan='2'>Q4</td><td>2026-10-01</td><td>5</td><td>6</td></tr>"
        "<tr><td>2026-11-01</td><td colspan='2'>7</td></tr>"
        "<tr><td>Q1</td><td rowspan='9'>2027-01-01</td><td>8</td></tr>"
        "</table>"
    )

    table = read(body)

    assert table.columns == ("Quarter", "Month", "Tickets", "Tickets")
    assert table.rows == (
        ("Q4", "2026-10-01", "5", "6"),
        ("Q4", "2026-11-01", "7", "7"),
        ("Q1", "2027-01-01", "8", ""),
    )


def test_a_kpi_reads_its_columns_from_the_table(make_kpi: KpiFactory, zone: ZoneInfo) -> None:
    reader = Pages(page(NUMBERS))
    configs = {
        "ops_page": ConfluenceTableConfig(type="confluence_table", page_id="4242", table="Month")
    }
    kpi = make_kpi(source="ops_page", time_column="Month", column="Revenue (EUR)")

    with Fetcher(configs, pages=reader) as fetcher:
        series = measure(kpi, fetcher, zone=zone)
        measure(kpi.model_copy(update={"id": "again"}), fetcher, zone=zone)

    assert [m.value for m in series] == [1200.5, 980.0]
    assert reader.reads == 1  # one read for both KPIs


def test_a_bad_cell_names_the_page_the_table_the_row_and_the_column(
    make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    reader = Pages(page(NUMBERS))
    configs = {"ops_page": ConfluenceTableConfig(type="confluence_table", page_id="4242", table=2)}
    kpi = make_kpi(source="ops_page", time_column="Month", column="State")

    with Fetcher(configs, pages=reader) as fetcher, pytest.raises(SourceError) as failed:
        measure(kpi, fetcher, zone=zone)

    assert str(failed.value) == (
        "ops_page (page 4242 'Ops numbers', table 2), row 1, column 'State': "
        "'Closed' is not a number"
    )


def test_numbers_are_read_with_the_decimal_mark_of_the_source(
    make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    body = (
        "<table><tr><th>day</th><th>n</th></tr><tr><td>2026-11-02</td><td>1.234,5</td></tr></table>"
    )
    configs = {
        "ops_page": ConfluenceTableConfig(type="confluence_table", page_id="4242", decimal=",")
    }
    kpi = make_kpi(source="ops_page", time_column="day", column="n")

    with Fetcher(configs, pages=Pages(page(body))) as fetcher:
        assert [m.value for m in measure(kpi, fetcher, zone=zone)] == [1234.5]


@pytest.mark.parametrize(
    ("body", "config", "expected"),
    [
        (
            NUMBERS,
            {"table": "Week"},
            "ops_page (page 4242 'Ops numbers', table 'Week'): no table whose header row holds "
            "'Week'; the header rows of the page's 2 tables are: Owner | Team; Month | "
            "Revenue (EUR) | State",
        ),
        (
            NUMBERS,
            {"table": 3},
            "ops_page (page 4242 'Ops numbers', table 3): the page has 2 tables",
        ),
        (
            "<p>Nothing yet</p>",
            {},
            "ops_page (page 4242 'Ops numbers', table 1): the page has no table",
        ),
        (
            "<table><tr><th>a</th></tr><tr><td>1</td><td>2</td></tr></table>",
            {},
            "ops_page (page 4242 'Ops numbers', table 1), row 1: 2 cells, but the header names 1",
        ),
    ],
    ids=["no-such-header", "no-such-place", "no-table", "row-too-wide"],
)
def test_a_table_that_is_not_there_is_said_with_the_page(
    body: str, config: dict[str, object], expected: str
) -> None:
    with pytest.raises(SourceError) as failed:
        read(body, **config)

    assert str(failed.value) == expected


def test_a_page_is_found_by_space_and_title() -> None:
    config = ConfluenceTableConfig(
        type="confluence_table", space="OPS", title="Ops numbers", table="Month"
    )
    reader = Pages(page(NUMBERS))

    assert len(open_source("ops_page", config, pages=reader).fetch(None).rows) == 2

    missing = config.model_copy(update={"title": "Ops figures"})
    with pytest.raises(SourceError, match=r"^ops_page: no page titled 'Ops figures' in OPS$"):
        open_source("ops_page", missing, pages=reader).fetch(None)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (NotFoundError("page 777 not found"), "ops_page (page 777): page 777 not found"),
        (
            ForbiddenError("no permission to read page 777"),
            "ops_page (page 777): no permission to read page 777",
        ),
    ],
    ids=["missing", "forbidden"],
)
def test_a_page_that_cannot_be_read_fails_the_source_naming_it(
    error: Exception, expected: str
) -> None:
    class Refusing(Pages):
        def get_page(self, page_id: str, *, expand: Sequence[str]) -> Page:
            raise error

    config = ConfluenceTableConfig(type="confluence_table", page_id="777")

    with pytest.raises(SourceError) as failed:
        open_source("ops_page", config, pages=Refusing()).fetch(None)

    assert str(failed.value) == expected


def test_without_a_connection_to_confluence_the_source_says_what_to_set() -> None:
    config = ConfluenceTableConfig(type="confluence_table", page_id="4242")

    with pytest.raises(SourceError, match="set CONFLUENCE_URL and its credentials"):
        open_source("ops_page", config).fetch(None)
