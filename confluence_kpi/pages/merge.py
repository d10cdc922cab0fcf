"""Three-way merge of the team-editable fields: the page, what the bot last wrote, the catalog.

A field edited on the page wins over the catalog; a field changed in the catalog since the
last sync is applied to the page; a catalog that still holds an old value never undoes a
team's edit. Values are compared in a plain JSON form (numbers, ISO dates, stripped text),
the same form the sync keeps in the page's content property as the bases of the merge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

from confluence_kpi.model import Baseline, Goal, Grain, KpiDefinition, Target
from confluence_kpi.pages.parse import GoalPageFields, KpiPageFields

Value = str | float | None | dict[str, str | float | None]
Values = dict[str, Value]
Prefer = Literal["page", "catalog"]

SMART = ("specific", "measurable", "achievable", "relevant", "time_bound")
# An unreadable sub-field makes its whole row unreadable: the row is one cell on the page.
_ROW_OF = {"target_date": "target", "baseline_date": "baseline"}


class Origin(StrEnum):
    """Where a field's new value came from, for the run report."""

    PAGE = "edited on the page"
    CATALOG = "changed in the catalog"
    BOTH_PAGE = "changed on the page and in the catalog; the page wins"
    BOTH_CATALOG = "changed on the page and in the catalog; the catalog wins (--prefer catalog)"


@dataclass(frozen=True)
class FieldChange:
    """One field whose value differs from what the bot last wrote, and why."""

    field: str
    old: Value
    new: Value
    origin: Origin


@dataclass(frozen=True)
class MergeResult:
    """The values to use, what changed and why, and the rows whose cells stay as people typed."""

    values: Values
    changes: tuple[FieldChange, ...]
    unreadable: tuple[str, ...]  # fields that could not be read: last valid value used


def merge(
    page: Mapping[str, Value],
    written: Mapping[str, Value],
    catalog: Mapping[str, Value],
    seen: Mapping[str, Value],
    *,
    prefer: Prefer = "page",
    unreadable: frozenset[str] = frozenset(),
) -> MergeResult:
    """Merges each catalog field; `page` holds only the fields read from the page.

    `written` and `seen` are the values the bot wrote and the catalog values it saw at its
    last write (empty for a page it never wrote). A field missing from `page` (its row was
    removed, or it could not be read) counts as unchanged on the page.
    """
    values: Values = {}
    changes: list[FieldChange] = []
    for field, now in catalog.items():
        if field not in written:
            values[field] = now  # never written before: the catalog's value
            continue
        last = written[field]
        on_page = page.get(field, last) if field not in unreadable else last
        page_changed = on_page != last
        catalog_changed = now != seen.get(field, now)
        if page_changed and catalog_changed:
            values[field] = on_page if prefer == "page" else now
            origin = Origin.BOTH_PAGE if prefer == "page" else Origin.BOTH_CATALOG
        elif page_changed:
            values[field], origin = on_page, Origin.PAGE
        elif catalog_changed:
            values[field], origin = now, Origin.CATALOG
        else:
            values[field] = last
            continue
        changes.append(FieldChange(field, last, values[field], origin))
    return MergeResult(values, tuple(changes), tuple(sorted(unreadable)))


def kpi_catalog_values(kpi: KpiDefinition) -> Values:
    """A KPI's team-editable fields in merge form."""
    return {
        "owner": kpi.owner,
        "target": _target(kpi.target),
        "baseline": _baseline(kpi.baseline),
        "description": kpi.description.strip(),
        "cadence": kpi.expected_cadence.value,
    }


def kpi_page_values(fields: KpiPageFields) -> tuple[Values, frozenset[str]]:
    """The fields read from a KPI page in merge form, and the fields that could not be read."""
    unreadable = frozenset(_ROW_OF.get(u.field, u.field) for u in fields.unreadable)
    values: Values = {}
    if "owner" in fields.found:
        values["owner"] = fields.owner.name if fields.owner else None
    if "target" in fields.found:
        values["target"] = (
            None
            if fields.target_value is None
            else {
                "value": fields.target_value,
                "date": _iso(fields.target_date),
                "upper": fields.target_upper,
            }
        )
    if "baseline" in fields.found:
        values["baseline"] = (
            None
            if fields.baseline_value is None
            else {"value": fields.baseline_value, "date": _iso(fields.baseline_date)}
        )
    if "description" in fields.found and fields.description is not None:
        values["description"] = fields.description.strip()
    if "cadence" in fields.found and fields.cadence is not None:
        values["cadence"] = fields.cadence.value
    return values, unreadable


def apply_kpi_values(kpi: KpiDefinition, values: Mapping[str, Value]) -> KpiDefinition:
    """The KPI with the merged values in place of the catalog's."""
    target, baseline = values.get("target"), values.get("baseline")
    cadence = values.get("cadence")
    return kpi.model_copy(
        update={
            "owner": values.get("owner"),
            "target": _to_target(target, kpi.target),
            "baseline": _to_baseline(baseline, kpi.baseline),
            "description": values.get("description") or "",
            # A cadence equal to the grain is how the page shows "no cadence set".
            "cadence": None if cadence in (None, kpi.grain.value) else Grain(str(cadence)),
        }
    )


def goal_catalog_values(goal: Goal) -> Values:
    """A goal's team-editable fields in merge form."""
    values: Values = {"owner": goal.owner, "deadline": _iso(goal.deadline)}
    values.update({key: getattr(goal, key).strip() for key in SMART})
    return values


def goal_page_values(fields: GoalPageFields) -> tuple[Values, frozenset[str]]:
    """The fields read from a goal page in merge form, and the fields that could not be read."""
    unreadable = frozenset(u.field for u in fields.unreadable)
    values: Values = {}
    if "owner" in fields.found:
        values["owner"] = fields.owner.name if fields.owner else None
    if "deadline" in fields.found:
        values["deadline"] = _iso(fields.deadline)
    if "smart" in fields.found:
        values.update({key: text.strip() for key, text in fields.smart.items() if key in SMART})
    return values, unreadable


def apply_goal_values(goal: Goal, values: Mapping[str, Value]) -> Goal:
    """The goal with the merged values in place of the catalog's."""
    deadline = values.get("deadline")
    update: dict[str, object] = {
        "owner": values.get("owner"),
        "deadline": date.fromisoformat(deadline) if isinstance(deadline, str) else None,
    }
    update.update({key: str(values.get(key) or "") for key in SMART})
    return goal.model_copy(update=update)


def _target(target: Target | None) -> Value:
    if target is None:
        return None
    return {"value": target.value, "date": _iso(target.date), "upper": target.upper}


def _baseline(baseline: Baseline | None) -> Value:
    if baseline is None:
        return None
    return {"value": baseline.value, "date": _iso(baseline.date)}


def _to_target(value: Value, fallback: Target | None) -> Target | None:
    if not isinstance(value, dict) or not isinstance(value.get("value"), float | int):
        return None if value is None else fallback
    day, upper = value.get("date"), value.get("upper")
    return (fallback or Target(value=0)).model_copy(
        update={
            "value": float(value["value"] or 0),
            "date": date.fromisoformat(day) if isinstance(day, str) else None,
            "upper": float(upper) if isinstance(upper, float | int) else None,
        }
    )


def _to_baseline(value: Value, fallback: Baseline | None) -> Baseline | None:
    if not isinstance(value, dict):
        return None if value is None else fallback
    amount, day = value.get("value"), value.get("date")
    if not isinstance(amount, float | int) or not isinstance(day, str):
        return fallback  # a baseline needs both; a half-typed one keeps the last whole one
    return Baseline(value=float(amount), date=date.fromisoformat(day))


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
