"""Which REST API a site speaks, and the gateway that speaks it.

Cloud serves REST API v2 beside the v1 it is retiring; Data Center serves v1 only. "auto" asks
the site itself (one request) rather than guessing from its host name: Cloud sites have custom
domains, and a Data Center may sit on any name.
"""

from __future__ import annotations

from typing import Literal

from confluence_kpi.confluence.errors import NotFoundError, Target
from confluence_kpi.confluence.gateway import Gateway
from confluence_kpi.confluence.protocol import ConfluenceApi
from confluence_kpi.confluence.transport import Transport
from confluence_kpi.confluence.v2_gateway import CloudGateway

Api = Literal["auto", "v1", "v2"]


def gateway_for_api(transport: Transport, api: Api) -> ConfluenceApi:
    """The gateway for `api`, the site asked which one it serves when `api` is "auto"."""
    if api == "auto":
        api = detect_api(transport)
    return CloudGateway(transport) if api == "v2" else Gateway(transport)


def detect_api(transport: Transport) -> Literal["v1", "v2"]:
    """v2 where the site answers v2's list of spaces (Cloud), v1 where that path is unknown."""
    target = Target("read", "the list of spaces (to tell REST API v2 from v1)")
    try:
        transport.call("GET", "api/v2/spaces", params={"limit": 1}, target=target)
    except NotFoundError:
        return "v1"
    return "v2"
