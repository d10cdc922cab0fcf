"""Loading a catalog: the file read, validated by the schema and cross-checked, with every
problem reported at once.

A problem names the file, the line, the item and the field in plain words, e.g.
`config/catalog.yaml:42: kpis[3] 'first-response-time': direction must be one of increase, ...`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from confluence_kpi.catalog.checks import cross_checks
from confluence_kpi.catalog.document import Document, KeyPath, RefusedError
from confluence_kpi.catalog.problems import CatalogError, Problem
from confluence_kpi.catalog.schema import PLUGIN_TAG, Catalog, source_tag
from confluence_kpi.plain_errors import accepted_fields, describe, did_you_mean
from confluence_kpi.plugins import PluginError, load_plugin


def load_catalog(path: Path) -> Catalog:
    """The catalog at `path`; CatalogError listing every error when it has any."""
    catalog, problems = check_catalog(path)
    if catalog is None:
        raise CatalogError([problem for problem in problems if problem.severity == "error"])
    return catalog


def check_catalog(path: Path) -> tuple[Catalog | None, list[Problem]]:
    """The catalog (None when it has errors) and every problem, warnings included, by line."""
    try:
        document = Document.read(path)
    except RefusedError as refused:
        return None, [Problem(str(path), refused.line, "", None, refused.message)]
    base_dir = path.absolute().parent
    catalog, invalid = _validate(document, path, base_dir)
    problems = [
        *document.duplicate_keys(),
        *_setting_problems(document),
        *invalid,
        *cross_checks(document, base_dir),
    ]
    problems.sort(key=lambda problem: problem.line or 0)  # stable: in this order within a line
    if any(problem.severity == "error" for problem in problems):
        return None, problems
    return catalog, problems


def _setting_problems(document: Document) -> Iterator[Problem]:
    """Top-level settings the file holds but cannot set: `path`, which loading sets to where
    the file is."""
    if "path" in document.data:
        yield document.about(("path",), "is not a catalog setting: remove it")


def _validate(
    document: Document, path: Path, base_dir: Path
) -> tuple[Catalog | None, list[Problem]]:
    """The catalog as its schema reads the file at `path`, or None and the schema's errors.

    `path` is where the file is, whatever the file says."""
    data = {**document.data, "path": path}
    try:
        return Catalog.model_validate(data, context={"base_dir": base_dir}), []
    except ValidationError as invalid:
        return None, [_translate(document, error) for error in invalid.errors()]


def _translate(document: Document, error: ErrorDetails) -> Problem:
    """A pydantic error as a problem in plain words, at the line it comes from."""
    path = _data_path(document, error["loc"])
    if error["type"] == "extra_forbidden":
        where, parent = document.where(path[:-1])
        in_source = len(path) == 3 and path[0] == "sources"
        source = document.item(path[:2]) if in_source else None
        known = accepted_fields(Catalog, error["loc"][:-1]) or _plugin_fields(source)
        message = f"unknown field '{path[-1]}'{did_you_mean(str(path[-1]), known)}"
        if in_source and known and isinstance(source, dict):
            # A source has few fields, and which ones depends on its type: all are listed.
            message += f"; a source of type {source['type']} takes {', '.join(sorted(known))}"
        message = f"{parent} has {message}" if parent else message
        return Problem(document.file, document.line(path), where, str(path[-1]), message)
    return document.about(path, describe(error))


def _plugin_fields(source: object) -> list[str]:
    """The fields of a source whose type a plugin adds: its model's, and `type`; none when the
    plugin has no model, or `source` is no plugin's."""
    kind = source.get("type") if isinstance(source, dict) else None
    if not isinstance(kind, str) or source_tag(source) != PLUGIN_TAG:
        return []
    try:
        model = load_plugin(kind).config_model
    except PluginError:
        return []
    return [] if model is None else ["type", *model.model_fields]


def _data_path(document: Document, loc: Sequence[str | int]) -> KeyPath:
    """Pydantic's location without the tag it adds for the source union (`sources.x.csv`,
    `sources.x.plugin`)."""
    path: list[str | int] = []
    for part in loc:
        if not _is_union_tag(document, tuple(path), part):
            path.append(part)
    return tuple(path)


def _is_union_tag(document: Document, parent: KeyPath, part: str | int) -> bool:
    """Whether `part`, right under a source (`sources.x`), is the tag pydantic put there for
    the source union, not a field the source has in the file."""
    if len(parent) != 2 or parent[0] != "sources":
        return False
    source = document.item(parent)
    in_file = isinstance(source, dict) and part in source
    return part == source_tag(source) and not in_file
