"""The checks across fields and items of a catalog, run on the parts that validate on their
own: ids, names and references, goals, teams, sources and the catalog's own templates; each KPI
through `kpi_checks`."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from confluence_kpi.catalog.document import Document
from confluence_kpi.catalog.kpi_checks import cycle_problems, kpi_problems
from confluence_kpi.catalog.parts import Parts, raw_ids
from confluence_kpi.catalog.problems import Problem
from confluence_kpi.catalog.schema import (
    DEFAULT_TEAM_KPIS,
    CsvSourceConfig,
    ExcelSourceConfig,
    SourceConfig,
    SqlSourceConfig,
    files_named,
    is_pattern,
    sqlite_file,
)
from confluence_kpi.model import Goal
from confluence_kpi.pages.templates import template_problems

# More KPIs than this and a goal has no focus (docs/kpi-formulas.md, "Goals and teams").
MAX_GOAL_KPIS = 5

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def cross_checks(document: Document, base_dir: Path) -> Iterator[Problem]:
    """Every problem that involves more than one field or item."""
    parts = Parts.gather(document, base_dir)
    yield from _id_problems(document, "kpis")
    yield from _id_problems(document, "goals")
    yield from _team_name_problems(document, parts)
    for index, kpi in parts.kpis:
        yield from kpi_problems(document, index, kpi, parts)
    yield from cycle_problems(document, parts)
    for index, goal in parts.goals:
        yield from _goal_problems(document, index, goal, parts)
    for name, source in parts.sources.items():
        yield from _source_warnings(document, name, source)
    yield from _team_size_warnings(document, parts)
    yield from _template_problems(document, base_dir)


def _id_problems(document: Document, key: str) -> Iterator[Problem]:
    """Ids must be slugs (they become page labels and property keys) and unique.

    Checked on the raw items, so that an item with other errors still has its id checked.
    """
    first: dict[str, int] = {}
    for index, ident in raw_ids(document.data.get(key)):
        path = (key, index, "id")
        if not _SLUG.fullmatch(ident):
            yield document.about(path, f"'{ident}' is not a slug{_slug_hint(ident)}")
        if ident in first:
            other = (key, first[ident])
            yield document.about(
                path,
                f"'{ident}' is already the id of {key}[{other[1]}] (line {document.line(other)})",
            )
        else:
            first[ident] = index


def _team_name_problems(document: Document, parts: Parts) -> Iterator[Problem]:
    """Team names must be slugs too: like ids, they become page labels."""
    for name in parts.team_names or ():
        if not _SLUG.fullmatch(name):
            yield document.about(("teams", name), f"'{name}' is not a slug{_slug_hint(name)}")


def _slug_hint(name: str) -> str:
    """What a slug is, with the one to use instead."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    like = f", like '{slug}'" if slug else ""
    return f": use lower-case letters, digits and hyphens{like} (it becomes a page label)"


def _goal_problems(document: Document, index: int, goal: Goal, parts: Parts) -> Iterator[Problem]:
    """A goal's references; a goal without deadline or KPIs is not SMART (warnings)."""
    at = ("goals", index)
    yield from parts.reference(document, (*at, "team"), goal.team, "teams")
    for position, kpi_id in enumerate(goal.kpis):
        yield from parts.reference(document, (*at, "kpis", position), kpi_id, "kpis")
        if kpi_id in goal.kpis[:position]:  # counted twice in the goal's roll-up
            first = goal.kpis.index(kpi_id)
            yield document.about(
                (*at, "kpis", position), f"'{kpi_id}' is listed already, as kpis[{first}]"
            )
    if goal.deadline is None:
        yield document.about(at, "has no deadline: a SMART goal is time-bound", "warning")
    known = [kpi for _, kpi in parts.kpis if kpi.id in goal.kpis]
    if not goal.kpis:
        yield document.about(at, "has no KPIs: a SMART goal is measurable", "warning")
    elif known and not any(kpi.targets for kpi in known):
        yield document.about(
            (*at, "kpis"), "has no KPI with a target: a SMART goal is measurable", "warning"
        )
    if len(goal.kpis) > MAX_GOAL_KPIS:
        yield document.about(
            (*at, "kpis"),
            f"lists {len(goal.kpis)} KPIs: more than {MAX_GOAL_KPIS} blur a goal, "
            "keep the ones that decide it",
            "warning",
        )


def _source_warnings(document: Document, name: str, source: SourceConfig) -> Iterator[Problem]:
    """Data files that are not there yet, and passwords written into the catalog or sent
    where anyone on the way can read them."""
    at = ("sources", name)
    csv_path = source.path if isinstance(source, CsvSourceConfig) else None
    if csv_path is not None and not files_named(csv_path):
        missing = "matches no file" if is_pattern(csv_path) else "does not exist"
        yield document.about((*at, "path"), f"{csv_path} {missing} (yet)", "warning")
    if isinstance(source, ExcelSourceConfig) and not source.path.is_file():
        yield document.about((*at, "path"), f"{source.path} does not exist (yet)", "warning")
    if isinstance(source, CsvSourceConfig) and source.url is not None:
        credentials = source.auth_env is not None or source.headers_env
        if credentials and urlsplit(source.url).scheme == "http":
            yield document.about(
                (*at, "url"),
                "is http://, so the credentials travel unencrypted: use https://",
                "warning",
            )
    if isinstance(source, SqlSourceConfig) and source.url:
        url = make_url(source.url)
        if url.password:
            yield document.about(
                (*at, "url"),
                "holds a password: put the URL in an environment variable and name it in url_env",
                "warning",
            )
        database = sqlite_file(url)
        if database is not None and not database.is_file():
            yield document.about((*at, "url"), f"{database} does not exist (yet)", "warning")


def _team_size_warnings(document: Document, parts: Parts) -> Iterator[Problem]:
    """Teams with more KPIs than the catalog's `max_team_kpis`."""
    limit = document.data.get("max_team_kpis", DEFAULT_TEAM_KPIS)
    if not isinstance(limit, int):
        return  # reported by validation
    counts = Counter(kpi.team for _, kpi in parts.kpis)
    for team, count in sorted(counts.items()):
        if count > limit and team in (parts.team_names or ()):
            yield document.about(
                ("teams", team),
                f"has {count} KPIs, more than max_team_kpis ({limit}): "
                "too many KPIs and none gets attention",
                "warning",
            )


def _template_problems(document: Document, base_dir: Path) -> Iterator[Problem]:
    """The catalog's own templates: each syntax error, unknown name or unusable string, at the
    `templates` line, naming the template file and its line."""
    templates = document.data.get("templates")
    if not isinstance(templates, str):
        return  # absent, or not a path: the schema says so
    for problem in template_problems(base_dir / templates):
        yield document.about(("templates",), f"has an error: {problem}")
