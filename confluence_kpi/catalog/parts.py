"""The catalog's parts that validate on their own, gathered for the checks across items.

Gathered from the raw document, not from the validated catalog: the checks run even when other
items have errors, so that one run shows every problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from confluence_kpi.catalog.document import Document, KeyPath
from confluence_kpi.catalog.problems import Problem
from confluence_kpi.catalog.schema import SourceConfig
from confluence_kpi.model import Goal, KpiDefinition
from confluence_kpi.plain_errors import did_you_mean

_M = TypeVar("_M", bound=BaseModel)
_SOURCE = TypeAdapter[SourceConfig](SourceConfig)
Section = Literal["teams", "sources", "kpis"]  # the sections whose items others name


@dataclass(frozen=True)
class Parts:
    """The KPIs, goals and sources that validate on their own, and the names each section
    defines. Names come from the raw file, so an invalid team still counts as a team that
    exists."""

    kpis: list[tuple[int, KpiDefinition]]
    goals: list[tuple[int, Goal]]
    sources: dict[str, SourceConfig]
    source_names: list[str] | None  # None when `sources` is no mapping: nothing to check against
    team_names: list[str] | None
    kpi_ids: list[str]

    @classmethod
    def gather(cls, document: Document, base_dir: Path) -> Parts:
        """The parts of `document`; relative paths in sources taken from `base_dir`."""
        data = document.data
        sources, teams = data.get("sources"), data.get("teams")
        return cls(
            kpis=_valid_items(data.get("kpis"), KpiDefinition),
            goals=_valid_items(data.get("goals"), Goal),
            sources=_valid_sources(sources, base_dir),
            source_names=[str(name) for name in sources] if isinstance(sources, dict) else None,
            team_names=[str(name) for name in teams] if isinstance(teams, dict) else None,
            kpi_ids=[ident for _, ident in raw_ids(data.get("kpis"))],
        )

    def reference(
        self, document: Document, path: KeyPath, name: str, section: Section
    ) -> Iterator[Problem]:
        """`name`, at `path`, must be defined under `section` of the catalog."""
        names = {"teams": self.team_names, "sources": self.source_names, "kpis": self.kpi_ids}
        known = names[section]
        if known is not None and name not in known:  # None: the section is no mapping
            hint = did_you_mean(name, known)
            yield document.about(path, f"'{name}' is not defined under {section}{hint}")


def raw_ids(raw: object) -> list[tuple[int, str]]:
    """The text ids of a raw list of items, by index."""
    items = raw if isinstance(raw, list) else []
    return [
        (index, item["id"])
        for index, item in enumerate(items)
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]


def _valid_items(raw: object, model: type[_M]) -> list[tuple[int, _M]]:
    """The list's items that validate as `model`, by index; their errors are reported elsewhere."""
    valid = []
    for index, item in enumerate(raw if isinstance(raw, list) else []):
        try:
            valid.append((index, model.model_validate(item)))
        except ValidationError:
            continue
    return valid


def _valid_sources(raw: object, base_dir: Path) -> dict[str, SourceConfig]:
    """The sources that validate on their own, by name."""
    valid: dict[str, SourceConfig] = {}
    for name, item in raw.items() if isinstance(raw, dict) else ():
        try:
            valid[str(name)] = _SOURCE.validate_python(item, context={"base_dir": base_dir})
        except ValidationError:
            continue
    return valid
