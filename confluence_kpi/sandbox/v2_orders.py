"""How each v2 list may be sorted: the `sort` values Cloud documents for it, each a sort key that
no two items share (so that a cursor can say where a page ended), with `-` for descending."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from confluence_kpi.sandbox.cursor import Order, SortKey
from confluence_kpi.sandbox.messages import Request
from confluence_kpi.sandbox.model import Content, Label, Property, Revision, Space
from confluence_kpi.sandbox.render import iso, sibling_place
from confluence_kpi.sandbox.v2_params import choice

T = TypeVar("T")


def _both_ways(keys: dict[str, Callable[[T], SortKey]]) -> dict[str, Order[T]]:
    out: dict[str, Order[T]] = {}
    for name, key in keys.items():
        out[name] = Order(name, key)
        out["-" + name] = Order("-" + name, key, descending=True)
    return out


def _page_id(page: Content) -> SortKey:
    return (int(page.id),)


def _title(page: Content) -> SortKey:
    return (page.title, int(page.id))


def _created(page: Content) -> SortKey:
    return (iso(page.created), int(page.id))


def _modified(page: Content) -> SortKey:
    return (iso(page.last_modified), int(page.id))


PAGES = _both_ways(
    {"id": _page_id, "title": _title, "created-date": _created, "modified-date": _modified}
)
# Child pages stand where a move put them, else in the order they were created.
CHILDREN = {**PAGES, **_both_ways({"child-position": sibling_place})}
SPACES: dict[str, Order[Space]] = _both_ways(
    {"id": lambda s: (s.id,), "key": lambda s: (s.key,), "name": lambda s: (s.name, s.id)}
)
PROPERTIES: dict[str, Order[Property]] = {
    "id": Order("id", lambda p: (int(p.id),)),
    **_both_ways({"key": lambda p: (p.key,)}),
}
# A page's labels by name; `id` and `created-date` order them by the label's id, which the
# sandbox hands out as labels are first used.
LABELS: dict[str, Order[Label]] = _both_ways(
    {"name": lambda label: (label.name,), "id": lambda label: (int(label.id or 0), label.name)}
)
LABELS.update(_both_ways({"created-date": LABELS["id"].key}))
# A page's versions: newest first unless `sort=modified-date`.
VERSIONS: dict[str, Order[Revision]] = _both_ways({"modified-date": lambda r: (r.version.number,)})


def order(request: Request, orders: dict[str, Order[T]], default: str) -> Order[T]:
    """The order the request's `sort` names (400 for one the list does not have)."""
    return orders[choice(request, "sort", orders, default)]
