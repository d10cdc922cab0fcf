"""The sync benchmark still runs and meets its limits at a tiny `--quick` size, through REST API
v1 and v2, with one page writer and several, and at its "scale" size, so that neither the
script nor what it measures can rot unnoticed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "benchmarks" / "bench_sync.py"
# Every figure of ARCHITECTURE.md's "Budgets", by the start of its result line.
EXPECTED = (
    "evaluate + render 20 KPIs",
    "evaluate + render: peak memory",
    "sources: reading the CSV files",
    "ours v1, first run: requests per page created",
    "ours v1, no-change run: requests",
    "ours v1, no-change run: writes",
    "ours v1, changed run: pages that really changed",
    "ours v1, changed run: requests",
    "ours v2, first run: requests per page created",
    "ours v2, no-change run: requests",
    "ours v2, no-change run: writes",
    "ours v2, changed run: pages that really changed",
    "ours v2, changed run: requests",
    "v1 | v2, first run",
    "v1 | v2, no-change run",
    "naive, first run:",
    "naive, no-change run:",
    "naive, no-change run: ratio naive/ours",
    "concurrency, first run, 1 writer:",
    "concurrency, first run, 8 writers: failed pages",
    "concurrency, first run, 4 writers at 20 requests/s (the default limit): failed pages",
    "concurrency, first run: best speed-up of 4 and 8 writers",
    "scale 40: evaluate + render: peak memory",
    "scale 40: no-change run: requests",
    "scale 40: no-change run: writes",
)
CHECKED = re.compile(r"^[^:]+: .+ \(limit: [^)]+\) (OK|OVER)$")


def test_quick_benchmark_prints_its_results_and_meets_every_limit() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            *("--kpis", "20", "--latency-ms", "0", "--quick"),
            *("--concurrency-latency-ms", "0", "--scale-kpis", "40"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    lines = result.stdout.splitlines()
    over = [line for line in lines if line.endswith(" OVER")]
    assert not over, "\n".join(over) + "\n\n" + result.stdout
    assert result.returncode == 0, result.stdout + result.stderr
    assert lines[0].startswith("== bench_sync: 20 KPIs"), result.stdout
    assert lines[-1].startswith("== all limits met"), result.stdout
    for start in EXPECTED:
        assert any(line.startswith(start) for line in lines), f"no {start!r} line:\n{result.stdout}"
    checked = [line for line in lines if "(limit: " in line]
    assert len(checked) >= 7, result.stdout
    assert all(CHECKED.match(line) for line in checked), result.stdout
