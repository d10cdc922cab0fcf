"""One reconcile pass: observe the bot's pages, compute what they should say, write the difference.

This is the only module that decides what gets written. The pass is

    observe -> measure -> evaluate -> render -> plan -> apply

Observation is one paged CQL listing of the pages carrying the bot's label, with the bot's
content property expanded but no bodies: a page whose version is still the one the bot wrote
and whose rendered digest has not changed is left alone without reading its body. A body is
read only when the page must be written, or when someone saved the page since the bot did.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from confluence_kpi.catalog import Catalog
from confluence_kpi.confluence import (
    ConflictError,
    ConfluenceError,
    Gateway,
    Page,
    Property,
    SpaceInfo,
)
from confluence_kpi.derived import evaluate_derived, evaluation_order
from confluence_kpi.evaluate import evaluate_goal, evaluate_kpi, evaluate_team, failed_evaluation
from confluence_kpi.model import Evaluation, GoalEvaluation, Status, TeamEvaluation
from confluence_kpi.pages.canonical import canonical, digest
from confluence_kpi.pages.layout import human_part, with_human_part
from confluence_kpi.pages.render import (
    PageContext,
    goal_title,
    kpi_title,
    render_goal_page,
    render_kpi_page,
    render_root_page,
    render_team_page,
    team_title,
)
from confluence_kpi.sources import Fetcher, SourceError, measure

PROPERTY_KEY = "confluence-kpi"
SCHEMA_VERSION = 1
BOT_LABEL = "confluence-kpi"
KIND_LABELS = {"root": "kpi-root", "team": "kpi-team", "goal": "kpi-goal", "kpi": "kpi"}
MAX_CONFLICT_RETRIES = 3
# Parents come before children, so a page created in this run has its parent's id.
KIND_ORDER = ("root", "team", "goal", "kpi")


class Action(StrEnum):
    """What the pass did, or (in a dry run) would do, to one page."""

    CREATE = "created"
    UPDATE = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True, order=True)
class PageKey:
    """A managed page's identity, kept in its content property: never its title."""

    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


@dataclass(frozen=True)
class DesiredPage:
    """A page as this pass wants it: title, place, labels, and its bot-managed body."""

    key: PageKey
    title: str
    parent: PageKey | None
    labels: frozenset[str]
    body: str

    @property
    def digest(self) -> str:
        return digest(self.body)


@dataclass(frozen=True)
class PageResult:
    """The outcome for one page, as the report shows it."""

    key: PageKey
    title: str
    action: Action
    reason: str = ""
    page_id: str | None = None
    diff: str | None = None


@dataclass
class SyncReport:
    """Everything the pass did, for the text or JSON report and the exit code."""

    dry_run: bool
    pages: list[PageResult] = field(default_factory=list)
    kpi_errors: dict[str, str] = field(default_factory=dict)
    kpi_status: dict[str, Status] = field(default_factory=dict)
    requests: int = 0

    @property
    def failed(self) -> bool:
        """Some KPI could not be evaluated or some page could not be written."""
        return bool(self.kpi_errors) or any(p.action is Action.FAILED for p in self.pages)

    @property
    def exit_code(self) -> int:
        """0 when everything synced, 1 when something failed (the rest still synced)."""
        return 1 if self.failed else 0

    def counts(self) -> dict[str, int]:
        """Pages per action, every action listed."""
        return {action.value: sum(p.action is action for p in self.pages) for action in Action}

    def as_json(self) -> dict[str, Any]:
        """The report as plain JSON data."""
        return {
            "dry_run": self.dry_run,
            "summary": self.counts(),
            "requests": self.requests,
            "kpi_errors": self.kpi_errors,
            "kpi_status": {kpi_id: status.value for kpi_id, status in self.kpi_status.items()},
            "pages": [
                {
                    "kind": p.key.kind,
                    "id": p.key.id,
                    "title": p.title,
                    "action": p.action.value,
                    "reason": p.reason,
                    "page_id": p.page_id,
                }
                | ({"diff": p.diff} if p.diff is not None else {})
                for p in self.pages
            ],
        }


@dataclass(frozen=True)
class Evaluations:
    """The evaluate stage's output for the whole catalog."""

    kpis: Mapping[str, Evaluation]
    goals: Mapping[str, GoalEvaluation]
    teams: Mapping[str, TeamEvaluation]
    errors: Mapping[str, str]


def evaluate_catalog(catalog: Catalog, *, now: datetime) -> Evaluations:
    """Measure and evaluate every KPI (derived ones after their inputs), then roll up goals and
    teams; a failing source is noted."""
    zone = catalog.zone
    kpis: dict[str, Evaluation] = {}
    errors: dict[str, str] = {}
    with Fetcher(catalog.sources) as fetcher:
        for kpi in evaluation_order(catalog.kpis):
            bands = kpi.bands or catalog.defaults.bands
            if kpi.formula is not None:
                kpis[kpi.id] = evaluate_derived(
                    kpi, kpis, now=now, zone=zone, week_start=catalog.week_start_index, bands=bands
                )
                continue
            try:
                series = measure(kpi, fetcher, zone=zone)
            except SourceError as exc:
                errors[kpi.id] = str(exc)
                kpis[kpi.id] = failed_evaluation(kpi, str(exc), now=now)
                continue
            kpis[kpi.id] = evaluate_kpi(
                kpi, series, now=now, zone=zone, week_start=catalog.week_start_index, bands=bands
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
    return Evaluations(kpis=kpis, goals=goals, teams=teams, errors=errors)


def desired_pages(catalog: Catalog, evaluations: Evaluations) -> list[DesiredPage]:
    """Render every page the catalog calls for, parents before children."""
    locale = catalog.locale
    kpi_titles = {k.id: kpi_title(k, locale) for k in catalog.kpis}
    goal_titles = {g.id: goal_title(g, locale) for g in catalog.goals}
    team_titles = {t: team_title(team, locale) for t, team in catalog.teams.items()}
    ctx = PageContext(
        space_key=catalog.space,
        locale=locale,
        zone=catalog.zone,
        kpi_titles=kpi_titles,
        goal_titles=goal_titles,
        team_titles=team_titles,
        root_title=catalog.root_page,
    )
    kpis = {k.id: k for k in catalog.kpis}
    root = PageKey("root", "root")
    pages = [
        DesiredPage(
            key=root,
            title=catalog.root_page,
            parent=None,
            labels=_labels("root"),
            body=render_root_page(
                catalog.teams, [evaluations.teams[t] for t in catalog.teams], ctx
            ),
        )
    ]
    for team_id, team in catalog.teams.items():
        pages.append(
            DesiredPage(
                key=PageKey("team", team_id),
                title=team_titles[team_id],
                parent=root,
                labels=_labels("team"),
                body=render_team_page(
                    team_id, team, evaluations.teams[team_id], kpis, catalog.goals, ctx
                ),
            )
        )
    for goal in catalog.goals:
        pages.append(
            DesiredPage(
                key=PageKey("goal", goal.id),
                title=goal_titles[goal.id],
                parent=PageKey("team", goal.team),
                labels=_labels("goal"),
                body=render_goal_page(
                    goal, evaluations.goals[goal.id], kpis, catalog.teams[goal.team], ctx
                ),
            )
        )
    for kpi in catalog.kpis:
        extra = {f"kpi-{kpi.kind.value}", f"kpi-{kpi.horizon.value}"}
        if kpi.category:
            extra.add(f"kpi-{_label_safe(kpi.category)}")
        pages.append(
            DesiredPage(
                key=PageKey("kpi", kpi.id),
                title=kpi_titles[kpi.id],
                parent=PageKey("team", kpi.team),
                labels=_labels("kpi") | extra,
                body=render_kpi_page(
                    kpi, evaluations.kpis[kpi.id], catalog.teams[kpi.team], catalog.goals, ctx
                ),
            )
        )
    return pages


def observe(gateway: Gateway, space: str) -> dict[PageKey, Page]:
    """The bot's pages in the space, by the identity in their content property (no bodies)."""
    cql = f'space = "{space}" and type = page and label = "{BOT_LABEL}"'
    found: dict[PageKey, Page] = {}
    for page in gateway.search(
        cql,
        expand=("version", "metadata.labels", f"metadata.properties.{PROPERTY_KEY}"),
    ):
        key = _key_of(page)
        # Two pages claiming one identity (a copy made in Confluence keeps the property):
        # the older one, the lower id, is the bot's.
        if key is not None and (key not in found or int(page.id) < int(found[key].id)):
            found[key] = page
    return found


@dataclass
class Syncer:
    """Applies a plan with the gateway; one instance per pass."""

    gateway: Gateway
    space: SpaceInfo
    observed: dict[PageKey, Page]
    dry_run: bool = False
    show_diff: bool = False
    ids: dict[PageKey, str] = field(default_factory=dict)

    def sync_page(self, want: DesiredPage) -> PageResult:
        """Create, update or leave one page; errors become a failed result, never an abort."""
        try:
            page = self.observed.get(want.key)
            if page is None:
                return self._create(want)
            self.ids[want.key] = page.id
            return self._update(want, page)
        except ConfluenceError as exc:
            return PageResult(want.key, want.title, Action.FAILED, reason=str(exc))

    def _create(self, want: DesiredPage) -> PageResult:
        parent_id = self._parent_id(want)
        if self.dry_run:
            return PageResult(want.key, want.title, Action.CREATE, reason="new page")
        body = with_human_part(want.body, None)
        created = self.gateway.create_page(
            self.space.key,
            want.title,
            body,
            parent_id=parent_id,
            labels=want.labels,
            properties={PROPERTY_KEY: _memory(want, version=1)},
        )
        self.ids[want.key] = created.id
        return PageResult(want.key, want.title, Action.CREATE, "new page", page_id=created.id)

    def _update(self, want: DesiredPage, page: Page) -> PageResult:
        memory = page.properties.get(PROPERTY_KEY)
        remembered = memory.value if memory and isinstance(memory.value, dict) else {}
        wrote_last = remembered.get("page_version") == page.version
        if wrote_last and remembered.get("digest") == want.digest:
            return self._labels_only(want, page)
        for _attempt in range(MAX_CONFLICT_RETRIES):
            current = self.gateway.get_page(page.id, expand=("body.storage", "version"))
            stored = current.body or ""
            body = with_human_part(want.body, human_part(stored))
            if canonical(stored) == canonical(body):
                # Someone saved the page without changing what it says (or only its human
                # part): remember their version, so the next run need not read it again.
                if not self.dry_run:
                    self.gateway.set_property(
                        page.id, PROPERTY_KEY, _memory(want, current.version), current=memory
                    )
                # `page` (from the listing) carries the labels; the re-read does not.
                return self._labels_only(want, page, reason="edited in Confluence; kept")
            if self.dry_run:
                return PageResult(
                    want.key,
                    want.title,
                    Action.UPDATE,
                    reason="content changed",
                    page_id=page.id,
                    diff=_diff(stored, body, want.title) if self.show_diff else None,
                )
            try:
                updated = self.gateway.update_page(
                    current, current.title, body, version_message="confluence-kpi sync"
                )
            except ConflictError:
                continue  # someone saved between our read and our write: read again
            self.gateway.set_property(
                page.id, PROPERTY_KEY, _memory(want, updated.version), current=memory
            )
            self._add_missing_labels(want, page)
            return PageResult(
                want.key,
                want.title,
                Action.UPDATE,
                reason="content changed",
                page_id=page.id,
                diff=_diff(stored, body, want.title) if self.show_diff else None,
            )
        return PageResult(
            want.key,
            want.title,
            Action.FAILED,
            reason=f"page kept changing under us ({MAX_CONFLICT_RETRIES} version conflicts)",
            page_id=page.id,
        )

    def _labels_only(self, want: DesiredPage, page: Page, reason: str = "") -> PageResult:
        added = self._add_missing_labels(want, page)
        return PageResult(
            want.key,
            want.title,
            Action.UNCHANGED,
            reason=reason or ("labels restored" if added else ""),
            page_id=page.id,
        )

    def _add_missing_labels(self, want: DesiredPage, page: Page) -> bool:
        missing = want.labels - page.labels
        if missing and not self.dry_run:
            self.gateway.add_labels(page.id, missing)
        return bool(missing)

    def _parent_id(self, want: DesiredPage) -> str | None:
        if want.parent is None:
            return self.space.homepage_id
        parent = self.ids.get(want.parent)
        if parent is None and not self.dry_run:
            # Either the parent failed earlier in this pass, or --only left it out while it
            # does not exist yet: a page is never created in the wrong place.
            raise ConfluenceError(f"its parent page ({want.parent}) does not exist")
        return parent


def run_sync(
    catalog: Catalog,
    gateway: Gateway,
    *,
    now: datetime,
    dry_run: bool = False,
    show_diff: bool = False,
    only: Iterable[str] = (),
    progress: Callable[[PageResult], None] = lambda _result: None,
) -> SyncReport:
    """One reconcile pass; connection, auth and space errors propagate before any write."""
    space = gateway.check_space(catalog.space)
    observed = observe(gateway, catalog.space)
    evaluations = evaluate_catalog(catalog, now=now)
    wanted = _only(desired_pages(catalog, evaluations), set(only))
    syncer = Syncer(gateway, space, observed, dry_run=dry_run, show_diff=show_diff)
    # Pages not being synced this pass still serve as parents.
    syncer.ids.update({key: page.id for key, page in observed.items()})
    report = SyncReport(
        dry_run=dry_run,
        kpi_errors=dict(evaluations.errors),
        kpi_status={kpi_id: ev.status for kpi_id, ev in evaluations.kpis.items()},
    )
    for want in sorted(wanted, key=lambda w: KIND_ORDER.index(w.key.kind)):
        result = syncer.sync_page(want)
        report.pages.append(result)
        progress(result)
    report.requests = gateway.request_count
    return report


def _only(pages: Sequence[DesiredPage], ids: set[str]) -> list[DesiredPage]:
    """The pages whose KPI, goal or team id is in `ids` (all pages when `ids` is empty)."""
    if not ids:
        return list(pages)
    return [p for p in pages if p.key.id in ids]


def _labels(kind: str) -> frozenset[str]:
    return frozenset({BOT_LABEL, KIND_LABELS[kind]})


def _label_safe(text: str) -> str:
    """A label from free text: lower case, no spaces (Confluence labels cannot hold them)."""
    return "-".join(text.lower().split())


def _memory(want: DesiredPage, version: int) -> dict[str, Any]:
    """The bot's memory of a page, kept in its content property."""
    return {
        "schema": SCHEMA_VERSION,
        "kind": want.key.kind,
        "id": want.key.id,
        "page_version": version,
        "digest": want.digest,
    }


def _key_of(page: Page) -> PageKey | None:
    """The identity a page's content property claims, or None for a page that is not ours."""
    prop: Property | None = page.properties.get(PROPERTY_KEY)
    if prop is None or not isinstance(prop.value, dict):
        return None
    kind, ident = prop.value.get("kind"), prop.value.get("id")
    if kind in KIND_LABELS and isinstance(ident, str):
        return PageKey(kind, ident)
    return None


def _diff(stored: str, wanted: str, title: str) -> str:
    """A readable unified diff of the canonical forms, one element per line."""
    before = canonical(stored).replace("><", ">\n<").splitlines()
    after = canonical(wanted).replace("><", ">\n<").splitlines()
    return "\n".join(
        difflib.unified_diff(
            before, after, f"{title} (in Confluence)", f"{title} (new)", lineterm=""
        )
    )
