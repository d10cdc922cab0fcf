"""Reading KPI and goal pages back: the corpus of stored variants, round trips, typed values."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from confluence_kpi.model import Baseline, Direction, Goal, GoalEvaluation, Grain, Status, Target
from confluence_kpi.pages import render_goal_page, render_kpi_page
from confluence_kpi.pages.markup import Formatter, clean_text
from confluence_kpi.pages.parse import (
    SMART_KEYS,
    GoalPageFields,
    KpiPageFields,
    Owner,
    Unreadable,
    parse_goal_page,
    parse_kpi_page,
)
from confluence_kpi.pages.strings import load_strings
from confluence_kpi.pages.values import normalise, parse_date, parse_number

from .factories import TEAM, make_context, make_evaluation, make_goal, make_kpi

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
VARIANTS = sorted(path.name.removesuffix(".xml") for path in CORPUS.glob("*.xml"))
PLACEHOLDERS = {"not set", "niet ingesteld", "—", "no description yet.", "nog geen beschrijving."}
PLACEHOLDERS |= {"not written yet", "nog niet ingevuld"}


def as_json(fields: KpiPageFields | GoalPageFields) -> dict[str, Any]:
    """Parsed fields in the shape of a corpus `.expected.json` file."""
    data: dict[str, Any] = json.loads(json.dumps(asdict(fields), default=str))
    data["found"] = sorted(fields.found)
    return data


def kpi_page(locale: str = "en", goals: tuple[Goal, ...] = (), **changes: object) -> str:
    kpi = make_kpi(**changes)
    return render_kpi_page(kpi, make_evaluation(), TEAM, goals, make_context(locale))


def goal_page(goal: Goal, locale: str = "en") -> str:
    kpi = make_kpi()
    gev = GoalEvaluation(goal.id, Status.ON_TRACK, 0.5, (make_evaluation(),))
    return render_goal_page(goal, gev, {kpi.id: kpi}, TEAM, make_context(locale))


# --- The corpus -------------------------------------------------------------------------------


def test_corpus_covers_kpi_and_goal_pages_in_both_locales() -> None:
    kinds = {
        (expected["page"], expected["locale"])
        for expected in (json.loads(p.read_text()) for p in CORPUS.glob("*.expected.json"))
    }
    assert kinds == {("kpi", "en"), ("kpi", "nl"), ("goal", "en"), ("goal", "nl")}
    assert len(VARIANTS) == len(list(CORPUS.glob("*.expected.json")))


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_corpus_variant_reads_as_expected(variant: str) -> None:
    storage = (CORPUS / f"{variant}.xml").read_text(encoding="utf-8")
    expected = json.loads((CORPUS / f"{variant}.expected.json").read_text(encoding="utf-8"))
    if expected["page"] == "kpi":
        fields: KpiPageFields | GoalPageFields = parse_kpi_page(
            storage, locale=expected["locale"], unit=expected["unit"]
        )
    else:
        fields = parse_goal_page(storage, locale=expected["locale"])
    assert as_json(fields) == expected["fields"]


# --- Behaviour --------------------------------------------------------------------------------


def read_kpi(name: str, *, locale: str = "en", unit: str = "h") -> KpiPageFields:
    return parse_kpi_page((CORPUS / f"{name}.xml").read_text(), locale=locale, unit=unit)


def test_owner_mention_with_account_id_is_read() -> None:
    owner = read_kpi("kpi_en_owner_mention_account_id").owner
    assert owner == Owner("", account_id="5b10ac8d82e05b22cc7d4ef5")


def test_owner_mention_with_user_key_keeps_the_text_beside_it() -> None:
    owner = read_kpi("kpi_en_owner_mention_userkey").owner
    assert owner == Owner("(acting)", user_key="8a7f808a6d5e1d5c016d5e1e2b3c0000")


def test_dutch_number_with_thousands_dot_is_read() -> None:
    fields = read_kpi("kpi_nl_typed_numbers_and_dates", locale="nl")
    assert (fields.target_value, fields.target_date) == (1234.5, date(2027, 6, 30))


def test_target_typed_as_soon_is_unreadable_not_an_error() -> None:
    fields = read_kpi("kpi_en_target_soon")
    assert fields.target_value is None
    assert fields.unreadable == (Unreadable("target", "soon", "'soon' is not a number in h"),)
    assert "target" in fields.found  # the row is there: the merge keeps the last valid value


def test_reordered_rows_are_read_by_header() -> None:
    assert read_kpi("kpi_en_reordered_rows_and_extra_row") == read_kpi("kpi_en_as_rendered")


def test_row_added_by_a_person_is_ignored_and_reported_nowhere() -> None:
    fields = read_kpi("kpi_en_reordered_rows_and_extra_row")
    assert fields.unreadable == ()
    assert "Piet" not in repr(fields)


def test_number_with_the_wrong_unit_is_unreadable_not_converted() -> None:
    fields = read_kpi("kpi_en_target_wrong_unit")
    assert fields.target_value is None
    assert [u.field for u in fields.unreadable] == ["target"]


def test_target_date_that_is_no_date_keeps_the_readable_value() -> None:
    fields = read_kpi("kpi_en_target_date_next_spring")
    assert (fields.target_value, fields.target_date) == (2.0, None)
    assert [u.field for u in fields.unreadable] == ["target_date"]


def test_editor_artefacts_change_nothing_that_is_read() -> None:
    rendered = read_kpi("kpi_en_as_rendered")
    for variant in ("cloud_editor_ids", "dc_editor_wrappers", "no_tbody_no_p_td_headers"):
        assert read_kpi(f"kpi_en_{variant}") == rendered, variant


def test_history_row_added_by_a_person_is_read_with_its_comment() -> None:
    rows = read_kpi("kpi_en_manual_history_added_by_person", unit="").history_rows
    assert (rows[0].period, rows[0].value) == ("2027 Q1", "7.8")
    assert rows[0].comment == "Survey wave 1, 212 answers"


def test_removed_row_is_not_found_while_not_set_is_found() -> None:
    page = kpi_page(owner=None)
    removed = page.replace("<tr><th><p>Owner</p></th><td><p>not set</p></td></tr>", "")
    assert parse_kpi_page(page, locale="en", unit="h").found >= {"owner"}
    assert "owner" not in parse_kpi_page(removed, locale="en", unit="h").found


def test_goal_heading_keys_the_smart_texts_on_a_kpi_page() -> None:
    goal = make_goal(specific="Only e-mail tickets.")
    smart = parse_kpi_page(kpi_page(goals=(goal,)), locale="en", unit="h").smart
    assert smart == {  # the heading as it reads: the goal's title, linking to its page
        "Answer customer questions within 2 hours by 30 June 2027": {
            "specific": "Only e-mail tickets.",
            "measurable": goal.measurable,
            "achievable": goal.achievable,
            "relevant": goal.relevant,
            "time_bound": goal.time_bound,
        }
    }


# --- Hostile input never raises -----------------------------------------------------------------


@pytest.mark.parametrize(
    "storage",
    [
        "",
        "<<<>>>&&&;",
        "\x00\ud800 not xml at all",
        "</confluence-kpi-page><p>after the root",
        '<ac:structured-macro ac:name="details"><ac:rich-text-body><table><tr><th>Target',
        "<div>" * 20_000 + "deep",
        "<table><tr><td>" * 5_000,
        "<table><tr><th>Owner</th><td><p>" + "x" * 1_000_000 + "</p></td></tr></table>",
        "<x:unknown>undeclared prefix</x:unknown>&undefined;",
    ],
    ids=["empty", "symbols", "forbidden", "stray-root", "unclosed", "divs", "tables", "huge", "ns"],
)
def test_hostile_input_never_raises(storage: str) -> None:
    kpi = parse_kpi_page(storage, locale="en", unit="h")
    goal = parse_goal_page(storage, locale="nl")
    assert kpi.target_value is None
    assert goal.deadline is None


def test_huge_owner_cell_outside_the_details_macro_is_not_read() -> None:
    storage = "<table><tr><th>Owner</th><td><p>" + "x" * 1_000_000 + "</p></td></tr></table>"
    assert parse_kpi_page(storage, locale="en", unit="h").owner is None


@pytest.mark.parametrize("huge", ["9" * 100_000 + " h by", "1" + "-" * 100_000, "by " * 50_000])
def test_huge_target_cell_is_unreadable_with_a_short_text(huge: str) -> None:
    page = kpi_page().replace("2.0 h by", huge)
    [problem] = parse_kpi_page(page, locale="en", unit="h").unreadable
    assert problem.field == "target"
    assert len(problem.text) == 200


def test_markup_in_a_cell_is_text_not_structure() -> None:
    page = kpi_page(owner='<ac:link><ri:user ri:account-id="evil"/></ac:link>')
    owner = parse_kpi_page(page, locale="en", unit="h").owner
    assert owner == Owner('<ac:link><ri:user ri:account-id="evil"/></ac:link>')


# --- Round trips --------------------------------------------------------------------------------

texts = st.text(st.characters(codec="utf-8"), max_size=40)
one_line = texts.map(lambda text: normalise(clean_text(text)))
days = st.dates(date(1900, 1, 1), date(2999, 12, 31))
units = st.sampled_from(["", "h", "%", "€", "tickets", "m/s"])


def free_text(text: str) -> str:
    """What a page's free text reads back as: XML's text with its ends stripped."""
    return clean_text(text).strip()


@st.composite
def amounts(draw: st.DrawFn) -> tuple[float, int | None]:
    decimals = draw(st.none() | st.integers(0, 6))
    value = draw(st.floats(-1e12, 1e12, allow_nan=False) | st.sampled_from([0.0, -0.0, 1e12]))
    return value, decimals


def shown(value: float, decimals: int | None) -> float:
    """The value as the page shows it: rounded to the KPI's decimals (two when unset), halves
    away from zero as the number is written."""
    places = Decimal(1).scaleb(-(2 if decimals is None else decimals))
    return float(Decimal(repr(value)).quantize(places, ROUND_HALF_UP))


@settings(max_examples=150, deadline=None)
@given(
    locale=st.sampled_from(["en", "nl"]),
    unit=units,
    target=amounts(),
    upper=st.none() | st.floats(-1e12, 1e12, allow_nan=False),
    target_day=st.none() | days,
    baseline=st.none() | st.tuples(st.floats(-1e12, 1e12, allow_nan=False), days),
    owner=st.none() | texts,
    description=texts,
    cadence=st.sampled_from(list(Grain)),
    direction=st.sampled_from(list(Direction)),
)
def test_kpi_page_reads_back_what_was_rendered(
    locale: str,
    unit: str,
    target: tuple[float, int | None],
    upper: float | None,
    target_day: date | None,
    baseline: tuple[float, date] | None,
    owner: str | None,
    description: str,
    cadence: Grain,
    direction: Direction,
) -> None:
    value, decimals = target
    assume(free_text(description).casefold() not in PLACEHOLDERS)
    assume(owner is None or normalise(clean_text(owner)).casefold() not in PLACEHOLDERS)
    upper = upper if direction is Direction.RANGE else None
    page = kpi_page(
        locale,
        unit=unit,
        decimals=decimals,
        direction=direction,
        target=Target(value=value, date=target_day, upper=upper),
        baseline=None if baseline is None else Baseline(value=baseline[0], date=baseline[1]),
        owner=owner,
        description=description,
        cadence=cadence,
    )
    fields = parse_kpi_page(page, locale=locale, unit=unit)
    assert fields.unreadable == ()
    assert (fields.target_value, fields.target_date) == (shown(value, decimals), target_day)
    assert fields.target_upper == (None if upper is None else shown(upper, decimals))
    if baseline is None:
        assert (fields.baseline_value, fields.baseline_date) == (None, None)
    else:
        assert fields.baseline_value == shown(baseline[0], decimals)
        assert fields.baseline_date == baseline[1]
    name = normalise(clean_text(owner or ""))
    assert fields.owner == (Owner(name) if name else None)
    assert fields.description == free_text(description)
    assert fields.cadence is cadence


@settings(max_examples=100, deadline=None)
@given(
    locale=st.sampled_from(["en", "nl"]),
    title=texts.filter(lambda text: bool(free_text(text))),
    smart=st.fixed_dictionaries(dict.fromkeys(SMART_KEYS, texts)),
    deadline=st.none() | days,
    owner=st.none() | texts,
)
def test_goal_page_reads_back_what_was_rendered(
    locale: str,
    title: str,
    smart: dict[str, str],
    deadline: date | None,
    owner: str | None,
) -> None:
    assume(all(free_text(text).casefold() not in PLACEHOLDERS for text in smart.values()))
    assume(owner is None or normalise(clean_text(owner)).casefold() not in PLACEHOLDERS)
    goal = make_goal(title=title, deadline=deadline, owner=owner, **smart)
    fields = parse_goal_page(goal_page(goal, locale), locale=locale)
    name = normalise(clean_text(owner or ""))
    assert fields == GoalPageFields(
        owner=Owner(name) if name else None,
        deadline=deadline,
        title=free_text(title),
        smart={key: free_text(text) for key, text in smart.items()},
        unreadable=(),
        found=frozenset({"owner", "deadline", "title", "smart"}),
    )


@settings(max_examples=200)
@given(locale=st.sampled_from(["en", "nl"]), unit=units, amount=amounts())
def test_numbers_read_back_as_the_page_formats_them(
    locale: str, unit: str, amount: tuple[float, int | None]
) -> None:
    value, decimals = amount
    kpi = make_kpi(unit=unit, decimals=decimals)
    text = Formatter(load_strings(locale), make_context().zone, "KPI").quantity(value, kpi)
    assert parse_number(text, locale=locale, unit=unit) == shown(value, decimals)


@given(day=days, locale=st.sampled_from(["en", "nl"]))
def test_dates_read_back_as_iso_and_as_the_page_writes_them(day: date, locale: str) -> None:
    written = Formatter(load_strings(locale), make_context().zone, "KPI").written_date(day)
    assert parse_date(day.isoformat(), locale=locale) == day
    assert parse_date(written, locale=locale) == day


# --- Typed values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "locale", "unit", "expected"),
    [
        ("1,234.5", "en", "", 1234.5),
        ("1.234,5", "nl", "", 1234.5),
        ("1.200", "nl", "", 1200.0),
        ("1.5", "nl", "", 1.5),
        ("12 %", "en", "%", 12.0),
        ("12%", "nl", "%", 12.0),
        ("2h", "en", "h", 2.0),
        ("2 H", "en", "h", 2.0),
        ("€ 1.200", "nl", "€", 1200.0),
        ("€1,200.50", "en", "€", 1200.5),
        ("\u22123", "en", "", -3.0),
        ("−€ 3", "en", "€", -3.0),
        ("€ -3", "en", "€", -3.0),
        ("+4", "en", "", 4.0),
        ("2\u00a0h", "en", "h", 2.0),
        (",5", "nl", "", 0.5),
    ],
)
def test_numbers_typed_the_way_people_type_them_are_read(
    text: str, locale: str, unit: str, expected: float
) -> None:
    assert parse_number(text, locale=locale, unit=unit) == expected


@pytest.mark.parametrize(
    ("text", "unit", "reason"),
    [
        ("2 days", "h", "'2 days' is not a number in h"),
        ("12 %", "", "'12 %' is not a number"),
        ("TBD", "", "'TBD' is not a number"),
        ("1.2.3", "", "'1.2.3' has its thousands marks in the wrong places"),
        ("+-3", "", "'+-3' is not a number"),
        ("", "", "the value is empty"),
        ("9" * 201, "", "201 characters is too long for a value"),
    ],
)
def test_text_that_is_no_number_says_why(text: str, unit: str, reason: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(reason)}$"):
        parse_number(text, locale="en", unit=unit)


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("30 June 2027", "en", date(2027, 6, 30)),
        ("30 juni 2027", "nl", date(2027, 6, 30)),
        ("2027-06-30", "nl", date(2027, 6, 30)),
        ("30-06-2027", "en", date(2027, 6, 30)),
        ("30/06/2027", "nl", date(2027, 6, 30)),
        ("03/06/2027", "nl", date(2027, 6, 3)),
        ("June 30, 2027", "en", date(2027, 6, 30)),
        ("1 okt 2027", "nl", date(2027, 10, 1)),
        ("1 Oct. 2027", "en", date(2027, 10, 1)),
    ],
)
def test_dates_typed_the_way_people_type_them_are_read(
    text: str, locale: str, expected: date
) -> None:
    assert parse_date(text, locale=locale) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("03/06/2027", "'03/06/2027' is ambiguous: write it as 2027-06-03"),
        ("31 June 2027", "'31 June 2027' is not a day in the calendar"),
        ("next spring", "'next spring' is not a date"),
        ("1 Smarch 2027", "'1 Smarch 2027' is not a date: no month called 'Smarch'"),
    ],
)
def test_text_that_is_no_date_says_why(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(reason)}$"):
        parse_date(text, locale="en")
