"""What every handler shares: the store, the users, the renderer, the clock and the id source."""

from __future__ import annotations

import random
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from confluence_kpi.sandbox.auth import Directory
from confluence_kpi.sandbox.config import Flavour
from confluence_kpi.sandbox.render import Renderer
from confluence_kpi.sandbox.store import Store


@dataclass
class Services:
    """One per sandbox."""

    flavour: Flavour
    store: Store
    directory: Directory
    renderer: Renderer
    seed: int = 0
    _rng: random.Random = field(init=False)
    _rng_lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def now(self) -> datetime:
        """The current time, aware UTC."""
        return datetime.now(UTC)

    def macro_id(self) -> str:
        """A UUID for the ids Cloud adds to stored bodies; repeatable for a given seed."""
        with self._rng_lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
