"""Two-way sync: what teams edit on the pages is taken over, what people write is kept where
they put it, and what the bot computes is recomputed. People's edits are made the way an
editor makes them: GET body and version, PUT version + 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import (
    SMALL_PAGES,
    Cli,
    Wiki,
    edit_catalog,
    lower_november_uptime,
    replace_once,
    row,
    set_row,
)

UPTIME = SMALL_PAGES["kpi uptime"].title
GOAL = SMALL_PAGES["goal reliable-platform"].title
# Uptime is 99.90 % every month: a target of 99.95 % puts it below target.
STRICTER = "≥ 99.95 %"
CATALOG_TARGET = "target: {value: 99.5}"
CURRENT = "99.90 % in November 2026"


def _target_edit(body: str) -> str:
    return set_row(body, "Target", STRICTER)


def test_target_changed_on_page_is_kept(cli: Cli, wiki: Wiki) -> None:
    assert cli.sync().code == 0
    wiki.edit(UPTIME, _target_edit)

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.edits() == {("kpi uptime", "target"): "edited on the page"}
    # Evaluated against the team's target: 99.90 % is now short of it.
    assert run.json()["kpi_status"]["uptime"] != "on_track"
    assert row(wiki.body(UPTIME), "Target") == "<p>≥ 99.95 %</p>"
    assert wiki.memory(UPTIME)["fields"]["target"]["value"] == 99.95


def test_the_report_says_a_target_was_edited_on_the_page(cli: Cli, wiki: Wiki) -> None:
    assert cli.sync().code == 0
    wiki.edit(UPTIME, _target_edit)

    run = cli.sync()

    assert run.code == 0, run.err
    assert "edited on the page" in run.out
    assert "Uptime" in run.out


def test_a_later_run_with_the_old_catalog_value_does_not_undo_the_edit(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    assert cli.sync().code == 0
    wiki.edit(UPTIME, _target_edit)
    assert cli.sync().code == 0
    lower_november_uptime(catalog_dir / "ops.csv")  # the page is rendered again

    run = cli.sync("--report", "json")
    quiet = cli.sync("--report", "json")

    assert run.code == quiet.code == 0, run.err
    assert run.actions()["kpi uptime"] == "updated"
    assert run.edits() == {}
    assert row(wiki.body(UPTIME), "Target") == "<p>≥ 99.95 %</p>"
    assert "97.00 %" in row(wiki.body(UPTIME), "Current value")
    assert set(quiet.actions().values()) == {"unchanged"}


def test_catalog_change_is_applied_to_the_page(cli: Cli, wiki: Wiki, catalog_dir: Path) -> None:
    assert cli.sync().code == 0
    edit_catalog(catalog_dir / "small.yaml", CATALOG_TARGET, "target: {value: 99.8}")

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.edits() == {("kpi uptime", "target"): "changed in the catalog"}
    assert row(wiki.body(UPTIME), "Target") == "<p>≥ 99.80 %</p>"
    assert run.actions()["kpi uptime"] == "updated"


@pytest.mark.parametrize(
    ("prefer", "shown", "origin"),
    [
        ((), "≥ 99.95 %", "changed on the page and in the catalog; the page wins"),
        (
            ("--prefer", "catalog"),
            "≥ 99.80 %",
            "changed on the page and in the catalog; the catalog wins (--prefer catalog)",
        ),
    ],
)
def test_change_in_both_places_page_wins_and_prefer_catalog_overrides(
    cli: Cli,
    wiki: Wiki,
    catalog_dir: Path,
    prefer: tuple[str, ...],
    shown: str,
    origin: str,
) -> None:
    assert cli.sync().code == 0
    wiki.edit(UPTIME, _target_edit)
    edit_catalog(catalog_dir / "small.yaml", CATALOG_TARGET, "target: {value: 99.8}")

    run = cli.sync("--report", "json", *prefer)
    again = cli.sync("--report", "json")  # without --prefer: the choice made stays

    assert run.code == again.code == 0, run.err
    assert run.edits() == {("kpi uptime", "target"): origin}
    assert row(wiki.body(UPTIME), "Target") == f"<p>{shown}</p>"
    assert again.edits() == {}
    assert set(again.actions().values()) == {"unchanged"}


def test_owner_changed_on_page_is_kept(cli: Cli, wiki: Wiki, catalog_dir: Path) -> None:
    assert cli.sync().code == 0
    wiki.edit(UPTIME, lambda body: set_row(body, "Owner", "Alex Oncall"))
    lower_november_uptime(catalog_dir / "ops.csv")

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.edits() == {("kpi uptime", "owner"): "edited on the page"}
    body = wiki.body(UPTIME)
    assert row(body, "Owner") == "<p>Alex Oncall</p>"
    assert "97.00 %" in row(body, "Current value")
    assert "Pat Ops" not in body


@pytest.mark.parametrize(
    "new",
    [
        "<p>Share of minutes in the month the platform answered.</p>",
        pytest.param(
            "<p>Share of <em>minutes</em> in the month the platform answered.</p>",
            id="with-emphasis",
        ),
    ],
)
def test_description_edited_on_page_is_not_doubled(
    cli: Cli, wiki: Wiki, catalog_dir: Path, new: str
) -> None:
    old = "<p>Share of the month the platform answered.</p>"
    assert cli.sync().code == 0
    wiki.edit(UPTIME, lambda body: replace_once(body, old, new))
    lower_november_uptime(catalog_dir / "ops.csv")

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.edits() == {("kpi uptime", "description"): "edited on the page"}
    body = wiki.body(UPTIME)
    assert "Share of the month" not in body
    assert body.count("the platform answered.") == 1
    assert body.count("<h2>What it measures</h2>") == 1
    assert "97.00 %" in row(body, "Current value")
    assert new in body  # the person's wording and formatting stay


def test_goal_smart_text_edited_on_page_is_kept(cli: Cli, wiki: Wiki, catalog_dir: Path) -> None:
    old = "<p>Outages cost revenue.</p>"
    new = "<p>Outages cost revenue and trust.</p>"
    assert cli.sync().code == 0
    wiki.edit(GOAL, lambda body: replace_once(body, old, new))
    lower_november_uptime(catalog_dir / "ops.csv")

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.edits() == {("goal reliable-platform", "relevant"): "edited on the page"}
    goal = wiki.body(GOAL)
    assert goal.count("Outages cost revenue") == 1
    assert new in goal
    assert run.actions()["goal reliable-platform"] == "updated"
    # The KPI page shows its goal's SMART texts: the team's words, not the catalog's.
    assert "<td><p>Outages cost revenue and trust.</p></td>" in wiki.body(UPTIME)


def test_unreadable_target_stays_as_typed_under_a_warning_and_last_valid_value_is_used(
    cli: Cli, wiki: Wiki
) -> None:
    assert cli.sync().code == 0
    wiki.edit(UPTIME, lambda body: set_row(body, "Target", "soon"))

    typed = cli.sync("--report", "json")
    body = wiki.body(UPTIME)

    assert typed.code == 0, typed.err
    (unreadable,) = typed.json()["unreadable"]
    assert (unreadable["id"], unreadable["field"], unreadable["text"]) == (
        "uptime",
        "target",
        "soon",
    )
    assert row(body, "Target") == "<p>soon</p>"
    assert typed.json()["kpi_status"]["uptime"] == "on_track"  # against the last valid 99.5 %
    assert 'ac:name="warning"' in body
    warning = body[body.index('ac:name="warning"') :].split("</ac:structured-macro>")[0]
    assert "soon" in warning
    assert "last valid value is used" in warning

    wiki.edit(UPTIME, _target_edit)  # the person corrects it
    corrected = cli.sync("--report", "json")

    body = wiki.body(UPTIME)
    assert corrected.code == 0, corrected.err
    assert corrected.json()["unreadable"] == []
    assert corrected.edits() == {("kpi uptime", "target"): "edited on the page"}
    assert 'ac:name="warning"' not in body
    assert row(body, "Target") == "<p>≥ 99.95 %</p>"
    assert corrected.json()["kpi_status"]["uptime"] != "on_track"


@pytest.mark.parametrize("site", ["dc"])
def test_the_warning_names_the_value_used_instead(cli: Cli, wiki: Wiki) -> None:
    assert cli.sync().code == 0
    wiki.edit(UPTIME, lambda body: set_row(body, "Target", "soon"))

    assert cli.sync().code == 0

    body = wiki.body(UPTIME)
    warning = body[body.index('ac:name="warning"') :].split("</ac:structured-macro>")[0]
    assert "99.50 %" in warning


def test_bot_owned_field_edited_by_a_person_is_recomputed(cli: Cli, wiki: Wiki) -> None:
    assert cli.sync().code == 0
    wiki.edit(UPTIME, lambda body: set_row(body, "Current value", "100 %, trust me"))

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.actions()["kpi uptime"] == "updated"
    assert row(wiki.body(UPTIME), "Current value") == f"<p>{CURRENT}</p>"
    assert "trust me" not in wiki.body(UPTIME)
    assert run.edits() == {}


def test_the_report_says_a_bot_owned_field_edit_was_replaced(cli: Cli, wiki: Wiki) -> None:
    assert cli.sync().code == 0
    wiki.edit(UPTIME, lambda body: set_row(body, "Current value", "100 %, trust me"))

    run = cli.sync("--report", "json")

    assert run.reasons()["kpi uptime"] != "content changed"
    assert "edit" in run.reasons()["kpi uptime"]


def test_notes_survive_a_source_change(cli: Cli, wiki: Wiki, catalog_dir: Path) -> None:
    notes = (
        "<h2>Notes</h2><p>November dipped during the move. <strong>Pat</strong></p>"
        '<ul><li><p>see the <a href="https://status.example.com">status page</a></p></li></ul>'
    )
    actions = (
        "<h2>Actions</h2><ac:task-list><ac:task><ac:task-id>1</ac:task-id>"
        "<ac:task-status>complete</ac:task-status><ac:task-body>Call the host</ac:task-body>"
        "</ac:task></ac:task-list>"
    )
    assert cli.sync().code == 0
    wiki.edit(UPTIME, lambda body: body[: body.index("<h2>Notes</h2>")] + notes + actions)
    stored = wiki.body(UPTIME)
    human = stored[stored.index("<h2>Notes</h2>") :]
    wiki.edit(GOAL, lambda body: replace_once(body, "<h2>Notes</h2>", notes))
    goal_stored = wiki.body(GOAL)
    goal_human = goal_stored[goal_stored.index("<h2>Notes</h2>") :]
    lower_november_uptime(catalog_dir / "ops.csv")

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.actions()["kpi uptime"] == run.actions()["goal reliable-platform"] == "updated"
    body = wiki.body(UPTIME)
    assert body.endswith(human)  # byte for byte, from the Notes heading to the end
    assert body.count("<h2>Notes</h2>") == 1
    assert "97.00 %" in row(body, "Current value")
    assert wiki.body(GOAL).endswith(goal_human)


def test_paragraph_after_how_it_is_measured_is_kept_once_and_never_read_as_the_description(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    mine = "<p>Ask Pat before changing the <em>external</em> probe.</p>"
    assert cli.sync().code == 0
    wiki.edit(
        UPTIME, lambda body: replace_once(body, "<h2>SMART goal</h2>", mine + "<h2>SMART goal</h2>")
    )
    lower_november_uptime(catalog_dir / "ops.csv")

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.edits() == {}
    body = wiki.body(UPTIME)
    assert body.count(mine) == 1  # where it was put, once, and the page still recomputed
    assert body.index("How it is measured") < body.index(mine) < body.index("<h2>SMART goal</h2>")
    assert "97.00 %" in row(body, "Current value")
    assert "<p>Share of the month the platform answered.</p>" in body
    description = wiki.memory(UPTIME)["fields"]["description"]
    assert description == "Share of the month the platform answered."


def test_paragraph_after_a_goals_time_bound_text_stays_on_the_goal_page_alone(
    cli: Cli, wiki: Wiki
) -> None:
    time_bound = "<p>Through 31 December 2027.</p>"
    mine = "<p>Reviewed with the board every March.</p>"
    assert cli.sync().code == 0
    wiki.edit(GOAL, lambda body: replace_once(body, time_bound, time_bound + mine))

    added = cli.sync("--report", "json")

    assert added.code == 0, added.err
    assert added.edits() == {}
    assert wiki.body(GOAL).count("Reviewed with the board") == 1
    assert "Reviewed with the board" not in wiki.body(UPTIME)

    wiki.edit(GOAL, lambda body: replace_once(body, mine, ""))  # the person changes their mind
    removed = cli.sync("--report", "json")

    assert removed.code == 0, removed.err
    assert removed.edits() == {}
    assert "Reviewed with the board" not in wiki.body(GOAL)
    assert "Reviewed with the board" not in wiki.body(UPTIME)


def test_new_section_with_a_macro_and_an_image_is_kept_exactly(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    section = (
        "<h2>Incident log</h2>"
        '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">text</ac:parameter>'
        "<ac:plain-text-body><![CDATA[03-11 outage < 10 min & no data lost]]>"
        "</ac:plain-text-body></ac:structured-macro>"
        '<p><ac:image ac:width="300"><ri:url ri:value="https://example.com/outage.png" />'
        "</ac:image></p>"
    )
    assert cli.sync().code == 0
    wiki.edit(
        UPTIME, lambda body: replace_once(body, "<h2>History</h2>", section + "<h2>History</h2>")
    )
    stored = wiki.body(UPTIME)  # as Confluence stored it (Cloud adds macro ids)
    kept = stored[stored.index("<h2>Incident log</h2>") : stored.index("<h2>History</h2>")]
    lower_november_uptime(catalog_dir / "ops.csv")

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.actions()["kpi uptime"] == "updated"
    body = wiki.body(UPTIME)
    assert body.count(kept) == 1
    assert body.index("<h2>SMART goal</h2>") < body.index(kept) < body.index("<h2>History</h2>")
    assert "97.00 %" in row(body, "Current value")


def test_inline_comment_in_a_bot_cell_survives_an_update(
    cli: Cli, wiki: Wiki, catalog_dir: Path
) -> None:
    plain = "<td><p>Stay at or above the target</p></td>"
    commented = (
        '<td><p>Stay at or above <ac:inline-comment-marker ac:ref="c0ffee-1">the target'
        "</ac:inline-comment-marker></p></td>"
    )
    assert cli.sync().code == 0
    wiki.edit(UPTIME, lambda body: replace_once(body, plain, commented))
    lower_november_uptime(catalog_dir / "ops.csv")

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.actions()["kpi uptime"] == "updated"
    body = wiki.body(UPTIME)
    assert "97.00 %" in row(body, "Current value")
    assert row(body, "Direction") == commented.removeprefix("<td>").removesuffix("</td>")


def test_a_page_edited_by_people_is_read_once_then_quiet(cli: Cli, wiki: Wiki) -> None:
    assert cli.sync().code == 0
    wiki.edit(UPTIME, _target_edit)
    wiki.reset_stats()

    taking = cli.sync("--report", "json")
    taken = wiki.routes()
    wiki.reset_stats()
    quiet = cli.sync("--report", "json")

    assert taking.code == quiet.code == 0, taking.err
    assert taking.edits() == {("kpi uptime", "target"): "edited on the page"}
    # Each page read once: the edited one, and the ones its stricter target changes (their
    # status shows it), each read right before its write.
    updated = [key for key, action in taking.actions().items() if action == "updated"]
    assert "kpi uptime" in updated
    assert taken[wiki.route("read")] == len(updated) == taken[wiki.route("update")]
    assert set(quiet.actions().values()) == {"unchanged"}
    assert wiki.writes() == {}
    assert wiki.route("read") not in wiki.routes()


def test_nothing_changed_means_two_requests(cli: Cli, wiki: Wiki) -> None:
    assert cli.sync().code == 0
    wiki.reset_stats()

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert wiki.routes() == {wiki.route("space"): 1, wiki.route("listing"): 1}
    assert run.json()["requests"] == 2
