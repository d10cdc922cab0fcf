"""Log lines on stderr: readable text on a terminal, one JSON object per line for programs
(a container's log collector), and no secret in either (ARCHITECTURE.md, rule 10).

A secret is hidden wherever it shows up in a line, the exception and its traceback included:
every value given to `hide` (the Confluence token, a source's credentials, as they are read),
the password in a URL's `user:pass@`, and the value of an `Authorization` header.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from datetime import UTC, datetime
from typing import Literal, TextIO

from confluence_kpi.plain_errors import visible_json

LogFormat = Literal["auto", "text", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = ("auto", "text", "json")
HIDDEN = "***"
# A value this short is no secret worth the name, and hiding it would hide common words too.
_SHORTEST_SECRET = 4

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_format: Literal["text", "json"] = "text"

# scheme://user:password@host: the whole user part goes, a user name may be an e-mail address.
_USERINFO = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@")
# `Authorization: Basic abc`, `'Authorization': 'Bearer abc'`, `authorization=abc`.
_AUTHORIZATION = re.compile(
    r"""(authorization['"]?\s*[:=]\s*['"]?)(?:(?:basic|bearer|token)\s+)?[^\s'",;}]+""",
    re.IGNORECASE,
)
# The attributes every LogRecord has: anything else on a record came in as `extra`.
_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys()
    | {"message", "asctime", "taskName"}
)


def hide(*secrets: str | None) -> None:
    """Hide these values in every log line and error from now on (unset ones are skipped)."""
    with _secrets_lock:
        _secrets.update(s for s in secrets if s is not None and len(s) >= _SHORTEST_SECRET)


def redact(text: str) -> str:
    """`text` with every known secret, URL password and Authorization value as `***`."""
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)  # a longer secret may hold a shorter
    for secret in known:
        text = text.replace(secret, HIDDEN)
    text = _USERINFO.sub(rf"\1{HIDDEN}@", text)
    return _AUTHORIZATION.sub(rf"\1{HIDDEN}", text)


class TextFormatter(logging.Formatter):
    """`2026-11-28 07:00:01 WARNING message`, then the traceback if any, redacted."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        """The record as a line (lines, with a traceback) without secrets."""
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (ISO 8601, UTC), level, logger, message, the record's
    extras (`page`, `kpi`, `source`, ...), and its exception with traceback; redacted."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON without secrets."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD:
                entry.setdefault(key, _plain(value))  # an extra never hides a field above
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return visible_json(json.dumps(entry, ensure_ascii=False))


def _plain(value: object) -> object:
    """An extra as JSON holds it: numbers, booleans and null as they are, the rest as text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


class _Stderr(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is when a record comes (a terminal's live display or
    a test may replace it), like logging's own last-resort handler."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _stream: TextIO) -> None:
        pass  # always sys.stderr


def configure(log_format: LogFormat, level: int = logging.INFO) -> Literal["text", "json"]:
    """Log records of `level` and above to stderr in `log_format` (auto: JSON unless stderr
    is a terminal), warnings (Python's, like urllib3's) included; returns the format chosen.

    Replaces the handler an earlier call installed, so the commands may be run again in one
    process (the tests do); handlers others installed are left alone."""
    global _format
    terminal = sys.stderr.isatty()
    _format = ("text" if terminal else "json") if log_format == "auto" else log_format
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Stderr)]:
        root.removeHandler(handler)
    handler = _Stderr()
    handler.setFormatter(JsonFormatter() if _format == "json" else TextFormatter())
    handler.setLevel(level)
    root.addHandler(handler)
    if root.getEffectiveLevel() > level:
        root.setLevel(level)
    logging.captureWarnings(True)
    return _format


def complain(command: str, message: str) -> None:
    """An error that ends a command: `confluence-kpi COMMAND: message` on stderr for people,
    an error record with the command as an extra in JSON mode; redacted either way."""
    if _format == "json":
        logging.getLogger("confluence_kpi.cli").error(message, extra={"command": command})
    else:
        print(redact(f"confluence-kpi {command}: {message}"), file=sys.stderr)
