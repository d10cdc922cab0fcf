"""A root page the bot's account may not edit (a space admin restricted it): that page fails
with the reason and what to grant; every other page is written whole, and once the permission
is granted the next sync writes the root page too."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import BOT_LOGIN, UPTIME_DEPENDENTS, Cli, Run, Wiki, lower_november_uptime

ROOT = "E2E KPI handbook"


def root_failed_alone(run: Run) -> str:
    """Why the root failed, once the run failed it alone: exit 1, and every other page the
    changed uptime reaches updated."""
    assert run.code == 1, run.err
    actions = run.actions()
    assert actions.pop("root root") == "failed"
    assert {key for key, action in actions.items() if action == "updated"} == (
        UPTIME_DEPENDENTS - {"root root"}
    )
    return run.reasons()["root root"]


@pytest.mark.parametrize("site", ["dc", "cloud-v2"])
def test_a_root_page_the_bot_may_not_edit_fails_alone_saying_what_to_grant(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    assert cli.sync().code == 0
    lower_november_uptime(catalog_dir / "ops.csv")
    before = wiki.versions()
    # Confluence answers 403 to a write the page's restrictions forbid.
    wiki.inject({"method": "PUT", "path": wiki.page_path(ROOT), "status": 403})

    run = cli.sync("--report", "json")

    reason = root_failed_alone(run)
    assert reason.startswith(f"no permission to edit page {wiki.page_id(ROOT)} '{ROOT}'")
    assert "give the bot's account permission to add and edit pages" in reason
    assert "on the root page, if it is restricted" in reason
    after = wiki.versions()
    assert after[ROOT] == before[ROOT]
    assert "97.00 %" in wiki.body("KPI: Uptime")
    assert wiki.memory("KPI: Uptime")["page_version"] == after["KPI: Uptime"]  # written whole

    wiki.clear_faults()
    again = cli.sync("--report", "json")

    assert again.code == 0, again.err
    assert {k for k, a in again.actions().items() if a != "unchanged"} == {"root root"}


@pytest.mark.parametrize("site", ["dc", "cloud-v2"])
def test_a_root_page_hidden_from_the_bot_is_not_made_again_under_another_title(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    assert cli.sync().code == 0
    wiki.hide(ROOT, from_user=BOT_LOGIN[0])
    lower_november_uptime(catalog_dir / "ops.csv")

    run = cli.sync("--report", "json")

    reason = root_failed_alone(run)
    assert reason.startswith(f"the title {ROOT!r} belongs to a page the bot's account cannot see")
    assert "give the account permission to view and edit it" in reason
    assert wiki.titles()[ROOT] == 1
    assert not [title for title in wiki.titles() if title.startswith(f"{ROOT} (")]


@pytest.mark.parametrize("site", ["dc", "cloud-v2"])
def test_a_garbled_answer_to_the_root_index_fails_the_root_alone_after_every_page_is_written(
    cli: Cli, wiki: Wiki
) -> None:
    # A proxy's login page where the root's memory (its index of the bot's pages) is saved.
    verb, path = wiki.route("memory").split(" ", 1)
    garbled = {"status": 200, "content_type": "text/html", "body": "<html>Sign in</html>"}
    wiki.inject(
        {
            "method": verb,
            "path": path.replace("{id}", "*").replace("{key}", "*").replace("{property_id}", "*"),
            **garbled,
        }
    )

    run = cli.sync("--report", "json")

    assert run.code == 1, run.err
    actions = run.actions()
    assert actions.pop("root root") == "failed"
    assert "its index of the bot's pages was not saved" in run.reasons()["root root"]
    assert set(actions.values()) == {"created"}
    assert not wiki.memory(ROOT).get("index")

    wiki.clear_faults()
    again = cli.sync("--report", "json")

    assert again.code == 0, again.err
    assert set(again.actions().values()) == {"unchanged"}
    assert len(wiki.memory(ROOT)["index"]) == len(actions)
