"""Whether the worker leaks: many runs of `confluence-kpi run`'s loop body in one process, with
faults on, and its resident memory before and after.

Run by hand: `python tests/benchmarks/bench_worker_memory.py [--runs 200]`. Starts the sandbox as
its own process (its memory is not ours), with 429s, 503s and latency on a share of requests,
runs the worker's `run_once` (catalog read again, lease taken and released, one sync pass,
heartbeat written) `--runs` times after a few runs of warm-up, and prints the figures; the
growth line ends OK or OVER (limit: 10 MB). Exits 1 when it says OVER."""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import requests

from confluence_kpi.settings import load_settings
from confluence_kpi.worker import Stop, Worker

CATALOGS = Path(__file__).resolve().parent.parent / "e2e" / "catalogs"
WARM_UP = 10
MAX_GROWTH_MB = 10.0
FAULTS = {
    "rules": [
        {"method": "GET", "probability": 0.05, "status": 503},
        {"probability": 0.05, "status": 429, "retry_after": "0"},
        {"probability": 0.2, "latency_ms": 5},
    ]
}


def rss_mb() -> float:
    """This process's resident memory now, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    runs = parser.parse_args().runs
    command = [sys.executable, "-m", "confluence_kpi", "sandbox", "--port", "0"]
    sandbox = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert sandbox.stdout is not None
        url = sandbox.stdout.readline().rsplit(" at ", 1)[1].strip()
        return measure(url, runs)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)


def measure(url: str, runs: int) -> int:
    work = Path(tempfile.mkdtemp(prefix="bench-worker-"))
    catalog = Path(shutil.copytree(CATALOGS, work / "catalog")) / "small.yaml"
    settings = load_settings(
        {
            "CONFLUENCE_URL": url,
            "CONFLUENCE_USERNAME": "admin",
            "CONFLUENCE_API_TOKEN": "admin",
            "CONFLUENCE_MAX_RETRIES": "3",
            "CONFLUENCE_KPI_SECRETS_DIR": str(work),
            "KPI_HEARTBEAT_FILE": str(work / "heartbeat.json"),
        }
    )
    worker = Worker(catalog, settings, Stop())
    control = url.split("/rest", 1)[0].removesuffix("/wiki") + "/_sandbox"
    requests.post(f"{control}/faults", json=FAULTS, timeout=10).raise_for_status()
    codes: Counter[int] = Counter()
    for _ in range(WARM_UP):
        worker.run_once()
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    for _ in range(runs):
        codes[worker.run_once()] += 1
    seconds = time.perf_counter() - started
    gc.collect()
    after = rss_mb()
    fired = requests.get(f"{control}/stats", timeout=10).json()["total"]
    growth = after - before
    verdict = "OK" if growth < MAX_GROWTH_MB else "OVER"
    print(f"== bench_worker_memory: {runs} runs after {WARM_UP} of warm-up, faults on")
    print(f"runs: {runs} in {seconds:.1f} s ({seconds / runs * 1000:.0f} ms a run)")
    print(f"exit codes: {dict(sorted(codes.items()))}")
    print(f"requests the sandbox served, warm-up included: {fired}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MB")
    print(f"RSS before: {before:.1f} MB, after: {after:.1f} MB")
    print(f"RSS growth: {growth:.2f} MB (limit: {MAX_GROWTH_MB:.0f} MB) {verdict}")
    shutil.rmtree(work)
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
