"""The package and its tests pass ruff and strict mypy, and the package keeps its import
contracts: part of the test command, so CI enforces them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_finds_nothing() -> None:
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied() -> None:
    result = run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes_on_the_package_and_the_tests() -> None:
    result = run("mypy")  # pyproject.toml names what it checks
    assert result.returncode == 0, result.stdout + result.stderr
    # Every module of both counts: a narrowed `files` setting would pass unnoticed otherwise.
    modules = [*ROOT.glob("confluence_kpi/**/*.py"), *ROOT.glob("tests/**/*.py")]
    checked = re.search(r"no issues found in (\d+) source files", result.stdout)
    assert checked is not None, result.stdout
    assert int(checked[1]) == len(modules), result.stdout


def test_import_contracts_are_kept() -> None:
    # lint-imports is a console script only (no `python -m`); it sits beside this interpreter.
    # --no-cache: its cache would be a stray directory in the checkout.
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
