"""Reading JSON request bodies and query parameters, answering 400 for anything malformed."""

from __future__ import annotations

import json
from typing import Any

from confluence_kpi.sandbox.errors import bad_request
from confluence_kpi.sandbox.messages import Request


def json_body(request: Request) -> Any:
    """The parsed JSON body."""
    try:
        return json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad_request(f"Unable to parse the request body as JSON: {exc}") from None


def json_object(request: Request) -> dict[str, Any]:
    """The JSON body, which must be an object."""
    return as_object(json_body(request), "request body")


def as_object(value: Any, what: str) -> dict[str, Any]:
    """`value` if it is a JSON object."""
    if not isinstance(value, dict):
        raise bad_request(f"{what} must be a JSON object")
    return value


def optional_object(obj: dict[str, Any], key: str) -> dict[str, Any]:
    """`obj[key]` as an object ({} when absent or null)."""
    value = obj.get(key)
    return {} if value is None else as_object(value, key)


def optional_str(obj: dict[str, Any], key: str) -> str | None:
    """`obj[key]` if it is a string, None when absent or null."""
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise bad_request(f"{key} must be a string")
    return value


def optional_int(obj: dict[str, Any], key: str) -> int | None:
    """`obj[key]` if it is an integer, None when absent or null."""
    value = obj.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise bad_request(f"{key} must be an integer")
    return value


def optional_id(obj: dict[str, Any], key: str) -> str | None:
    """A content id, given as a string or a number (clients send both)."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise bad_request(f"{key} must be a content id")
    return str(value)


def optional_list(obj: dict[str, Any], key: str) -> list[Any]:
    """`obj[key]` if it is an array ([] when absent or null)."""
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request(f"{key} must be an array")
    return value


def int_param(request: Request, name: str, default: int) -> int:
    """A non-negative integer query parameter."""
    text = request.param(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise bad_request(f"Parameter {name} must be an integer, but was: {text}") from None
    if value < 0:
        raise bad_request(f"Parameter {name} must not be negative, but was: {value}")
    return value
