"""The catalog file as read: its YAML data with the line of every key and list item.

Reading knows nothing of the schema. It refuses what cannot be a catalog at all (no file, too
big, not UTF-8, not YAML, not a mapping) with the one problem saying why, and otherwise keeps
the lines, so that every later problem can say where it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from confluence_kpi.catalog.problems import Problem, Severity

MAX_FILE_BYTES = 5 * 1024 * 1024

KeyPath = tuple[str | int, ...]  # a place in the YAML document: keys and list indexes


class RefusedError(Exception):
    """The file cannot be read as a catalog at all; carries the one problem saying why."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _Loader(yaml.SafeLoader):
    """Safe YAML that refuses aliases: expanded, a few lines can become gigabytes (billion laughs).

    A catalog has no need for them; refusing beats counting, and also rules out self-reference.
    """

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise yaml.MarkedYAMLError(
                problem="aliases (*name) are not allowed in a catalog: write the value out",
                problem_mark=self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        return super().compose_node(parent, index)

    def construct_timestamp_or_text(self, node: yaml.ScalarNode) -> object:
        """A date or time as YAML reads it; an impossible one (2027-02-30) stays text, so that
        the field's validation names it with its line instead of a traceback ending the run."""
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_timestamp_or_text)
# YAML 1.1 reads 1e6 as text and YAML 1.2 as the number it looks like; the catalog reads it as
# a number, since numbers written as text are refused.
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


@dataclass
class Document:
    """The parsed YAML with the line of every key and list item, to say where problems are."""

    file: str
    data: dict[str, Any]
    lines: dict[KeyPath, int] = field(default_factory=dict)
    duplicates: list[tuple[KeyPath, int, int]] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> Document:
        """Reads and parses the file; RefusedError when it is no YAML mapping at all."""
        text = _read_text(path)
        try:
            node, data = _parse(text)
            if not isinstance(data, dict):
                raise RefusedError(1, _not_a_mapping(data))
            document = cls(str(path), data)
            document.record(node, ())
        except yaml.MarkedYAMLError as error:
            raise RefusedError(*_yaml_problem(error)) from None
        except yaml.reader.ReaderError as error:
            line = text.count("\n", 0, error.position) + 1
            raise RefusedError(
                line,
                f"holds a control character (#x{error.character:04x}) that YAML does not allow",
            ) from None
        except RecursionError:
            raise RefusedError(None, "nests lists or mappings too deeply to be a catalog") from None
        return document

    def record(self, node: yaml.Node | None, path: KeyPath) -> None:
        """Notes the line of every key and item under `node`, and keys given twice."""
        if isinstance(node, yaml.MappingNode):
            seen: dict[object, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue  # a list or mapping as a key: the constructor has refused it already
                key: str = key_node.value
                line = key_node.start_mark.line + 1
                if key in seen:
                    self.duplicates.append(((*path, key), seen[key], line))
                seen[key] = line
                self.lines[(*path, key)] = line
                self.record(value_node, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.lines[(*path, index)] = item.start_mark.line + 1
                self.record(item, (*path, index))

    def line(self, path: KeyPath) -> int | None:
        """The line of `path`, or of its nearest ancestor that is in the file."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def item(self, path: KeyPath) -> object:
        """The raw value at `path`, or None when there is none."""
        value: object = self.data
        for part in path:
            if isinstance(value, dict):
                value = value.get(part)
            elif isinstance(value, list) and isinstance(part, int) and part < len(value):
                value = value[part]
            else:
                return None
        return value

    def where(self, path: KeyPath) -> tuple[str, str | None]:
        """The item `path` is in, as people call it, and the field within it."""
        if len(path) >= 2 and path[0] in ("kpis", "goals") and isinstance(path[1], int):
            item = self.item(path[:2])
            ident = item.get("id") if isinstance(item, dict) else None
            label = f"{path[0]}[{path[1]}]" + (f" '{ident}'" if isinstance(ident, str) else "")
            return label, field_text(path[2:])
        if len(path) >= 2 and path[0] in ("sources", "teams"):
            return f"{path[0]} '{path[1]}'", field_text(path[2:])
        return "", field_text(path)

    def about(self, path: KeyPath, predicate: str, severity: Severity = "error") -> Problem:
        """A problem with the field at `path`, said as "<field> <predicate>"."""
        where, name = self.where(path)
        message = f"{name} {predicate}" if name else predicate
        return Problem(self.file, self.line(path), where, name, message, severity)

    def duplicate_keys(self) -> list[Problem]:
        """Keys given twice in one mapping: YAML keeps the last silently, we say so."""
        return [
            self.about(path, f"is given twice (lines {first} and {second}): keep one")
            for path, first, second in self.duplicates
        ]


def field_text(path: KeyPath) -> str | None:
    """A field path as written in YAML terms: `target.upper`, `values[2].date`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = "key" if part == "[key]" else part  # pydantic's mark for a bad mapping key
            text += f".{name}" if text else str(name)
    return text or None


def _read_text(path: Path) -> str:
    """The file's text; RefusedError when missing, too big, or not UTF-8."""
    try:
        if path.is_dir():
            raise RefusedError(None, "is a directory, not a catalog file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise RefusedError(
                None, f"is {size / 1e6:.1f} MB: a catalog is at most {MAX_FILE_BYTES // 2**20} MB"
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RefusedError(
            None,
            "does not exist: name the catalog with --config FILE or the KPI_CONFIG setting "
            "(default config/catalog.yaml), or write a starter one with `confluence-kpi init`",
        ) from None
    except OSError as error:
        raise RefusedError(None, f"cannot be read: {error.strerror}") from None
    try:
        return raw.decode("utf-8-sig")  # -sig: editors on Windows may start with a byte-order mark
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise RefusedError(
            line, f"is not UTF-8 text (byte 0x{raw[error.start]:02x}): save it as UTF-8"
        ) from None


def _parse(text: str) -> tuple[yaml.Node | None, object]:
    """The node tree (it has the lines) and the data of a YAML text holding one document."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return node, None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def _not_a_mapping(data: object) -> str:
    """Why a document that parsed is still no catalog."""
    if data is None:
        return "is empty: a catalog needs at least space, root_page, teams and kpis"
    kind = "a list" if isinstance(data, list) else "a single value"
    return f"must be a mapping of `name: value` lines (space:, teams:, kpis:, ...), not {kind}"


def _yaml_problem(error: yaml.MarkedYAMLError) -> tuple[int | None, str]:
    """A YAML syntax error as (line, message with the column and what is wrong)."""
    mark = error.problem_mark or error.context_mark
    what = ", ".join(part for part in (error.context, error.problem) if part)
    if mark is None:
        return None, f"is not valid YAML: {what}"
    return mark.line + 1, f"is not valid YAML at column {mark.column + 1}: {what}"
