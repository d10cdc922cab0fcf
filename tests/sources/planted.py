"""A planted secret, and the check that it shows up nowhere a person or a page could read."""

from __future__ import annotations

import pytest

# Unlike anything else in a test's output, so that finding it anywhere is a leak.
SECRET = "pl4nted-S3CRET-9f2c1e"


def assert_never_shown(
    *said: object, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """The secret is in none of `said` (errors, tables), the log records or printed output."""
    printed = capsys.readouterr()
    texts = [repr(item) for item in said]
    texts += [printed.out, printed.err, caplog.text]
    texts += [repr(record.args) for record in caplog.records]
    assert caplog.records, "nothing was logged: the check would prove nothing"
    for text in texts:
        assert SECRET not in text
