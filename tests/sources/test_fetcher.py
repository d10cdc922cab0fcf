"""The fetcher: one fetch per (source, query) per run, failures kept, static KPIs measured."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from confluence_kpi.catalog import CsvSourceConfig, StaticSourceConfig
from confluence_kpi.model import KpiDefinition, StaticValue
from confluence_kpi.sources import Fetcher, SourceError, measure

KpiFactory = Callable[..., KpiDefinition]
SALES = "date,revenue,deals\n2026-03-01,100,2\n2026-03-02,150,3\n"


def test_shared_query_runs_once_per_run(
    write_csv: Callable[..., Path], make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    fetcher = Fetcher({"sales_sheet": CsvSourceConfig(type="csv", path=write_csv(SALES))})
    revenue = make_kpi(time_column="date", column="revenue")
    deals = make_kpi(id="deals", time_column="date", column="deals")
    assert [m.value for m in measure(revenue, fetcher, zone=zone)] == [100, 150]
    assert [m.value for m in measure(deals, fetcher, zone=zone)] == [2, 3]
    assert fetcher.fetch_count == 1
    fetcher.table("sales_sheet", "another query")
    assert fetcher.fetch_count == 2


def test_a_failure_is_kept_for_the_run_and_not_retried(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    fetcher = Fetcher({"sales_sheet": CsvSourceConfig(type="csv", path=path)})
    with pytest.raises(SourceError) as first:
        fetcher.table("sales_sheet", None)
    path.write_text(SALES)
    with pytest.raises(SourceError) as again:
        fetcher.table("sales_sheet", None)
    assert again.value is first.value
    assert fetcher.fetch_count == 1


def test_one_failing_source_does_not_stop_the_others(
    write_csv: Callable[..., Path], tmp_path: Path
) -> None:
    fetcher = Fetcher(
        {
            "broken": CsvSourceConfig(type="csv", path=tmp_path / "missing.csv"),
            "sales_sheet": CsvSourceConfig(type="csv", path=write_csv(SALES)),
        }
    )
    with pytest.raises(SourceError, match=r"^broken "):
        fetcher.table("broken", None)
    assert len(fetcher.table("sales_sheet", None).rows) == 2


def test_unknown_source_is_a_clear_error(make_kpi: KpiFactory, zone: ZoneInfo) -> None:
    fetcher = Fetcher({"sales_sheet": StaticSourceConfig(type="static")})
    with pytest.raises(SourceError, match="unknown source 'crm'; the sources are: sales_sheet"):
        measure(make_kpi(source="crm"), fetcher, zone=zone)


def test_static_values_are_measured_at_midnight_in_the_catalog_zone(
    make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    fetcher = Fetcher({"survey": StaticSourceConfig(type="static")})
    values = (
        StaticValue(date=date(2026, 6, 1), value=7.5),
        StaticValue(date=date(2026, 1, 1), value=6),
    )
    series = measure(make_kpi(source="survey", values=values), fetcher, zone=zone)
    assert [(m.ts, m.value) for m in series] == [
        (datetime(2026, 1, 1, tzinfo=zone), 6.0),
        (datetime(2026, 6, 1, tzinfo=zone), 7.5),
    ]
    assert fetcher.fetch_count == 0


def test_static_kpi_without_values_is_an_error_not_zero(
    make_kpi: KpiFactory, zone: ZoneInfo
) -> None:
    fetcher = Fetcher({"survey": StaticSourceConfig(type="static")})
    with pytest.raises(SourceError, match=r"^survey \(catalog, KPI 'revenue'\): no rows"):
        measure(make_kpi(source="survey"), fetcher, zone=zone)


def test_a_static_source_has_no_table() -> None:
    fetcher = Fetcher({"survey": StaticSourceConfig(type="static")})
    with pytest.raises(SourceError, match="a static source has no table"):
        fetcher.table("survey", None)
