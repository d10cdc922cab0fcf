"""The file sources' options as the catalog checks them: each problem at its line, an unknown
option with every option the source type has, and warnings for what is missing or unsafe."""

from __future__ import annotations

from pathlib import Path

import pytest

from confluence_kpi.catalog import ExcelSourceConfig, check_catalog, load_catalog

HEAD = "space: KPI\nroot_page: KPI handbook\nsources:\n"  # the first source is on line 4


def problems(tmp_path: Path, *sources: str) -> list[str]:
    """Every problem of a catalog with these lines under `sources:`, as `validate` prints
    them without the file's name."""
    path = tmp_path / "catalog.yaml"
    path.write_text(HEAD + "".join(f"  {line}\n" for line in sources), encoding="utf-8")
    return [str(problem).removeprefix(f"{path}:") for problem in check_catalog(path)[1]]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "{type: csv, path: a.csv, delimter: ';'}",
            "unknown field 'delimter' (did you mean 'delimiter'?); a source of type csv takes "
            "auth_env, date_format, dayfirst, decimal, delimiter, encoding, headers_env, path, "
            "thousands, timeout, type, url",
        ),
        (
            "{type: excel, path: a.xlsx, header: 2}",
            "unknown field 'header' (did you mean 'header_row'?); a source of type excel takes "
            "date_format, dayfirst, decimal, header_row, path, range, sheet, table, thousands, "
            "type",
        ),
        ("{type: static, path: a.csv}", "unknown field 'path'; a source of type static takes type"),
        (
            "{type: sql, url_env: DB, query: SELECT 1}",
            "unknown field 'query'; a source of type sql takes timeout, type, url, url_env",
        ),
    ],
    ids=["csv", "excel", "static", "sql"],
)
def test_an_unknown_option_lists_the_options_of_the_source_type(
    tmp_path: Path, source: str, expected: str
) -> None:
    found = problems(tmp_path, f"tickets: {source}")

    assert f"4: sources 'tickets': {expected}" in found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{type: csv, path: a.csv, thousands: _}", """thousands must be one of ".", ","""),
        (
            "{type: csv, path: a.csv, thousands: '.'}",
            "has '.' both as decimal and as thousands mark: when digits are grouped with '.', "
            "set decimal: ','",
        ),
        (
            "{type: csv, path: a.csv, date_format: '%m-%Y'}",
            "date_format must be a date format with a day, a month and a year, like %d-%m-%Y",
        ),
        (
            "{type: csv, path: a.csv, date_format: '%d-%m-%Y', dayfirst: true}",
            "needs date_format or dayfirst, not both",
        ),
        ("{type: csv}", "needs exactly one of path and url"),
        ("{type: csv, path: a.csv, url: 'https://x.example/a.csv'}", "needs exactly one of"),
        ("{type: csv, path: a.csv, auth_env: LOGIN}", "has auth_env, which only a url uses"),
        (
            "{type: csv, url: 'ftp://x.example/a.csv?key=Pa55'}",
            "url must be a web address starting with http:// or https://",
        ),
        (
            "{type: csv, url: 'https://bot:Pa55@x.example/a.csv'}",
            "url must not hold a user name or password: name them in auth_env",
        ),
        (
            "{type: csv, url: 'https://x.example/a.csv', auth_env: 'my login'}",
            "auth_env must be an environment variable name like KPI_DB_URL",
        ),
        (
            "{type: csv, url: 'https://x.example/a.csv', headers_env: {'X Key': KEY}}",
            "headers_env must map HTTP header names like X-Api-Key (got 'X Key')",
        ),
        (
            "{type: csv, url: 'https://x.example/a.csv', timeout: '30'}",
            "timeout '30' is text: write 30 as a YAML number",
        ),
        ("{type: excel, path: a.xlsx, range: B3}", "range must be a range of cells"),
        ("{type: excel, path: a.xlsx, range: 'F40:B3'}", "range must be a range of cells"),
        (
            "{type: excel, path: a.xlsx, header_row: 2, table: Tickets}",
            "needs one of header_row, table and range, not header_row and table",
        ),
        (
            "{type: excel, path: a.xlsx, sheet: Data, table: Tickets}",
            "has a table and a sheet: a table is on a sheet of its own",
        ),
        (
            "{type: excel, path: a.xlsx, sheet: 0}",
            "sheet must be a sheet's name, or its position: 1 for the first sheet (got 0)",
        ),
    ],
)
def test_bad_file_source_options_are_errors_at_their_line(
    tmp_path: Path, source: str, expected: str
) -> None:
    found = problems(tmp_path, f"tickets: {source}")

    assert any(
        problem.startswith("4: sources 'tickets': ") and expected in problem for problem in found
    ), found
    assert not any("Pa55" in problem for problem in found)


def test_an_excel_source_reads_a_sheet_by_name_or_position_and_a_range_in_capitals(
    tmp_path: Path,
) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(
        HEAD
        + "  by_name: {type: excel, path: data/a.xlsx, sheet: '2'}\n"
        + "  by_position: {type: excel, path: data/a.xlsx, sheet: 2, range: 'b3:f40'}\n",
        encoding="utf-8",
    )

    sources = load_catalog(path).sources

    assert sources["by_name"] == ExcelSourceConfig(
        type="excel", path=tmp_path / "data" / "a.xlsx", sheet="2"
    )
    assert sources["by_position"] == ExcelSourceConfig(
        type="excel", path=tmp_path / "data" / "a.xlsx", sheet=2, range="B3:F40"
    )


def test_missing_files_and_credentials_over_http_are_warnings(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "tickets-2026-01.csv").write_text("a\n", encoding="utf-8")

    assert problems(
        tmp_path,
        "monthly: {type: csv, path: exports/tickets-*.csv}",
        "later: {type: csv, path: exports/later-*.csv}",
        "book: {type: excel, path: book.xlsx}",
        "plain: {type: csv, url: 'http://x.example/a.csv', auth_env: LOGIN}",
    ) == [
        f"5: warning: sources 'later': path {tmp_path}/exports/later-*.csv matches no file (yet)",
        f"6: warning: sources 'book': path {tmp_path}/book.xlsx does not exist (yet)",
        "7: warning: sources 'plain': url is http://, so the credentials travel unencrypted: "
        "use https://",
    ]
