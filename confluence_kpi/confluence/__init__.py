"""Confluence, as the sync sees it: the only package that talks to Confluence (REST API v1 on
Data Center, v2 on Cloud).

From the bottom up: `transport` sends a request under our retry policy and maps what goes
wrong to the errors in `errors`; `paging` follows lists across pages; `gateway` (v1) and
`v2_gateway` (Cloud's v2, with the v1 endpoints v2 lacks) are the endpoints over it, reading
answers with `answers` and `v2_answers`; `site` picks the gateway a site needs; `protocol` is
what the sync asks of Confluence (`ConfluenceApi`), which the gateways answer over HTTP and the
tests also answer in memory.
"""

from confluence_kpi.confluence.errors import (
    AuthError,
    ConflictError,
    ConfluenceError,
    ConnectionFailed,
    ForbiddenError,
    NotFoundError,
    StorageFormatRejected,
    TitleTakenError,
)
from confluence_kpi.confluence.gateway import Gateway
from confluence_kpi.confluence.protocol import JSON, ConfluenceApi, Page, Property, SpaceInfo
from confluence_kpi.confluence.site import Api, detect_api, gateway_for_api
from confluence_kpi.confluence.transport import Transport
from confluence_kpi.confluence.v2_gateway import CloudGateway
from confluence_kpi.retry_policy import parse_retry_after

__all__ = [
    "JSON",
    "Api",
    "AuthError",
    "CloudGateway",
    "ConflictError",
    "ConfluenceApi",
    "ConfluenceError",
    "ConnectionFailed",
    "ForbiddenError",
    "Gateway",
    "NotFoundError",
    "Page",
    "Property",
    "SpaceInfo",
    "StorageFormatRejected",
    "TitleTakenError",
    "Transport",
    "detect_api",
    "gateway_for_api",
    "parse_retry_after",
]
