"""Which pages each of N sync processes writes (`sync --shard I/N`), so that they share one
space without writing a page twice.

The teams are split by a hash of their id; each team's goal and KPI pages go with it. The root
page, the root's index of page ids and the retiring of pages that left the catalog are shard
0's alone: it writes the root from its own evaluations and, for the other shards' KPIs, from
what their pages' memories say (`recalled`), so it never measures their sources.

Pure: the same catalog and shard give the same pages in every process, on every machine.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from confluence_kpi.catalog import Catalog
from confluence_kpi.formula import parse
from confluence_kpi.memory import PageKey, PageMemory
from confluence_kpi.model import Evaluation, Status

# Set by Kubernetes in each pod of an Indexed Job: the pod's index, 0 to completions - 1.
INDEX_VARIABLE = "JOB_COMPLETION_INDEX"
_SHARD = re.compile(r"(?P<index>\d+|auto)/(?P<count>\d+)")
_STATUSES = frozenset(status.value for status in Status)


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count`; shard 0 of 1 is the whole catalog."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"{self}: the number of shards must be at least 1")
        if not 0 <= self.index < self.count:
            raise ValueError(f"{self}: the index must be 0 to {self.count - 1}")

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @classmethod
    def parse(cls, text: str, environ: Mapping[str, str]) -> Shard:
        """`I/N`, or `auto/N` for the index in JOB_COMPLETION_INDEX; ValueError saying why not."""
        found = _SHARD.fullmatch(text.strip())
        if found is None:
            raise ValueError(f"{text!r}: expected INDEX/COUNT (2/4) or auto/COUNT")
        index = found["index"]
        if index == "auto":
            index = environ.get(INDEX_VARIABLE, "").strip()
            if not index.isdigit():
                raise ValueError(
                    f"{text!r}: auto needs {INDEX_VARIABLE} to hold the index "
                    f"(a Kubernetes Indexed Job sets it); it is {index or 'not set'}"
                )
        return cls(int(index), int(found["count"]))

    @property
    def first(self) -> bool:
        """Whether this shard writes the root page, its index, and retires pages."""
        return self.index == 0


WHOLE = Shard(0, 1)


def shard_of(team_id: str, count: int) -> int:
    """The shard of a team: sha256 of its id modulo `count`, the same in every process (unlike
    Python's `hash`, which is salted per process)."""
    digest = hashlib.sha256(team_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


@dataclass(frozen=True)
class Part:
    """What one shard does with a catalog."""

    shard: Shard
    pages: frozenset[PageKey]  # the pages it writes
    # The KPIs it measures and evaluates: its own, those its goals roll up, and the inputs of
    # derived ones among them; every other KPI is recalled from its page's memory.
    kpis: frozenset[str]

    def reads(self, key: PageKey) -> bool:
        """Whether a page of the bot's is read back this pass: its own, and the pages of the
        KPIs it evaluates (a person's target there changes the verdicts)."""
        return key in self.pages or (key.kind == "kpi" and key.id in self.kpis)

    def owns(self, kpi_id: str) -> bool:
        """Whether this shard writes the KPI's page, and so reports on it."""
        return PageKey("kpi", kpi_id) in self.pages


def part_of(catalog: Catalog, shard: Shard) -> Part:
    """The pages and KPIs of `shard`."""
    teams = {team for team in catalog.teams if shard_of(team, shard.count) == shard.index}
    goals = [goal for goal in catalog.goals if goal.team in teams]
    kpis = [kpi.id for kpi in catalog.kpis if kpi.team in teams]
    pages = {
        *([PageKey("root", "root")] if shard.first else []),
        *(PageKey("team", team) for team in teams),
        *(PageKey("goal", goal.id) for goal in goals),
        *(PageKey("kpi", kpi_id) for kpi_id in kpis),
    }
    needed = [*kpis, *(kpi_id for goal in goals for kpi_id in goal.kpis)]
    return Part(shard, frozenset(pages), _with_inputs(catalog, needed))


def _with_inputs(catalog: Catalog, kpi_ids: list[str]) -> frozenset[str]:
    """The KPIs and, for the derived ones, their inputs, and theirs, down to measured ones."""
    formulas = {kpi.id: kpi.formula for kpi in catalog.kpis}
    found: set[str] = set()
    while kpi_ids:
        kpi_id = kpi_ids.pop()
        if kpi_id in found or kpi_id not in formulas:
            continue
        found.add(kpi_id)
        formula = formulas[kpi_id]
        if formula is not None:
            kpi_ids.extend(parse(formula).kpis)
    return frozenset(found)


def recalled(
    catalog: Catalog, part: Part, memories: Mapping[PageKey, PageMemory], *, now: datetime
) -> dict[str, Evaluation]:
    """The evaluations of the KPIs this shard does not evaluate, as their pages' memories tell
    them (`remembered`). A KPI whose page no shard wrote yet reads as no data until one has."""
    return {
        kpi.id: remembered(kpi.id, memories.get(PageKey("kpi", kpi.id)), now=now)
        for kpi in catalog.kpis
        if kpi.id not in part.kpis
    }


def remembered(kpi_id: str, memory: PageMemory | None, *, now: datetime) -> Evaluation:
    """A KPI's evaluation as its page's memory tells it: what the root page shows of a KPI and
    what its goal rolls up (status, value, stale since, progress); no data without one."""
    shown = memory.shown if memory is not None else None
    status = memory.status if memory is not None else ""
    return Evaluation(
        kpi_id=kpi_id,
        as_of=now,
        status=Status(status) if status in _STATUSES else Status.NO_DATA,
        current=shown.current if shown else None,
        previous=None,
        change=None,
        history=(),
        last_data=None,
        stale_since=shown.stale_since if shown else None,
        progress=shown.progress if shown else None,
    )
