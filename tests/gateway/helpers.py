"""What the gateway's tests share: delays recorded instead of slept, and the page they act on."""

from __future__ import annotations

import json
from typing import Any

from confluence_kpi.confluence import Page

from .payloads import API

TOKEN = "s3cret-api-token"  # a fake, asserted never to leak
PAGE_URL = f"{API}/content/123"


class Sleeps(list[float]):
    """Records the delays the gateway asked for, instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def known_page(version: int = 4) -> Page:
    return Page(
        id="123", title="First response time", version=version, space_key="KPI", parent_id="100"
    )


def sent_json(call: Any) -> Any:
    return json.loads(call.request.body)
