"""The `confluence-kpi` command line: parses arguments, hands over to the modules doing the work."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from confluence_kpi import __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="confluence-kpi",
        description="Keeps KPI and SMART-goal pages in Confluence in step with measured data.",
    )
    parser.add_argument("--version", action="version", version=f"confluence-kpi {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    parser.parse_args(argv)
    return 0
