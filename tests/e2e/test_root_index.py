"""The root's index of the bot's pages, split over properties of its own when it is too large for
the root's memory (Confluence refuses a property value over 32 KB, about a thousand pages'
worth): a page whose label people removed is still found through it, and an unchanged index
costs no request."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confluence_kpi.sync import root_index
from confluence_kpi.sync.root_index import PART_BYTES, part_key, split_index

from .helpers import Cli, Wiki

ROOT = "E2E KPI handbook"
UPTIME = "KPI: Uptime"
SMALL_PART = 120  # bytes: the small catalog's seven entries then take several parts


@pytest.fixture
def split(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first sync with parts so small that the small catalog's index takes several."""
    monkeypatch.setattr(root_index, "PART_BYTES", SMALL_PART)
    assert cli.sync().code == 0


def index_parts(wiki: Wiki) -> list[dict[str, str]]:
    """The index parts the root's memory points to, as stored."""
    root_id = wiki.page_id(ROOT)
    count = wiki.memory(ROOT)["index_parts"]
    parts = []
    for number in range(1, count + 1):
        stored = wiki.get(f"/rest/api/content/{root_id}/property/{part_key(number)}")
        parts.append(stored["value"]["index"])
    return parts


def test_a_small_index_stays_in_the_roots_memory(cli: Cli, wiki: Wiki) -> None:
    assert cli.sync().code == 0

    memory = wiki.memory(ROOT)

    assert len(memory["index"]) == 7
    assert "index_parts" not in memory


@pytest.mark.parametrize("site", ["dc", "cloud-v2"])
def test_a_large_index_is_split_and_still_finds_a_page_whose_label_was_removed(
    cli: Cli, wiki: Wiki, split: None
) -> None:
    memory = wiki.memory(ROOT)
    assert "index" not in memory
    parts = index_parts(wiki)
    assert len(parts) > 1
    assert all(len(json.dumps(part)) <= SMALL_PART for part in parts)
    every = {key: page_id for part in parts for key, page_id in part.items()}
    assert every["kpi uptime"] == wiki.page_id(UPTIME)
    assert len(every) == 7

    wiki.remove_label(UPTIME, "confluence-kpi")  # the label the bot lists its pages by
    wiki.reset_stats()
    again = cli.sync("--report", "json")

    assert again.code == 0, again.err
    assert again.actions()["kpi uptime"] == "unchanged"
    assert again.reasons()["kpi uptime"] == "labels restored"
    assert wiki.titles()[UPTIME] == 1  # found through the index, not made again
    assert wiki.writes() == {"POST": 1}  # the label put back, nothing else


@pytest.mark.parametrize("site", ["dc", "cloud-v2"])
def test_a_lost_part_of_the_index_is_made_up_for_by_a_scan_and_written_again(
    cli: Cli, wiki: Wiki, split: None
) -> None:
    holding = next(n for n, part in enumerate(index_parts(wiki), 1) if "kpi uptime" in part)
    root_id = wiki.page_id(ROOT)
    gone = wiki.session.delete(
        f"{wiki.server.base_url}/rest/api/content/{root_id}/property/{part_key(holding)}",
        timeout=10,
    )
    assert gone.status_code == 204
    # The page that part knew, renamed and unlabelled: its title cannot find it either.
    wiki.edit(UPTIME, new_title="Uptime (kept by Ann)")
    wiki.remove_label("Uptime (kept by Ann)", "confluence-kpi")

    run = cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.actions()["kpi uptime"] != "created"
    assert "KPI: Uptime" not in wiki.titles()  # not made again beside the renamed page
    every = {key: page_id for part in index_parts(wiki) for key, page_id in part.items()}
    assert every["kpi uptime"] == wiki.page_id("Uptime (kept by Ann)")  # the part written again


def test_an_unchanged_split_index_is_not_written_again(cli: Cli, wiki: Wiki, split: None) -> None:
    wiki.reset_stats()

    again = cli.sync()

    assert again.code == 0, again.err
    assert wiki.writes() == {}


@given(
    st.dictionaries(st.text(min_size=1, max_size=40), st.from_regex(r"[0-9]{1,10}", fullmatch=True))
)
def test_the_parts_hold_every_entry_once_each_within_the_limit(index: dict[str, str]) -> None:
    parts = split_index(index, 200)

    assert {key: page_id for part in parts for key, page_id in part.items()} == index
    assert sum(len(part) for part in parts) == len(index)
    for part in parts:
        assert len(json.dumps(part).encode()) <= 200 or len(part) == 1


def test_a_thousand_pages_with_cloud_ids_need_parts() -> None:
    index = {f"kpi team-{n // 100:02d}-kpi-{n:04d}": str(2_195_914_753 + n) for n in range(1000)}

    assert len(json.dumps(index)) > PART_BYTES
    assert all(len(json.dumps(part)) <= PART_BYTES for part in split_index(index, PART_BYTES))
