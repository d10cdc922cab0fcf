"""Runs a v1 handler on behalf of a v2 request: the v2 handler says its write again as the v1
request that does the same, so that both APIs keep one set of rules in one place. The v1
handler runs in the caller's thread, so a caller holding the store's lock (`Store.reading`,
which is re-entrant) reads exactly what the handler wrote."""

from __future__ import annotations

import json
from typing import Any

from confluence_kpi.sandbox.messages import Request, Response
from confluence_kpi.sandbox.routes import Call, Handler


def run(
    call: Call,
    handler: Handler,
    method: str,
    path: str,
    params: dict[str, str],
    payload: Any = None,
    query: str = "",
) -> Response:
    """The v1 handler's answer to `method path?query` with `payload` as its JSON body (none
    when None) and `params` as its path's parameters, asked by the same user; it raises
    `ApiError` as it would for a v1 client."""
    body = b"" if payload is None else json.dumps(payload).encode()
    request = Request(method, path, query, call.request.headers, body)
    return handler(Call(request, params, call.user, call.services))
