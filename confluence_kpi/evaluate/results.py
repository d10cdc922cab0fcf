"""What every step of an evaluation hands back is comparable: numbers finite or none, notes in
a stable order, and one shape for a KPI that could not be evaluated.

Equal inputs must give equal evaluations, and so the same pages byte for byte
(ARCHITECTURE.md, rule 7).
"""

from __future__ import annotations

from datetime import datetime
from math import isfinite

from confluence_kpi.model import Evaluation, KpiDefinition, Note, NoteCode, Status


def finite(number: float) -> float | None:
    """`number`, or None when it is NaN or infinite: results never carry either."""
    return number if isfinite(number) else None


def note(code: NoteCode, **values: str) -> Note:
    """A note with its values, in a stable order (so equal evaluations compare equal)."""
    return Note(code, tuple(sorted(values.items())))


def unevaluated(
    kpi_id: str, now: datetime, *, notes: tuple[Note, ...], error: str | None = None
) -> Evaluation:
    """An evaluation without data: status no data, nothing current, nothing in the history."""
    return Evaluation(
        kpi_id=kpi_id,
        as_of=now,
        status=Status.NO_DATA,
        current=None,
        previous=None,
        change=None,
        history=(),
        last_data=None,
        notes=notes,
        error=error,
    )


def failed_evaluation(kpi: KpiDefinition, error: str, *, now: datetime) -> Evaluation:
    """The evaluation of a KPI whose source failed: no data, with the reason, so others go on."""
    return unevaluated(kpi.id, now, notes=(note(NoteCode.SOURCE_FAILED, error=error),), error=error)
