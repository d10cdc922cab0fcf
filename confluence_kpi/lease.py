"""The lease that keeps two workers from syncing one space at once, kept in a content property
(`confluence-kpi-lease`) of the bot's root page: who holds it and until when.

It is taken by writing the property over the version just read (compare-and-swap): when
another worker wrote it in between, Confluence answers with a conflict and that worker has
it. It expires, so a worker that was killed blocks the others only until then; a holder
renews it while it syncs and releases it at the end. Before a first run made the root page,
the space's home page holds it. The workers' clocks are trusted to agree within seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ValidationError

from confluence_kpi.confluence.errors import ConflictError, ConfluenceError
from confluence_kpi.confluence.protocol import ConfluenceApi, Property

LEASE_KEY = "confluence-kpi-lease"
log = logging.getLogger(__name__)


class LeaseRecord(BaseModel):
    """The property's value: the holder's id (empty once released) and when the lease ends."""

    holder: str
    expires: AwareDatetime


@dataclass(frozen=True)
class Busy:
    """The lease is someone else's until `until`."""

    holder: str
    until: datetime


class Lease:
    """One worker's hold on the lease kept on one page."""

    def __init__(
        self,
        gateway: ConfluenceApi,
        page_id: str,
        *,
        holder: str,
        ttl: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._gateway = gateway
        self._page_id = page_id
        self._holder = holder
        self._ttl = ttl
        self._clock = clock
        self._held: Property | None = None  # the version we wrote, while we hold it
        self._until = clock()

    def take(self) -> Busy | None:
        """Take the lease: None when it is ours now, else who has it and until when."""
        current = self._gateway.get_property(self._page_id, LEASE_KEY)
        record = _record(current)
        now = self._clock()
        if record is not None and record.holder not in ("", self._holder) and record.expires > now:
            return Busy(record.holder, record.expires)
        try:
            self._write(current, now)
        except ConflictError:
            # Another worker wrote it since our read: it holds it.
            record = _record(self._gateway.get_property(self._page_id, LEASE_KEY))
            return Busy(record.holder, record.expires) if record else Busy("?", now)
        return None

    def renew(self) -> bool:
        """Keep holding it through a long run (a write once half its time has passed); False
        when it was lost: it expired and another worker took it."""
        now = self._clock()
        if self._held is None:
            return False
        if now < self._until - self._ttl / 2:
            return True
        try:
            self._write(self._held, now)
        except ConflictError:
            self._held = None
            return False
        return True

    def release(self) -> None:
        """Let the next worker have it now, not when it expires; a failure only logs, since
        the lease expires anyway."""
        if self._held is None:
            return
        value = LeaseRecord(holder="", expires=self._clock()).model_dump(mode="json")
        try:
            self._gateway.set_property(self._page_id, LEASE_KEY, value, current=self._held)
        except ConfluenceError as exc:
            log.warning("could not release the lease (it expires by itself): %s", exc)
        self._held = None

    def _write(self, current: Property | None, now: datetime) -> None:
        until = now + self._ttl
        value = LeaseRecord(holder=self._holder, expires=until).model_dump(mode="json")
        self._held = self._gateway.set_property(self._page_id, LEASE_KEY, value, current=current)
        self._until = until


def _record(prop: Property | None) -> LeaseRecord | None:
    """The lease a property holds; None when there is none, or it is damaged (then free)."""
    if prop is None:
        return None
    try:
        return LeaseRecord.model_validate(prop.value)
    except ValidationError:
        return None
