"""Labels through v2: `GET /pages/{id}/labels` and `GET /labels/{id}/pages`. Labels are added
and removed through v1 only (Cloud's v2 has no call for it either); v2 reads them.

- A page's labels: `{id, name, prefix}`, every one global in the sandbox, so `prefix=global`
  keeps them all and `my`, `team` or `system` none. By name unless `sort` says `id` or
  `created-date` (the label's id); cursor-paged.
- A label's pages: the pages that carry it, as `GET /pages` lists them (`space-id`, `sort`,
  `body-format`, cursor-paged); a label id the sandbox never gave out is a 404.
"""

from __future__ import annotations

from confluence_kpi.sandbox import cursor, v2_lookup, v2_orders
from confluence_kpi.sandbox.messages import Response
from confluence_kpi.sandbox.routes import Call, Router
from confluence_kpi.sandbox.v2_pages import listed_pages, page_list
from confluence_kpi.sandbox.v2_params import choice, ids
from confluence_kpi.sandbox.v2_shapes import Shapes


def register(router: Router) -> None:
    """Adds the label routes."""
    router.add("GET", "/api/v2/pages/{id}/labels", list_page_labels)
    router.add("GET", "/api/v2/labels/{id}/pages", list_label_pages)


def list_page_labels(call: Call) -> Response:
    """`GET /pages/{id}/labels?prefix&sort&limit&cursor`."""
    prefix = choice(call.request, "prefix", ("global", "my", "team", "system"), "global")
    order = v2_orders.order(call.request, v2_orders.LABELS, "name")
    with call.services.store.reading() as state:
        page = v2_lookup.page(state, call.params["id"], call.user)
        labels = v2_lookup.labels(state, page) if prefix == "global" else []
        return cursor.answer(call, labels, order, Shapes.label)


def list_label_pages(call: Call) -> Response:
    """`GET /labels/{id}/pages?space-id&sort&body-format&limit&cursor`."""
    space_ids = ids(call.request, "space-id", 100)
    with call.services.store.reading() as state:
        name = v2_lookup.label_name(state, call.params["id"])
        keys = v2_lookup.space_keys(state, space_ids) if space_ids else None
        pages = [
            page
            for page in listed_pages(call, state.contents.values())
            if name in page.labels and (keys is None or page.space_key in keys)
        ]
        return page_list(call, state, pages)
