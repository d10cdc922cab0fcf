"""The query parameters of Cloud's v2 API, read strictly: a value the API does not define is a
400 rather than ignored.

- Lists (`id`, `space-id`, `keys`, `status`...) come comma-separated, as the docs write them,
  or repeated; both are read, and a list longer than the API allows is a 400.
- Booleans (`include-labels`, `purge`...) are `true` or `false`.
- `body-format` asks for the body. The sandbox keeps storage-format bodies only: `storage` is
  served, any other format Cloud knows (`atlas_doc_format`, `view`...) is a 400 that says so,
  and an unknown one is a 400 too."""

from __future__ import annotations

from collections.abc import Iterable

from confluence_kpi.sandbox.errors import bad_request
from confluence_kpi.sandbox.messages import Request

# Everything Cloud's v2 accepts for `body-format` somewhere; the sandbox renders only storage.
_BODY_FORMATS = frozenset(
    {
        "storage",
        "atlas_doc_format",
        "view",
        "export_view",
        "anonymous_export_view",
        "styled_view",
        "editor",
    }
)


def values(request: Request, name: str, most: int | None = None) -> list[str]:
    """A list parameter, comma-separated or repeated; empty parts are dropped."""
    found = [
        part.strip()
        for text in request.query.get(name, [])
        for part in text.split(",")
        if part.strip()
    ]
    if most is not None and len(found) > most:
        raise bad_request(f"Parameter {name} takes at most {most} values, but got {len(found)}")
    return found


def ids(request: Request, name: str, most: int) -> list[str]:
    """A list of numeric ids (400 for anything else), as strings."""
    found = values(request, name, most)
    for value in found:
        numeric(value, name)
    return found


def numeric(value: str, name: str) -> str:
    """An id from a path or a parameter: v2 ids are integers, so anything else is a 400."""
    if not value.isdigit():
        raise bad_request(f"Parameter {name} must be an integer id, but was: {value}")
    return value


def choice(request: Request, name: str, allowed: Iterable[str], default: str) -> str:
    """A parameter with a fixed set of values."""
    value = request.param(name)
    if value is None or value == "":
        return default
    allowed = tuple(allowed)
    if value not in allowed:
        raise bad_request(f"Parameter {name} must be one of {', '.join(allowed)}, but was: {value}")
    return value


def flag(request: Request, name: str, default: bool = False) -> bool:
    """A boolean parameter: `true` or `false`."""
    return choice(request, name, ("true", "false"), "true" if default else "false") == "true"


def statuses(request: Request, allowed: Iterable[str], default: Iterable[str]) -> frozenset[str]:
    """The `status` filter: a list of statuses from `allowed`, `default` when not given."""
    allowed = frozenset(allowed)
    wanted = frozenset(values(request, "status"))
    unknown = wanted - allowed
    if unknown:
        raise bad_request(
            f"Parameter status takes {', '.join(sorted(allowed))}, but got: "
            + ", ".join(sorted(unknown))
        )
    return wanted or frozenset(default)


def wants_body(request: Request) -> bool:
    """Whether `body-format=storage` asks for the body (400 for formats the sandbox lacks)."""
    value = request.param("body-format")
    if value is None or value == "":
        return False
    if value == "storage":
        return True
    if value in _BODY_FORMATS:
        raise bad_request(
            f"Parameter body-format {value} is not supported by the sandbox: "
            "it keeps storage-format bodies only"
        )
    raise bad_request(f"Parameter body-format has an unknown format: {value}")
