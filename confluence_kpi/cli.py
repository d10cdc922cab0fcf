"""The `confluence-kpi` command line: parses arguments, hands over to the modules doing the work."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from confluence_kpi import __version__

T = TypeVar("T")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="confluence-kpi",
        description="Keeps KPI and SMART-goal pages in Confluence in step with measured data.",
    )
    parser.add_argument("--version", action="version", version=f"confluence-kpi {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_sandbox(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


def _add_sandbox(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from confluence_kpi.sandbox import SpaceSpec, UserSpec

    sandbox = commands.add_parser(
        "sandbox",
        help="start the local Confluence-compatible server",
        description="A local server that behaves like Confluence's REST API.",
    )
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8090)
    sandbox.add_argument("--data", type=Path, metavar="FILE", help="SQLite file (default: memory)")
    sandbox.add_argument(
        "--context-path", metavar="PATH", help='default "/wiki" for cloud, none for dc'
    )
    sandbox.add_argument("--flavour", choices=("dc", "cloud"), default="dc")
    sandbox.add_argument(
        "--space", type=_parsed(SpaceSpec.parse), action="append", default=[], metavar="KEY[:Name]"
    )
    sandbox.add_argument(
        "--user",
        type=_parsed(UserSpec.parse),
        action="append",
        default=[],
        metavar="NAME:SECRET[:read]",
    )
    sandbox.add_argument("--pat", action="append", default=[], metavar="TOKEN")
    sandbox.add_argument("--latency-ms", type=int, default=0, metavar="N")
    sandbox.add_argument("--seed", type=int, default=0, metavar="N")
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


def _parsed(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse type from a parser raising ValueError, keeping its message."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert
