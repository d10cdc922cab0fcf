"""Confluence, as the sync sees it: the only package that talks to Confluence (v1 REST API,
Cloud and Data Center).

From the bottom up: `transport` sends a request under our retry policy and maps what goes
wrong to the errors in `errors`; `gateway` is the endpoints over it, reading answers with
`answers`; `protocol` is what the sync asks of Confluence (`ConfluenceApi`), which the gateway
answers over HTTP and the tests also answer in memory.
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
from confluence_kpi.confluence.transport import Transport, parse_retry_after

__all__ = [
    "JSON",
    "AuthError",
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
    "parse_retry_after",
]
