"""Each KPI's verdict in words for the terminal and the JSON report: its status, its value as
its page writes it and the one sentence of why, in English, ordered by what needs attention.

Shared by `sync` (the report) and `status` (the verdicts without Confluence), so that both
say the same thing the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from confluence_kpi.catalog import Catalog
from confluence_kpi.model import Evaluation, Status
from confluence_kpi.pages.phrases import Phrases
from confluence_kpi.pages.reasons import reason
from confluence_kpi.pages.strings import load_strings

# What needs attention first: failures and missing data, then what is off, then what is fine.
ATTENTION = (
    Status.NO_DATA,
    Status.STALE,
    Status.MISSED,
    Status.OFF_TRACK,
    Status.AT_RISK,
    Status.NO_TARGET,
    Status.ON_TRACK,
    Status.ACHIEVED,
)


@dataclass(frozen=True)
class Verdict:
    """One KPI's verdict as a person reads it."""

    kpi_id: str
    name: str
    team: str
    status: Status
    value: float | None  # the current period's value, None without data
    value_text: str  # "99.90 % in November 2026", as the page writes it
    reason: str

    @property
    def status_text(self) -> str:
        """The status in words: "at risk"."""
        return status_words(self.status)


def status_words(status: Status) -> str:
    """A status as the terminal writes it: "on track", "no data"."""
    return status.value.replace("_", " ")


def verdicts(catalog: Catalog, evaluations: Mapping[str, Evaluation]) -> list[Verdict]:
    """Every evaluated KPI's verdict, what needs attention first, then by team and name."""
    words = Phrases(load_strings("en"), catalog.zone)
    found = []
    for kpi in catalog.kpis:
        ev = evaluations.get(kpi.id)
        if ev is None:
            continue
        current = ev.current
        found.append(
            Verdict(
                kpi_id=kpi.id,
                name=kpi.name,
                team=catalog.teams[kpi.team].name,
                status=ev.status,
                value=current.value if current is not None else None,
                value_text=words.current_value(ev, kpi),
                reason=reason(words, ev, kpi),
            )
        )
    return sorted(found, key=lambda v: (ATTENTION.index(v.status), v.team, v.name))
