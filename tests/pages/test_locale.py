"""Locales: Dutch pages in Dutch with Dutch numbers; both string files complete."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from confluence_kpi.evaluate import note
from confluence_kpi.model import Change, Grain, NoteCode, Period
from confluence_kpi.pages import render_kpi_page
from confluence_kpi.pages.markup import Formatter
from confluence_kpi.pages.strings import load_strings
from confluence_kpi.shipped import TEMPLATE_DIR

from .factories import (
    TEAM,
    details_cell,
    find,
    macros,
    make_context,
    make_evaluation,
    make_goal,
    make_kpi,
    parse,
    text,
    values,
)


def keys(node: Any, prefix: str = "") -> set[str]:
    """Every dotted key of a nested mapping."""
    if not isinstance(node, dict):
        return {prefix}
    return {key for name, child in node.items() for key in keys(child, f"{prefix}.{name}")}


def test_every_locale_has_every_string() -> None:
    files = sorted((TEMPLATE_DIR / "strings").glob("*.yaml"))
    assert [path.stem for path in files] == ["en", "nl"]
    english, dutch = (yaml.safe_load(path.read_text(encoding="utf-8")) for path in files)
    assert keys(dutch) == keys(english)
    assert len(dutch["months"]) == len(english["months"]) == 12


def test_dutch_page_uses_dutch_strings_and_number_format() -> None:
    kpi = make_kpi(unit="EUR", decimals=1, name="Kosten per ticket")
    ev = make_evaluation(change=Change(absolute=-1234.5, relative=-0.25, good=True))
    page = parse(render_kpi_page(kpi, ev, TEAM, [make_goal()], make_context("nl")))
    headings = [text(h2) for h2 in find(page, "/page/h2")]
    assert headings == [
        "Wat deze KPI meet", "SMART-doel", "Definitie", "Verloop", "Notities", "Acties"
    ]  # fmt: skip
    assert text(details_cell(page, "Huidige waarde")) == (
        "3,6 EUR tot nu toe in week 3 2027, stand 20 januari 2027"
    )
    assert text(details_cell(page, "Trend")) == "▼ −1.234,5 EUR (−25,0 %)"
    assert text(details_cell(page, "Streefwaarde")) == "2,0 EUR uiterlijk "
    assert text(details_cell(page, "Nulmeting")) == "5,5 EUR op 1 januari 2026"
    assert text(details_cell(page, "Richting")) == "Lager is beter"
    # The chart reads machine numbers whatever the page's language.
    [chart] = macros(page, "chart")
    assert values(chart, ".//table[1]//tr[td][1]/td[2]/p/text()") == ["3.9"]


@pytest.mark.parametrize(
    ("locale", "amount", "shown"),
    [
        ("en", 1381435.0, "€1,381,435"),
        ("nl", 1381435.0, "€ 1.381.435"),
        ("en", -25.0, "−€25"),
        ("nl", -25.0, "€ −25"),
    ],
)
def test_currency_is_written_as_the_language_writes_it(
    locale: str, amount: float, shown: str
) -> None:
    kpi = make_kpi(unit="€", decimals=0)
    formatter = Formatter(load_strings(locale), ZoneInfo("Europe/Amsterdam"), "KPI")
    assert formatter.quantity(amount, kpi) == shown


@pytest.mark.parametrize(
    ("grain", "start", "en", "nl"),
    [
        (Grain.DAY, date(2026, 11, 27), "27 November 2026", "27 november 2026"),
        (Grain.WEEK, date(2026, 11, 23), "week 48, 2026", "week 48 2026"),
        (Grain.MONTH, date(2026, 11, 1), "November 2026", "november 2026"),
        (Grain.QUARTER, date(2026, 7, 1), "Q3 2026", "3e kwartaal 2026"),
        (Grain.YEAR, date(2026, 1, 1), "2026", "2026"),
    ],
)
def test_periods_are_named_in_words(grain: Grain, start: date, en: str, nl: str) -> None:
    period = Period(start, start, "")
    for locale, name in (("en", en), ("nl", nl)):
        formatter = Formatter(load_strings(locale), ZoneInfo("Europe/Amsterdam"), "KPI")
        assert formatter.period_name(period, grain) == name


def test_unknown_locale_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown page locale 'fr'; known: en, nl"):
        load_strings("fr")


def test_notes_and_non_iso_week_labels_are_worded_in_the_page_language() -> None:
    sunday_week = Period(date(2027, 1, 17), date(2027, 1, 24), "week of 2027-01-17")
    ev = make_evaluation(notes=(note(NoteCode.FAR_AHEAD, date="2027-01-20", count="1"),))
    assert ev.current is not None
    ev = replace(ev, current=replace(ev.current, period=sunday_week))
    page = parse(render_kpi_page(make_kpi(), ev, TEAM, [make_goal()], make_context(locale="nl")))
    [remarks] = macros(page, "note")
    assert values(remarks, ".//li/text()") == [
        "1 meting(en) met datum 20 januari 2027 of later liggen meer dan een periode na deze "
        "beoordeling en zijn weggelaten: is er in de bron een datum verkeerd getypt?"
    ]
    assert "week van 17 januari 2027" in text(details_cell(page, "Huidige waarde"))
