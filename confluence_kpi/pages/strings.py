"""The pages' fixed texts per locale (`Strings`): the shipped
`page_templates/strings/<locale>.yaml`, and a catalog's own templates directory overriding some
of them.

An override file holds the texts it changes, nested as in the shipped file; the rest stays
shipped, so a new version's new texts need no edit of it. The texts the bot reads back from
pages (row headers, headings, placeholders, month names, number marks: `READ_BACK`) cannot be
changed: pages written before the change, and pages in the other language, must still be
read, and the parser knows the shipped words only. A copy of the shipped file may keep them
as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from confluence_kpi.shipped import TEMPLATE_DIR

LOCALES = ("en", "nl")
STRINGS_DIR = "strings"
# The texts read back from pages (`pages.parse`, `values`, `layout`, `cells`), by dotted path
# or the path of a group of them; tests/pages/test_overrides.py checks that changing every
# other text leaves what the parser reads unchanged.
READ_BACK = frozenset(
    {
        "number",
        "months",
        "field",
        "cadence",
        "grain",
        "smart",
        "notes",
        "value.not_set",
        "value.none",
        "value.by",
        "value.on_date",
        "value.not_written",
        "value.no_description",
        "kpi.measures",
        "kpi.smart",
        "kpi.history",
        "kpi.example",
        "goal.statement",
        "goal.smart",
    }
)


class TextTree:
    """A locale's texts for templates, read as `t.field.status` or `t.kind[kpi.kind]`.

    Jinja reads `a.b` as an attribute first and only then as a key: on a dict every lookup
    raised and caught an AttributeError, which made text lookups a large part of a page's
    rendering. Here the keys are attributes; a missing key is an error, as with a dict."""

    def __init__(self, texts: Mapping[str, Any]) -> None:
        for key, value in texts.items():
            setattr(self, key, TextTree(value) if isinstance(value, Mapping) else value)

    def __getitem__(self, key: str) -> Any:
        return self.__dict__[key]

    def __getattr__(self, name: str) -> Any:
        # Called only for a name that is no text. It tells type checkers the texts are
        # attributes, and keeps a missing one an AttributeError (Jinja's "undefined").
        raise AttributeError(f"no text {name!r}")


@dataclass(frozen=True)
class Strings:
    """One locale's fixed texts (nested mapping, as in the YAML file) and conventions."""

    locale: str
    texts: Mapping[str, Any]

    @cached_property
    def tree(self) -> TextTree:
        """The texts as the templates read them."""
        return TextTree(self.texts)

    @cached_property
    def decimal_mark(self) -> str:
        """The locale's decimal mark: "." or ","."""
        return str(self.texts["number"]["decimal"])

    @cached_property
    def group_mark(self) -> str:
        """The locale's digit grouping mark: "," or "."."""
        return str(self.texts["number"]["group"])

    @cached_property
    def _by_path(self) -> dict[str, str]:
        """Every text by its dotted path, so that a page's hundreds of lookups are one each."""
        found: dict[str, str] = {}
        nodes: list[tuple[str, Any]] = [("", self.texts)]
        while nodes:
            prefix, node = nodes.pop()
            for key, value in node.items():
                if isinstance(value, str):
                    found[prefix + key] = value
                elif isinstance(value, Mapping):
                    nodes.append((f"{prefix}{key}.", value))
        return found

    @cached_property
    def paths(self) -> frozenset[str]:
        """Every dotted path that holds a text."""
        return frozenset(self._by_path)

    def text(self, path: str) -> str:
        """The text at a dotted path such as `value.no_data`; KeyError names a missing one."""
        try:
            return self._by_path[path]
        except KeyError:
            raise KeyError(f"{self.locale}: {path} is not a text") from None

    def say(self, path: str, **values: str) -> str:
        """The text at `path` with its `{name}` placeholders filled in."""
        return self.text(path).format_map(values)


class TemplatesError(ValueError):
    """A catalog's templates directory cannot be used; `problems` says each problem, naming
    the file and line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@lru_cache(maxsize=4 * len(LOCALES))
def load_strings(locale: str, templates: Path | None = None) -> Strings:
    """The fixed texts of a locale, shipped or with the overrides in `templates`; read once.

    TemplatesError when the override cannot be used (`strings_problems` lists why)."""
    if locale not in LOCALES:
        raise ValueError(f"unknown page locale {locale!r}; known: {', '.join(LOCALES)}")
    shipped = _shipped(locale)
    override = templates / STRINGS_DIR / f"{locale}.yaml" if templates is not None else None
    if override is None or not override.is_file():
        return shipped
    texts, problems = _overridden(shipped.texts, override)
    if problems:
        raise TemplatesError(problems)
    return Strings(locale, texts)


def strings_problems(templates: Path) -> list[str]:
    """Every problem of the strings files in a templates directory, by file and line."""
    problems: list[str] = []
    for locale in LOCALES:
        override = templates / STRINGS_DIR / f"{locale}.yaml"
        if override.is_file():
            problems += _overridden(_shipped(locale).texts, override)[1]
    known = {f"{locale}.yaml" for locale in LOCALES}
    directory = templates / STRINGS_DIR
    for path in sorted(directory.glob("*.yaml") if directory.is_dir() else ()):
        if path.name not in known:
            problems.append(f"{path}: no page language is called {path.stem!r}: {_locales()}")
    return problems


def is_read_back(path: str) -> bool:
    """Whether the text at a dotted path is one the bot reads back from pages."""
    parts = path.split(".")
    return any(".".join(parts[:length]) in READ_BACK for length in range(1, len(parts) + 1))


@lru_cache(maxsize=len(LOCALES))
def _shipped(locale: str) -> Strings:
    with (TEMPLATE_DIR / STRINGS_DIR / f"{locale}.yaml").open(encoding="utf-8") as file:
        return Strings(locale, yaml.safe_load(file))


def _overridden(shipped: Mapping[str, Any], path: Path) -> tuple[dict[str, Any], list[str]]:
    """The shipped texts with the file's texts over them, and what is wrong with the file."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError) as error:
        return dict(shipped), [f"{path}: cannot be read: {error}"]
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else "?"
        return dict(shipped), [f"{path}:{line}: not valid YAML: {error.problem}"]
    if node is None:
        return dict(shipped), []
    problems: list[str] = []
    texts = _merge(shipped, node, "", path, problems)
    return texts, problems


def _merge(
    shipped: Mapping[str, Any], node: yaml.Node, prefix: str, path: Path, problems: list[str]
) -> dict[str, Any]:
    """`shipped` with the texts of a YAML mapping node over it; problems name file and line."""
    merged = dict(shipped)
    if not isinstance(node, yaml.MappingNode):
        where = prefix.rstrip(".") or "the file"
        problems.append(f"{path}:{node.start_mark.line + 1}: {where} must be a mapping")
        return merged
    for key_node, value_node in node.value:
        key = str(key_node.value)
        where = f"{path}:{key_node.start_mark.line + 1}: {prefix}{key}"
        if key not in shipped:
            problems.append(f"{where} is not a text of the shipped strings")
        elif is_read_back(prefix + key) and not _same(
            shipped[key], yaml.safe_load(yaml.serialize(value_node))
        ):
            problems.append(
                f"{where} cannot be changed: the bot reads it back from pages, "
                "which must be readable in either language"
            )
        elif isinstance(shipped[key], Mapping):
            merged[key] = _merge(shipped[key], value_node, f"{prefix}{key}.", path, problems)
        else:
            value = yaml.safe_load(yaml.serialize(value_node))
            if not isinstance(value, type(shipped[key])):
                problems.append(f"{where} must be {_kind(shipped[key])}, as in the shipped strings")
            elif isinstance(value, list) and len(value) != len(shipped[key]):
                problems.append(f"{where} must list {len(shipped[key])} texts")
            else:
                merged[key] = value
    return merged


def _same(shipped: object, override: object) -> bool:
    """Whether an override says only what the shipped texts say (a copy of the shipped file
    may keep the texts it cannot change)."""
    if isinstance(shipped, Mapping) and isinstance(override, Mapping):
        return all(key in shipped and _same(shipped[key], override[key]) for key in override)
    return shipped == override


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list of texts"
    return "a mapping" if isinstance(value, Mapping) else "a text"


def _locales() -> str:
    return "the strings files are " + " and ".join(f"{locale}.yaml" for locale in LOCALES)
