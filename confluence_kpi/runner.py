"""Wires settings, catalog and gateway into one sync pass; shared by `sync` and `demo`.

Everything that can be wrong before the first write (settings, catalog, connection, credentials,
space) surfaces here as a `SetupError`, which the commands turn into exit code 2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from confluence_kpi.catalog import Catalog, CatalogError, load_catalog
from confluence_kpi.confluence import ConfluenceApi, ConfluenceError, Transport, gateway_for_api
from confluence_kpi.confluence.rate_limit import RateLimiter
from confluence_kpi.logs import hide
from confluence_kpi.pages.merge import Prefer
from confluence_kpi.pages.strings import TemplatesError
from confluence_kpi.report import PageResult, SyncReport
from confluence_kpi.settings import (
    DEFAULT_SOURCE_WORKERS,
    DEFAULT_WRITE_WORKERS,
    Settings,
    SettingsError,
    load_settings,
)
from confluence_kpi.sync import run_sync
from confluence_kpi.sync.run import ROOT_WAIT
from confluence_kpi.sync.shards import WHOLE, Shard


class SetupError(Exception):
    """Nothing was written: the configuration, the credentials or the connection is wrong."""


@dataclass(frozen=True)
class Setup:
    """A loaded catalog, a gateway ready to use it, and how many sources to read and pages
    to write at once."""

    catalog: Catalog
    gateway: ConfluenceApi
    source_workers: int = DEFAULT_SOURCE_WORKERS
    write_workers: int = DEFAULT_WRITE_WORKERS


def load_setup(config: Path | None, settings: Settings | None = None) -> Setup:
    """Settings from the environment (unless given) and the catalog; SetupError if unusable."""
    try:
        settings = settings or load_settings()
    except SettingsError as exc:
        raise SetupError(f"settings:\n{exc}") from None
    catalog = catalog_for(config, settings)
    return Setup(
        catalog=catalog,
        gateway=site_gateway(settings),
        source_workers=settings.source_workers,
        write_workers=settings.write_workers,
    )


def catalog_for(config: Path | None, settings: Settings) -> Catalog:
    """The catalog at `config` (else the settings' path), in the space the settings name if
    they name one; SetupError listing its problems."""
    try:
        catalog = load_catalog(config or settings.catalog_path)
    except CatalogError as exc:
        raise SetupError(f"catalog:\n{exc}") from None
    if settings.space:
        catalog = catalog.model_copy(update={"space": settings.space})
    return catalog


def site_gateway(settings: Settings) -> ConfluenceApi:
    """A gateway to the settings' site; SetupError when they name none or it cannot be used."""
    if settings.url is None:
        raise SetupError("settings: CONFLUENCE_URL is not set")
    return gateway_for(settings, settings.url)


def gateway_for(settings: Settings, url: str) -> ConfluenceApi:
    """A gateway to `url` with the credentials and knobs of `settings`, speaking the REST API
    they name (or the one the site serves)."""
    api_token = settings.api_token.get_secret_value() if settings.api_token else None
    pat = settings.pat.get_secret_value() if settings.pat else None
    hide(api_token, pat)
    # A CA bundle only matters while verifying; without one requests takes the system's CAs,
    # or REQUESTS_CA_BUNDLE's (requests reads it when it is told to verify with True).
    ca_bundle = str(settings.ca_bundle) if settings.ca_bundle else None
    try:
        transport = Transport(
            url,
            username=settings.username,
            api_token=api_token,
            pat=pat,
            timeout=settings.timeout,
            verify_tls=(ca_bundle or True) if settings.verify_tls else False,
            max_retries=settings.max_retries + 1,  # the setting counts retries, not attempts
            limiter=RateLimiter(settings.requests_per_second),
            connections=settings.write_workers,
        )
    except ConfluenceError as exc:
        raise SetupError(f"settings: {exc}") from None
    try:
        return gateway_for_api(transport, settings.api)
    except ConfluenceError as exc:
        raise SetupError(str(exc)) from None


def sync_once(
    setup: Setup,
    *,
    now: datetime,
    dry_run: bool = False,
    show_diff: bool = False,
    only: Iterable[str] = (),
    prefer: Prefer = "page",
    progress: Callable[[PageResult], None] = lambda _result: None,
    go_on: Callable[[], bool] = lambda: True,
    shard: Shard | None = None,
    root_wait: float | None = None,
) -> SyncReport:
    """One pass; SetupError when Confluence cannot be used at all (before anything is written).
    `go_on` is asked before each page: False stops the pass there (a worker shutting down);
    the pages being written then are finished. `shard` (none: the whole catalog) is the
    share of the pages this process syncs."""
    unknown = sorted(set(only) - _ids(setup.catalog))
    if unknown:
        raise SetupError(f"--only: no KPI, goal or team with id {', '.join(unknown)}")
    try:
        return run_sync(
            setup.catalog,
            setup.gateway,
            now=now,
            dry_run=dry_run,
            show_diff=show_diff,
            only=only,
            prefer=prefer,
            progress=progress,
            go_on=go_on,
            source_workers=setup.source_workers,
            write_workers=setup.write_workers,
            shard=shard or WHOLE,
            root_wait=ROOT_WAIT if root_wait is None else root_wait,
        )
    except ConfluenceError as exc:
        raise SetupError(str(exc)) from None
    except TemplatesError as exc:
        # Every page is rendered once before the first write: a catalog's template that fails
        # on this run's data stops the pass like any other error in the catalog.
        raise SetupError(f"templates:\n{exc}") from None


def _ids(catalog: Catalog) -> set[str]:
    """Every id `--only` may name."""
    return (
        {k.id for k in catalog.kpis} | {g.id for g in catalog.goals} | set(catalog.teams) | {"root"}
    )
