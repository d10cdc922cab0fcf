"""Finding what a v2 path names. v2 ids are integers: a path id that is not one is a 400. Pages
are found through `lookup.content`, so they follow v1's rules (content a user may not see does
not exist for them); under `/pages` only pages exist, so a blog post's or an attachment's id is
a 404 there. Spaces and labels are named by their ids, which v1 never shows in a path."""

from __future__ import annotations

from confluence_kpi.sandbox import lookup
from confluence_kpi.sandbox.errors import not_found
from confluence_kpi.sandbox.model import Content, Label, Property, Space, User
from confluence_kpi.sandbox.store import State
from confluence_kpi.sandbox.v2_params import numeric

# What `status` may ask for in a v2 page list, and what a list shows when it does not ask.
PAGE_STATUSES = ("current", "archived", "deleted", "trashed")
LISTED = ("current", "archived")


def page(
    state: State, raw_id: str, user: User, allowed: frozenset[str] = lookup.CURRENT
) -> Content:
    """The page with this id, visible to `user` and in one of the `allowed` statuses."""
    found = lookup.content(state, numeric(raw_id, "id"), user, allowed=allowed)
    if found.type != "page":
        raise lookup.missing_content(raw_id)
    return found


def space(state: State, raw_id: str) -> Space:
    """The space with this id."""
    numeric(raw_id, "id")
    for candidate in state.spaces.values():
        if str(candidate.id) == raw_id:
            return candidate
    raise not_found(f"No space with id : {raw_id}")


def space_keys(state: State, raw_ids: list[str]) -> set[str]:
    """The keys of the spaces with these ids (unknown ids name no space)."""
    wanted = set(raw_ids)
    return {s.key for s in state.spaces.values() if str(s.id) in wanted}


def label_name(state: State, raw_id: str) -> str:
    """The name of the label with this id."""
    numeric(raw_id, "id")
    for label in state.labels.values():
        if label.id == raw_id:
            return label.name
    raise not_found(f"No label with id : {raw_id}")


def content_property(state: State, content: Content, raw_id: str) -> Property:
    """The property with this id on `content`."""
    numeric(raw_id, "property-id")
    for prop in state.properties.get(content.id, {}).values():
        if prop.id == raw_id:
            return prop
    raise not_found(f"No content property with id {raw_id} found on content {content.id}")


def labels(state: State, content: Content) -> list[Label]:
    """The labels on `content` as records (a name the store lacks a record for has id "")."""
    return [state.labels.get(name) or Label(name=name, id="") for name in content.labels]
