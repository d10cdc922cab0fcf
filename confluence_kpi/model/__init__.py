"""Domain types shared by every stage: what a KPI is (`definitions`), what was measured
(`measurements`), and the verdicts (`results`).

Definitions are frozen pydantic models (the catalog validates into them); measurements and
evaluation results are built by pure code and never mutated. Import them from here.
"""

from confluence_kpi.model.definitions import (
    MAX_DECIMALS,
    PAGE_SOURCE,
    Aggregation,
    Bands,
    Baseline,
    Definition,
    Direction,
    Goal,
    Grain,
    Horizon,
    Kind,
    KpiDefinition,
    Limits,
    Number,
    RollUp,
    StaticValue,
    Target,
    Team,
    WholeNumber,
)
from confluence_kpi.model.measurements import ManualRow, Measurement, TimeSeries
from confluence_kpi.model.results import (
    Change,
    Evaluation,
    GoalEvaluation,
    Note,
    NoteCode,
    Period,
    PeriodValue,
    Projection,
    RunRate,
    Status,
    StatusChange,
    TeamEvaluation,
)

__all__ = [
    "MAX_DECIMALS",
    "PAGE_SOURCE",
    "Aggregation",
    "Bands",
    "Baseline",
    "Change",
    "Definition",
    "Direction",
    "Evaluation",
    "Goal",
    "GoalEvaluation",
    "Grain",
    "Horizon",
    "Kind",
    "KpiDefinition",
    "Limits",
    "ManualRow",
    "Measurement",
    "Note",
    "NoteCode",
    "Number",
    "Period",
    "PeriodValue",
    "Projection",
    "RollUp",
    "RunRate",
    "StaticValue",
    "Status",
    "StatusChange",
    "Target",
    "Team",
    "TeamEvaluation",
    "TimeSeries",
    "WholeNumber",
]

# Every type says it is this module's, as when the model was one file: Jinja's error for a name
# a catalog's own template gets wrong names the type by its module ("'confluence_kpi.model.Team
# object' has no attribute 'motto'"), and validate and sync print it to the catalog's authors.
# Annotations named as text would then be looked up here, where `date` and the rest are not
# (typing.get_type_hints, pydantic given a result type): so the modules above evaluate theirs
# as their classes are defined, without `from __future__ import annotations`.
for _name in __all__:
    _exported = globals()[_name]
    if isinstance(_exported, type):
        _exported.__module__ = __name__
