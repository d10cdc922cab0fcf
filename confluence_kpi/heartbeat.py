"""The worker's sign of life: a small JSON file written after each run (when it finished, how
it went, and how long until the next one is due), and the check `confluence-kpi health` makes of
it for Docker's HEALTHCHECK and Kubernetes' liveness probe.

A file rather than an HTTP endpoint: the probe needs no port, and a worker whose scheduler hangs
stops writing it, which is exactly what the probe should catch. A run that failed because
Confluence is down still counts as alive: restarting the container would not bring Confluence
back, and the worker retries by itself.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import AwareDatetime, BaseModel, ValidationError


class Beat(BaseModel):
    """One finished run: when, how it went, and the longest wait until the next one."""

    finished: AwareDatetime
    outcome: str
    interval_seconds: float


def write_beat(path: Path, beat: Beat) -> None:
    """Write the file whole or not at all (a probe never reads half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(beat.model_dump_json(), encoding="utf-8")
    partial.replace(path)


def check_health(path: Path, *, now: datetime, grace: timedelta) -> tuple[bool, str]:
    """Whether the last run finished within its interval plus `grace`, and one line saying so."""
    try:
        beat = Beat.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False, f"no run has finished yet ({path} does not exist)"
    except (OSError, ValidationError) as exc:
        return False, f"{path} cannot be read: {type(exc).__name__}"
    age = now - beat.finished
    allowed = timedelta(seconds=beat.interval_seconds) + grace
    said = f"last run finished {age.total_seconds():.0f}s ago ({beat.outcome})"
    if age > allowed:
        return False, f"{said}; expected within {allowed.total_seconds():.0f}s"
    return True, said
