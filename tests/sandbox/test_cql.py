"""The sandbox's CQL: what each query selects, in what order, and how bad queries are refused."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confluence_kpi.sandbox.cql import CqlContext, CqlError, parse_cql


@dataclass(frozen=True)
class Record:
    id: str
    title: str
    created: datetime
    last_modified: datetime
    type: str = "page"
    status: str = "current"
    space_key: str = "KPI"
    labels: frozenset[str] = frozenset()
    ancestor_ids: tuple[str, ...] = ()
    creator: str = "jane"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


NOW = at(2026, 3, 18, 15, 30)  # a Wednesday
CTX = CqlContext(now=NOW, space_key="OPS", content_id="3", user="jane")

RECORDS = (
    Record(
        "1",
        "KPI handbook",
        at(2026, 1, 1, 9),
        at(2026, 3, 18, 10),
        labels=frozenset({"confluence-kpi"}),
    ),
    Record(
        "2",
        "First response time",
        at(2026, 1, 31, 14),
        at(2026, 3, 17, 8),
        labels=frozenset({"confluence-kpi", "kpi"}),
        ancestor_ids=("1",),
        creator="bot",
    ),
    Record(
        "3",
        "Customer service",
        at(2026, 2, 15, 12),
        at(2026, 3, 16),
        labels=frozenset({"confluence-kpi", "kpi-team"}),
        ancestor_ids=("1",),
        creator="bot",
    ),
    Record(
        "7",
        "chart.png",
        at(2026, 2, 1, 10),
        at(2026, 2, 1, 10),
        type="attachment",
        ancestor_ids=("1", "2"),
        creator="bot",
    ),
    Record(
        "10",
        'Q3 "draft"',
        at(2025, 12, 31, 23, 59),
        at(2026, 3, 1),
        labels=frozenset({"kpi-goal"}),
        ancestor_ids=("1", "3"),
    ),
    Record(
        "20",
        "Release notes",
        at(2026, 3, 18, 15),
        at(2026, 3, 18, 15, 29),
        type="blogpost",
        space_key="OPS",
    ),
    Record(
        "100",
        "ops home",
        at(2024, 6, 30, 8),
        at(2025, 1, 15, 12),
        space_key="OPS",
        creator="admin",
    ),
    Record(
        "101",
        "Reports",
        at(2026, 2, 28),
        at(2026, 2, 28, 23, 59),
        space_key="OPS",
        labels=frozenset({"kpi"}),
        ancestor_ids=("100",),
        creator="bot",
    ),
)


def ids(cql: str, ctx: CqlContext = CTX) -> list[str]:
    return [record.id for record in parse_cql(cql).select(RECORDS, ctx)]


def error_of(cql: str) -> str:
    with pytest.raises(CqlError) as caught:
        parse_cql(cql)
    return str(caught.value)


@pytest.mark.parametrize(
    ("cql", "expected"),
    [
        # the forms the bot's library generates
        ('type=page AND label="kpi"', ["2", "101"]),
        ('parent=1 AND space="KPI"', ["2", "3"]),
        (
            'space = "KPI" and label = "confluence-kpi" and type = page order by id',
            ["1", "2", "3"],
        ),
        ("id in (1,2,3)", ["1", "2", "3"]),
        ('title = "Q3 \\"draft\\""', ["10"]),
        ('ancestor = 1 AND label in ("kpi","kpi-goal")', ["2", "10"]),
    ],
)
def test_library_generated_queries_select_the_expected_records(
    cql: str, expected: list[str]
) -> None:
    assert ids(cql) == expected


@pytest.mark.parametrize(
    ("cql", "expected"),
    [
        ("space = KPI", ["1", "2", "3", "7", "10"]),
        ('space.key = "OPS"', ["20", "100", "101"]),
        ("space = kpi", []),  # keys compare exactly
        ("space in (KPI, OPS)", ["1", "2", "3", "7", "10", "20", "100", "101"]),
        ("type = page and space != KPI", ["100", "101"]),
        ('type = page and space not in ("KPI")', ["100", "101"]),
        ("space = currentSpace()", ["20", "100", "101"]),
        ("space in (currentSpace(), KPI) and type = blogpost", ["20"]),
    ],
)
def test_space_matches_the_key(cql: str, expected: list[str]) -> None:
    assert ids(cql) == expected


@pytest.mark.parametrize(
    ("cql", "expected"),
    [
        ("type = blogpost", ["20"]),
        ("type = Page and space = OPS", ["100", "101"]),
        ("type in (blogpost, attachment)", ["7", "20"]),
        ("space = KPI and type != page", ["7"]),
        ("space = OPS and type not in (page)", ["20"]),
    ],
)
def test_type_matches_ignoring_case(cql: str, expected: list[str]) -> None:
    assert ids(cql) == expected


@pytest.mark.parametrize(
    ("cql", "expected"),
    [
        ("label = kpi", ["2", "101"]),
        ('label = "KPI"', ["2", "101"]),
        ("label = kpi-goal", ["10"]),
        ('label in ("kpi", "kpi-goal")', ["2", "10", "101"]),
        ("type = page and label != confluence-kpi", ["10", "100", "101"]),
        ("type = page and label not in (kpi, kpi-goal)", ["1", "3", "100"]),
        ("label = missing", []),
    ],
)
def test_label_matches_any_label_of_the_record(cql: str, expected: list[str]) -> None:
    assert ids(cql) == expected


@pytest.mark.parametrize(
    ("cql", "expected"),
    [
        ('title = "customer SERVICE"', ["3"]),
        ('title = "Customer"', []),
        ("title in ('ops home', \"reports\")", ["100", "101"]),
        ('type = page and title != "ops home"', ["1", "2", "3", "10", "101"]),
        ('type = page and title not in ("KPI handbook", reports)', ["2", "3", "10", "100"]),
    ],
)
def test_title_equality_is_exact_ignoring_case(cql: str, expected: list[str]) -> None:
    assert ids(cql) == expected


@pytest.mark.parametrize(
    ("cql", "expected"),
    [
        ("title ~ report", ["101"]),  # a word prefix: "Reports"
        ("title ~ port", []),  # not the middle of a word
        ('title ~ "rep*"', ["101"]),
        ('title ~ "time first"', ["2"]),  # every word, in any order
        ('title ~ "first home"', []),
        ("title ~ DRAFT", ["10"]),
        ('type = page and title !~ "kpi"', ["2", "3", "10", "100", "101"]),
        ("text ~ notes", ["20"]),
        ('siteSearch ~ "handbook"', ["1"]),
        ("type = page and text !~ home", ["1", "2", "3", "10", "101"]),
    ],
)
def test_contains_matches_word_prefixes_in_the_title(cql: str, expected: list[str]) -> None:
    assert ids(cql) == expected


@pytest.mark.parametrize(
    ("cql", "expected"),
    [
        ("id = 10", ["10"]),
        ('content = "2"', ["2"]),
        ("id = 010", ["10"]),
        ("id in (1, 3, 999)", ["1", "3"]),
        ("type = page and id != 1", ["2", "3", "10", "100", "101"]),
        ("type = page and content not in (1, 2)", ["3", "10", "100", "101"]),
        ("id = currentContent()", ["3"]),
    ],
)
def test_id_and_content_match_the_content_id(cql: str, expected: list[str]) -> None:
    assert ids(cql) == expected


@pytest.mark.parametrize(
    ("cql", "expected"),
    [
        ("ancestor = 1", ["2", "3", "10"]),
        ("ancestor = 2", []),
        ("ancestor = 3", ["10"]),
        ("ancestor in (3, 100)", ["10", "101"]),
        ("type = page and ancestor != 1", ["1", "100", "101"]),
        ("type = page and ancestor not in (1, 100)", ["1", "100"]),
        ("ancestor = currentContent()", ["10"]),
        ("parent = 1", ["2", "3"]),
        ("parent in (2, 100)", ["101"]),
        ("type = page and parent != 1", ["1", "10", "100", "101"]),
        ("type = page and parent not in (1, 3)", ["1", "100", "101"]),
        ("parent = currentContent()", ["10"]),
    ],
)
def test_ancestor_matches_any_ancestor_and_parent_only_the_last_of_pages_not_attachments(
    cql: str, expected: list[str]
) -> None:
    assert ids(cql) == expected


@pytest.mark.parametrize(
    ("cql", "expected"),
    [
        ("creator = bot", ["2", "3", "7", "101"]),
        ("creator in (admin, jane)", ["1", "10", "20", "100"]),
        ("creator = currentUser()", ["1", "10", "20"]),
        ("type = page and creator != currentUser()", ["2", "3", "100", "101"]),
        ("type = page and creator not in (bot, jane)", ["100"]),
    ],
)
def test_creator_matches_the_username(cql: str, expected: list[str]) -> None:
    assert ids(cql) == expected


@pytest.mark.parametrize(
    ("cql", "expected"),
    [
        ('created = "2026-01-31"', ["2"]),  # a date is the whole day
        ('created = "2026/01/31"', ["2"]),
        ("created = 2026-01-31", ["2"]),
        ('created = "2026-01-31 14:00"', ["2"]),  # a time is the whole minute
        ('created = "2026-01-31 14:01"', []),
        ('type = page and created != "2026-01-31"', ["1", "3", "10", "100", "101"]),
        ('created < "2026-01-01"', ["10", "100"]),
        ('created <= "2026-01-01"', ["1", "10", "100"]),
        ('created > "2026-02-15"', ["20", "101"]),
        ('created >= "2026-02-15"', ["3", "20", "101"]),
        ('lastmodified > "2026-03-18 15:28"', ["20"]),
        ('lastModified <= "2026/02/01 10:00"', ["7", "100"]),
    ],
)
def test_dates_compare_with_the_day_or_minute_they_name(cql: str, expected: list[str]) -> None:
    assert ids(cql) == expected


@pytest.mark.parametrize(
    ("cql", "expected"),
    [
        ('lastmodified > now("-1d")', ["1", "20"]),
        ('lastmodified > now("-30m")', ["20"]),
        ('created > now("-1h")', ["20"]),
        ('created > now("-4w")', ["20", "101"]),
        ('lastmodified >= now("-1M")', ["1", "2", "3", "10", "20", "101"]),
        ('created >= now("-1y")', ["1", "2", "3", "7", "10", "20", "101"]),
        ('created < now("+1d")', ["1", "2", "3", "7", "10", "20", "100", "101"]),
        ("created > now()", []),
        ("lastmodified >= startOfDay()", ["1", "20"]),
        ('lastmodified >= startOfDay("-1")', ["1", "2", "20"]),
        ("lastmodified >= startOfWeek()", ["1", "2", "3", "20"]),  # Monday 00:00 included
        ('lastmodified >= startOfWeek("+1d")', ["1", "2", "20"]),
        ("lastmodified < startOfWeek()", ["7", "10", "100", "101"]),
        ("lastmodified >= startOfMonth()", ["1", "2", "3", "10", "20"]),
        ("lastmodified >= startOfMonth(-1)", ["1", "2", "3", "7", "10", "20", "101"]),
        ("created >= startOfYear()", ["1", "2", "3", "7", "20", "101"]),
        ('created < startOfYear("-1")', ["100"]),
        ("lastmodified = startOfWeek()", ["3"]),  # a function is an instant
    ],
)
def test_date_functions_count_from_now(cql: str, expected: list[str]) -> None:
    assert ids(cql) == expected


def test_month_increments_clamp_to_the_end_of_the_shorter_month() -> None:
    record = replace(RECORDS[0], created=at(2026, 2, 28, 15, 30))
    query = parse_cql('created = now("-1M")')

    assert query.matches(record, CqlContext(now=at(2026, 3, 31, 15, 30)))
    assert not query.matches(record, CqlContext(now=at(2026, 3, 27, 15, 30)))


def test_weeks_start_on_monday_even_when_now_is_sunday() -> None:
    sunday = CqlContext(now=at(2026, 3, 22, 23, 59))

    assert ids("lastmodified >= startOfWeek()", sunday) == ["1", "2", "3", "20"]


def test_now_is_taken_in_utc_whatever_the_context_zone() -> None:
    amsterdam_evening = CqlContext(
        now=at(2026, 3, 18, 23, 30).astimezone(timezone(timedelta(hours=2)))
    )

    assert ids("lastmodified >= startOfDay()", amsterdam_evening) == ["1", "20"]


@pytest.mark.parametrize(
    ("cql", "expected"),
    [
        # AND binds tighter than OR
        ("type = blogpost OR space = KPI AND label = kpi", ["2", "20"]),
        ("(type = blogpost OR space = KPI) AND label = kpi", ["2"]),
        ("label = kpi AND space = KPI OR type = blogpost", ["2", "20"]),
        # NOT binds tighter than AND
        ("space = OPS AND NOT type = page AND creator = jane", ["20"]),
        ("space = OPS and not label = kpi", ["20", "100"]),
        ("space = OPS and not (type = blogpost or label = kpi)", ["100"]),
        ("space = KPI and not not label = kpi", ["2"]),
        ("id = 1 or (id = 2 or (id = 3 and (label = kpi-team)))", ["1", "2", "3"]),
        ("((id = 1))", ["1"]),
        ("id = 1 Or id = 2 aNd type = page", ["1", "2"]),
        ("space = OPS or not label = confluence-kpi", ["7", "10", "20", "100", "101"]),
    ],
)
def test_precedence_is_not_then_and_then_or(cql: str, expected: list[str]) -> None:
    assert ids(cql) == expected


@pytest.mark.parametrize(
    ("cql", "title"),
    [
        ('title = "Q3 \\"draft\\""', 'Q3 "draft"'),
        ("title = 'Q3 \"draft\"'", 'Q3 "draft"'),
        ("title = 'it\\'s'", "it's"),
        ('title = "a\\\\b"', "a\\b"),
        ('title = "a,b (c) = d AND e"', "a,b (c) = d AND e"),
        ('title = "and"', "and"),
        ("title = under_score.dot-dash", "under_score.dot-dash"),
        ('title = "Überblick Ziele"', "überblick ziele"),
    ],
)
def test_quoted_values_keep_their_characters(cql: str, title: str) -> None:
    record = replace(RECORDS[0], title=title)
    other = replace(RECORDS[1], title=title + "x")

    query = parse_cql(cql)

    assert query.matches(record, CTX)
    assert not query.matches(other, CTX)


@pytest.mark.parametrize(
    ("cql", "expected"),
    [
        ("type = page order by title", ["3", "2", "1", "100", "10", "101"]),
        ("type = page ORDER BY Title DESC", ["101", "10", "100", "1", "2", "3"]),
        ("space = KPI order by created desc", ["3", "7", "2", "1", "10"]),
        ("space = KPI order by lastModified asc", ["7", "10", "3", "2", "1"]),
        ("space = KPI order by id desc", ["10", "7", "3", "2", "1"]),
        (
            "space in (KPI, OPS) order by space, lastmodified desc",
            ["1", "2", "3", "10", "7", "20", "101", "100"],
        ),
        # ties keep the default order: ids as numbers
        (
            "space in (KPI, OPS) order by space desc",
            ["20", "100", "101", "1", "2", "3", "7", "10"],
        ),
        ("space in (KPI, OPS)", ["1", "2", "3", "7", "10", "20", "100", "101"]),
    ],
)
def test_order_by_sorts_by_each_key_in_turn(cql: str, expected: list[str]) -> None:
    assert ids(cql) == expected


def test_select_keeps_the_records_given_not_copies() -> None:
    selected = parse_cql("label = kpi-goal").select(RECORDS, CTX)

    assert selected == [RECORDS[4]]
    assert selected[0] is RECORDS[4]


def test_matches_tells_one_record() -> None:
    query = parse_cql("label = kpi and creator = bot")

    assert query.matches(RECORDS[1], CTX)
    assert not query.matches(RECORDS[0], CTX)


@pytest.mark.parametrize(
    ("cql", "message"),
    [
        ("", "the query is empty"),
        ("   ", "the query is empty"),
        ("foo = bar", "unknown field 'foo' at position 0"),
        ("type = page and status = current", "unknown field 'status' at position 16"),
        ("label ~ kpi", "operator '~' is not supported for field 'label' (at position 6)"),
        ("text = x", "operator '=' is not supported for field 'text'"),
        ("title < x", "operator '<' is not supported for field 'title'"),
        ("created in (2026-01-01)", "operator 'in' is not supported for field 'created'"),
        ('title = "abc', "unterminated string starting at position 8"),
        ("title = 'abc\\'", "unterminated string starting at position 8"),
        ('title = "a\\nb"', "unsupported escape '\\n' at position 10"),
        ("label =", "expected a value at position 7, found the end of the query"),
        ("label = and type = page", "expected a value at position 8, found 'and'"),
        ("label", "expected an operator after 'label' at position 5"),
        ("label kpi", "expected an operator after 'label' at position 6, found 'kpi'"),
        ("label not = kpi", "expected IN after NOT at position 10"),
        ("label in kpi", "expected '(' after IN at position 9"),
        ("label in ()", "expected a value at position 10, found ')'"),
        ("(label = kpi", "unbalanced parentheses: expected ')' for the '(' at position 0"),
        ("((label = kpi) or id = 1", "unbalanced parentheses: expected ')' for the '(' at"),
        ("label = kpi)", "unbalanced parentheses: ')' at position 11 closes nothing"),
        ("label in (kpi, goal", "unbalanced parentheses: expected ',' or ')' for the list"),
        ("label = kpi type = page", "unexpected 'type' at position 12; expected AND, OR"),
        ("title = Q3 report", "unexpected 'report' at position 11"),
        ("label = kpi and", "expected a field at position 15, found the end of the query"),
        ("label = kpi or or id = 1", "expected a field at position 15, found 'or'"),
        ("label = kpi # x", "unexpected character '#' at position 12"),
        ("label = kpi !", "unexpected character '!' at position 12"),
        ("NOT label = kpi", "a negative expression cannot be the first clause (at position 0)"),
        ("label != kpi and type = page", "a negative expression cannot be the first clause"),
        ("label not in (kpi) and type = page", "a negative expression cannot be the first"),
        ("title !~ draft", "a negative expression cannot be the first clause"),
        ("(not label = kpi) and type = page", "cannot be the first clause (at position 1)"),
        ("space in (KPI OPS)", "a value with spaces must be quoted: unexpected 'OPS' at position"),
        ("label in (my label)", "a value with spaces must be quoted"),
        ('created = "2026-02-30"', 'invalid date "2026-02-30" at position 10'),
        ('created > "31-01-2026"', 'invalid date "31-01-2026"'),
        ('created > "2026-01-31 25:00"', "invalid date"),
        ('created > "2026-01/31"', "invalid date"),
        ('created > "9999-12-31"', "invalid date"),
        ('created < now("-1234567890d")', 'bad increment "-1234567890d"'),
        ("id = abc", "field 'id' expects a content id (a number), got 'abc' at position 5"),
        ("ancestor in (1, x)", "field 'ancestor' expects a content id"),
        ('created > now("-4")', 'bad increment "-4" for now() at position 14'),
        ('created > startOfDay("yesterday")', 'bad increment "yesterday" for startOfDay()'),
        ("created > yesterday()", "unknown function 'yesterday()' at position 10"),
        ("space = currentUser()", "function currentUser() cannot be used with field 'space'"),
        ("created > currentUser()", "function currentUser() cannot be used with field 'created'"),
        ('space = currentSpace("x")', "currentSpace() takes no argument"),
        ('created > now("-1d" "x")', "expected ')' to close now( at position 20"),
        ("title ~ currentUser()", "a function cannot be used with '~'"),
        ('title ~ "*"', "'~' needs a value with at least one word"),
        ("label = kpi order title", "expected BY after ORDER at position 18"),
        ("label = kpi order by", "expected a field to order by at position 20, found the end"),
        (
            "label = kpi order by label",
            "expected a field to order by at position 21, found 'label'",
        ),
        ("label = kpi order by title up", "unexpected 'up' at position 27"),
        ("order by title", "the query needs a clause before ORDER BY (at position 0)"),
    ],
)
def test_bad_queries_are_refused_saying_where(cql: str, message: str) -> None:
    assert message in error_of(cql)


@pytest.mark.parametrize(
    ("cql", "ctx", "message"),
    [
        (
            "space = currentSpace()",
            CqlContext(now=NOW, content_id="3", user="jane"),
            "currentSpace() at position 8 needs a space context",
        ),
        (
            "id = currentContent()",
            CqlContext(now=NOW, space_key="OPS", user="jane"),
            "currentContent() at position 5 needs a content context",
        ),
        (
            "type = page and creator = currentUser()",
            CqlContext(now=NOW, space_key="OPS", content_id="3"),
            "currentUser() at position 26 needs a logged-in user",
        ),
        ('created > now("-999999y")', CTX, "now() at position 10 is out of range"),
    ],
)
def test_functions_without_what_they_need_are_refused_when_evaluated(
    cql: str, ctx: CqlContext, message: str
) -> None:
    query = parse_cql(cql)

    with pytest.raises(CqlError, match=re.escape(message)):
        query.select([], ctx)
    with pytest.raises(CqlError, match=r"position"):
        query.matches(RECORDS[0], ctx)


def test_long_chains_of_clauses_are_fine_but_absurd_nesting_is_refused() -> None:
    many = " or ".join(f"id = {n}" for n in range(1, 3001))
    deep = "(" * 101 + "id = 1" + ")" * 101

    assert ids(many) == ["1", "2", "3", "7", "10", "20", "100", "101"]
    assert ids("(" * 100 + "id = 1" + ")" * 100) == ["1"]
    assert "nests parentheses or NOT more than 100 deep (at position 100)" in error_of(deep)
    assert "more than 100 deep" in error_of("id = 1 and " + "not " * 101 + "id = 2")


def test_ids_are_numbers_of_any_length() -> None:
    assert ids("id in (1, " + "9" * 5000 + ")") == ["1"]


def test_a_later_group_may_start_with_not() -> None:
    assert ids("space = OPS and (not label = kpi or id = 101)") == ["20", "100", "101"]


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@given(
    titles=st.lists(st.text(max_size=30), min_size=1, max_size=8, unique_by=str.casefold),
    data=st.data(),
)
def test_title_equals_finds_exactly_the_record_with_that_title(
    titles: list[str], data: st.DataObject
) -> None:
    records = [replace(RECORDS[0], id=str(n + 1), title=title) for n, title in enumerate(titles)]
    chosen = data.draw(st.integers(min_value=0, max_value=len(titles) - 1))

    selected = parse_cql(f"title = {quote(titles[chosen])}").select(records, CTX)

    assert selected == [records[chosen]]


CQL_PIECES = st.sampled_from(
    [
        "title", "label", "id", "created", "space", "ancestor", " and ", " or ", " not ", " in ",
        "order by ", "(", ")", ",", "=", "!=", "~", "<", ">=", '"', "'", "\\", "now(", "kpi",
        "2026-01-31", "-4w", "currentSpace()", " ", "12", "desc", "#",
    ]
)  # fmt: skip


@given(pieces=st.lists(CQL_PIECES, max_size=12))
def test_any_text_is_a_query_or_a_cql_error_that_says_where(pieces: list[str]) -> None:
    try:
        parse_cql("".join(pieces)).select(RECORDS, CTX)
    except CqlError as error:
        problem = str(error)
    else:
        return
    assert "position" in problem or problem == "the query is empty"
