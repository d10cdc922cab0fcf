"""The `confluence-kpi` command line: parses arguments, hands over to the modules doing the work."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from confluence_kpi import __version__
from confluence_kpi.logs import LOG_FORMATS, complain, configure

if TYPE_CHECKING:
    from confluence_kpi.sync.shards import Shard

T = TypeVar("T")

_SETTINGS_HELP = """\
settings (from the environment, a .env file here, VAR_FILE, or /run/secrets):
  CONFLUENCE_URL          the site, with /wiki on Cloud (https://example.atlassian.net/wiki)
  CONFLUENCE_USERNAME     Cloud: the account's e-mail, with CONFLUENCE_API_TOKEN
  CONFLUENCE_API_TOKEN    Cloud: an API token from id.atlassian.com
  CONFLUENCE_PAT          Data Center: a personal access token
  CONFLUENCE_SPACE        overrides the catalog's space key
  KPI_CONFIG              the catalog (default config/catalog.yaml)
  CONFLUENCE_CA_BUNDLE    the CA certificates (PEM) of a site whose CA is the company's own
  CONFLUENCE_TIMEOUT, CONFLUENCE_VERIFY_TLS, CONFLUENCE_MAX_RETRIES, CONFLUENCE_API
  KPI_SOURCE_WORKERS, KPI_WRITE_WORKERS, CONFLUENCE_REQUESTS_PER_SECOND

example:
  confluence-kpi init                       # starter catalog, sample data, .env
  confluence-kpi validate                   # check them
  confluence-kpi sync --dry-run             # the plan: what would change, page by page
  confluence-kpi sync                       # write it
  confluence-kpi status --team sales        # verdicts now, without Confluence
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="confluence-kpi",
        description="Keeps KPI and SMART-goal pages in Confluence in step with measured data.",
        epilog=_SETTINGS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"confluence-kpi {__version__}")
    parser.add_argument("--log-format", choices=LOG_FORMATS, default="auto", help=_LOG_HELP)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_sync(commands)
    _add_validate(commands)
    _add_status(commands)
    _add_init(commands)
    _add_demo(commands)
    _add_sandbox(commands)
    _add_run(commands)
    _add_health(commands)
    for command in commands.choices.values():  # before or after the command, as people type it
        command.add_argument(
            "--log-format", choices=LOG_FORMATS, default=argparse.SUPPRESS, help=_LOG_HELP
        )
    return parser


_LOG_HELP = "log lines on stderr as text or JSON (auto, the default: JSON unless a terminal)"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    quiet = getattr(args, "quiet", False)
    args.log_format = configure(args.log_format, logging.WARNING if quiet else logging.INFO)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


def _add_sandbox(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from confluence_kpi.sandbox import SpaceSpec, UserSpec

    sandbox = commands.add_parser(
        "sandbox",
        help="start the local Confluence-compatible server",
        description="A local server that behaves like Confluence's REST API.",
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    sandbox.add_argument("--port", type=int, default=8090, help="the port (0: any free one)")
    sandbox.add_argument("--data", type=Path, metavar="FILE", help="SQLite file (default: memory)")
    sandbox.add_argument(
        "--context-path", metavar="PATH", help='default "/wiki" for cloud, none for dc'
    )
    sandbox.add_argument(
        "--flavour", choices=("dc", "cloud"), default="dc", help="Data Center or Cloud"
    )
    sandbox.add_argument(
        "--space",
        type=_parsed(SpaceSpec.parse),
        action="append",
        default=[],
        metavar="KEY[:Name]",
        help="a space to create (repeatable; default KPI)",
    )
    sandbox.add_argument(
        "--user",
        type=_parsed(UserSpec.parse),
        action="append",
        default=[],
        metavar="NAME:SECRET[:read]",
        help="a login, read-only with :read (repeatable; default admin:admin)",
    )
    sandbox.add_argument(
        "--pat", action="append", default=[], metavar="TOKEN", help="a bearer token (repeatable)"
    )
    sandbox.add_argument(
        "--latency-ms", type=int, default=0, metavar="N", help="delay every answer by N ms"
    )
    sandbox.add_argument(
        "--seed", type=int, default=0, metavar="N", help="seed of the sandbox's randomness"
    )
    sandbox.set_defaults(handler=_sandbox)


def _sandbox(args: argparse.Namespace) -> int:
    from confluence_kpi.sandbox import SandboxConfig, run

    config = SandboxConfig(
        host=args.host,
        port=args.port,
        data=args.data,
        context_path=args.context_path,
        flavour=args.flavour,
        spaces=args.space,
        users=args.user,
        pats=args.pat,
        latency_ms=args.latency_ms,
        seed=args.seed,
    )
    return run(config)


def _add_sync(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sync = commands.add_parser(
        "sync",
        help="one reconcile pass: measure, evaluate and write the pages that changed",
        description="Measures every KPI, evaluates it and writes the Confluence pages whose "
        "content changed; nothing else is written. Exit 0 when everything synced, 1 when some "
        "KPI or page failed or some KPI's data was refused (a data warning; the rest still "
        "synced), 2 on a configuration, authentication or connection error before anything "
        "was written.",
    )
    _add_config_option(sync)
    sync.add_argument(
        "--dry-run", action="store_true", help="plan only: write nothing, show the plan"
    )
    sync.add_argument(
        "--diff",
        nargs="?",
        const="plan",
        choices=("plan", "storage"),
        help="show what changes on each page: the values, before -> after (plan, the "
        "default), or the raw storage-format diff (storage)",
    )
    chosen = sync.add_mutually_exclusive_group()
    chosen.add_argument(
        "--only",
        nargs="+",
        default=[],
        metavar="ID",
        help="sync only the pages of these KPI, goal or team ids",
    )
    chosen.add_argument(
        "--shard",
        type=_parsed(_shard),
        metavar="I/N",
        help="sync shard I of N (0 <= I < N): the teams split among N processes by a hash of "
        "their id, each with its goals and KPIs; shard 0 also writes the root page and retires "
        "pages; auto/N takes I from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)",
    )
    sync.add_argument(
        "--root-wait",
        type=_parsed(_seconds),
        metavar="SECONDS",
        help="with --shard: how long a shard other than 0 waits for shard 0 to create the "
        "root page on a first run (default 300)",
    )
    sync.add_argument(
        "--report",
        choices=("text", "json"),
        default="text",
        help="text for people (default) or JSON for programs (docs/sync-report.schema.json)",
    )
    loudness = sync.add_mutually_exclusive_group()
    loudness.add_argument(
        "--quiet", action="store_true", help="no progress; only failures and the summary"
    )
    loudness.add_argument(
        "--verbose", action="store_true", help="also unchanged pages and every KPI's verdict"
    )
    sync.add_argument(
        "--prefer",
        choices=("page", "catalog"),
        default="page",
        help="when a field changed both on its page and in the catalog: which wins this run",
    )
    sync.add_argument(
        "--as-of",
        type=_parsed(_moment),
        metavar="WHEN",
        help="evaluate as of this moment instead of now: an ISO date (2026-11-28, its start), "
        "a date-time (2026-11-28T07:00, UTC unless it says), 'today' (now) or 'yesterday' "
        "(its end, UTC)",
    )
    sync.set_defaults(handler=_sync)


def _sync(args: argparse.Namespace) -> int:
    """One pass with the settings from the environment; shows progress, then the report."""
    from confluence_kpi.report_json import print_json
    from confluence_kpi.runner import SetupError, load_setup, sync_once
    from confluence_kpi.terminal import Detail, print_text, progress_for

    detail = Detail.QUIET if args.quiet else Detail.VERBOSE if args.verbose else Detail.NORMAL
    try:
        setup = load_setup(args.config)
        with progress_for(sys.stderr, detail, as_json=args.log_format == "json") as progress:
            report = sync_once(
                setup,
                now=args.as_of or datetime.now(UTC),
                dry_run=args.dry_run,
                show_diff=args.diff == "storage",
                only=args.only,
                prefer=args.prefer,
                progress=progress,
                shard=args.shard,
                root_wait=args.root_wait,
            )
    except SetupError as exc:
        complain("sync", str(exc))
        return 2
    if args.report == "json":
        print_json(report, sys.stdout)
    else:
        print_text(report, sys.stdout, detail, plan=args.dry_run or args.diff is not None)
    return report.exit_code


def _add_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="sync the example catalog into a local sandbox and show where to look",
        description="Starts a sandbox, syncs the example catalog (config/catalog.yaml) with "
        "its demo data into it and prints a summary; needs no settings.",
    )
    demo.add_argument("--port", type=int, default=8090, help="the sandbox's port (0: any free)")
    demo.add_argument(
        "--keep-running", action="store_true", help="leave the sandbox up until Ctrl-C"
    )
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    from confluence_kpi.demo import run_demo
    from confluence_kpi.runner import SetupError

    try:
        return run_demo(port=args.port, keep_running=args.keep_running, out=sys.stdout)
    except OSError as exc:
        complain("demo", f"cannot start the sandbox: {exc}")
    except SetupError as exc:
        complain("demo", str(exc))
    return 2


def _add_run(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser(
        "run",
        help="the worker: sync at start and on the catalog's schedule until stopped",
        description="Syncs at start and then on the catalog's schedule (every hour when it "
        "sets none), one sync at a time across workers (a lease on the root page); writes the "
        "heartbeat file that `health` reads. SIGTERM or SIGINT finishes the page being "
        "written and exits 0; a second one exits at once. Exit 2 when the catalog or the "
        "settings are invalid at start.",
    )
    _add_config_option(run)
    run.add_argument("--once", action="store_true", help="one run, then exit with its code")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    """The worker, logging to stderr."""
    from confluence_kpi.runner import SetupError
    from confluence_kpi.settings import SettingsError, load_settings
    from confluence_kpi.worker import Stop, Worker

    stop = Stop()
    stop.install()
    try:
        worker = Worker(args.config, load_settings(), stop)
    except (SettingsError, SetupError) as exc:
        complain("run", str(exc))
        return 2
    return worker.run_once() if args.once else worker.serve()


def _add_health(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    health = commands.add_parser(
        "health",
        help="whether the worker's last run finished in time (for container probes)",
        description="Reads the heartbeat file `run` writes (KPI_HEARTBEAT_FILE): exit 0 when "
        "the last run finished within the schedule's interval plus KPI_HEALTH_GRACE seconds, "
        "1 otherwise; prints one line saying why.",
    )
    health.set_defaults(handler=_health)


def _health(_args: argparse.Namespace) -> int:
    from datetime import timedelta

    from confluence_kpi.heartbeat import check_health
    from confluence_kpi.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"unhealthy: settings: {exc}".replace("\n", " "))
        return 1
    grace = timedelta(seconds=settings.health_grace)
    healthy, said = check_health(settings.heartbeat_file, now=datetime.now(UTC), grace=grace)
    print(("healthy: " if healthy else "unhealthy: ") + said)
    return 0 if healthy else 1


def _add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="the catalog (default: KPI_CONFIG, else config/catalog.yaml)",
    )


def _moment(text: str, now: datetime | None = None) -> datetime:
    """An aware moment from an ISO date or date-time (a naive one read as UTC), `today` (now)
    or `yesterday` (the end of yesterday in UTC, so that all of its data counts)."""
    now = now or datetime.now(UTC)
    word = text.strip().lower()
    if word == "today":
        return now
    if word == "yesterday":
        return datetime.combine(now.date(), time(0), tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a moment: write a date (2026-11-28), a date-time "
            "(2026-11-28T07:00 or 2026-11-28T07:00+01:00), 'today' or 'yesterday'"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _add_status(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    status = commands.add_parser(
        "status",
        help="the KPIs' verdicts in the terminal, measured now, without Confluence",
        description="Measures and evaluates every KPI from its sources and prints each one's "
        "status, value and why, what needs attention first. Writes nothing and needs no "
        "Confluence settings. Exit 0, or 2 when the catalog is unusable.",
    )
    _add_config_option(status)
    status.add_argument("--team", metavar="ID", help="only this team's KPIs (its catalog id)")
    status.add_argument(
        "--as-of",
        type=_parsed(_moment),
        metavar="WHEN",
        help="evaluate as of this moment, as sync --as-of takes it (default: now)",
    )
    status.set_defaults(handler=_status)


def _status(args: argparse.Namespace) -> int:
    """Every KPI's verdict (or one team's), from the sources; nothing is written."""
    from confluence_kpi.catalog import CatalogError, load_catalog
    from confluence_kpi.pipeline import evaluate_catalog, measure_catalog
    from confluence_kpi.settings import catalog_path
    from confluence_kpi.terminal import print_verdicts
    from confluence_kpi.verdicts import verdicts

    try:
        catalog = load_catalog(args.config or catalog_path())
    except CatalogError as exc:
        complain("status", f"catalog:\n{exc}")
        return 2
    if args.team is not None and args.team not in catalog.teams:
        known = ", ".join(catalog.teams)
        complain("status", f"--team: no team {args.team!r}; teams: {known}")
        return 2
    now = args.as_of or datetime.now(UTC)
    evaluations = evaluate_catalog(catalog, measure_catalog(catalog, now=now), now=now)
    shown = {k.id for k in catalog.kpis if args.team in (None, k.team)}
    found = [v for v in verdicts(catalog, evaluations.kpis) if v.kpi_id in shown]
    print_verdicts(found, sys.stdout)
    return 0


def _add_init(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from confluence_kpi.starter import LANGUAGES

    init = commands.add_parser(
        "init",
        help="write a starter catalog, sample data and a .env template here",
        description="Writes config/catalog.yaml (commented), config/data/sales.csv (a year of "
        "sample data) and .env (the settings to fill in) into the current directory; refuses "
        "when any of them exists. Exit 0, or 2 when nothing was written.",
    )
    init.add_argument(
        "--lang", choices=LANGUAGES, default="en", help="the language of the files and pages"
    )
    init.set_defaults(handler=_init)


def _init(args: argparse.Namespace) -> int:
    """The starter files in the working directory, or why not."""
    from confluence_kpi.starter import ExistingFilesError, write_starter

    try:
        written = write_starter(Path.cwd(), args.lang, datetime.now(UTC).date())
    except ExistingFilesError as exc:
        complain("init", f"already there, nothing written: {exc}")
        return 2
    for path in written:
        print(f"wrote {path.relative_to(Path.cwd())}")
    print(
        "next: fill in .env, then run `confluence-kpi validate` and `confluence-kpi sync --dry-run`"
    )
    return 0


def _add_validate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = commands.add_parser(
        "validate",
        help="check the catalog, the settings and the sources without writing anything",
        description="Checks the catalog and the settings without contacting Confluence and "
        "reports every problem at once, and warns of each source that cannot be opened here (a "
        "variable not set, a driver not installed); with --check-sources it instead runs every "
        "KPI's query, as a sync does. Exit 0 when there are no errors (warnings allowed), 1 "
        "when some source failed its query, 2 when the catalog or the settings are wrong.",
    )
    _add_config_option(validate)
    validate.add_argument(
        "--check-sources",
        action="store_true",
        help="also connect to every source and run each KPI's query (reads, never writes)",
    )
    validate.set_defaults(handler=_validate)


def _validate(args: argparse.Namespace) -> int:
    """Prints every settings, catalog and source problem, then a one-line summary; 2 if any is
    an error; with --check-sources, then every failed query and 1 if there is one."""
    from confluence_kpi.catalog import check_catalog
    from confluence_kpi.settings import SettingsError, catalog_path, load_settings
    from confluence_kpi.source_checks import query_problems, setting_problems

    report: list[tuple[bool, str]] = []  # (is an error, the line to print), in reading order
    settings = None
    try:
        settings = load_settings()
        if settings.url is None:  # a catalog can be checked before there is a wiki
            report.append((False, "settings: warning: CONFLUENCE_URL is not set (sync needs it)"))
    except SettingsError as invalid:
        report += [(True, f"settings: {problem}") for problem in invalid.problems]
    catalog, problems = check_catalog(args.config or catalog_path())
    report += [(problem.severity == "error", str(problem)) for problem in problems]
    if catalog is not None and not args.check_sources:  # else its queries say it all
        # Warnings, like a missing CONFLUENCE_URL: the machine that checks a catalog may lack
        # the variables and drivers of the one that syncs it.
        report += [(False, f"sources: warning: {p}") for p in setting_problems(catalog)]
    for _, line in report:
        print(line)
    errors = sum(is_error for is_error, _ in report)
    warnings = len(report) - errors
    if catalog is None or settings is None or errors:
        print(f"{_counted(errors, 'error')}, {_counted(warnings, 'warning')}")
        return 2
    counts = [
        _counted(len(catalog.kpis), "KPI"),
        _counted(len(catalog.goals), "goal"),
        _counted(len(catalog.teams), "team"),
    ]
    if warnings:
        counts.append(_counted(warnings, "warning"))
    print("catalog OK: " + ", ".join(counts))
    if not args.check_sources:
        return 0
    read, failed = query_problems(catalog, settings)
    for problem in failed:
        print(problem)
    failing = len({problem.source for problem in failed})
    if failing:
        print(f"{failing} of {_counted(len(read), 'source')} failed")
        return 1
    print(f"sources OK: {_counted(len(read), 'source')} read")
    return 0


def _counted(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _shard(text: str) -> Shard:
    """A `--shard` value, `auto` read from the environment."""
    from confluence_kpi.sync.shards import Shard

    return Shard.parse(text, os.environ)


def _seconds(text: str) -> int:
    """A whole number of seconds, 0 or more."""
    if not text.strip().isdigit():
        raise ValueError(f"{text!r}: expected a whole number of seconds, 0 or more")
    return int(text)


def _parsed(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse type from a parser raising ValueError, keeping its message."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert
