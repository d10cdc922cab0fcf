"""`confluence-kpi --help` and every command's help: each option says what it does, and the
top-level help lists the settings and an example."""

from __future__ import annotations

import argparse

import pytest

from confluence_kpi.cli import build_parser


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (commands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(commands.choices)


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_option_of_every_command_has_a_help_text(command: str) -> None:
    options = _commands()[command]._actions

    missing = [a.dest for a in options if a.option_strings and not a.help]

    assert missing == [], f"{command}: options without help: {missing}"


def test_top_level_help_lists_the_settings_and_an_example() -> None:
    text = build_parser().format_help()

    for variable in ("CONFLUENCE_URL", "CONFLUENCE_API_TOKEN", "CONFLUENCE_PAT", "KPI_CONFIG"):
        assert variable in text
    assert "confluence-kpi sync --dry-run" in text
