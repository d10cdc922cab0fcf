"""A catalog's own templates directory: its files override the shipped ones file by file, its
strings files override single texts, and every mistake in it is named by file and line."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from confluence_kpi.model import GoalEvaluation, ManualRow, Status
from confluence_kpi.pages import render_goal_page, render_kpi_page
from confluence_kpi.pages.parse import KpiPageFields, parse_goal_page, parse_kpi_page
from confluence_kpi.pages.render import kpi_title, render_retired_panel
from confluence_kpi.pages.strings import TemplatesError, is_read_back, load_strings
from confluence_kpi.pages.templates import template_problems
from confluence_kpi.shipped import TEMPLATE_DIR

from .factories import TEAM, make_context, make_evaluation, make_goal, make_kpi


def brand(tmp_path: Path, files: Mapping[str, str]) -> Path:
    """A templates directory holding `files` (name relative to it: text)."""
    directory = tmp_path / "brand"
    for name, text in files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def kpi_page(
    templates: Path | None = None,
    locale: str = "en",
    rows: tuple[ManualRow, ...] = (),
    **kpi: object,
) -> str:
    ctx = make_context(locale, templates=templates)
    return render_kpi_page(make_kpi(**kpi), make_evaluation(), TEAM, [make_goal()], ctx, (), rows)


def goal_page(templates: Path | None = None, locale: str = "en") -> str:
    gev = GoalEvaluation("fast-answers", Status.ON_TRACK, 0.5, (make_evaluation(),))
    kpis = {"first-response-time": make_kpi()}
    ctx = make_context(locale, templates=templates)
    return render_goal_page(make_goal(), gev, kpis, TEAM, ctx)


def test_the_shipped_templates_pass_the_check_as_a_catalogs_own(tmp_path: Path) -> None:
    copy = shutil.copytree(TEMPLATE_DIR, tmp_path / "copy", ignore=shutil.ignore_patterns("*.py"))

    assert template_problems(copy) == []


def test_a_template_overrides_its_shipped_file_and_may_include_the_original(
    tmp_path: Path,
) -> None:
    templates = brand(
        tmp_path, {"kpi.xml.j2": '{% include "shipped/kpi.xml.j2" %}\n<p>ACME KPI handbook</p>\n'}
    )

    branded = kpi_page(templates)

    assert branded == kpi_page() + "<p>ACME KPI handbook</p>"
    assert goal_page(templates) == goal_page()  # no goal template of its own: the shipped one


def test_a_strings_file_overrides_single_texts_and_keeps_the_rest(tmp_path: Path) -> None:
    templates = brand(
        tmp_path,
        {"strings/en.yaml": 'title:\n  kpi: "ACME metric: {name}"\nretired:\n  title: Archived\n'},
    )

    assert kpi_title(make_kpi(), "en", templates) == "ACME metric: First response time"
    assert kpi_title(make_kpi(), "nl", templates) == kpi_title(make_kpi(), "nl")
    assert "Archived" in render_retired_panel("en", templates)
    assert load_strings("en", templates).text("status.on_track") == "On track"


def test_a_syntax_error_names_the_template_file_and_line(tmp_path: Path) -> None:
    templates = brand(tmp_path, {"team.xml.j2": "<p>{{ team.name }}</p>\n<p>{{ team.name }</p>\n"})

    assert template_problems(templates) == [f"{templates / 'team.xml.j2'}:2: unexpected '}}'"]


def test_a_name_the_page_is_not_rendered_with_names_the_file_and_line(tmp_path: Path) -> None:
    templates = brand(
        tmp_path, {"goal.xml.j2": "<h1>{{ goal.title }}</h1>\n\n<p>{{ kpi.name }}</p>\n"}
    )

    assert template_problems(templates) == [f"{templates / 'goal.xml.j2'}:3: 'kpi' is undefined"]


def test_a_value_missing_at_render_time_is_a_templates_error_naming_file_and_line(
    tmp_path: Path,
) -> None:
    templates = brand(tmp_path, {"kpi.xml.j2": "<p>{{ kpi.name }}</p>\n<p>{{ kpi.slogan }}</p>\n"})

    with pytest.raises(TemplatesError) as raised:
        kpi_page(templates)

    assert raised.value.problems == [
        f"{templates / 'kpi.xml.j2'}:2: 'confluence_kpi.model.definitions.KpiDefinition object' "
        "has no attribute 'slogan'"
    ]


def test_strings_that_cannot_be_used_are_named_by_file_and_line(tmp_path: Path) -> None:
    templates = brand(
        tmp_path,
        {
            "strings/en.yaml": (
                "title:\n"
                '  kpi: "ACME: {name}"\n'
                "  kpii: typo\n"
                "field:\n"
                "  target: Goal value\n"
                "short_months: [J, F]\n"
                "status: On track\n"
            ),
            "strings/fr.yaml": "title: {}\n",
        },
    )
    en = templates / "strings" / "en.yaml"

    assert template_problems(templates) == [
        f"{en}:3: title.kpii is not a text of the shipped strings",
        f"{en}:4: field cannot be changed: the bot reads it back from pages, "
        "which must be readable in either language",
        f"{en}:6: short_months must list 12 texts",
        f"{en}:7: status must be a mapping",
        f"{templates / 'strings' / 'fr.yaml'}: no page language is called 'fr': "
        "the strings files are en.yaml and nl.yaml",
    ]
    with pytest.raises(TemplatesError):
        load_strings("en", templates)


def _changed(texts: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Every text the bot does not read back, changed ("·" added)."""
    changed: dict[str, Any] = {}
    for key, value in texts.items():
        path = prefix + key
        if is_read_back(path):
            continue
        if isinstance(value, Mapping):
            changed[key] = _changed(value, path + ".")
        elif isinstance(value, list):
            changed[key] = [f"{item}·" for item in value]
        else:
            changed[key] = f"{value} ·"
    return changed


@pytest.mark.parametrize("locale", ["en", "nl"])
def test_changing_every_text_not_read_back_leaves_what_pages_read_back_unchanged(
    tmp_path: Path, locale: str
) -> None:
    strings = yaml.safe_dump(_changed(load_strings(locale).texts), allow_unicode=True)
    templates = brand(tmp_path, {f"strings/{locale}.yaml": strings})
    rows = (ManualRow("2027-W02", "3.1", "typed"), ManualRow("wk 3 2027", "3,6", ""))

    def read(page: str) -> KpiPageFields:
        return parse_kpi_page(page, locale=locale, unit="h")

    measured, branded_measured = kpi_page(None, locale), kpi_page(templates, locale)
    manual = kpi_page(None, locale, rows, source="page")
    branded_manual = kpi_page(templates, locale, rows, source="page")

    assert branded_measured != measured
    # Only a manual KPI's history is read back: it holds what people typed.
    assert replace(read(branded_measured), history_rows=()) == replace(
        read(measured), history_rows=()
    )
    assert read(branded_manual) == read(manual)
    assert parse_goal_page(goal_page(templates, locale), locale=locale) == parse_goal_page(
        goal_page(None, locale), locale=locale
    )
