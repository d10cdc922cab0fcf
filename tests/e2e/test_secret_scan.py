"""The secret scan of the end-to-end tests catches a secret wherever it shows."""

from __future__ import annotations

from .conftest import stored_texts
from .helpers import BOT_LOGIN, PLANTED, SHOWN, Cli, Run, Wiki, leaks


def test_the_planted_token_is_what_the_cli_logs_in_with(cli: Cli, wiki: Wiki) -> None:
    run = cli.sync()

    assert run.code == 0, run.err
    assert BOT_LOGIN[1] in PLANTED
    assert len(BOT_LOGIN[1]) > 20
    assert wiki.titles()


def test_a_secret_in_a_runs_output_is_found() -> None:
    Run(1, "", f"error: 401 for token {BOT_LOGIN[1]}")
    found = leaks(list(SHOWN), PLANTED)
    SHOWN.clear()  # the leak was planted here: the scan after this test must pass
    assert len(found) == 1
    assert "401 for token" in found[0]


def test_a_secret_written_to_a_page_is_found(wiki: Wiki) -> None:
    wiki.create("Leaky page", f"<p>token: {BOT_LOGIN[1]}</p>")

    found = leaks(stored_texts(wiki.server), PLANTED)

    assert found
    wiki.delete("Leaky page")
    assert not leaks(stored_texts(wiki.server), PLANTED)


def test_output_without_a_secret_passes() -> None:
    assert leaks(["pages: 8 created", BOT_LOGIN[0]], PLANTED) == []
