"""`confluence-kpi demo`, as a person runs it on a fresh machine: a process of its own, no
settings, the example catalog synced into a sandbox it starts itself."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

EXAMPLE_CATALOG = Path(__file__).resolve().parents[2] / "config" / "catalog.yaml"


def test_demo_command_runs(tmp_path: Path) -> None:
    catalog = yaml.safe_load(EXAMPLE_CATALOG.read_text(encoding="utf-8"))
    pages = 1 + len(catalog["teams"]) + len(catalog["goals"]) + len(catalog["kpis"])
    # No settings of the developer's, and a working directory without a .env.
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CONFLUENCE_", "KPI_"))
    }

    done = subprocess.run(
        [sys.executable, "-m", "confluence_kpi", "demo", "--port", "0"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"pages: {pages} created, 0 updated, 0 unchanged, 0 retired, 0 failed" in done.stdout
    assert re.search(r"Look at the pages: http://127\.0\.0\.1:\d+/", done.stdout)
    for team in catalog["teams"].values():
        # The summary table has a row per team (a long name wraps inside its cell).
        assert f"│ {team['name'].split()[0]}" in done.stdout
