"""The `expand` parameter as a tree: `body.storage,version` -> {body: {storage}, version}."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Expand:
    """Which parts of a response to fill in rather than list under `_expandable`."""

    children: dict[str, Expand] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> Expand:
        """Reads a comma-separated list of dotted paths."""
        root: dict[str, Expand] = {}
        for path in (text or "").split(","):
            node = root
            for part in path.strip().split("."):
                if not part:
                    break
                node = node.setdefault(part, Expand()).children
        return cls(root)

    def __contains__(self, name: str) -> bool:
        return name in self.children

    def __bool__(self) -> bool:
        return bool(self.children)

    def sub(self, name: str) -> Expand:
        """The expansions below `name` (empty when not expanded)."""
        return self.children.get(name, _EMPTY)


_EMPTY = Expand()
