"""The tool installed the way people install it: the wheel, built from the files the Dockerfile
copies, installed into a fresh virtual environment and run from outside the checkout.

Only the wheel's dependencies come from the package registry; when the registry cannot be
reached (or setuptools cannot be had for the build) the tests skip and say why, loudly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What the wheel is built from: the Dockerfile's build stage copies the same.
SOURCES = ("pyproject.toml", "README.md", "confluence_kpi", "page_templates", "config")
SMALL_CATALOG = ROOT / "tests" / "e2e" / "catalogs"
AS_OF = "2026-11-28T07:00"  # the small catalog's data ends in November 2026
# pip's words for "the registry (or the build's requirements) cannot be had".
OFFLINE = (
    "No matching distribution found",
    "Could not find a version that satisfies",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
)


@dataclass(frozen=True)
class Installed:
    """The built wheel and the virtual environment it is installed in."""

    wheel: Path
    venv: Path

    @property
    def command(self) -> Path:
        return self.venv / "bin" / "confluence-kpi"

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """The installed console script, run from `/` with no trace of the checkout."""
        return subprocess.run(
            [str(self.command), *args],
            cwd="/",
            env=_clean_environment() | (env or {}),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel from a copy of the sources and install it into a fresh venv."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = work / "dist"
    _pip(sys.executable, "wheel", "--no-deps", "--wheel-dir", str(dist), str(source))
    (wheel,) = dist.glob("confluence_kpi-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    _pip(str(venv / "bin" / "python"), "install", str(wheel))
    return Installed(wheel, venv)


def _pip(python: str, *args: str) -> None:
    """Runs pip; skips the module when the registry cannot be reached, fails on anything else."""
    result = subprocess.run(
        [python, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=_clean_environment(),
    )
    if result.returncode == 0:
        return
    if any(words in result.stderr for words in OFFLINE):
        pytest.skip(
            f"SKIPPED LOUDLY: the wheel cannot be built or installed offline:\n{result.stderr}"
        )
    pytest.fail(f"pip {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def _clean_environment() -> dict[str, str]:
    """This process's environment without what would point Python or the tool at the checkout
    or at a developer's wiki."""
    leaks = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "KPI_CONFIG")
    return {
        name: value
        for name, value in os.environ.items()
        if name not in leaks and not name.startswith("CONFLUENCE_")
    }


def test_version_is_the_projects_version(installed: Installed) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    result = installed.run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"confluence-kpi {project['version']}"


def test_wheel_carries_every_module_template_and_strings_file(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "confluence_kpi").rglob("*.py")}
    templates = {
        "confluence_kpi/" + str(p.relative_to(ROOT))
        for p in (ROOT / "page_templates").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert modules - names == set(), "a subpackage is missing from pyproject.toml's packages"
    assert templates - names == set()
    # The example catalog and its demo data, but not the script that generates them.
    example = {
        "confluence_kpi/example/" + str(p.relative_to(ROOT / "config"))
        for p in (ROOT / "config").rglob("*")
        if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts
    }
    assert example - names == set(), "demo data missing from pyproject.toml's package-data"
    assert {"confluence_kpi/py.typed", "confluence_kpi/example/catalog.yaml"} <= names
    assert not any(name.startswith(("tests/", "config/", "page_templates/")) for name in names)


def test_demo_runs_from_the_root_directory(installed: Installed) -> None:
    result = installed.run("demo", "--port", "0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "50 created, 0 updated, 0 unchanged, 0 retired, 0 failed" in result.stdout
    assert "site-packages/confluence_kpi/example/catalog.yaml" in result.stdout


@pytest.fixture
def sandbox_url(installed: Installed) -> Iterator[str]:
    """The installed tool's own sandbox, in its own process; its REST base URL."""
    process = subprocess.Popen(
        [str(installed.command), "sandbox", "--port", "0"],
        cwd="/",
        env=_clean_environment(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().rsplit(" at ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_validate_and_sync_a_catalog_against_a_sandbox(
    installed: Installed, sandbox_url: str, tmp_path: Path
) -> None:
    catalog_dir = shutil.copytree(SMALL_CATALOG, tmp_path / "catalog")
    settings = {
        "CONFLUENCE_URL": sandbox_url,
        "CONFLUENCE_USERNAME": "admin",
        "CONFLUENCE_API_TOKEN": "admin",
        "KPI_CONFIG": str(catalog_dir / "small.yaml"),
    }

    checked = installed.run("validate", env=settings)
    first = installed.run("sync", "--as-of", AS_OF, env=settings)
    again = installed.run("sync", "--as-of", AS_OF, env=settings)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "catalog OK: 3 KPIs, 2 goals, 2 teams" in checked.stdout
    assert first.returncode == 0, first.stdout + first.stderr
    assert "8 created" in first.stdout
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 created, 0 updated, 8 unchanged" in again.stdout
