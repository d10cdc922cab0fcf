"""CSV sources: how files are read into tables, and how their problems are reported."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from confluence_kpi.catalog import CsvSourceConfig
from confluence_kpi.model import KpiDefinition
from confluence_kpi.sources import SourceError, Table, extract_series, open_source


def read(path: Path, **options: str) -> Table:
    return open_source("sales_sheet", CsvSourceConfig(type="csv", path=path, **options)).fetch(None)


def test_csv_with_bom_semicolons_and_decimal_comma(
    write_csv: Callable[..., Path], make_kpi: Callable[..., KpiDefinition], zone: ZoneInfo
) -> None:
    path = write_csv("\ufeffdatum;omzet\r\n2026-03-01;1.234,5\r\n2026-03-02;-7,25\r\n")
    table = open_source(
        "sales_sheet", CsvSourceConfig(type="csv", path=path, delimiter=";", decimal=",")
    ).fetch(None)
    assert table.columns == ("datum", "omzet")
    series = extract_series(make_kpi(time_column="datum", column="omzet"), table, zone=zone)
    assert [m.value for m in series] == [1234.5, -7.25]


def test_csv_table_holds_the_cells_as_text_and_ignores_the_query(
    write_csv: Callable[..., Path],
) -> None:
    path = write_csv('date,region,deals\n2026-03-01,"North, East",3\n')
    table = read(path)
    assert table.columns == ("date", "region", "deals")
    assert table.rows == (("2026-03-01", "North, East", "3"),)
    assert (
        open_source("sales_sheet", CsvSourceConfig(type="csv", path=path)).fetch("SELECT 1")
        == table
    )


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"sales_sheet \(.*nowhere\.csv\): cannot read the file"):
        read(tmp_path / "nowhere.csv")


def test_origin_shows_the_path_relative_to_the_working_directory(
    write_csv: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    table = read(write_csv("date,deals\n2026-03-01,1\n", name="config/demo/sales.csv"))
    assert table.origin == "sales_sheet (config/demo/sales.csv)"


def test_file_without_a_header_row_is_an_error(write_csv: Callable[..., Path]) -> None:
    with pytest.raises(SourceError, match="no header row"):
        read(write_csv(""))


def test_text_in_another_encoding_is_a_clear_error(write_csv: Callable[..., Path]) -> None:
    path = write_csv("maand,omzet\nmärz,1\n", encoding="latin-1")
    with pytest.raises(SourceError, match="not utf-8 text; set `encoding`"):
        read(path)
    assert read(path, encoding="latin-1").rows == (("märz", "1"),)


def test_blank_lines_and_short_rows_keep_spreadsheet_line_numbers(
    write_csv: Callable[..., Path], make_kpi: Callable[..., KpiDefinition], zone: ZoneInfo
) -> None:
    table = read(write_csv("date,value,note\n2026-03-01,1\n\n2026-03-03,many,x\n"))
    assert table.rows[1] == ("", "", "")
    with pytest.raises(SourceError, match=r"line 4, column 'value'"):
        extract_series(make_kpi(time_column="date"), table, zone=zone)


def test_row_with_more_cells_than_the_header_is_an_error(write_csv: Callable[..., Path]) -> None:
    assert read(write_csv("date,value\n2026-03-01,1,\n")).rows == (("2026-03-01", "1"),)
    with pytest.raises(SourceError, match="line 3: 3 cells, but the header names 2"):
        read(write_csv("date,value\n2026-03-01,1\n2026-03-02,2,3\n"))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=200)
@given(number=st.floats(allow_nan=False, allow_infinity=False), decimal=st.sampled_from(".,"))
def test_any_finite_float_written_to_a_csv_cell_comes_back_equal(
    number: float,
    decimal: str,
    write_csv: Callable[..., Path],
    make_kpi: Callable[..., KpiDefinition],
    zone: ZoneInfo,
) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(
        [["ts", "value"], ["2026-03-01", repr(number).replace(".", decimal)]]
    )
    table = read(write_csv(buffer.getvalue()), delimiter=";", decimal=decimal)
    (measurement,) = extract_series(make_kpi(), table, zone=zone)
    assert measurement.value == number
    assert measurement.ts == datetime(2026, 3, 1, tzinfo=zone)
