"""Hand-built KPIs, goals, teams and evaluations for the page tests, and XML helpers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from lxml import etree

from confluence_kpi.model import (
    Baseline,
    Change,
    Direction,
    Evaluation,
    Goal,
    GoalEvaluation,
    Grain,
    KpiDefinition,
    Period,
    PeriodValue,
    Status,
    Target,
    Team,
    TeamEvaluation,
)
from confluence_kpi.pages import PageContext

AC = "http://atlassian.com/content"
RI = "http://atlassian.com/resource/identifier"
NS = {"ac": AC, "ri": RI}

TEAM = Team(name="Customer service", description="Answers customers.")


def make_kpi(**changes: object) -> KpiDefinition:
    """First response time, much as README's catalog example defines it."""
    fields: dict[str, object] = {
        "id": "first-response-time",
        "name": "First response time",
        "team": "support",
        "description": "Hours from a ticket's creation to the first human reply.",
        "unit": "h",
        "decimals": 1,
        "direction": Direction.DECREASE,
        "grain": Grain.WEEK,
        "aggregation": "median",
        "source": "support_db",
        "query": "SELECT created_at AS ts, first_response_hours AS value FROM tickets",
        "baseline": Baseline(value=5.5, date=date(2026, 1, 1)),
        "target": Target(value=2, date=date(2027, 6, 30)),
        "owner": "Jane Doe",
        "category": "Customer",
    }
    fields.update(changes)
    return KpiDefinition.model_validate(fields)


def make_goal(**changes: object) -> Goal:
    """A SMART goal served by `make_kpi()`."""
    fields: dict[str, object] = {
        "id": "fast-answers",
        "team": "support",
        "title": "Answer customer questions within 2 hours by 30 June 2027",
        "specific": "First replies to support tickets during office hours.",
        "measurable": "Median first response time per week.",
        "achievable": "Two extra agents from January.",
        "relevant": "Slow answers are the top complaint.",
        "time_bound": "By 30 June 2027.",
        "deadline": date(2027, 6, 30),
        "owner": "Jane Doe",
        "kpis": ("first-response-time",),
    }
    fields.update(changes)
    return Goal.model_validate(fields)


def period_value(
    week: int,
    value: float | None,
    *,
    status: Status | None = Status.ON_TRACK,
    complete: bool = True,
) -> PeriodValue:
    """A week of 2027 with its value, target 2 h and verdict; a running week is partial."""
    start = date.fromisocalendar(2027, week, 1)
    return PeriodValue(
        period=Period(
            start=start, end=date.fromisocalendar(2027, week + 1, 1), label=f"2027-W{week:02}"
        ),
        value=value,
        count=0 if value is None else 12,
        complete=complete,
        target=2.0,
        status=status,
        partial=not complete,
    )


def make_evaluation(**changes: object) -> Evaluation:
    """An on-track evaluation whose current week is still running."""
    current = period_value(3, 3.6, complete=False)
    previous = period_value(2, 3.2)
    ev = Evaluation(
        kpi_id="first-response-time",
        as_of=datetime(2027, 1, 20, 9, 0, tzinfo=UTC),
        status=Status.ON_TRACK,
        current=current,
        previous=previous,
        change=Change(absolute=0.4, relative=0.125, good=False),
        history=(period_value(1, 3.9), period_value(2, 3.2), current),
        last_data=datetime(2027, 1, 19, 23, 30, tzinfo=UTC),
        progress=0.55,
        expected=3.8,
    )
    # Fields are given by name and checked by replace() at run time, which mypy cannot follow.
    return replace(ev, **changes)  # type: ignore[arg-type]


def make_context(locale: str = "en", **changes: object) -> PageContext:
    """Links to every page of the fixtures, in Amsterdam time."""
    ctx = PageContext(
        space_key="KPI",
        locale=locale,
        zone=ZoneInfo("Europe/Amsterdam"),
        kpi_titles={"first-response-time": "KPI: First response time"},
        goal_titles={"fast-answers": "Goal: Answer customer questions within 2 hours"},
        team_titles={"support": "Team: Customer service"},
        root_title="KPI handbook",
    )
    # Fields are given by name and checked by replace() at run time, which mypy cannot follow.
    return replace(ctx, **changes)  # type: ignore[arg-type]


def make_team_evaluation(*evaluations: Evaluation) -> TeamEvaluation:
    """The support team with the given KPI evaluations and the one goal."""
    counts: dict[Status, int] = {}
    for ev in evaluations:
        counts[ev.status] = counts.get(ev.status, 0) + 1
    attention = tuple(
        ev
        for ev in evaluations
        if ev.status in (Status.OFF_TRACK, Status.MISSED, Status.STALE, Status.AT_RISK)
    )
    goal = GoalEvaluation("fast-answers", Status.ON_TRACK, 0.55, evaluations)
    return TeamEvaluation("support", counts, evaluations, (goal,), attention)


def parse(storage: str) -> etree._Element:
    """A page body as an element tree, inside a root that declares the ac and ri namespaces."""
    wrapped = f'<page xmlns:ac="{AC}" xmlns:ri="{RI}">{storage}</page>'
    return etree.fromstring(wrapped.encode())


def text(element: etree._Element) -> str:
    """All text inside an element, as a reader sees it (macro parameters included)."""
    return "".join(str(piece) for piece in element.itertext())


def find(element: etree._Element, path: str, **variables: str) -> list[etree._Element]:
    """The elements an XPath selects, with the ac and ri prefixes known."""
    found = etree.XPath(path, namespaces=NS)(element, **variables)
    assert isinstance(found, list)
    return [item for item in found if isinstance(item, etree._Element)]


def values(element: etree._Element, path: str) -> list[str]:
    """The attribute values or text nodes an XPath selects."""
    found = element.xpath(path, namespaces=NS)
    assert isinstance(found, list)
    return [str(item) for item in found]


def details_cell(page: etree._Element, key: str) -> etree._Element:
    """The value cell of a Page Properties row."""
    cells = find(
        page, "//ac:structured-macro[@ac:name='details']//tr[normalize-space(th)=$key]/td", key=key
    )
    assert len(cells) == 1, f"no single details row {key!r}"
    return cells[0]


def macros(element: etree._Element, name: str) -> list[etree._Element]:
    """The structured macros of one name in an element (a page, a cell)."""
    return find(element, f".//ac:structured-macro[@ac:name='{name}']")


def parameter(macro: etree._Element, name: str) -> str:
    """The text of one parameter of a macro."""
    [value] = find(macro, f"ac:parameter[@ac:name='{name}']")
    return text(value)


def shape(page: etree._Element) -> list[str]:
    """Every element's tag and macro name, in document order: the page's structure."""
    return [f"{element.tag}:{element.get(f'{{{AC}}}name', '')}" for element in page.iter()]
