"""The model's types, whichever of the package's modules defines them, have annotations that
pydantic and typing can read."""

from __future__ import annotations

import typing

import pytest

import confluence_kpi.model

TYPES = [
    exported
    for exported in map(vars(confluence_kpi.model).get, confluence_kpi.model.__all__)
    if isinstance(exported, type)
]


@pytest.mark.parametrize("kind", TYPES, ids=lambda kind: kind.__name__)
def test_a_types_annotations_resolve(kind: type) -> None:
    # What pydantic and typing read: every annotation resolves where its type is defined.
    assert typing.get_type_hints(kind) is not None
