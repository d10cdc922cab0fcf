"""The catalog: YAML into typed models, and every problem said with file, line, item and field."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confluence_kpi.catalog import (
    MAX_FILE_BYTES,
    CatalogError,
    CsvSourceConfig,
    Problem,
    SqlSourceConfig,
    check_catalog,
    load_catalog,
)
from confluence_kpi.cli import main
from confluence_kpi.model import Bands, Direction

FIXTURES = Path(__file__).parent / "fixtures" / "catalogs"
VALID = FIXTURES / "valid.yaml"

# Seven lines, so that `kpis:` or `goals:` written after it is on line 8.
HEAD = """\
space: KPI
root_page: KPI handbook
sources:
  db: {type: sql, url_env: KPI_DB_URL}
  manual: {type: static}
teams:
  support: {name: Customer service}
"""

KPI = """\
kpis:
  - id: first-response-time
    name: First response time
    team: support
    direction: decrease
    source: db
    query: SELECT 1
"""


def write(directory: Path, text: str, name: str = "catalog.yaml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_in(path: Path) -> list[str]:
    """Every problem found, as printed."""
    return [str(problem) for problem in check_catalog(path)[1]]


def errors_in(path: Path) -> list[Problem]:
    return [problem for problem in check_catalog(path)[1] if problem.severity == "error"]


# --- a good catalog --------------------------------------------------------------------------


def test_example_catalog_loads_into_typed_models() -> None:
    catalog = load_catalog(VALID)

    assert (len(catalog.kpis), len(catalog.goals), len(catalog.teams)) == (4, 2, 2)
    kpi = catalog.kpi("first-response-time")
    assert kpi.direction is Direction.DECREASE
    assert kpi.baseline is not None
    assert kpi.baseline.date == date(2026, 1, 1)
    assert catalog.kpi("customer-satisfaction").bands == Bands(on_track=0.9, at_risk=0.6)
    assert catalog.defaults.bands == Bands()
    assert str(catalog.zone) == "Europe/Amsterdam"
    assert catalog.week_start_index == 0
    assert catalog.goals[0].kpis == ("first-response-time", "customer-satisfaction")


def test_valid_catalog_has_no_problems_at_all() -> None:
    catalog, problems = check_catalog(VALID)

    assert catalog is not None
    assert problems == []


def test_helpers_find_kpis_by_id_and_team() -> None:
    catalog = load_catalog(VALID)

    assert [kpi.id for kpi in catalog.team_kpis("sales")] == ["monthly-revenue", "conversion-rate"]
    assert catalog.team_kpis("nobody") == ()
    with pytest.raises(KeyError):
        catalog.kpi("no-such-kpi")


def test_relative_source_paths_resolve_against_the_catalog_directory(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        space: KPI
        root_page: KPI handbook
        sources:
          sheet: {type: csv, path: demo/sales.csv}
          local: {type: sql, url: "sqlite:///demo/support.sqlite"}
          absolute: {type: csv, path: /data/sales.csv}
          server: {type: sql, url: "postgresql://kpi@db.example.org/kpi"}
        """,
    )

    sources = load_catalog(path).sources

    assert sources["sheet"] == CsvSourceConfig(type="csv", path=tmp_path / "demo" / "sales.csv")
    local = sources["local"]
    assert isinstance(local, SqlSourceConfig)
    assert local.url == f"sqlite:///{tmp_path}/demo/support.sqlite"
    assert sources["absolute"] == CsvSourceConfig(type="csv", path=Path("/data/sales.csv"))
    assert sources["server"] == SqlSourceConfig(
        type="sql", url="postgresql://kpi@db.example.org/kpi"
    )


@pytest.mark.parametrize(
    ("schedule", "interval"),
    [
        ("{every: 1s}", 1),
        ("{every: 30m}", 1800),
        ("{every: 1h}", 3600),
        ('{daily: "06:30"}', 86400),
    ],
)
def test_a_schedule_gives_the_longest_time_between_two_runs(
    tmp_path: Path, schedule: str, interval: int
) -> None:
    path = write(tmp_path, HEAD + f"schedule: {schedule}\n")

    assert load_catalog(path).schedule.interval.total_seconds() == interval


def test_a_catalog_without_a_schedule_is_synced_every_hour(tmp_path: Path) -> None:
    assert load_catalog(write(tmp_path, HEAD)).schedule.every == "1h"


@pytest.mark.parametrize(
    "schedule", ['{every: 1h, daily: "06:00"}', "{}", "{every: 0s}", "{every: 1w}", '{daily: "6"}']
)
def test_a_schedule_that_says_no_one_time_is_an_error_at_its_line(
    tmp_path: Path, schedule: str
) -> None:
    path = write(tmp_path, HEAD + f"schedule: {schedule}\n")

    assert [problem.line for problem in errors_in(path)] == [8]


def test_sunday_week_start_is_day_six_as_weekday_counts(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "week_start: sunday\n")

    assert load_catalog(path).week_start_index == 6


# --- problems in fields ----------------------------------------------------------------------


def test_unknown_direction_names_file_line_kpi_and_choices(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + KPI.replace("direction: decrease", "direction: down"))

    assert problems_in(path) == [
        f"{path}:12: kpis[0] 'first-response-time': direction must be one of increase, "
        "decrease, maintain_above, maintain_below, range (got 'down')"
    ]
    problem = errors_in(path)[0]
    assert (problem.line, problem.where, problem.field) == (
        12,
        "kpis[0] 'first-response-time'",
        "direction",
    )


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "    tagret: {value: 2}\n",
            "15: kpis[0] 'first-response-time': unknown field 'tagret' (did you mean 'target'?)",
        ),
        (
            "    target: {value: 2, uper: 3}\n",
            "15: kpis[0] 'first-response-time': target has "
            "unknown field 'uper' (did you mean 'upper'?)",
        ),
        ("    mood: happy\n", "15: kpis[0] 'first-response-time': unknown field 'mood'"),
    ],
    ids=["kpi-field", "nested-field", "nothing-close"],
)
def test_misspelled_field_is_unknown_with_a_suggestion(
    tmp_path: Path, extra: str, expected: str
) -> None:
    path = write(tmp_path, HEAD + KPI + extra)

    assert problems_in(path) == [f"{path}:{expected}"]


def test_misspelled_top_level_key_gets_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + KPI.replace("kpis:", "kpi:"))

    assert problems_in(path) == [f"{path}:8: unknown field 'kpi' (did you mean 'kpis'?)"]


def test_the_catalog_cannot_set_its_own_path(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "path: /etc/elsewhere.yaml\n")

    assert problems_in(path) == [f"{path}:8: path is not a catalog setting: remove it"]


def test_missing_required_fields_are_named_at_the_item_line(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "kpis:\n  - id: lonely\n    team: support\n")

    assert problems_in(path) == [
        f"{path}:9: kpis[0] 'lonely': name is required",
        f"{path}:9: kpis[0] 'lonely': direction is required",
    ]


def test_missing_top_level_fields_name_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "locale: en\n")

    assert problems_in(path) == [f"{path}: space is required", f"{path}: root_page is required"]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("    target: {value: abc}\n", "target.value must be a number (got 'abc')"),
        ("    target: {value: .nan}\n", "target.value must be a finite number (got nan)"),
        ("    baseline: {value: 1, date: soon}\n", "baseline.date must be a date like 2027-06-30"),
        ("    decimals: 1.5\n", "decimals must be a whole number (got 1.5)"),
        ("    grain: fortnight\n", "grain must be one of day, week, sprint, month, quarter, year"),
        ("    values: 7\n", "values must be a list (got 7)"),
        (
            "    bands: {on_track: 0.5, at_risk: 0.8}\n",
            "bands must have 0 < at_risk < on_track (got at_risk 0.8, on_track 0.5)",
        ),
        ("    limits: {min: 5, max: 5}\n", "limits must have min below max (got min 5, max 5)"),
    ],
    ids=["number", "nan", "date", "whole-number", "enum", "list", "bands", "limits"],
)
def test_wrong_values_are_said_in_plain_words(tmp_path: Path, extra: str, expected: str) -> None:
    path = write(tmp_path, HEAD + KPI + extra)

    [problem] = errors_in(path)

    assert problem.line == 15
    assert problem.message.startswith(expected)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("    target: {value: 2, date: 2027-02-30}\n", "target.date"),
        ("    baseline: {value: 5, date: 2026-13-01}\n", "baseline.date"),
        ("    milestones: [{value: 3, date: 2026-04-31 12:00:00}]\n", "milestones[0].date"),
    ],
    ids=["day", "month", "date-time"],
)
def test_an_impossible_date_is_an_error_with_file_line_item_and_field(
    tmp_path: Path, extra: str, field: str
) -> None:
    path = write(tmp_path, HEAD + KPI + extra)

    [problem] = errors_in(path)

    assert (problem.line, problem.where, problem.field) == (
        15,
        "kpis[0] 'first-response-time'",
        field,
    )
    assert problem.message.startswith(f"{field} must be a date that exists in the calendar")


def test_an_impossible_date_anywhere_is_reported_by_validate_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    goal = "goals:\n  - {id: g, team: support, title: G, deadline: 2027-02-29, kpis: [k]}\n"
    path = write(tmp_path, HEAD + goal)

    code = main(["validate", "--config", str(path)])

    out = capsys.readouterr().out
    assert code == 2
    assert (
        f"{path}:9: goals[0] 'g': deadline must be a date that exists in the calendar, "
        "like 2027-06-30 (got '2027-02-29')"
    ) in out.splitlines()


@pytest.mark.parametrize("decimals", [-1, 7])
def test_decimals_outside_0_to_6_are_refused(tmp_path: Path, decimals: int) -> None:
    path = write(tmp_path, HEAD + KPI + f"    decimals: {decimals}\n")

    [problem] = errors_in(path)

    assert (problem.line, problem.field) == (15, "decimals")
    assert problem.message.startswith("decimals must be at ")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ('    target: {value: "15.000"}\n', "target.value"),
        ('    target: {value: 1, upper: "15.000"}\n', "target.upper"),
        ('    baseline: {value: "15.000", date: 2026-01-01}\n', "baseline.value"),
        ('    milestones: [{value: "15.000", date: 2026-06-30}]\n', "milestones[0].value"),
        ('    values: [{date: 2026-01-01, value: "15.000"}]\n', "values[0].value"),
        ('    scale: "15.000"\n', "scale"),
        ('    bands: {on_track: "15.000", at_risk: 0.5}\n', "bands.on_track"),
        ('    decimals: "15.000"\n', "decimals"),
    ],
    ids=["target", "upper", "baseline", "milestone", "static", "scale", "bands", "decimals"],
)
def test_a_number_written_as_locale_formatted_text_is_refused_in_every_numeric_field(
    tmp_path: Path, extra: str, field: str
) -> None:
    path = write(tmp_path, HEAD.replace("space: KPI", "space: KPI\nlocale: nl", 1) + KPI + extra)

    messages = [problem.message for problem in errors_in(path) if problem.field == field]

    assert messages == [
        f"{field} '15.000' is text: write 15000 as a plain YAML number "
        "(no quotes, no thousands separators, a dot before decimals)"
    ]


@pytest.mark.parametrize(
    ("text", "plain"),
    [("1.234,5", "1234.5"), ("15,000", "15000"), ("1,234.5", "1234.5"), ("2,5", "2.5")],
)
def test_locale_formatted_text_gets_the_plain_number_to_write(
    tmp_path: Path, text: str, plain: str
) -> None:
    path = write(tmp_path, HEAD + KPI + f'    target: {{value: "{text}"}}\n')

    [problem] = errors_in(path)

    assert problem.message.startswith(f"target.value '{text}' is text: write {plain} as a plain")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            'max_team_kpis: "12"',
            "max_team_kpis '12' is text: write 12 as a YAML number, without quotes",
        ),
        ("max_team_kpis: yes", "max_team_kpis must be a number (got True)"),
        (
            "defaults: {bands: {on_track: 0.9, at_risk: true}}",
            "defaults.bands.at_risk must be a number (got True)",
        ),
    ],
    ids=["quoted", "yes", "true"],
)
def test_catalog_wide_numbers_are_yaml_numbers_too(
    tmp_path: Path, line: str, expected: str
) -> None:
    path = write(tmp_path, HEAD + line + "\n")

    assert problems_in(path) == [f"{path}:8: {expected}"]


def test_yaml_numbers_are_read_in_every_notation(tmp_path: Path) -> None:
    values = "    scale: 1e2\n    baseline: {value: 1_500, date: 2026-01-01}\n"
    path = write(tmp_path, HEAD + KPI + values + "    target: {value: 2.5e-1}\n")

    kpi = load_catalog(path).kpis[0]

    assert (kpi.scale, kpi.baseline and kpi.baseline.value) == (100.0, 1500.0)
    assert kpi.target is not None
    assert kpi.target.value == 0.25


def test_every_error_is_reported_at_once() -> None:
    path = FIXTURES / "many_mistakes.yaml"

    found = [(problem.line, problem.severity, problem.message) for problem in errors_in(path)]

    assert [line for line, _, _ in found] == [
        4,
        5,
        6,
        8,
        9,
        10,
        13,
        16,
        18,
        19,
        26,
        28,
        29,
        36,
        46,
        46,
        46,
    ]
    assert (
        9,
        "error",
        "type must be one of confluence_table, csv, excel, http, jira, prometheus, sql, static "
        "(got 'xls'): the built-in source types and those installed plugins add",
    ) in found
    assert (16, "error", "team 'suport' is not defined under teams (did you mean 'support'?)") in (
        found
    )
    assert (46, "error", "target is given twice (lines 45 and 46): keep one") in found


def test_load_catalog_raises_with_every_error_one_per_line() -> None:
    path = FIXTURES / "many_mistakes.yaml"

    with pytest.raises(CatalogError) as raised:
        load_catalog(path)

    lines = str(raised.value).splitlines()
    assert len(lines) == len(raised.value.problems) == 17
    assert lines[0] == f"{path}:4: locale must be one of en, nl (got 'fr')"
    assert not any("warning" in line for line in lines)


# --- problems across items -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kpis", "expected"),
    [
        (
            KPI + KPI.replace("kpis:\n", ""),
            "15: kpis[1] 'first-response-time': id 'first-response-time' is already the id of "
            "kpis[0] (line 9)",
        ),
        (
            KPI.replace("team: support", "team: suport"),
            "11: kpis[0] 'first-response-time': team 'suport' is not defined under teams "
            "(did you mean 'support'?)",
        ),
        (
            KPI.replace("source: db", "source: sheet"),
            "13: kpis[0] 'first-response-time': source 'sheet' is not defined under sources",
        ),
        (
            KPI.replace("    query: SELECT 1\n", ""),
            "9: kpis[0] 'first-response-time': query is required: source 'db' is sql",
        ),
        (
            KPI.replace("source: db", "source: manual").replace("    query: SELECT 1\n", ""),
            "9: kpis[0] 'first-response-time': values is required: source 'manual' is static, so "
            "the catalog lists the values ([{date: ..., value: ...}, ...])",
        ),
        (
            KPI + "    aggregation: ratio\n    numerator: won\n",
            "15: kpis[0] 'first-response-time': aggregation is ratio, so numerator and denominator "
            "(the columns to divide) are required",
        ),
        (
            KPI
            + "    baseline: {value: 5, date: 2026-06-01}\n"
            + "    target: {value: 2, date: 2026-01-01}\n",
            "16: kpis[0] 'first-response-time': target.date 2026-01-01 must be after the baseline "
            "date 2026-06-01",
        ),
        (
            KPI.replace("decrease", "range") + "    target: {value: 2}\n",
            "15: kpis[0] 'first-response-time': target.upper is required for direction range "
            "(target.value is the lower bound)",
        ),
        (
            KPI.replace("decrease", "range") + "    target: {value: 2, upper: 1}\n",
            "15: kpis[0] 'first-response-time': target.upper 1 must not be below target.value 2",
        ),
        (
            KPI.replace("first-response-time", "First_Response"),
            "9: kpis[0] 'First_Response': id 'First_Response' is not a slug: use lower-case "
            "letters, digits and hyphens, like 'first-response' (it becomes a page label)",
        ),
    ],
    ids=[
        "duplicate-id",
        "unknown-team",
        "unknown-source",
        "sql-without-query",
        "static-without-values",
        "ratio-without-columns",
        "target-before-baseline",
        "range-without-upper",
        "range-upside-down",
        "id-not-a-slug",
    ],
)
def test_cross_checks_name_the_item_and_field(tmp_path: Path, kpis: str, expected: str) -> None:
    path = write(tmp_path, HEAD + kpis)

    assert problems_in(path) == [f"{path}:{expected}"]


def test_two_static_values_on_one_date_are_refused(tmp_path: Path) -> None:
    static = KPI.replace("source: db\n    query: SELECT 1\n", "source: manual\n")
    values = (
        "    values:\n"
        "      - {date: 2026-10-01, value: 3}\n"
        "      - {date: 2026-11-01, value: 4}\n"
        "      - {date: 2026-10-01, value: 5}\n"
    )
    path = write(tmp_path, HEAD + static + values)

    assert problems_in(path) == [
        f"{path}:17: kpis[0] 'first-response-time': values[2].date 2026-10-01 already has a "
        "value in values[0] (line 15): give one value per date"
    ]


def test_goal_naming_an_unknown_kpi_gets_a_suggestion(tmp_path: Path) -> None:
    goal = """\
    goals:
      - id: fast-answers
        team: support
        title: Answer fast
        deadline: 2027-06-30
        kpis: [first-respons-time]
    """
    path = write(tmp_path, HEAD + KPI + textwrap.dedent(goal))

    assert problems_in(path) == [
        f"{path}:20: goals[0] 'fast-answers': kpis[0] 'first-respons-time' is not defined "
        "under kpis (did you mean 'first-response-time'?)"
    ]


def test_goals_that_are_not_smart_are_warnings_and_the_catalog_still_loads(
    tmp_path: Path,
) -> None:
    goals = """\
    goals:
      - id: someday
        team: support
        title: Be better
      - id: everything
        team: support
        title: Measure it all
        deadline: 2027-06-30
        kpis: [a, b, c, d, e, f]
    """
    many = "".join(KPI.replace("first-response-time", name)[6:] for name in "abcdef")
    path = write(tmp_path, HEAD + textwrap.dedent(goals) + "kpis:\n" + many)

    catalog, problems = check_catalog(path)

    assert catalog is not None
    assert [str(problem) for problem in problems] == [
        f"{path}:9: warning: goals[0] 'someday': has no deadline: a SMART goal is time-bound",
        f"{path}:9: warning: goals[0] 'someday': has no KPIs: a SMART goal is measurable",
        f"{path}:16: warning: goals[1] 'everything': kpis has no KPI with a target: a SMART "
        "goal is measurable",
        f"{path}:16: warning: goals[1] 'everything': kpis lists 6 KPIs: more than 5 blur a "
        "goal, keep the ones that decide it",
    ]
    load_catalog(path)  # warnings never stop loading


def test_sql_source_needs_one_of_url_and_url_env(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        space: KPI
        root_page: KPI handbook
        sources:
          none: {type: sql}
          both: {type: sql, url: "sqlite://", url_env: DB}
          odd: {type: sql, url_env: "not a name"}
          broken: {type: sql, url: "::nonsense::"}
        """,
    )

    assert problems_in(path) == [
        f"{path}:4: sources 'none': needs exactly one of url and url_env",
        f"{path}:5: sources 'both': needs exactly one of url and url_env",
        f"{path}:6: sources 'odd': url_env must be an environment variable name like "
        "KPI_DB_URL, not a value",
        f"{path}:7: sources 'broken': url must be a database URL like postgresql://host/db or "
        "sqlite:///demo/data.sqlite",
    ]


def test_password_in_a_catalog_url_is_a_warning_that_never_quotes_it(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        space: KPI
        root_page: KPI handbook
        sources:
          db: {type: sql, url: "postgresql://kpi:hunter2@db.example.org/kpi"}
        """,
    )

    catalog, problems = check_catalog(path)

    assert catalog is not None
    assert [str(problem) for problem in problems] == [
        f"{path}:4: warning: sources 'db': url holds a password: put the URL in an environment "
        "variable and name it in url_env"
    ]


def test_missing_data_files_are_warnings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        space: KPI
        root_page: KPI handbook
        sources:
          sheet: {type: csv, path: later.csv}
          local: {type: sql, url: "sqlite:///later.sqlite"}
        """,
    )

    assert problems_in(path) == [
        f"{path}:4: warning: sources 'sheet': path {tmp_path}/later.csv does not exist (yet)",
        f"{path}:5: warning: sources 'local': url {tmp_path}/later.sqlite does not exist (yet)",
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "{type: xls}",
            "type must be one of confluence_table, csv, excel, http, jira, prometheus, sql, "
            "static (got 'xls')",
        ),
        ("{path: a.csv}", "type is required"),
        ("{type: csv, path: a.csv, delimiter: ';;'}", "delimiter must be one character"),
        ("{type: csv, path: a.csv, encoding: utf-9}", "encoding must be a text encoding"),
        ("{type: csv, path: a.csv, decimal: ';'}", "decimal must be one of ., ,"),
        ("{type: confluence_table, space: OPS}", "needs page_id, or space and title"),
        ("{type: confluence_table, page_id: 7, title: T}", "needs page_id, or space and title"),
        ("{type: confluence_table, page_id: 7/8}", "page_id must be the page's number"),
        ("{type: confluence_table, page_id: 7, table: 0}", "table must name a cell of the"),
    ],
    ids=[
        "unknown-type",
        "no-type",
        "delimiter",
        "encoding",
        "decimal",
        "page-without-title",
        "page-twice",
        "page-id",
        "table",
    ],
)
def test_bad_source_options_are_explained(tmp_path: Path, source: str, expected: str) -> None:
    path = write(tmp_path, f"space: KPI\nroot_page: R\nsources:\n  sheet: {source}\n")

    [problem] = errors_in(path)

    assert (problem.line, problem.where) == (4, "sources 'sheet'")
    assert problem.message.startswith(expected)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "timezone: Mars/Base",
            "timezone must be a time zone name like Europe/Amsterdam or UTC (got 'Mars/Base')",
        ),
        ("week_start: friday", "week_start must be one of monday, sunday (got 'friday')"),
    ],
    ids=["timezone", "week-start"],
)
def test_catalog_wide_settings_are_checked(tmp_path: Path, line: str, expected: str) -> None:
    path = write(tmp_path, HEAD + line + "\n")

    assert problems_in(path) == [f"{path}:8: {expected}"]


# --- files that are no catalog ---------------------------------------------------------------


def test_yaml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "space: KPI\nkpis: [a, b\nteams: {}\n")

    assert problems_in(path) == [
        f"{path}:3: is not valid YAML at column 6: while parsing a flow sequence, "
        "expected ',' or ']', but got ':'"
    ]


def test_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    path = write(tmp_path, "\n".join(levels) + "\n")
    started = time.monotonic()

    problems = problems_in(path)

    assert time.monotonic() - started < 2
    assert problems == [
        f"{path}:2: is not valid YAML at column 10: aliases (*name) are not allowed in a "
        "catalog: write the value out"
    ]


def test_duplicate_keys_are_reported_not_silently_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + KPI + "    query: SELECT 2\n")

    assert problems_in(path) == [
        f"{path}:15: kpis[0] 'first-response-time': query is given twice (lines 14 and 15): "
        "keep one"
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", ":1: is empty: a catalog needs at least space, root_page, teams and kpis"),
        (b"# only a comment\n", ":1: is empty: a catalog needs at least space, root_page, teams"),
        (
            b"- space: KPI\n",
            ":1: must be a mapping of `name: value` lines (space:, teams:, kpis:, ...), not a list",
        ),
        (b"just words\n", ":1: must be a mapping of `name: value` lines"),
        (b"space: KPI\n\xff\xfe\x00junk", ":2: is not UTF-8 text (byte 0xff): save it as UTF-8"),
        (b"space: K\x01PI\n", ":1: holds a control character (#x0001) that YAML does not allow"),
        (b"a: 1\n---\nb: 2\n", ":2: is not valid YAML at column 1: expected a single document"),
        (
            b"a: !!python/object/apply:os.system [ls]\n",
            ":1: is not valid YAML at column 4: could not determine a constructor",
        ),
        (b"[" * 5000 + b"]" * 5000, ": nests lists or mappings too deeply to be a catalog"),
    ],
    ids=[
        "empty",
        "comment",
        "list",
        "scalar",
        "binary",
        "control",
        "two-documents",
        "python-tag",
        "deep",
    ],
)
def test_bad_files_give_one_clear_problem(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_bytes(content)

    [problem] = problems_in(path)

    assert problem.startswith(f"{path}{expected}")


def test_missing_file_and_directory_are_said_plainly(tmp_path: Path) -> None:
    assert problems_in(tmp_path / "nope.yaml") == [
        f"{tmp_path / 'nope.yaml'}: does not exist: name the catalog with --config FILE or the "
        "KPI_CONFIG setting (default config/catalog.yaml), or write a starter one with "
        "`confluence-kpi init`"
    ]
    assert problems_in(tmp_path) == [f"{tmp_path}: is a directory, not a catalog file"]


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))

    assert problems_in(path) == [f"{path}: is 5.2 MB: a catalog is at most 5 MB"]


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(st.binary(max_size=300), st.text(alphabet=":-[]{}&*!|>'\"#%@ \nab01.", max_size=120))
)
def test_no_input_gives_a_traceback(content: bytes | str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "catalog.yaml"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())

        catalog, problems = check_catalog(path)

    assert catalog is None or not any(problem.severity == "error" for problem in problems)
    assert all(str(problem).startswith(str(path)) for problem in problems)


# --- the validate command --------------------------------------------------------------------


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No Confluence variables, no `.env`, an empty secrets directory: a fresh machine."""
    for name in (
        "CONFLUENCE_URL",
        "CONFLUENCE_USERNAME",
        "CONFLUENCE_API_TOKEN",
        "CONFLUENCE_PAT",
        "CONFLUENCE_SPACE",
        "KPI_CONFIG",
        "SUPPORT_DB_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    monkeypatch.setenv("CONFLUENCE_KPI_SECRETS_DIR", str(secrets))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_validate_reports_ok_with_counts_and_exits_0(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CONFLUENCE_URL", "https://wiki.example.org")
    monkeypatch.setenv("CONFLUENCE_PAT", "token")
    monkeypatch.setenv("SUPPORT_DB_URL", "sqlite://")  # in memory

    code = main(["validate", "--config", str(VALID)])

    assert code == 0
    assert capsys.readouterr().out == "catalog OK: 4 KPIs, 2 goals, 2 teams\n"


def test_validate_without_a_wiki_only_warns(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", "--config", str(VALID)])

    assert code == 0
    assert capsys.readouterr().out.splitlines() == [
        "settings: warning: CONFLUENCE_URL is not set (sync needs it)",
        "sources: warning: support_db: environment variable SUPPORT_DB_URL is not set",
        "catalog OK: 4 KPIs, 2 goals, 2 teams, 2 warnings",
    ]


def test_validate_prints_every_problem_and_exits_2(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = FIXTURES / "many_mistakes.yaml"

    code = main(["validate", "--config", str(path)])

    lines = capsys.readouterr().out.splitlines()
    assert code == 2
    assert (
        f"{path}:26: kpis[0] 'first-response-time': direction must be one of increase, "
        "decrease, maintain_above, maintain_below, range (got 'down')" in lines
    )
    assert lines[-1] == "17 errors, 4 warnings"


def test_validate_finds_the_catalog_through_kpi_config(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KPI_CONFIG", str(FIXTURES / "many_mistakes.yaml"))

    assert main(["validate"]) == 2
    assert capsys.readouterr().out.splitlines()[-1] == "17 errors, 4 warnings"


def test_validate_reports_settings_errors_and_still_checks_the_catalog(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CONFLUENCE_URL", "ftp://x")
    monkeypatch.setenv("CONFLUENCE_PAT", "sec ret")
    monkeypatch.setenv("KPI_CONFIG", str(VALID))

    code = main(["validate"])

    out = capsys.readouterr().out
    assert code == 2
    assert out.splitlines() == [
        "settings: CONFLUENCE_URL must start with http:// or https://, got 'ftp://x'",
        "settings: CONFLUENCE_PAT must be one line without spaces (check where it was copied from)",
        "sources: warning: support_db: environment variable SUPPORT_DB_URL is not set",
        "2 errors, 1 warning",
    ]
    assert "sec ret" not in out


def test_validate_runs_as_a_command(clean_env: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "confluence_kpi", "validate", "--config", "missing.yaml"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 2
    *_, missing, counts = result.stdout.splitlines()
    assert missing.startswith("missing.yaml: does not exist: name the catalog with --config")
    assert counts == "1 error, 1 warning"
    assert result.stderr == ""


DERIVED_KPIS = """\
kpis:
  - {id: revenue, name: Revenue, team: support, direction: increase, source: manual,
     values: [{date: 2026-01-01, value: 1}], target: {value: 2}}
  - {id: per-customer, name: Per customer, team: support, direction: increase,
     formula: "revenue / visitors", target: {value: 2}}
  - {id: loop-a, name: A, team: support, direction: increase, formula: loop_b * 2}
  - {id: loop-b, name: B, team: support, direction: increase, formula: loop_a + 1}
  - {id: weekly, name: Weekly, team: support, direction: increase, grain: week,
     formula: revenue + 1}
  - {id: unsafe, name: Unsafe, team: support, direction: increase, formula: "revenue ** 2"}
  - {id: both, name: Both, team: support, direction: increase, source: manual,
     formula: revenue}
"""


def test_formulas_are_checked_for_unknown_names_cycles_grains_and_syntax(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + DERIVED_KPIS)

    messages = [problem.message for problem in errors_in(path)]

    assert messages == [
        "formula names 'visitors', which is not a KPI (write a KPI id with _ for -, as in "
        "cash_flow)",
        "formula formulas depend on each other in a loop: loop-a -> loop-b -> loop-a",
        "formula uses 'revenue', whose grain is month: a formula combines KPIs of its own grain "
        "(week)",
        "formula may only use numbers, KPI ids, + - * / and brackets, not 'revenue ** 2' at "
        "column 1",
        "needs exactly one of source (measured) and formula (derived)",
    ]


def test_milestones_must_be_dated_in_order_and_before_the_target(tmp_path: Path) -> None:
    kpis = """\
    kpis:
      - id: revenue
        name: Revenue
        team: support
        direction: increase
        source: manual
        values: [{date: 2026-01-01, value: 1}]
        baseline: {value: 1, date: 2026-01-01}
        milestones:
          - {value: 2, date: 2026-06-30}
          - {value: 3, date: 2026-03-31}
          - {value: 4}
          - {value: 5, date: 2027-12-31}
        target: {value: 6, date: 2027-06-30}
    """
    path = write(tmp_path, HEAD + textwrap.dedent(kpis))

    assert [problem.message for problem in errors_in(path)] == [
        "milestones[1].date 2026-03-31 must be after 2026-06-30",
        "milestones[2].date is required: a milestone is a target with a date",
        "milestones[3].date 2027-12-31 must be before the target's date",
    ]


@pytest.mark.parametrize(
    ("direction", "targets", "expected"),
    [
        (
            "increase",
            "    target: {value: 4, date: 2027-06-30}\n",
            [
                "target.value 4 is below the baseline 5: with direction increase, the baseline, "
                "the milestones and the target must not go down in that order"
            ],
        ),
        (
            "decrease",
            "    target: {value: 6, date: 2027-06-30}\n",
            [
                "target.value 6 is above the baseline 5: with direction decrease, the baseline, "
                "the milestones and the target must not go up in that order"
            ],
        ),
        (
            "decrease",
            "    milestones: [{value: 4, date: 2026-06-30}, {value: 4.5, date: 2026-12-31}]\n"
            "    target: {value: 2, date: 2027-06-30}\n",
            [
                "milestones[1].value 4.5 is above milestones[0].value 4: with direction decrease, "
                "the baseline, the milestones and the target must not go up in that order"
            ],
        ),
        (
            "increase",
            "    milestones: [{value: 9, date: 2026-06-30}]\n"
            "    target: {value: 8, date: 2027-06-30}\n",
            [
                "target.value 8 is below milestones[0].value 9: with direction increase, the "
                "baseline, the milestones and the target must not go down in that order"
            ],
        ),
        (
            "increase",
            "    milestones: [{value: 5, date: 2026-06-30}, {value: 5, date: 2026-12-31}]\n"
            "    target: {value: 8, date: 2027-06-30}\n",
            [],
        ),
    ],
    ids=["below-baseline", "above-baseline", "milestone-back", "past-the-target", "plateau"],
)
def test_targets_must_follow_the_direction_from_the_baseline(
    tmp_path: Path, direction: str, targets: str, expected: list[str]
) -> None:
    kpi = KPI.replace("decrease", direction) + "    baseline: {value: 5, date: 2026-01-01}\n"
    path = write(tmp_path, HEAD + kpi + targets)

    assert [problem.message for problem in errors_in(path)] == expected
    assert all(p.where == "kpis[0] 'first-response-time'" for p in errors_in(path))


def test_a_team_with_more_kpis_than_the_limit_is_a_warning(tmp_path: Path) -> None:
    many = "".join(KPI.replace("first-response-time", name)[6:] for name in "abc")
    path = write(tmp_path, HEAD + "max_team_kpis: 2\n" + "kpis:\n" + many)

    catalog, problems = check_catalog(path)

    assert catalog is not None
    assert [(p.severity, p.where, p.message) for p in problems] == [
        (
            "warning",
            "teams 'support'",
            "has 3 KPIs, more than max_team_kpis (2): too many KPIs and none gets attention",
        )
    ]


def test_sprint_grain_needs_the_column_naming_each_rows_sprint(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + KPI + "    grain: sprint\n")
    assert [p.message for p in errors_in(path)] == [
        "period_column is required: the sprint grain needs the column with each row's sprint start"
    ]
    fixed = write(tmp_path, HEAD + KPI + "    grain: sprint\n    period_column: sprint_start\n")
    assert errors_in(fixed) == []


def test_sprint_grain_needs_rows_from_a_csv_or_sql_source(tmp_path: Path) -> None:
    static = KPI.replace("source: db\n    query: SELECT 1\n", "source: manual\n")
    path = write(
        tmp_path,
        HEAD + static + "    grain: sprint\n    values: [{date: 2026-01-05, value: 30}]\n",
    )
    assert [p.field for p in errors_in(path)] == ["grain"]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "    limits: {max: 8}\n    target: {value: 2, date: 2027-01-01}\n"
            "    milestones: [{value: 9, date: 2026-06-30}]\n",
            "milestones[0].value 9 is outside the KPI's limits (8 or less)",
        ),
        (
            '    unit: "%"\n    limits: {min: 0}\n    baseline: {value: -1, date: 2026-01-01}\n',
            "baseline.value -1 is outside the KPI's limits (0 % or more)",
        ),
    ],
    ids=["milestone", "baseline"],
)
def test_a_target_or_baseline_outside_the_kpis_own_limits_is_an_error(
    tmp_path: Path, extra: str, expected: str
) -> None:
    path = write(tmp_path, HEAD + KPI + extra)
    assert [p.message for p in errors_in(path)] == [expected]


def test_period_column_without_sprint_grain_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + KPI + "    period_column: sprint_start\n")
    assert [p.message for p in errors_in(path)] == ["period_column is only used with grain: sprint"]


def test_templates_directory_is_taken_from_the_catalogs_directory(tmp_path: Path) -> None:
    (tmp_path / "brand").mkdir()
    path = write(tmp_path, HEAD + "templates: brand\n")

    assert load_catalog(path).templates == tmp_path / "brand"


def test_a_template_error_is_a_catalog_problem_naming_the_template_and_its_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "root.xml.j2").write_text("<p>{{ teams }}</p>\n{% if %}\n")
    path = write(tmp_path, HEAD + "templates: brand\n")

    _, problems = check_catalog(path)

    assert [str(problem) for problem in problems] == [
        f"{path}:8: templates has an error: {tmp_path / 'brand' / 'root.xml.j2'}:2: "
        "Expected an expression, got 'end of statement block'"
    ]


def test_a_missing_templates_directory_is_a_catalog_problem(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "templates: brand\n")

    _, problems = check_catalog(path)

    assert [problem.message for problem in problems] == [
        f"templates has an error: {tmp_path / 'brand'}: no such directory"
    ]
