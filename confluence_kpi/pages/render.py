"""Renders KPI, goal, team and root pages to Confluence storage format from Jinja2 templates.

The templates live in `page_templates/` at the repository root and ship in the package; a
catalog may name its own templates directory over them (`pages.templates`, `pages.strings`).
Rendering is a pure function of its arguments, the templates directory among them: no clock,
no I/O beyond reading the templates, stable order, so an unchanged input renders
byte-identical pages.

Escaping: autoescape is on and `_finalize` strips what XML 1.0 forbids from every printed
string. Values from catalogs, sources or pages must therefore reach the output through
`{{ ... }}`, a macro argument or a `Formatter` method that builds markup (which cleans and
escapes every text it puts in), never through filters that build markup themselves (`join`,
`format`, `xmlattr`), which bypass `_finalize`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from confluence_kpi.evaluate import attention_first
from confluence_kpi.model import (
    PAGE_SOURCE,
    Bands,
    Evaluation,
    Goal,
    GoalEvaluation,
    KpiDefinition,
    ManualRow,
    Team,
    TeamEvaluation,
)
from confluence_kpi.pages.markup import Formatter, clean_text
from confluence_kpi.pages.method import SourceLabel
from confluence_kpi.pages.strings import load_strings
from confluence_kpi.pages.templates import VARIABLES, environment, render

MAX_TITLE = 255  # Confluence's limit on page titles
# The most KPIs the root page lists: a table a person can still read, and a body far below the
# 5 MB a request to Confluence may carry (a row is about 600 bytes). Beyond it the root lists
# what needs attention first and says how many more there are; each team page lists its own.
ROOT_KPI_ROWS = 300

_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class PageContext:
    """What a page needs beyond its own data: where it lives, its language, and link targets.

    The title mappings (id -> current page title) come from the sync, which knows the pages'
    titles as they are now; an id missing from them is shown as plain text, not a link.
    `kpi_names` names KPIs in formulas (by the id a formula writes, `-` as `_`); `sources`
    says where each source's data comes from; `bands` are the catalog's pace bands;
    `templates` the catalog's own templates directory.
    """

    space_key: str
    locale: str
    zone: ZoneInfo
    kpi_titles: Mapping[str, str]
    goal_titles: Mapping[str, str]
    team_titles: Mapping[str, str]
    root_title: str
    kpi_names: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, SourceLabel] = field(default_factory=dict)
    bands: Bands = field(default_factory=Bands)
    # The catalog's own templates directory, over the shipped templates; None: shipped only.
    templates: Path | None = None


def kpi_title(kpi: KpiDefinition, locale: str = "en", templates: Path | None = None) -> str:
    """The title of a KPI's page, "KPI: First response time"."""
    return _title("title.kpi", kpi.name, locale, templates)


def goal_title(goal: Goal, locale: str = "en", templates: Path | None = None) -> str:
    """The title of a goal's page, "Goal: Answer within 2 hours ..."."""
    return _title("title.goal", goal.title, locale, templates)


def team_title(team: Team, locale: str = "en", templates: Path | None = None) -> str:
    """The title of a team's overview page, "Team: Customer service"."""
    return _title("title.team", team.name, locale, templates)


@dataclass(frozen=True)
class UnreadableEdit:
    """What people typed in a team-editable row that could not be read, for a warning panel."""

    # The row's field name in the strings (target, baseline, cadence, owner, deadline), or
    # "measurement" for a row of a manual KPI's table.
    row: str
    text: str
    reason: str


def render_kpi_page(
    kpi: KpiDefinition,
    ev: Evaluation,
    team: Team,
    goals: Sequence[Goal],
    ctx: PageContext,
    unreadable: Sequence[UnreadableEdit] = (),
    rows: Sequence[ManualRow] = (),
    *,
    example: str = "",
) -> str:
    """A KPI's page; `goals` may hold any goals, the page shows those that list this KPI.

    A manual KPI's page shows `rows`, the measurements people typed, in a table they edit,
    and `example`, how to type a period, as a hint in its empty row."""
    served = [goal for goal in goals if kpi.id in goal.kpis]
    return _render(
        "kpi.xml.j2",
        ctx,
        kpi=kpi,
        ev=ev,
        team=team,
        goals=served,
        unreadable=unreadable,
        rows=rows,
        source=_source_label(kpi, ctx),
        example=example,
    )


def _source_label(kpi: KpiDefinition, ctx: PageContext) -> SourceLabel:
    """Where a KPI's data comes from: its source, its own page, or (derived) other KPIs."""
    if kpi.manual:
        return SourceLabel(PAGE_SOURCE)
    if kpi.formula is not None:
        return SourceLabel("derived")
    return ctx.sources.get(kpi.source, SourceLabel("unknown", kpi.source))


def render_goal_page(
    goal: Goal,
    gev: GoalEvaluation,
    kpis: Mapping[str, KpiDefinition],
    team: Team,
    ctx: PageContext,
    unreadable: Sequence[UnreadableEdit] = (),
) -> str:
    """A SMART goal's page; `kpis` must define every KPI in `gev.kpis`."""
    return _render(
        "goal.xml.j2", ctx, goal=goal, gev=gev, kpis=kpis, team=team, unreadable=unreadable
    )


def render_team_page(
    team_id: str,
    team: Team,
    tev: TeamEvaluation,
    kpis: Mapping[str, KpiDefinition],
    goals: Sequence[Goal],
    ctx: PageContext,
) -> str:
    """A team's overview page; `kpis` and `goals` must define all that `tev` evaluates."""
    if tev.team_id != team_id:
        raise ValueError(f"evaluation of team {tev.team_id!r} given for team {team_id!r}")
    goals_by_id = {goal.id: goal for goal in goals}
    return _render("team.xml.j2", ctx, team=team, tev=tev, kpis=kpis, goals=goals_by_id)


def render_root_page(
    teams: Mapping[str, Team],
    tevs: Sequence[TeamEvaluation],
    kpis: Mapping[str, KpiDefinition],
    goals: Sequence[Goal],
    ctx: PageContext,
) -> str:
    """The space's root page: the goals, every team at a glance, and every KPI with its team
    (those that need attention first, and how many more, beyond `ROOT_KPI_ROWS`); `kpis` and
    `goals` must define all that `tevs` evaluates."""
    goals_by_id = {goal.id: goal for goal in goals}
    every = [ev for tev in tevs for ev in tev.kpis]
    listed = every if len(every) <= ROOT_KPI_ROWS else attention_first(every)[:ROOT_KPI_ROWS]
    return _render(
        "root.xml.j2",
        ctx,
        teams=teams,
        tevs=tevs,
        kpis=kpis,
        goals=goals_by_id,
        listed=listed,
        unlisted=len(every) - len(listed),
    )


def render_retired_panel(locale: str, templates: Path | None = None) -> str:
    """The warning panel put on top of a page that left the catalog (its body stays below)."""
    values = {"t": load_strings(locale, templates).tree}
    return render(environment(templates), "retired.xml.j2", values).strip() + "\n"


def render_unavailable_panel(since: datetime, error: str, ctx: PageContext) -> str:
    """The warning panel put on top of a KPI's page kept with its last good values while its
    source fails: since when (the day in the catalog's zone) and why."""
    return _render("unavailable.xml.j2", ctx, since=since, error=error).strip() + "\n"


def _render(template: str, ctx: PageContext, **values: object) -> str:
    """A page template rendered with the context's texts and formatter, and `values`."""
    strings = load_strings(ctx.locale, ctx.templates)
    fmt = _formatter(ctx.locale, ctx.zone, ctx.space_key, ctx.templates)
    # The names `template_problems` checks a catalog's templates against.
    assert VARIABLES[template] == {"ctx", "t", "fmt", *values}, template
    return render(
        environment(ctx.templates), template, {"ctx": ctx, "t": strings.tree, "fmt": fmt, **values}
    )


@lru_cache(maxsize=8)
def _formatter(locale: str, zone: ZoneInfo, space_key: str, templates: Path | None) -> Formatter:
    """The formatter of a locale, zone, space and templates, shared by every page rendered
    for them."""
    return Formatter(load_strings(locale, templates), zone, space_key)


def _title(path: str, name: str, locale: str, templates: Path | None) -> str:
    """A page title: one line of clean text, cut to Confluence's length limit."""
    strings = load_strings(locale, templates)
    title = strings.say(path, name=_WHITESPACE.sub(" ", clean_text(name)).strip())
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"
