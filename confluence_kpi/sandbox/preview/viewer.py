"""The sandbox's read-only HTML viewer, so a person can look at what the bot wrote: `/` lists the
spaces and their page trees, `/spaces/KEY/pages/ID` shows a page as Confluence would, and
Confluence's other addresses of a page or space (short links, edit links) redirect there. A
local preview: no login, no scripts, nothing loaded from elsewhere (its CSP forbids it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from html import escape
from typing import Final
from urllib.parse import unquote, unquote_plus

from confluence_kpi.sandbox.config import SandboxConfig
from confluence_kpi.sandbox.cql import CqlContext, CqlError, parse_cql
from confluence_kpi.sandbox.messages import Request, Response
from confluence_kpi.sandbox.model import Content, Space
from confluence_kpi.sandbox.preview.addresses import page_path, space_path, ui_address
from confluence_kpi.sandbox.preview.report_rows import ReportRow
from confluence_kpi.sandbox.preview.storage_html import page_properties, storage_to_html
from confluence_kpi.sandbox.preview.styles import BODY_CSS, PAGE_CSS
from confluence_kpi.sandbox.render import account_id, user_key
from confluence_kpi.sandbox.services import Services

HTML_TYPE: Final = "text/html;charset=utf-8"
_HEADERS: Final = (
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),  # a preview of live data: always ask again
)
_VIEWABLE: Final = frozenset({"page", "blogpost"})


class Viewer:
    """Answers every request outside the context path and `/_sandbox`; GET and HEAD only."""

    def __init__(self, config: SandboxConfig, services: Services) -> None:
        self._context_path = config.effective_context_path
        self._user_names = tuple(user.name for user in config.effective_users)
        self._services = services

    def __call__(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            refusal = _shell("Not allowed", "<p>The viewer is read-only.</p>")
            return _html(405, refusal, (("Allow", "GET, HEAD"),))
        path = request.path
        if self._context_path and (path + "/").startswith(self._context_path + "/"):
            path = path[len(self._context_path) :]
        segments = path.strip("/").split("/") if path.strip("/") else []
        snapshot = self._snapshot()
        if not segments:
            return _html(200, _index(snapshot))
        page = _find(snapshot, segments)
        if page is not None:
            return _html(200, self._page(snapshot, page))
        target = ui_address(segments, request.query, snapshot.contents, snapshot.spaces)
        return _redirect(target) if target is not None else _not_found()

    def _snapshot(self) -> _Snapshot:
        """The records a view needs, copied under the lock; records are immutable, so the
        rendering that follows neither holds the lock nor sees a half-applied write."""
        with self._services.store.reading() as state:
            contents = {
                c.id: c
                for c in state.contents.values()
                if c.type in _VIEWABLE and c.status == "current"
            }
            return _Snapshot(dict(state.spaces), contents, self._user_names, self._services.now())

    def _page(self, snapshot: _Snapshot, page: Content) -> str:
        space = snapshot.spaces.get(page.space_key)
        space_name = space.name if space else page.space_key
        crumbs = [f'<a href="{escape(space_path(page.space_key))}">{escape(space_name)}</a>']
        crumbs += [
            f'<a href="{page_path(a)}">{escape(a.title)}</a>'
            for a in (snapshot.contents.get(i) for i in page.ancestor_ids)
            if a is not None
        ]
        version = page.version
        byline = (
            f"Version {version.number} · last updated {_when(version.when)} by {escape(version.by)}"
            f" · created {_when(page.created)} by {escape(page.creator)}"
        )
        body = storage_to_html(page.body, _Links(snapshot, page))
        main = (
            f'<nav class="breadcrumb">{" / ".join(crumbs)}</nav>'
            f'<h1 class="page-title">{escape(page.title)}</h1>'
            f'<div class="byline">{byline}</div>{_labels(page)}'
            f'<div class="page-body">{body}</div>'
        )
        return _shell(page.title, main)


@dataclass
class _Snapshot:
    """Spaces and viewable content at one moment, with indexes built when first needed."""

    spaces: dict[str, Space]
    contents: dict[str, Content]
    user_names: Sequence[str]
    now: datetime

    @cached_property
    def by_title(self) -> dict[tuple[str, str], Content]:
        return {(c.space_key, c.title): c for c in self.contents.values() if c.type == "page"}

    @cached_property
    def users(self) -> dict[str, str]:
        """Every known user name under its DC key and its Cloud account id."""
        names = {*self.user_names, *(c.creator for c in self.contents.values())}
        names.update(c.version.by for c in self.contents.values())
        return {ident: name for name in names for ident in (user_key(name), account_id(name))}

    @cached_property
    def children(self) -> dict[str | None, list[Content]]:
        """Pages by parent id (None for top-level pages), in creation order."""
        out: dict[str | None, list[Content]] = {}
        for page in sorted(self.contents.values(), key=lambda c: int(c.id)):
            if page.type == "page":
                parent = page.parent_id if page.parent_id in self.contents else None
                out.setdefault(parent, []).append(page)
        return out


@dataclass(frozen=True)
class _Links:
    """The `Resolver` for one page: links, mentions and reports within the snapshot."""

    snapshot: _Snapshot
    page: Content

    @property
    def space_key(self) -> str:
        return self.page.space_key

    def page_url(self, space_key: str, title: str) -> str | None:
        target = self.snapshot.by_title.get((space_key, title))
        return page_path(target) if target is not None else None

    def user_name(self, reference: Mapping[str, str]) -> str | None:
        if reference.get("username"):
            return reference["username"]
        ident = reference.get("userkey") or reference.get("account-id") or ""
        return self.snapshot.users.get(ident)

    def report(self, cql: str, details_id: str) -> list[ReportRow]:
        try:
            query = parse_cql(cql)
            context = CqlContext(self.snapshot.now, self.page.space_key, self.page.id)
            pages = query.select(self.snapshot.contents.values(), context)
        except CqlError as exc:
            raise ValueError(f"CQL {cql!r}: {exc}") from None
        return [
            ReportRow(
                p.title, page_path(p), page_properties(p.body, _Links(self.snapshot, p), details_id)
            )
            for p in pages
        ]


def _find(snapshot: _Snapshot, segments: list[str]) -> Content | None:
    """The page a path names: /spaces/KEY/pages/ID[/Title], as Cloud's `webui` links read, or
    /display/KEY/Title, as Data Center's do."""
    if len(segments) >= 4 and segments[0] == "spaces" and segments[2] == "pages":
        page = snapshot.contents.get(segments[3])
        return page if page is not None and page.space_key == unquote(segments[1]) else None
    if len(segments) == 3 and segments[0] == "display":
        return snapshot.by_title.get((unquote(segments[1]), unquote_plus(segments[2])))
    return None


def _index(snapshot: _Snapshot) -> str:
    sections = []
    for key in sorted(snapshot.spaces):
        space = snapshot.spaces[key]
        tops = [p for p in snapshot.children.get(None, []) if p.space_key == key]
        tree = _tree(snapshot, tops) if tops else '<p class="empty">No pages yet.</p>'
        sections.append(
            f'<section class="space" id="space-{escape(key)}"><h2>{escape(space.name)} '
            f'<span class="space-key">{escape(key)}</span></h2>{tree}</section>'
        )
    if not sections:
        sections.append('<p class="empty">No spaces.</p>')
    return _shell("Spaces", '<h1 class="page-title">Spaces</h1>' + "".join(sections))


def _tree(snapshot: _Snapshot, pages: list[Content]) -> str:
    items = []
    for page in pages:
        children = snapshot.children.get(page.id, [])
        subtree = _tree(snapshot, children) if children else ""
        items.append(
            f'<li><a href="{page_path(page)}">{escape(page.title)}</a>{_labels(page)}{subtree}</li>'
        )
    return f'<ul class="tree">{"".join(items)}</ul>'


def _labels(content: Content) -> str:
    if not content.labels:
        return ""
    names = "".join(f'<span class="label">{escape(n)}</span>' for n in sorted(content.labels))
    return f'<span class="labels">{names}</span>'


def _when(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def _shell(title: str, main: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · Confluence sandbox</title>"
        f"<style>{PAGE_CSS}{BODY_CSS}</style></head>"
        '<body><header class="top"><a href="/">Confluence sandbox</a>'
        '<span class="note">read-only preview</span></header>'
        f"<main>{main}</main></body></html>"
    )


def _html(status: int, page: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, page.encode(), HTML_TYPE, _HEADERS + headers)


def _redirect(path: str) -> Response:
    """Where another address of a page or space is shown (Confluence redirects `/x/` too)."""
    return Response(302, b"", "", (*_HEADERS, ("Location", path)))


def _not_found() -> Response:
    return _html(
        404,
        _shell(
            "Not found",
            '<h1 class="page-title">Page not found</h1><p><a href="/">All spaces</a></p>',
        ),
    )
