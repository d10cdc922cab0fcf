"""The Dockerfile builds the bot's image as the operators' contract says (no Docker engine here:
the file itself is checked)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

from confluence_kpi.sandbox import SandboxServer

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


def test_default_command_is_the_worker_of_the_console_script() -> None:
    assert json.loads(instruction("ENTRYPOINT")[-1]) == ["confluence-kpi"]
    assert json.loads(instruction("CMD")[-1]) == ["run"]


def test_the_healthcheck_asks_the_worker_s_health() -> None:
    (check,) = instruction("HEALTHCHECK")
    assert json.loads(check.split(" CMD ", 1)[1]) == ["confluence-kpi", "health"]


def test_a_build_stage_makes_the_wheel_from_the_package_its_templates_and_example() -> None:
    build, _run = stages()
    copied = " ".join(instruction("COPY", build))
    for needed in ("pyproject.toml", "confluence_kpi", "page_templates", "config"):
        assert needed in copied
    assert any("pip wheel" in run for run in instruction("RUN", build))


def test_dependencies_are_installed_from_pyproject_alone_before_the_source_is_copied() -> None:
    build, _run = stages()
    steps = [line.split(None, 1) for line in build[1:]]
    copies = [i for i, (op, _args) in enumerate(steps) if op == "COPY"]
    install = next(i for i, (_op, args) in enumerate(steps) if "pip install -r" in args)
    assert steps[copies[0]][1] == "pyproject.toml ./"
    assert copies[0] < install < copies[1]


def test_the_requirements_the_image_installs_are_pyproject_s_with_the_sql_drivers() -> None:
    (listing,) = [run for run in instruction("RUN") if "tomllib" in run]
    command = shlex.split(listing.split(">", 1)[0])
    listed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert listed.stdout.split("\n")[:-1] == [
        *project["dependencies"],
        *extras["postgresql"],
        *extras["mysql"],
    ]


def test_the_image_installs_the_wheel_not_the_source_tree() -> None:
    build, run = stages()
    assert all(copy.startswith("--from=build /opt/venv") for copy in instruction("COPY", run))
    installs = [command for command in instruction("RUN", build) if "pip wheel" in command]
    assert installs
    assert all("pip install --no-deps /wheels/" in command for command in installs)


def test_no_secret_is_baked_into_the_image() -> None:
    settings = " ".join(instruction("ENV") + instruction("ARG")).upper()
    for secret in ("CONFLUENCE_API_TOKEN", "CONFLUENCE_PAT", "PASSWORD", "SECRET"):
        assert secret not in settings
    assert not any(".env" in copy or "secrets" in copy for copy in instruction("COPY"))


def test_the_image_s_command_runs_once_and_its_healthcheck_then_says_healthy(
    sandbox_factory: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    """The entrypoint and command as the image runs them, outside Docker: `run --once` against
    a sandbox, then the HEALTHCHECK's command."""
    server = sandbox_factory()
    catalog = Path(shutil.copytree(ROOT / "tests/e2e/catalogs", tmp_path / "config"))
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CONFLUENCE", "KPI_"))},
        "CONFLUENCE_URL": server.base_url,
        "CONFLUENCE_USERNAME": "admin",
        "CONFLUENCE_API_TOKEN": "admin",
        "CONFLUENCE_KPI_SECRETS_DIR": str(tmp_path),
        "KPI_CONFIG": str(catalog / "small.yaml"),
        "KPI_HEARTBEAT_FILE": str(tmp_path / "heartbeat.json"),
    }
    script = str(Path(sys.executable).with_name("confluence-kpi"))
    entrypoint = [script, *json.loads(instruction("ENTRYPOINT")[-1])[1:]]
    command = [*entrypoint, *json.loads(instruction("CMD")[-1]), "--once"]
    health = [script, *json.loads(instruction("HEALTHCHECK")[0].split(" CMD ", 1)[1])[1:]]

    def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv, cwd=tmp_path, env=environment, capture_output=True, text=True, check=False
        )

    assert run(health).returncode == 1  # no run yet
    ran = run(command)
    assert ran.returncode in (0, 1), ran.stderr  # 1: data warnings as of today
    checked = run(health)
    assert checked.returncode == 0, checked.stdout


def test_every_copied_path_exists_in_the_repository() -> None:
    for arguments in instruction("COPY"):
        if arguments.startswith("--from="):
            continue  # copied from an earlier stage, not from the repository
        *sources, _destination = arguments.split()
        for source in sources:
            assert (ROOT / source).exists(), source
