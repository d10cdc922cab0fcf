"""The model's types as the rest of the code and the catalog's authors see them, whichever of
the package's modules defines them."""

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
def test_a_type_is_named_as_the_models(kind: type) -> None:
    # A template's error names the type of the object it failed on by this name.
    assert f"{kind.__module__}.{kind.__qualname__}" == f"confluence_kpi.model.{kind.__name__}"


@pytest.mark.parametrize("kind", TYPES, ids=lambda kind: kind.__name__)
def test_a_types_annotations_resolve(kind: type) -> None:
    # What pydantic and typing read: a name that resolved only in the defining module would
    # fail here, as this module's name is the package's.
    assert typing.get_type_hints(kind) is not None
