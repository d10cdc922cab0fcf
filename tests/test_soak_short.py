"""The reliability soak, short: ten sync runs under injected faults while a simulated team
edits the pages, with every invariant checked after each run (tests/benchmarks/soak.py). A
failure prints the run that broke an invariant and the command that replays it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "benchmarks" / "soak.py"
SEED = 19  # its runs include restarts, notes saved during the bot's writes, a failing source
RUNS = 10


def figure(output: str, start: str) -> int:
    """The number after `start` on the summary line that begins with it."""
    found = re.search(rf"^{re.escape(start)}: (\d+)", output, re.M)
    assert found is not None, f"no {start!r} line:\n{output}"
    return int(found.group(1))


def test_short_soak_keeps_every_invariant_under_faults_and_team_edits() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--runs", str(RUNS), "--seed", str(SEED)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    output = result.stdout
    assert result.returncode == 0, output[-6000:] + result.stderr[-3000:]
    assert figure(output, "invariant violations") == 0, output
    assert figure(output, "runs") == RUNS, output
    # The soak did what it is for: people edited, faults fired, the server restarted.
    assert figure(output, "edits by the team") >= RUNS, output
    assert figure(output, "faults fired") >= RUNS, output
    assert "sandbox restart during a run" in output, output
    assert "note saved right before the bot's PUT" in output, output
