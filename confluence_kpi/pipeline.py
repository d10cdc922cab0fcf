"""What the pages should say: measure every KPI once, evaluate, render every page.

Measuring reads the sources (each distinct query once per run); evaluating and rendering are
pure, so the sync can evaluate and render again cheaply (after a version conflict brought a
person's edit in) without measuring again.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Container, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from confluence_kpi.catalog import (
    Catalog,
    ConfluenceTableConfig,
    CsvSourceConfig,
    ExcelSourceConfig,
    HttpSourceConfig,
    JiraSourceConfig,
    PluginSourceConfig,
    PrometheusSourceConfig,
    SourceConfig,
    SqlSourceConfig,
    StaticSourceConfig,
)
from confluence_kpi.derived import evaluate_derived, evaluation_order
from confluence_kpi.evaluate import (
    data_window,
    evaluate_goal,
    evaluate_kpi,
    evaluate_team,
    failed_evaluation,
)
from confluence_kpi.manual import MEASUREMENT
from confluence_kpi.memory import PageKey, Shown
from confluence_kpi.model import (
    Evaluation,
    Goal,
    GoalEvaluation,
    KpiDefinition,
    ManualRow,
    Measurement,
    TeamEvaluation,
    Window,
)
from confluence_kpi.pages.canonical import RENDER_VERSION
from confluence_kpi.pages.kept import kept_page
from confluence_kpi.pages.layout import managed_digests, managed_signatures
from confluence_kpi.pages.merge import Values
from confluence_kpi.pages.method import SourceLabel
from confluence_kpi.pages.render import (
    PageContext,
    UnreadableEdit,
    goal_title,
    kpi_title,
    render_goal_page,
    render_kpi_page,
    render_root_page,
    render_team_page,
    render_unavailable_panel,
    team_title,
)
from confluence_kpi.pages.values import period_example
from confluence_kpi.periods import local_date
from confluence_kpi.settings import DEFAULT_SOURCE_WORKERS
from confluence_kpi.sources import Fetcher, PageReader, SourceError, measure, query_grains

BOT_LABEL = "confluence-kpi"
# Database kinds as their makers write them, for "the PostgreSQL database sales".
_DIALECT_NAMES = {
    "sqlite": "SQLite",
    "postgresql": "PostgreSQL",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "mssql": "SQL Server",
    "oracle": "Oracle",
}
KIND_LABELS = {"root": "kpi-root", "team": "kpi-team", "goal": "kpi-goal", "kpi": "kpi"}
RETIRED_LABEL = "kpi-retired"


@dataclass(frozen=True)
class Measured:
    """Every KPI's series, or why its source failed."""

    series: Mapping[str, Sequence[Measurement]]
    errors: Mapping[str, str]


@dataclass(frozen=True)
class Evaluations:
    """The evaluate stage's output for the whole catalog."""

    kpis: Mapping[str, Evaluation]
    goals: Mapping[str, GoalEvaluation]
    teams: Mapping[str, TeamEvaluation]
    errors: Mapping[str, str]


@dataclass(frozen=True)
class KeptPage:
    """A KPI's page to keep with its last good values while its source fails: the bot's part
    of it as the page holds it, and since when the source has failed."""

    managed: str
    since: datetime


@dataclass(frozen=True)
class DesiredPage:
    """A page as this pass wants it: title, place, labels, the bot's body, and the values the
    bot's memory keeps for the next merge."""

    key: PageKey
    title: str
    parent: PageKey | None
    labels: frozenset[str]
    body: str
    fields: Values = field(default_factory=dict)
    catalog: Values = field(default_factory=dict)
    kept_rows: tuple[str, ...] = ()  # rows whose stored cell stays as a person typed it
    rows: tuple[ManualRow, ...] = ()  # a manual KPI's typed measurements, remembered
    unavailable_since: datetime | None = None  # a KPI page kept while its source fails
    status: str = ""  # the verdict a KPI or goal page shows, remembered for the next report
    shown: Shown | None = None  # a KPI page: what the root shows of the KPI, remembered

    @cached_property
    def digest(self) -> str:
        """The digest of the rendered body and the template version. Rendering is deterministic,
        so comparing it with the digest of the last render needs no canonical form (which
        costs a parse of the body): only bodies read back from Confluence need one."""
        return hashlib.sha256(f"{RENDER_VERSION}\n{self.body}".encode()).hexdigest()

    @cached_property
    def blocks(self) -> tuple[str, ...]:
        """The signatures of the bot's blocks, remembered for the next carry-over."""
        return managed_signatures(self.body)

    @cached_property
    def block_digests(self) -> tuple[str, ...]:
        """Digests of the bot's blocks, remembered to tell a person's edit of one of them."""
        return managed_digests(self.body)


def measure_catalog(
    catalog: Catalog,
    *,
    now: datetime,
    pages: PageReader | None = None,
    workers: int = DEFAULT_SOURCE_WORKERS,
    only: Container[str] | None = None,
) -> Measured:
    """Every source-backed KPI's series (of the KPIs in `only`, when given) as needed to
    evaluate it as of `now`; a failing source is noted, never fatal.

    The KPIs are measured `workers` at a time (slow sources and databases wait side by side,
    not one after the other); a query several KPIs share is still fetched once, and the
    result is in catalog order, the same whichever query finished first. `pages` is the run's
    connection to Confluence, for sources that read a page.
    """
    kpis = [
        kpi
        for kpi in catalog.kpis
        if kpi.formula is None and not kpi.manual and (only is None or kpi.id in only)
    ]
    series: dict[str, Sequence[Measurement]] = {}
    errors: dict[str, str] = {}
    windows = data_windows(catalog, kpis, now=now)
    grains = query_grains(kpis)
    fetcher = Fetcher(catalog.sources, pages=pages, windows=windows, grains=grains, now=now)

    def measured(kpi: KpiDefinition) -> Sequence[Measurement] | str:
        try:
            return measure(kpi, fetcher, zone=catalog.zone)
        except SourceError as exc:
            return str(exc)

    # Not the KPIs computed from others, or typed into their pages: those have no source.
    with _collector_paused(), fetcher, ThreadPoolExecutor(workers, "measure") as pool:
        for kpi, found in zip(kpis, pool.map(measured, kpis), strict=True):
            if isinstance(found, str):
                errors[kpi.id] = found
            else:
                series[kpi.id] = found
    return Measured(series, errors)


def data_windows(
    catalog: Catalog, kpis: Sequence[KpiDefinition], *, now: datetime
) -> dict[tuple[str, str | None], Window]:
    """The span of time each (source, query) must cover as of `now`: the widest that its
    KPIs' evaluations look at (`evaluate.data_window`), so one fetch serves them all."""
    windows: dict[tuple[str, str | None], Window] = {}
    for kpi in kpis:
        needed = data_window(kpi, now=now, zone=catalog.zone, week_start=catalog.week_start_index)
        key = (kpi.source, kpi.query)
        windows[key] = windows[key].covering(needed) if key in windows else needed
    return windows


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pauses Python's cyclic garbage collector for the block, and restores it after.

    Reading the sources builds a measurement per row (hundreds of thousands of small tuples,
    no reference cycles), and every few hundred of them set the collector off to walk the
    ever larger heap for nothing: a quarter of the stage's time at 1,000 KPIs. Garbage
    without cycles is still freed at once; any with cycles waits until the block ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def evaluate_catalog(
    catalog: Catalog,
    measured: Measured,
    *,
    now: datetime,
    recalled: Mapping[str, Evaluation] = MappingProxyType({}),
) -> Evaluations:
    """Evaluate every KPI (derived ones after their inputs), then roll up goals and teams;
    a KPI in `recalled` is taken as it is there (another shard evaluates it)."""
    zone, week_start = catalog.zone, catalog.week_start_index
    kpis: dict[str, Evaluation] = {}
    for kpi in evaluation_order(catalog.kpis):
        bands = kpi.bands or catalog.defaults.bands
        if kpi.id in recalled:
            kpis[kpi.id] = recalled[kpi.id]
        elif kpi.formula is not None:
            kpis[kpi.id] = evaluate_derived(
                kpi, kpis, now=now, zone=zone, week_start=week_start, bands=bands
            )
        elif kpi.id in measured.errors:
            kpis[kpi.id] = failed_evaluation(kpi, measured.errors[kpi.id], now=now)
        else:
            kpis[kpi.id] = evaluate_kpi(
                kpi,
                measured.series.get(kpi.id, ()),
                now=now,
                zone=zone,
                week_start=week_start,
                bands=bands,
            )
    goals = {
        goal.id: evaluate_goal(
            goal, [kpis[k] for k in goal.kpis], now=now, rollup=catalog.defaults.rollup
        )
        for goal in catalog.goals
    }
    teams = {
        team_id: evaluate_team(
            team_id,
            [kpis[k.id] for k in catalog.kpis if k.team == team_id],
            [goals[g.id] for g in catalog.goals if g.team == team_id],
        )
        for team_id in catalog.teams
    }
    return Evaluations(kpis=kpis, goals=goals, teams=teams, errors=measured.errors)


def desired_pages(
    catalog: Catalog,
    evaluations: Evaluations,
    *,
    fields: Mapping[PageKey, Values],
    seen: Mapping[PageKey, Values],
    unreadable: Mapping[PageKey, Sequence[UnreadableEdit]],
    rows: Mapping[str, Sequence[ManualRow]],
    kept: Mapping[str, KeptPage] = MappingProxyType({}),
    wanted: Container[PageKey] | None = None,
) -> list[DesiredPage]:
    """Render every page the catalog calls for (those in `wanted`, when given), parents
    before children.

    `fields` and `seen` are the merged team-editable values and the catalog's values, kept in
    each page's memory; `unreadable` lists what people typed that could not be read; `rows`
    the measurements people typed into manual KPIs' pages; `kept` the KPI pages to keep with
    their last good values, by KPI id, should the KPI's source have failed.
    """
    locale, templates = catalog.locale, catalog.templates
    kpi_titles = {k.id: kpi_title(k, locale, templates) for k in catalog.kpis}
    goal_titles = {g.id: goal_title(g, locale, templates) for g in catalog.goals}
    team_titles = {t: team_title(team, locale, templates) for t, team in catalog.teams.items()}
    ctx = PageContext(
        space_key=catalog.space,
        locale=locale,
        zone=catalog.zone,
        kpi_titles=kpi_titles,
        goal_titles=goal_titles,
        team_titles=team_titles,
        root_title=catalog.root_page,
        kpi_names={k.id.replace("-", "_"): k.name for k in catalog.kpis},
        sources={name: source_label(name, config) for name, config in catalog.sources.items()},
        bands=catalog.defaults.bands,
        templates=templates,
    )
    kpis = {k.id: k for k in catalog.kpis}
    root = PageKey("root", "root")
    tevs = [evaluations.teams[t] for t in catalog.teams]

    def skipped(key: PageKey) -> bool:
        return wanted is not None and key not in wanted

    pages = []
    if not skipped(root):
        pages.append(
            DesiredPage(
                key=root,
                title=catalog.root_page,
                parent=None,
                labels=labels_of("root"),
                body=render_root_page(catalog.teams, tevs, kpis, catalog.goals, ctx),
            )
        )
    for team_id, team in catalog.teams.items():
        if skipped(PageKey("team", team_id)):
            continue
        pages.append(
            DesiredPage(
                key=PageKey("team", team_id),
                title=team_titles[team_id],
                parent=root,
                labels=labels_of("team"),
                body=render_team_page(
                    team_id, team, evaluations.teams[team_id], kpis, catalog.goals, ctx
                ),
            )
        )
    for goal in catalog.goals:
        key = PageKey("goal", goal.id)
        if skipped(key):
            continue
        edits = unreadable.get(key, ())
        pages.append(
            DesiredPage(
                key=key,
                title=goal_titles[goal.id],
                parent=PageKey("team", goal.team),
                labels=labels_of("goal"),
                body=render_goal_page(
                    goal, evaluations.goals[goal.id], kpis, catalog.teams[goal.team], ctx, edits
                ),
                fields=dict(fields.get(key, {})),
                catalog=dict(seen.get(key, {})),
                kept_rows=tuple(sorted({e.row for e in edits})),
                status=evaluations.goals[goal.id].status.value,
            )
        )
    serving: dict[str, list[Goal]] = {}  # the goals that list each KPI
    for goal in catalog.goals:
        for kpi_id in dict.fromkeys(goal.kpis):  # a KPI listed twice shows the goal once
            serving.setdefault(kpi_id, []).append(goal)
    for kpi in catalog.kpis:
        key = PageKey("kpi", kpi.id)
        if skipped(key):
            continue
        edits = unreadable.get(key, ())
        extra = {f"kpi-{kpi.kind.value}", f"kpi-{kpi.horizon.value}"}
        if kpi.category:
            extra.add(f"kpi-{label_safe(kpi.category)}")
        failed = evaluations.errors.get(kpi.id)
        keep = kept.get(kpi.id) if failed is not None else None
        if keep is not None and failed is not None:
            body = kept_page(keep.managed, render_unavailable_panel(keep.since, failed, ctx))
        else:
            body = render_kpi_page(
                kpi,
                evaluations.kpis[kpi.id],
                catalog.teams[kpi.team],
                serving.get(kpi.id, ()),
                ctx,
                edits,
                rows.get(kpi.id, ()),
                example=_example(catalog, kpi, evaluations.kpis[kpi.id]),
            )
        pages.append(
            DesiredPage(
                key=key,
                title=kpi_titles[kpi.id],
                parent=PageKey("team", kpi.team),
                labels=labels_of("kpi") | extra,
                body=body,
                fields=dict(fields.get(key, {})),
                catalog=dict(seen.get(key, {})),
                kept_rows=tuple(sorted({e.row for e in edits} - {MEASUREMENT})),
                rows=tuple(rows.get(kpi.id, ())),
                unavailable_since=None if keep is None else keep.since,
                status=evaluations.kpis[kpi.id].status.value,
                shown=shown(evaluations.kpis[kpi.id]),
            )
        )
    return pages


def shown(ev: Evaluation) -> Shown:
    """What the root shows of a KPI evaluated so, to remember on its page."""
    return Shown(current=ev.current, stale_since=ev.stale_since, progress=ev.progress)


def source_label(name: str, config: SourceConfig) -> SourceLabel:
    """What a page says about the source `name`: a file's name, a database's dialect and name,
    a plugin source's own name in the catalog; never a host, a user or a password."""
    match config:
        case CsvSourceConfig(url=str(url)):
            return SourceLabel("csv", PurePosixPath(urlsplit(url).path).name)
        case CsvSourceConfig():
            return SourceLabel("csv", Path(config.path or "").name)  # a file, or a pattern
        case ExcelSourceConfig():
            return SourceLabel("excel", config.path.name)
        case SqlSourceConfig(url=str(url)):
            parsed = make_url(url)
            backend = parsed.get_backend_name()
            dialect = _DIALECT_NAMES.get(backend, backend)
            return SourceLabel("sql", Path(parsed.database or "").name, dialect)
        case SqlSourceConfig():
            return SourceLabel("sql", str(config.url_env), "SQL")
        case StaticSourceConfig():
            return SourceLabel("static")
        case HttpSourceConfig() | PrometheusSourceConfig() | JiraSourceConfig():
            # The source's name in the catalog: its address may name an internal host.
            return SourceLabel(config.type, name)
        case ConfluenceTableConfig():
            return SourceLabel("confluence_table", config.title or str(config.page_id))
        case PluginSourceConfig():
            # Not the plugin's type: a type named like one of the page's own kinds ("page",
            # "derived") would be worded as that kind.
            return SourceLabel("plugin", name)


def _example(catalog: Catalog, kpi: KpiDefinition, ev: Evaluation) -> str:
    """How to type the running period into a manual KPI's table; "" for other KPIs."""
    if not kpi.manual:
        return ""
    today = local_date(ev.as_of, catalog.zone)
    return period_example(today, kpi.grain, catalog.week_start_index, catalog.locale)


def labels_of(kind: str) -> frozenset[str]:
    """The labels every page of a kind carries: the bot's and the kind's."""
    return frozenset({BOT_LABEL, KIND_LABELS[kind]})


def label_safe(text: str) -> str:
    """A label from free text: lower case, no spaces (Confluence labels cannot hold them)."""
    return "-".join(text.lower().split())
