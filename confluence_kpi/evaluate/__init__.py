"""Pure evaluation of KPIs, goals and teams: value per period, change, progress, pace and status.

No clock reads and no I/O: `now` is passed in, so a plan is reproducible (ARCHITECTURE.md, rule
7). The status follows the order in docs/kpi-formulas.md ("Status"): no data, stale, deadline
passed, maintain bands, pace; the formulas are written out there too.

The modules, from the bottom up: `results` (notes, finite numbers, a KPI without data),
`judge` (targets, the plan, the verdict of one value), `cutter` (periods, each valued and
judged; a running period's pace), `freshness` (data after now, stale data), `trend` (change
and projection), `kpi` (`evaluate_kpi`, step by step) and `rollup` (goals and teams).
"""

from confluence_kpi.evaluate.cutter import run_rate
from confluence_kpi.evaluate.freshness import STALE_GRACE, far_ahead
from confluence_kpi.evaluate.judge import MAINTAIN_MARGIN
from confluence_kpi.evaluate.kpi import DEFAULT_BANDS, HISTORY_PERIODS, data_window, evaluate_kpi
from confluence_kpi.evaluate.results import failed_evaluation, note
from confluence_kpi.evaluate.rollup import (
    attention_first,
    evaluate_goal,
    evaluate_team,
    majority,
    worst,
)
from confluence_kpi.evaluate.trend import MIN_PROJECTION_POINTS
from confluence_kpi.model import Bands

__all__ = [
    "DEFAULT_BANDS",
    "HISTORY_PERIODS",
    "MAINTAIN_MARGIN",
    "MIN_PROJECTION_POINTS",
    "STALE_GRACE",
    "Bands",
    "attention_first",
    "data_window",
    "evaluate_goal",
    "evaluate_kpi",
    "evaluate_team",
    "failed_evaluation",
    "far_ahead",
    "majority",
    "note",
    "run_rate",
    "worst",
]
