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


def instruction(name: str, lines: list[str] = INSTRUCTIONS) -> list[str]:
    """The arguments of every instruction called `name` in `lines`, in order."""
    return [line.split(None, 1)[1] for line in lines if line.split()[0].upper() == name]


def stages() -> list[list[str]]:
    """The instructions of each build stage, a stage starting at its FROM."""
    found: list[list[str]] = []
    for line in INSTRUCTIONS:
        if line.split()[0].upper() == "FROM":
            found.append([])
        found[-1].append(line)
    return found


def test_every_stage_is_a_python_3_11_or_newer_base() -> None:
    for base in instruction("FROM"):
        match = re.fullmatch(r"python:3\.(\d+)-slim( AS \w+)?", base)
        assert match is not None, base
        assert int(match.group(1)) >= 11


def test_image_runs_as_a_non_root_user() -> None:
    users = instruction("USER")
    assert users, "no USER: the container would run as root"
    assert users[-1] not in ("root", "0")


def test_default_command_is_a_sync_pass_of_the_console_script() -> None:
    assert json.loads(instruction("ENTRYPOINT")[-1]) == ["confluence-kpi"]
    assert json.loads(instruction("CMD")[-1]) == ["sync"]


def test_a_build_stage_makes_the_wheel_from_the_package_its_templates_and_example() -> None:
    build, _run = stages()
    copied = " ".join(instruction("COPY", build))
    for needed in ("pyproject.toml", "confluence_kpi", "page_templates", "config"):
        assert needed in copied
    assert any("pip wheel" in run for run in instruction("RUN", build))


def test_the_image_installs_the_wheel_not_the_source_tree() -> None:
    *_build, run = stages()
    assert all(copy.startswith("--from=") for copy in instruction("COPY", run))
    installs = [command for command in instruction("RUN", run) if "pip install" in command]
    assert installs
    assert all(".whl" in command and " -e " not in command for command in installs)


def test_every_copied_path_exists_in_the_repository() -> None:
    for arguments in instruction("COPY"):
        if arguments.startswith("--from="):
            continue  # copied from an earlier stage, not from the repository
        *sources, _destination = arguments.split()
        for source in sources:
            assert (ROOT / source).exists(), source
