"""Prometheus sources against a fake Prometheus on a local port (fake_prometheus.py): the range
each query asks for, rows dated at the start of their step, a column per series, NaN and
infinities, Prometheus's own errors, and credentials that never show."""

from __future__ import annotations

import logging
from base64 import b64decode
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from confluence_kpi.catalog import PrometheusSourceConfig, load_catalog
from confluence_kpi.model import Aggregation, Grain, KpiDefinition, Window
from confluence_kpi.pipeline import data_windows, measure_catalog
from confluence_kpi.sources import SourceError, extract_series
from confluence_kpi.sources.prometheus import PrometheusSource
from confluence_kpi.sources.window import DEFAULT_HISTORY

from .fake_prometheus import QUERY_RANGE, FakePrometheus, Series
from .planted import SECRET, assert_never_shown
from .web_server import Reply, WebServer, replies

UPTIME = "avg_over_time(up[1d])"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# March 2026 in Amsterdam: daylight saving time starts on the 29th.
MARCH = Window(datetime(2026, 3, 1, tzinfo=AMSTERDAM), datetime(2026, 4, 1, tzinfo=AMSTERDAM))


def day_of(moment: float) -> date:
    """The Amsterdam day a daily value evaluated at `moment` covers: the day before."""
    return (datetime.fromtimestamp(moment, AMSTERDAM) - timedelta(hours=12)).date()


def always(value: str) -> Callable[[float], str | None]:
    return lambda _moment: value


@pytest.fixture
def prometheus(web_server: WebServer) -> Iterator[Callable[..., PrometheusSource]]:
    """Opens a prometheus source named `metrics` on the local server, serving the fake's
    `queries`; keyword arguments are its options. Closed when the test ends."""
    opened: list[PrometheusSource] = []

    def open_source(queries: dict[str, list[Series]], **options: Any) -> PrometheusSource:
        web_server.route(QUERY_RANGE, FakePrometheus(queries))
        config = PrometheusSourceConfig.model_validate(
            {"type": "prometheus", "url": web_server.url, "retries": 0, **options}
        )
        opened.append(PrometheusSource("metrics", config, sleep=lambda _: None))
        return opened[-1]

    yield open_source
    for source in opened:
        source.close()


def test_daily_uptime_is_a_row_per_local_day_across_daylight_saving_time(
    prometheus: Callable[..., PrometheusSource], web_server: WebServer
) -> None:
    dip = datetime(2026, 3, 10, tzinfo=AMSTERDAM).date()
    uptime = Series({}, lambda moment: "0.5" if day_of(moment) == dip else "1")

    table = prometheus({UPTIME: [uptime]}).fetch(UPTIME, MARCH)

    asked = web_server.received[-1].params
    assert asked["step"] == "86400s"
    assert float(asked["start"]) == datetime(2026, 3, 2, tzinfo=AMSTERDAM).timestamp()
    assert table.columns == ("ts", "value")
    days = [row[0] for row in table.rows]
    assert days[0] == datetime(2026, 3, 1, tzinfo=AMSTERDAM)
    assert days[-1] == datetime(2026, 3, 31, tzinfo=AMSTERDAM)  # after the switch, not lost
    assert len(days) == 31
    assert all(isinstance(day, datetime) and day.hour == 0 for day in days)
    assert [row[1] for row in table.rows].count(0.5) == 1


def test_a_monthly_kpi_is_the_mean_of_its_daily_values(
    prometheus: Callable[..., PrometheusSource], make_kpi: Callable[..., KpiDefinition]
) -> None:
    source = prometheus({UPTIME: [Series({}, always("0.99"))]})
    kpi = make_kpi(source="metrics", query=UPTIME, grain=Grain.MONTH, aggregation=Aggregation.MEAN)

    series = extract_series(kpi, source.fetch(UPTIME, MARCH), zone=AMSTERDAM)

    assert len(series) == 31
    assert {m.value for m in series} == {0.99}
    assert series[0].ts == datetime(2026, 3, 1, tzinfo=AMSTERDAM)


def test_a_weekly_step_asks_for_a_value_per_week(
    prometheus: Callable[..., PrometheusSource], web_server: WebServer
) -> None:
    weeks = Window(datetime(2026, 3, 2, tzinfo=AMSTERDAM), datetime(2026, 3, 30, tzinfo=AMSTERDAM))
    query = "sum(increase(http_requests_total[1w]))"

    table = prometheus({query: [Series({}, always("1200"))]}, step="week").fetch(query, weeks)

    assert web_server.received[-1].params["step"] == "604800s"
    assert [row[0] for row in table.rows] == [
        datetime(2026, 3, day, tzinfo=AMSTERDAM) for day in (2, 9, 16, 23)
    ]


def test_several_series_make_a_column_per_value_of_the_label(
    prometheus: Callable[..., PrometheusSource],
) -> None:
    query = 'avg_over_time(up{job="api"}[1d])'
    two = [
        Series({"instance": "web-1", "job": "api"}, always("1")),
        Series({"instance": "web-2", "job": "api"}, lambda m: None if day_of(m).day < 30 else "0"),
    ]

    table = prometheus({query: two}, label="instance").fetch(query, MARCH)

    assert table.columns == ("ts", "web-1", "web-2")
    assert table.rows[0][1:] == (1.0, None)  # web-2 has no sample then: an empty cell
    assert table.rows[-1][1:] == (1.0, 0.0)


def test_several_series_without_a_label_to_tell_them_apart_are_refused_by_name(
    prometheus: Callable[..., PrometheusSource],
) -> None:
    two = [Series({"instance": "web-1"}, always("1")), Series({"instance": "web-2"}, always("1"))]

    with pytest.raises(SourceError) as raised:
        prometheus({UPTIME: two}).fetch(UPTIME, MARCH)

    message = str(raised.value)
    assert message.startswith("metrics (avg_over_time(up[1d])): the query gives 2 series")
    assert '{instance="web-1"}; {instance="web-2"}' in message
    assert "set the source's `label`" in message


def test_nan_is_an_empty_cell_and_an_infinity_is_refused_naming_series_and_path(
    prometheus: Callable[..., PrometheusSource],
) -> None:
    rate = "sum(rate(errors[1d])) / sum(rate(requests[1d]))"
    quantile = "histogram_quantile(0.95, sum by (le) (rate(latency_bucket[1d])))"
    source = prometheus(
        {
            rate: [Series({}, lambda m: "NaN" if day_of(m).day == 1 else "0.01")],
            quantile: [Series({"le": "x"}, lambda m: "+Inf" if day_of(m).day == 3 else "0.2")],
        }
    )

    assert source.fetch(rate, MARCH).rows[0][1] is None
    with pytest.raises(SourceError) as raised:
        source.fetch(quantile, MARCH)
    assert str(raised.value).startswith(
        "metrics (histogram_quantile(0.95, sum by (le) (rate(latency_bucket[1d])))), "
        'data.result[0].values[2] ({le="x"}): +Inf is no measurement'
    )


def test_a_query_prometheus_cannot_read_is_refused_in_its_own_words(
    prometheus: Callable[..., PrometheusSource], web_server: WebServer
) -> None:
    source = prometheus({})

    with pytest.raises(SourceError) as raised:
        source.fetch("up{", MARCH)

    address = f"{web_server.url}{QUERY_RANGE}"
    assert str(raised.value) == (
        f"metrics ({web_server.url}): GET {address} answered 400 Bad Request: bad_data: "
        "invalid parameter \"query\": 1:1: parse error: unknown query 'up{'"
    )


def test_an_answer_that_is_not_a_range_is_refused(
    prometheus: Callable[..., PrometheusSource], web_server: WebServer
) -> None:
    source = prometheus({})
    vector = {"status": "success", "data": {"resultType": "vector", "result": []}}
    web_server.route(QUERY_RANGE, replies(Reply(200, vector)))

    with pytest.raises(SourceError, match=r"data\.resultType is 'vector', not the matrix"):
        source.fetch(UPTIME, MARCH)


def test_a_source_without_a_query_says_it_needs_one(
    prometheus: Callable[..., PrometheusSource],
) -> None:
    with pytest.raises(SourceError, match=r"metrics: a prometheus source needs a PromQL `query`"):
        prometheus({}).fetch(None, MARCH)


def test_a_planted_password_is_sent_from_its_file_and_never_shown(
    prometheus: Callable[..., PrometheusSource],
    web_server: WebServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    held = tmp_path / "password"
    held.write_text(f"{SECRET}\n", encoding="utf-8")
    monkeypatch.setenv("PROM_PASSWORD_FILE", str(held))
    auth = {"type": "basic", "username": "kpi-bot", "password_env": "PROM_PASSWORD"}
    source = prometheus({UPTIME: [Series({}, always("1"))]}, auth=auth, retries=1)
    table = source.fetch(UPTIME, MARCH)
    sent = web_server.received[-1].headers["Authorization"]

    echoing = Reply(503, {"status": "error", "errorType": "unavailable", "error": sent})
    web_server.route(QUERY_RANGE, replies(echoing))
    with pytest.raises(SourceError) as raised:
        source.fetch(UPTIME, MARCH)

    assert b64decode(sent.removeprefix("Basic ")).decode() == f"kpi-bot:{SECRET}"
    assert len(table.rows) == 31
    assert "unavailable: Basic ***" in str(raised.value)  # the server's echo of it, hidden
    assert_never_shown(table, raised.value, caplog=caplog, capsys=capsys)


def test_a_catalog_kpi_is_measured_from_prometheus_over_the_span_its_pages_need(
    web_server: WebServer, tmp_path: Path
) -> None:
    web_server.route(QUERY_RANGE, FakePrometheus({UPTIME: [Series({}, always("0.999"))]}))
    kpi = (
        "  - {id: uptime, name: Uptime, team: ops, direction: maintain_above, grain: month,\n"
        f'      aggregation: mean, unit: "%", scale: 100, source: metrics, query: "{UPTIME}"}}\n'
    )
    catalog = load_catalog(prometheus_catalog(web_server, tmp_path, kpi))
    now = datetime.now(UTC)
    window = data_windows(catalog, catalog.kpis, now=now)[("metrics", UPTIME)]

    measured = measure_catalog(catalog, now=now)

    assert measured.errors == {}
    values = measured.series["uptime"]
    # One point a day over the window: from the month before the 24 shown to the end of the
    # running month (this fake Prometheus answers every step it is asked for).
    assert values[0].ts == window.start
    assert len(values) == (window.end.date() - window.start.date()).days
    assert len(values) < DEFAULT_HISTORY.days
    assert {m.value for m in values} == {0.999}


WEEKLY_REQUESTS = "sum(increase(http_requests_total[{step}]))"


def measured_with(
    web_server: WebServer, tmp_path: Path, kpis: str, source: str = ""
) -> tuple[Mapping[str, str], list[dict[str, str]]]:
    """Measures a catalog's prometheus KPIs (`kpis`: YAML items) as a sync does; the errors
    by KPI, and the parameters of every range query sent."""
    answers = {
        query: [Series({}, always("1"))]
        for query in (UPTIME, *(WEEKLY_REQUESTS.replace("{step}", s) for s in ("1d", "1w")))
    }
    web_server.route(QUERY_RANGE, FakePrometheus(answers))
    path = prometheus_catalog(web_server, tmp_path, kpis, f", retries: 0{source}")
    measured = measure_catalog(load_catalog(path), now=datetime.now(UTC))
    return measured.errors, [dict(sent.params) for sent in web_server.received]


def prometheus_catalog(web_server: WebServer, tmp_path: Path, kpis: str, options: str = "") -> Path:
    """A catalog of one team whose KPIs (`kpis`: YAML items) read the source `metrics` on
    `web_server` (with more `options` of the source)."""
    path = tmp_path / "catalog.yaml"
    path.write_text(
        f"""space: KPI
root_page: KPI handbook
timezone: Europe/Amsterdam
sources:
  metrics: {{type: prometheus, url: "{web_server.url}"{options}}}
teams:
  ops: {{name: Operations}}
kpis:
{kpis}""",
        encoding="utf-8",
    )
    return path


def kpi_item(kpi_id: str, grain: str, query: str) -> str:
    return (
        f"  - {{id: {kpi_id}, name: {kpi_id}, team: ops, direction: increase, grain: {grain},"
        f' source: metrics, query: "{query}"}}\n'
    )


def test_the_step_follows_the_grain_of_the_kpis_reading_the_query(
    web_server: WebServer, tmp_path: Path
) -> None:
    errors, sent = measured_with(
        web_server,
        tmp_path,
        kpi_item("uptime", "day", UPTIME)
        + kpi_item("requests", "week", WEEKLY_REQUESTS)
        + kpi_item("yearly", "year", UPTIME),
    )

    assert errors == {}
    steps = {params["query"]: params["step"] for params in sent}
    # A daily and a yearly KPI share the uptime query: days, of which a year is made.
    assert steps == {UPTIME: "86400s", "sum(increase(http_requests_total[1w]))": "604800s"}


def test_a_weekly_kpi_whose_query_covers_a_day_reads_a_value_a_day(
    web_server: WebServer, tmp_path: Path
) -> None:
    errors, sent = measured_with(web_server, tmp_path, kpi_item("uptime", "week", UPTIME))

    assert errors == {}
    assert [params["step"] for params in sent] == ["86400s"]


def test_a_step_the_catalog_sets_wins_over_the_grain(web_server: WebServer, tmp_path: Path) -> None:
    errors, sent = measured_with(
        web_server, tmp_path, kpi_item("requests", "week", WEEKLY_REQUESTS), ", step: day"
    )

    assert errors == {}
    assert [(p["query"], p["step"]) for p in sent] == [
        ("sum(increase(http_requests_total[1d]))", "86400s")
    ]


def test_a_query_that_looks_at_a_day_of_a_weekly_step_is_refused(
    web_server: WebServer, tmp_path: Path
) -> None:
    errors, sent = measured_with(
        web_server, tmp_path, kpi_item("uptime", "week", UPTIME), ", step: week"
    )

    assert sent == []
    assert errors["uptime"].startswith("metrics (avg_over_time(up[1d])): the query looks back")
    assert "write the range as [{step}], or set the source's step: day" in errors["uptime"]


def test_a_range_of_more_than_11000_points_is_asked_for_in_parts(
    prometheus: Callable[..., PrometheusSource], web_server: WebServer
) -> None:
    source = prometheus({UPTIME: [Series({}, always("0.99"))]})
    start = datetime(1990, 1, 1, tzinfo=AMSTERDAM)
    end = datetime(2026, 1, 1, tzinfo=AMSTERDAM)  # 13,149 days

    table = source.fetch(UPTIME, Window(start, end))

    parts = [(float(p.params["start"]), float(p.params["end"])) for p in web_server.received]
    assert len(parts) == 2
    assert all((last - first) / 86400 <= 11_000 for first, last in parts)
    assert parts[1][0] == parts[0][1] + 86400  # on a step after the first part's end
    days = [row[0].date() for row in table.rows if isinstance(row[0], datetime)]
    assert days == [(start + timedelta(days=n)).date() for n in range((end - start).days)]
