"""The Dockerfile builds the bot's image as the operators' contract says (no Docker engine here:
the file itself is checked)."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTRUCTIONS = [
    line.strip()
    for line in (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    if line.strip() and not line.lstrip().startswith("#")
]


def instruction(name: str) -> list[str]:
    """The arguments of every instruction called `name`, in order."""
    return [line.split(None, 1)[1] for line in INSTRUCTIONS if line.split()[0].upper() == name]


def test_image_is_a_python_3_11_or_newer_base() -> None:
    (base,) = instruction("FROM")
    match = re.fullmatch(r"python:3\.(\d+)-slim", base)
    assert match is not None
    assert int(match.group(1)) >= 11


def test_image_runs_as_a_non_root_user() -> None:
    users = instruction("USER")
    assert users, "no USER: the container would run as root"
    assert users[-1] not in ("root", "0")


def test_default_command_is_a_sync_pass_of_the_console_script() -> None:
    assert json.loads(instruction("ENTRYPOINT")[-1]) == ["confluence-kpi"]
    assert json.loads(instruction("CMD")[-1]) == ["sync"]


def test_image_installs_the_package_with_its_templates_and_example_catalog() -> None:
    copied = " ".join(instruction("COPY"))
    for needed in ("pyproject.toml", "confluence_kpi", "page_templates", "config"):
        assert needed in copied
    assert any("pip install" in run for run in instruction("RUN"))


def test_every_copied_path_exists_in_the_repository() -> None:
    for arguments in instruction("COPY"):
        *sources, _destination = arguments.split()
        for source in sources:
            assert (ROOT / source).exists(), source
