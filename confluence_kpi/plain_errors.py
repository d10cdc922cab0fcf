"""Pydantic validation errors in plain words, with "did you mean" hints; for catalog and settings.

Pydantic's own messages ("Input should be 'a', 'b' or 'c'") are written for developers and echo
the input; people editing YAML or environment variables need "must be one of a, b, c (got 'd')",
and secrets must never be echoed at all (hence `show_input`).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from types import UnionType
from typing import Annotated, TypeGuard, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

# Error types whose meaning fits one phrase; the others need the error's context.
_PHRASES = {
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "date_parsing": "must be a date like 2027-06-30",
    "date_type": "must be a date like 2027-06-30",
    "date_from_datetime_parsing": "must be a date like 2027-06-30",
    "date_from_datetime_inexact": "must be a date like 2027-06-30, without a time",
    "time_parsing": 'must be a time like "06:00"',
    "time_type": 'must be a time like "06:00"',
    "string_type": "must be text",
    "string_too_short": "must not be empty",
    "dict_type": "must be a mapping of `name: value` lines",
    "model_type": "must be a mapping of `name: value` lines",
    "model_attributes_type": "must be a mapping of `name: value` lines",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
}
# Date errors, among them a date with the shape of one but no such day ("2027-02-30").
_DATES = frozenset({"date_parsing", "date_from_datetime_parsing"})
_BOUNDS = {
    "greater_than": ("gt", "must be more than"),
    "greater_than_equal": ("ge", "must be at least"),
    "less_than": ("lt", "must be less than"),
    "less_than_equal": ("le", "must be at most"),
}
_MAX_SHOWN = 40


def describe(error: ErrorDetails, *, show_input: bool = True) -> str:
    """What is wrong with one value, said as a predicate: "must be a number (got 'abc')"."""
    kind = error["type"]
    context = error.get("ctx", {})
    got = f" (got {shown(error['input'])})" if show_input else ""
    if kind == "missing":
        return "is required"
    if kind == "value_error":  # our own validators, written as predicates already
        return str(context["error"])
    if kind in ("enum", "literal_error"):
        return f"must be one of {choices(context['expected'])}{got}"
    if kind in _BOUNDS:
        key, phrase = _BOUNDS[kind]
        bound = context[key]
        return f"{phrase} {bound:g}{got}" if isinstance(bound, float) else f"{phrase} {bound}{got}"
    if kind in _DATES and "outside expected range" in str(context.get("error", "")):
        return f"must be a date that exists in the calendar, like 2027-06-30{got}"
    if kind in _PHRASES:
        return _PHRASES[kind] + got
    message = error["msg"]
    return message[:1].lower() + message[1:] + got


def choices(expected: str) -> str:
    """Pydantic's "'a', 'b' or 'c'" as "a, b, c": the choices as a person would type them."""
    return ", ".join(re.findall(r"'([^']*)'", expected))


def shown(value: object) -> str:
    """A short quotation of a bad value: enough to find it, never a page of text."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def visible(text: str) -> str:
    """`text` with every character that shows nothing, or looks like a plain space, written
    as its code (`\\u200b`, `\\xa0`): an id that differs from another only by one is found."""
    return "".join(_code(ch) if _invisible(ch) else ch for ch in text)


def visible_json(text: str) -> str:
    """JSON text with every character `visible` writes as its code written as a JSON escape
    (`\\u200b`): the same JSON to a program, and a terminal or log viewer shows no right-to-left
    override or zero-width space as it is. Such characters occur only inside JSON strings,
    where an escape is as good as the character."""
    return "".join(_json_code(ch) if _invisible(ch) else ch for ch in text)


def _json_code(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    high, low = divmod(code - 0x10000, 0x400)  # beyond the BMP: a UTF-16 surrogate pair
    return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"


def _invisible(ch: str) -> bool:
    # Format characters (zero-width spaces and joiners, a BOM, a soft hyphen), spaces other
    # than the plain one, the line and paragraph separators (U+2028, U+2029: a line break to
    # some readers, none to others), and controls other than the line breaks and tabs a
    # message holds.
    kind = unicodedata.category(ch)
    return (
        kind in ("Cf", "Zl", "Zp")
        or (kind == "Zs" and ch != " ")
        or (kind == "Cc" and ch not in "\n\t")
    )


def _code(ch: str) -> str:
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def did_you_mean(name: str, known: Sequence[str]) -> str:
    """A hint naming the closest known name, or nothing when none is close."""
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def accepted_fields(root: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The field names the model at pydantic location `loc` accepts, for "did you mean"."""
    annotation: object = root
    for part in loc:
        annotation = _inside(_plain(annotation), part)
    model = _plain(annotation)
    return list(model.model_fields) if _is_model(model) else []


def _plain(annotation: object) -> object:
    """The type behind `Annotated[X, ...]` and `X | None`."""
    if get_origin(annotation) is Annotated:
        return _plain(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        members = [member for member in get_args(annotation) if member is not type(None)]
        if len(members) == 1:
            return _plain(members[0])
    return annotation


def _inside(annotation: object, part: object) -> object:
    """The type one step into `annotation`: a field, an item, a value, or a union's member."""
    if _is_model(annotation):
        found = annotation.model_fields.get(str(part))
        return found.annotation if found else None
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is dict:
        return args[1]
    if origin is tuple:
        return args[0]
    if origin in (Union, UnionType):  # a tagged union: pydantic's location holds the tag
        for member in map(_plain, args):
            tag = member.model_fields.get("type") if _is_model(member) else None
            if tag is not None and get_args(tag.annotation) == (part,):
                return member
    return None


def _is_model(annotation: object) -> TypeGuard[type[BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
