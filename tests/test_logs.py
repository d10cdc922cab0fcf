"""Log lines hide every secret wherever it shows up in a record: the message and its
arguments, extras, an exception's text and its traceback, a URL's password, an Authorization
header; as JSON (one object per line) and as text. The CLI's runs: tests/e2e/test_logs.py."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator

import pytest

from confluence_kpi.logs import configure, hide

SECRET = "pl4nted-L0G-s3cret-c41f"


@pytest.fixture(autouse=True)
def restored_logging() -> Iterator[None]:
    """The root logger as it was: `configure` adds a handler to it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.captureWarnings(False)


def log_everywhere(log: logging.Logger) -> None:
    """A record with the secret in every part a line is made of, and one with the other
    kinds of credential."""
    hide(SECRET)
    try:
        raise ValueError(f"the server said no to {SECRET}")
    except ValueError:
        log.exception("token %s refused", SECRET, extra={"source": f"api {SECRET}"})
    log.warning(
        "GET https://bot:hunter22@api.example.com/x; headers %s; Authorization: Basic Ym90Omh1",
        {"Authorization": "Bearer abc.def"},
    )


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_no_secret_reaches_a_log_line(log_format: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert configure("json" if log_format == "json" else "text") == log_format

    log_everywhere(logging.getLogger("confluence_kpi.test"))

    err = capsys.readouterr().err
    assert "the server said no to ***" in err  # the traceback is there, hidden
    for shown in (SECRET, "hunter22", "Ym90Omh1", "abc.def"):
        assert shown not in err
    assert "https://***@api.example.com/x" in err


def test_json_lines_carry_time_level_logger_message_extras_and_exception(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure("json")

    log_everywhere(logging.getLogger("confluence_kpi.test"))

    first, second = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert first["level"] == "error"
    assert first["logger"] == "confluence_kpi.test"
    assert first["message"] == "token *** refused"
    assert first["source"] == "api ***"
    assert first["exception"].startswith("Traceback (most recent call last):")
    assert first["time"].endswith("Z")
    assert second["level"] == "warning"
    assert "'Authorization': '***'" in second["message"]
    assert second["message"].endswith("Authorization: ***")


# Characters a terminal or a line-based reader would act on: a right-to-left override, a
# zero-width space, a line separator (some readers split lines there), a C1 control, and one
# beyond the BMP (a tag character).
INVISIBLE = "\u202eevil\u200b \u2028next\u2029 \x85 \U000e0041"


def test_a_json_line_shows_invisible_characters_as_escapes_and_reads_back_the_same(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure("json")

    logging.getLogger("confluence_kpi.test").warning("name %s", INVISIBLE)

    err = capsys.readouterr().err
    (line,) = err.splitlines()  # one line, whatever splits lines
    assert line.isascii()
    assert json.loads(line)["message"] == f"name {INVISIBLE}"


def test_python_warnings_become_log_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure("json")

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("Unverified HTTPS request", UserWarning, stacklevel=1)

    (line,) = (json.loads(text) for text in capsys.readouterr().err.splitlines())
    assert (line["level"], line["logger"]) == ("warning", "py.warnings")
    assert "Unverified HTTPS request" in line["message"]


def test_auto_is_text_on_a_terminal_and_json_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert configure("auto") == "text"
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert configure("auto") == "json"
