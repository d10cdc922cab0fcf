"""Benchmark, run by hand: evaluating 1,000 KPIs with two years of daily data, 100 of them
derived from two others by a formula, and 50 goals rolled up from them.

Run: .venv/bin/python tests/benchmarks/bench_evaluate.py
Prints the median wall time of 5 runs (limit: 1 s) and the peak memory of one run (limit:
300 MB), each line ending OK or OVER, and exits 1 when a line says OVER. The measured KPIs cycle
through every grain, aggregation and direction, and have a milestone, so every code path is
timed.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from itertools import cycle
from zoneinfo import ZoneInfo

from confluence_kpi.derived import evaluate_derived, evaluation_order
from confluence_kpi.evaluate import evaluate_goal, evaluate_kpi
from confluence_kpi.model import (
    Aggregation,
    Baseline,
    Direction,
    Evaluation,
    Goal,
    GoalEvaluation,
    Grain,
    KpiDefinition,
    Measurement,
    RollUp,
    Target,
)

KPIS = 1_000
DERIVED = 100
GOALS = 50
DAYS = 730
RUNS = 5
LIMIT_SECONDS = 1.0  # the median run
LIMIT_MB = 300.0  # the peak of one run, in MiB
NOW = datetime(2026, 3, 15, 10, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Amsterdam")


Workload = tuple[list[KpiDefinition], dict[str, list[Measurement]], list[Goal]]


def build() -> Workload:
    """900 measured KPIs with one measurement a day for the two years before NOW, 100 derived
    ones (each the ratio of two measured KPIs of its grain), and 50 goals of 5 KPIs each."""
    first = NOW - timedelta(days=DAYS)
    measured = KPIS - DERIVED
    settings = zip(
        range(measured), cycle(Grain), cycle(Aggregation), cycle(Direction), strict=False
    )
    kpis, series = [], {}
    for number, grain, aggregation, direction in settings:
        kpi = KpiDefinition(
            id=f"kpi-{number}",
            name=f"KPI {number}",
            team="bench",
            direction=direction,
            grain=grain,
            aggregation=aggregation,
            source="bench",
            cadence=Grain.DAY,
            baseline=Baseline(value=100.0, date=first.date()),
            milestones=(Target(value=125.0, date=NOW.date(), upper=140.0),),
            target=Target(value=150.0, date=(NOW + timedelta(days=90)).date(), upper=160.0),
        )
        kpis.append(kpi)
        series[kpi.id] = [
            Measurement(
                first + timedelta(days=day, hours=number % 24),
                100.0 + day * 0.05 + number % 7,
                numerator=float(day % 13),
                denominator=float(10 + day % 5),
            )
            for day in range(DAYS)
        ]
    grains = len(Grain)  # kpi-n and kpi-(n + grains) share a grain
    for number in range(DERIVED):
        top, bottom = kpis[number], kpis[number + grains]
        kpis.append(
            KpiDefinition(
                id=f"derived-{number}",
                name=f"Derived {number}",
                team="bench",
                direction=Direction.INCREASE,
                grain=top.grain,
                formula=f"({top.id.replace('-', '_')} - 1) / {bottom.id.replace('-', '_')}",
                baseline=Baseline(value=1.0, date=first.date()),
                target=Target(value=1.5, date=(NOW + timedelta(days=90)).date()),
            )
        )
    goals = [
        Goal(
            id=f"goal-{number}",
            team="bench",
            title=f"Goal {number}",
            kpis=tuple(kpis[(number * 5 + offset) * 7 % KPIS].id for offset in range(5)),
            rollup=RollUp.MAJORITY if number % 2 else None,
        )
        for number in range(GOALS)
    ]
    return kpis, series, goals


def run(workload: Workload) -> tuple[dict[str, Evaluation], list[GoalEvaluation]]:
    """Evaluates every KPI (derived ones after their inputs) and goal once, keeping the results
    (as a sync does until it renders)."""
    kpis, series, goals = workload
    evaluations: dict[str, Evaluation] = {}
    for kpi in evaluation_order(kpis):
        if kpi.formula is None:
            evaluations[kpi.id] = evaluate_kpi(kpi, series[kpi.id], now=NOW, zone=ZONE)
        else:
            evaluations[kpi.id] = evaluate_derived(kpi, evaluations, now=NOW, zone=ZONE)
    rolled = [evaluate_goal(goal, [evaluations[k] for k in goal.kpis], now=NOW) for goal in goals]
    return evaluations, rolled


def judged(name: str, value: float, limit: float, shown: str, limit_shown: str) -> tuple[str, bool]:
    """A result line with its limit, OK when `value <= limit`, and whether it is OK."""
    ok = value <= limit
    return f"{name}: {shown} (limit: {limit_shown}) {'OK' if ok else 'OVER'}", ok


def main() -> int:
    """Times RUNS runs, then measures one run's peak memory with tracemalloc (which slows it);
    1 when a limit is exceeded."""
    workload = build()
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run(workload)
        timings.append(time.perf_counter() - started)
    tracemalloc.start()
    run(workload)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    measurements = (KPIS - DERIVED) * DAYS
    print(
        f"{KPIS} KPIs ({KPIS - DERIVED} x {DAYS} daily measurements, {measurements:,} in all; "
        f"{DERIVED} derived), {GOALS} goals"
    )
    median, megabytes = statistics.median(timings), peak / 2**20
    time_line, time_ok = judged(
        f"median of {RUNS} runs", median, LIMIT_SECONDS, f"{median:.3f} s", f"{LIMIT_SECONDS:g} s"
    )
    memory_line, memory_ok = judged(
        "peak memory of one run, results kept (tracemalloc)",
        megabytes,
        LIMIT_MB,
        f"{megabytes:.2f} MiB",
        f"{LIMIT_MB:g} MiB",
    )
    print(time_line)
    print(f"runs: {', '.join(f'{t:.3f}' for t in timings)} s")
    print(memory_line)
    return 0 if time_ok and memory_ok else 1


if __name__ == "__main__":
    sys.exit(main())
