"""What is wrong with a catalog, said where it is: what `validate` prints and `sync` stops on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from confluence_kpi.plain_errors import visible

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or doubtful, for a warning) in the catalog, said where it is."""

    file: str
    line: int | None
    where: str  # the item: "kpis[3] 'first-response-time'", "sources 'db'"; "" for the top level
    field: str | None  # the field within the item: "target.upper"
    message: str  # the full sentence after `where`, field included
    severity: Severity = "error"

    def __str__(self) -> str:
        place = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [place, "warning" if self.severity == "warning" else "", self.where, self.message]
        return visible(": ".join(part for part in parts if part))


class CatalogError(Exception):
    """The catalog cannot be used; `problems` lists every error, `str()` one per line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems
