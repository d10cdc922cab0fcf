"""CSV sources as teams export them: Dutch numbers and dates, byte order marks, one file a
month by a pattern, downloads with credentials from the environment, and workbooks saved
under a .csv name; every problem named by source, file and line."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from openpyxl import Workbook

from confluence_kpi.catalog import CsvSourceConfig
from confluence_kpi.model import KpiDefinition
from confluence_kpi.sources import SourceError, Table, extract_series, open_source

URL = "https://exports.example.com/tickets/export.csv"
SECRET = "Pa55-w0rd-sekret"
DUTCH = {"delimiter": ";", "decimal": ",", "thousands": "."}


def read(**options: Any) -> Table:
    """The table of a csv source named `tickets` with these options."""
    return open_source("tickets", CsvSourceConfig(type="csv", **options)).fetch(None)


def refusal(**options: Any) -> str:
    """What reading a csv source named `tickets` with these options fails with."""
    with pytest.raises(SourceError) as refused:
        read(**options)
    return str(refused.value)


@pytest.fixture
def hours(make_kpi: Callable[..., KpiDefinition]) -> KpiDefinition:
    """A KPI of the Dutch exports' `uren` by `datum`."""
    return make_kpi(source="tickets", time_column="datum", column="uren")


# --- numbers and dates as a Dutch export writes them ----------------------------------------


def test_dutch_numbers_read_with_decimal_comma_and_thousands_dot(
    write_csv: Callable[..., Path], hours: KpiDefinition, zone: ZoneInfo
) -> None:
    path = write_csv("datum;uren\n2026-01-05;1.234,5\n2026-01-06;-2.000.000\n2026-01-07;7\n")

    series = extract_series(hours, read(path=path, **DUTCH), zone=zone)

    assert [m.value for m in series] == [1234.5, -2_000_000, 7]


def test_thousands_grouped_by_spaces_include_the_no_break_spaces_of_spreadsheets(
    write_csv: Callable[..., Path], hours: KpiDefinition, zone: ZoneInfo
) -> None:
    path = write_csv(
        "datum;uren\n2026-01-05;1 234,5\n2026-01-06;2\u00a0500\n2026-01-07;3\u202f000\n"
    )

    table = read(path=path, delimiter=";", decimal=",", thousands=" ")

    assert [m.value for m in extract_series(hours, table, zone=zone)] == [1234.5, 2500, 3000]


def test_without_thousands_a_grouping_mark_is_no_number(
    write_csv: Callable[..., Path], hours: KpiDefinition, zone: ZoneInfo
) -> None:
    path = write_csv("datum;uren\n2026-01-05;1.234\n")
    table = read(path=path, delimiter=";", decimal=",", thousands="")

    with pytest.raises(SourceError, match=r"line 2, column 'uren': '1\.234' is not a number"):
        extract_series(hours, table, zone=zone)


def test_dutch_dates_read_with_date_format(
    write_csv: Callable[..., Path], hours: KpiDefinition, zone: ZoneInfo
) -> None:
    path = write_csv("datum;uren\n05-01-2026;1\n31-01-2026;2\n")

    series = extract_series(hours, read(path=path, date_format="%d-%m-%Y", **DUTCH), zone=zone)

    assert [m.ts for m in series] == [
        datetime(2026, 1, 5, tzinfo=zone),
        datetime(2026, 1, 31, tzinfo=zone),
    ]


def test_a_date_written_otherwise_than_date_format_is_refused_not_guessed(
    write_csv: Callable[..., Path], hours: KpiDefinition, zone: ZoneInfo
) -> None:
    path = write_csv("datum;uren\n05-01-2026;1\n2026-01-06;2\n")
    table = read(path=path, date_format="%d-%m-%Y", **DUTCH)

    with pytest.raises(SourceError) as refused:
        extract_series(hours, table, zone=zone)

    assert str(refused.value) == (
        f"tickets ({path}), line 3, column 'datum': '2026-01-06' is not a date in the source's "
        "date_format '%d-%m-%Y'"
    )


def test_dutch_dates_read_day_first_with_dayfirst(
    write_csv: Callable[..., Path], hours: KpiDefinition, zone: ZoneInfo
) -> None:
    path = write_csv("datum;uren\n05-01-2026;1\n6/1/2026 14:30;2\n07.01.2026;3\n2026-01-08;4\n")

    series = extract_series(hours, read(path=path, dayfirst=True, **DUTCH), zone=zone)

    assert [m.ts for m in series] == [
        datetime(2026, 1, 5, tzinfo=zone),
        datetime(2026, 1, 6, 14, 30, tzinfo=zone),
        datetime(2026, 1, 7, tzinfo=zone),
        datetime(2026, 1, 8, tzinfo=zone),
    ]


def test_a_day_first_date_that_does_not_exist_names_its_line(
    write_csv: Callable[..., Path], hours: KpiDefinition, zone: ZoneInfo
) -> None:
    path = write_csv("datum;uren\n05-01-2026;1\n01-13-2026;2\n")

    with pytest.raises(SourceError) as refused:
        extract_series(hours, read(path=path, dayfirst=True, **DUTCH), zone=zone)

    assert str(refused.value) == (
        f"tickets ({path}), line 3, column 'datum': '01-13-2026' is no date read day first "
        "(day-month-year)"
    )


def test_day_first_dates_without_an_option_are_refused_with_the_options_to_set(
    write_csv: Callable[..., Path], hours: KpiDefinition, zone: ZoneInfo
) -> None:
    path = write_csv("datum;uren\n05-01-2026;1\n")

    with pytest.raises(SourceError) as refused:
        extract_series(hours, read(path=path, **DUTCH), zone=zone)

    assert "line 2, column 'datum': '05-01-2026' is not a date or time" in str(refused.value)
    assert "`dayfirst: true` or a `date_format`" in str(refused.value)


# --- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_a_byte_order_mark_is_read_whatever_the_encoding_option(
    write_csv: Callable[..., Path], encoding: str
) -> None:
    # Excel's "Unicode text": UTF-16 with a byte order mark, cells between tabs.
    path = write_csv("\ufeffdatum\turen\n05-01-2026\t1,5\n", encoding=encoding)

    table = read(path=path, delimiter="\t", encoding="cp1252")

    assert (table.columns, table.rows) == (("datum", "uren"), (("05-01-2026", "1,5"),))


def test_utf8_with_a_byte_order_mark_is_read_as_utf8_without_the_mark(
    write_csv: Callable[..., Path],
) -> None:
    path = write_csv("\ufeffmaand,omzet\nmärz,1\n")

    assert read(path=path, encoding="cp1252").columns == ("maand", "omzet")


def test_text_in_another_encoding_names_the_line_of_the_first_bad_byte(
    write_csv: Callable[..., Path],
) -> None:
    path = write_csv("maand,omzet\njanuari,1\nmärz,2\n", encoding="cp1252")

    assert refusal(path=path) == (
        f"tickets ({path}), line 3: the file is not utf-8 text; set `encoding` for this source "
        "(Excel on Windows writes cp1252)"
    )


def test_an_xlsx_workbook_given_as_csv_is_said_to_be_one(tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    Workbook().save(path)

    assert refusal(path=path) == (
        f"tickets ({path}): this is an Excel workbook, not CSV: use `type: excel`"
    )


def test_an_old_xls_workbook_given_as_csv_is_said_to_be_one(tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))

    assert refusal(path=path) == (
        f"tickets ({path}): this is an Excel 97-2003 workbook (.xls), which cannot be read: "
        "save it as .xlsx, and use `type: excel`"
    )


# --- one file a month, by a pattern ---------------------------------------------------------


def test_a_pattern_reads_the_rows_of_every_file_in_file_name_order(
    write_csv: Callable[..., Path], tmp_path: Path
) -> None:
    write_csv("datum;uren\n05-02-2026;2\n", name="exports/tickets-2026-02.csv")
    write_csv("datum;uren\n05-01-2026;1\n06-01-2026;1,5\n", name="exports/tickets-2026-01.csv")
    write_csv("datum;uren\n01-01-2025;9\n", name="exports/other-2026-01.csv")

    table = read(path=tmp_path / "exports" / "tickets-*.csv", **DUTCH)

    assert table.rows == (("05-01-2026", "1"), ("06-01-2026", "1,5"), ("05-02-2026", "2"))
    assert table.origin == f"tickets ({tmp_path}/exports/tickets-*.csv)"


def test_bad_data_in_a_file_of_a_pattern_names_that_file_and_its_line(
    write_csv: Callable[..., Path], tmp_path: Path, hours: KpiDefinition, zone: ZoneInfo
) -> None:
    write_csv("datum;uren\n05-01-2026;1\n06-01-2026;1\n", name="exports/tickets-2026-01.csv")
    february = write_csv(
        "datum;uren\n05-02-2026;2\n06-02-2026;x\n", name="exports/tickets-2026-02.csv"
    )
    table = read(path=tmp_path / "exports" / "tickets-*.csv", dayfirst=True, **DUTCH)

    with pytest.raises(SourceError) as refused:
        extract_series(hours, table, zone=zone)

    assert str(refused.value) == f"tickets ({february}), line 3, column 'uren': 'x' is not a number"


def test_a_file_of_a_pattern_with_another_header_is_an_error_naming_both(
    write_csv: Callable[..., Path], tmp_path: Path
) -> None:
    january = write_csv("datum;uren\n05-01-2026;1\n", name="exports/tickets-2026-01.csv")
    february = write_csv("datum;hours\n05-02-2026;2\n", name="exports/tickets-2026-02.csv")

    assert refusal(path=tmp_path / "exports" / "tickets-*.csv", **DUTCH) == (
        f"tickets ({february}), line 1: the header names datum, hours, but {january} names "
        "datum, uren: every file of the source needs the same columns"
    )


def test_a_pattern_that_matches_no_file_is_a_clear_error(tmp_path: Path) -> None:
    pattern = tmp_path / "exports" / "tickets-*.csv"

    assert refusal(path=pattern) == f"tickets ({pattern}): no file matches the pattern"


def test_brackets_in_a_pattern_are_part_of_the_file_name(
    write_csv: Callable[..., Path], tmp_path: Path
) -> None:
    write_csv("datum,uren\n2026-01-05,1\n", name="exports [2026]/tickets-01.csv")

    assert read(path=tmp_path / "exports [2026]" / "tickets-*.csv").rows == (("2026-01-05", "1"),)


# --- a download -----------------------------------------------------------------------------


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    """Requests answered by the test, each expected to be made."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def no_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty secrets directory and a working directory without `.env`: only what a test
    sets is there."""
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    monkeypatch.setenv("CONFLUENCE_KPI_SECRETS_DIR", str(secrets))
    monkeypatch.chdir(tmp_path)
    return secrets


def test_a_url_is_downloaded_with_basic_auth_from_the_environment(
    http: responses.RequestsMock, no_secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKETS_LOGIN", f"bot:{SECRET}")
    http.get(
        URL,
        body="datum;uren\n05-01-2026;1,5\n",
        match=[responses.matchers.header_matcher({"Authorization": _basic("bot", SECRET)})],
    )

    table = read(url=URL, auth_env="TICKETS_LOGIN", **DUTCH)

    assert table.rows == (("05-01-2026", "1,5"),)
    assert table.origin == f"tickets ({URL})"


def test_headers_come_from_secret_files(http: responses.RequestsMock, no_secrets: Path) -> None:
    (no_secrets / "TICKETS_KEY").write_text(f"{SECRET}\n", encoding="utf-8")
    http.get(
        URL,
        body="datum,uren\n2026-01-05,1\n",
        match=[responses.matchers.header_matcher({"X-Api-Key": SECRET})],
    )

    assert read(url=URL, headers_env={"X-Api-Key": "TICKETS_KEY"}).rows == (("2026-01-05", "1"),)


def test_an_unset_credential_variable_fails_before_any_request(
    http: responses.RequestsMock, no_secrets: Path
) -> None:
    assert refusal(url=URL, auth_env="TICKETS_LOGIN") == (
        f"tickets ({URL}): TICKETS_LOGIN is not set (nor TICKETS_LOGIN_FILE, nor a file "
        "TICKETS_LOGIN in the secrets directory)"
    )


def test_a_refused_download_names_the_status_and_never_the_query_or_the_secret(
    http: responses.RequestsMock, no_secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKETS_AUTH", f"Bearer {SECRET}")
    http.get(f"{URL}?token={SECRET}", status=401)

    message = refusal(url=f"{URL}?token={SECRET}", headers_env={"Authorization": "TICKETS_AUTH"})

    assert (
        message == f"tickets ({URL}): the server answered 401 Unauthorized (check the credentials)"
    )


def test_a_server_that_does_not_answer_in_time_is_named_with_the_timeout(
    http: responses.RequestsMock, no_secrets: Path
) -> None:
    http.get(URL, body=requests.ReadTimeout())

    assert refusal(url=URL, timeout=2.5) == f"tickets ({URL}): no answer within 2.5 seconds"


def test_a_redirect_is_not_followed_with_headers_so_they_reach_no_other_server(
    http: responses.RequestsMock, no_secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKETS_KEY", SECRET)
    http.get(URL, status=302, headers={"Location": "https://elsewhere.example.net/export.csv"})

    message = refusal(url=URL, headers_env={"X-Api-Key": "TICKETS_KEY"})

    assert message.startswith(f"tickets ({URL}): the server redirects elsewhere (302)")


def _basic(user: str, password: str) -> str:
    """The Authorization header of HTTP basic auth."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
