"""How `sync --shard I/N` splits a catalog: every page in exactly one shard, a team's goals and
KPIs with it, the same split in every process; and what shard 0 recalls of the other shards'
KPIs to write the root."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confluence_kpi.catalog import Catalog, load_catalog
from confluence_kpi.memory import PageKey, PageMemory, Shown, read_memory
from confluence_kpi.model import Period, PeriodValue, Status
from confluence_kpi.pages import ROOT_KPI_ROWS
from confluence_kpi.pipeline import Measured
from confluence_kpi.sync import plan
from confluence_kpi.sync.run import _keys
from confluence_kpi.sync.shards import INDEX_VARIABLE, WHOLE, Shard, part_of, recalled, shard_of

TEAMS = Path(__file__).parent.parent / "e2e" / "catalogs" / "teams.yaml"
NOW = datetime(2026, 11, 28, 7, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """Six teams, a derived KPI of finance over sales' revenue and people's headcount, and a
    marketing goal that rolls up product's NPS."""
    return load_catalog(TEAMS)


def with_teams(catalog: Catalog, team_ids: list[str]) -> Catalog:
    """The catalog with its teams renamed to `team_ids`, KPIs and goals dealt out among them."""
    team = next(iter(catalog.teams.values()))
    return catalog.model_copy(
        update={
            "teams": dict.fromkeys(team_ids, team),
            "kpis": tuple(
                kpi.model_copy(update={"team": team_ids[n % len(team_ids)]})
                for n, kpi in enumerate(catalog.kpis)
            ),
            "goals": tuple(
                goal.model_copy(update={"team": team_ids[n % len(team_ids)]})
                for n, goal in enumerate(catalog.goals)
            ),
        }
    )


def test_a_team_falls_in_the_same_shard_in_every_process() -> None:
    # sha256, not Python's hash(), which is salted per process: these never change.
    assert [shard_of(team, 4) for team in ("finance", "ops", "people", "product")] == [0, 1, 2, 3]
    script = "from confluence_kpi.sync.shards import shard_of; print(shard_of('people', 4))"
    for seed in ("1", "2"):
        other = subprocess.run(
            [sys.executable, "-c", script],
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
        )
        assert other.stdout.strip() == "2"


@settings(max_examples=60, deadline=None)
@given(
    team_ids=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=12, unique=True),
    count=st.integers(1, 8),
)
def test_the_shards_cover_every_page_once(team_ids: list[str], count: int) -> None:
    catalog = with_teams(load_catalog(TEAMS), team_ids)

    parts = [part_of(catalog, Shard(index, count)) for index in range(count)]

    written = Counter(key for part in parts for key in part.pages)
    assert set(written) == set(_keys(catalog))  # complete
    assert set(written.values()) == {1}  # disjoint
    assert PageKey("root", "root") in parts[0].pages
    for part in parts:  # every page's parent is in its shard, but the root's children
        for kpi in catalog.kpis:
            if PageKey("kpi", kpi.id) in part.pages:
                assert PageKey("team", kpi.team) in part.pages
        for goal in catalog.goals:
            if PageKey("goal", goal.id) in part.pages:
                assert PageKey("team", goal.team) in part.pages


def test_one_shard_is_the_whole_catalog(catalog: Catalog) -> None:
    whole = part_of(catalog, WHOLE)

    assert whole.pages == set(_keys(catalog))
    assert whole.kpis == {kpi.id for kpi in catalog.kpis}


def test_a_shard_evaluates_the_kpis_its_derived_kpis_and_goals_read(catalog: Catalog) -> None:
    finance_and_marketing = part_of(catalog, Shard(0, 4))
    people = part_of(catalog, Shard(2, 4))

    assert finance_and_marketing.kpis == {
        "revenue-per-head",
        "revenue",
        "headcount",
        "leads",
        "nps",
    }
    assert not finance_and_marketing.owns("revenue")  # read, not written
    assert finance_and_marketing.reads(PageKey("kpi", "revenue"))
    assert people.kpis == {"headcount"}
    assert people.pages == {PageKey("team", "people"), PageKey("kpi", "headcount")}


@pytest.mark.parametrize(
    ("text", "environ", "shard"),
    [
        ("2/4", {}, Shard(2, 4)),
        ("0/1", {}, WHOLE),
        (" 3/4 ", {}, Shard(3, 4)),
        ("auto/4", {INDEX_VARIABLE: "1"}, Shard(1, 4)),
    ],
)
def test_a_shard_is_written_index_slash_count(
    text: str, environ: dict[str, str], shard: Shard
) -> None:
    assert Shard.parse(text, environ) == shard


@pytest.mark.parametrize(
    ("text", "environ", "says"),
    [
        ("4/4", {}, "4/4: the index must be 0 to 3"),
        ("0/0", {}, "0/0: the number of shards must be at least 1"),
        ("a/b", {}, "'a/b': expected INDEX/COUNT (2/4) or auto/COUNT"),
        ("-1/4", {}, "expected INDEX/COUNT"),
        ("2", {}, "expected INDEX/COUNT"),
        ("auto/4", {}, "auto needs JOB_COMPLETION_INDEX to hold the index"),
        ("auto/4", {INDEX_VARIABLE: "x"}, "it is x"),
        ("auto/4", {INDEX_VARIABLE: "4"}, "4/4: the index must be 0 to 3"),
    ],
)
def test_a_shard_that_cannot_be_says_why(text: str, environ: dict[str, str], says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        Shard.parse(text, environ)


def test_the_root_shows_other_shards_kpis_as_their_memories_tell(catalog: Catalog) -> None:
    november = PeriodValue(
        Period(datetime(2026, 11, 1).date(), datetime(2026, 12, 1).date(), "Nov 2026"),
        value=100.0,
        count=1,
        complete=False,
        target=120.0,
        status=Status.ON_TRACK,
    )
    shown = Shown(current=november, stale_since=None, progress=0.25)
    written = PageMemory.of(
        PageKey("kpi", "headcount"), 3, "digest", status="on_track", shown=shown
    )
    memory = read_memory(written.to_json())  # as the listing reads it back
    assert memory == written

    evaluations = recalled(catalog, part_of(catalog, Shard(3, 4)), {memory.key: memory}, now=NOW)

    assert "nps" not in evaluations  # product's own: measured, not recalled
    headcount = evaluations["headcount"]
    assert (headcount.status, headcount.current, headcount.progress) == (
        Status.ON_TRACK,
        november,
        0.25,
    )
    assert evaluations["revenue"].status is Status.NO_DATA  # no page written yet


def test_the_root_of_a_sharded_sync_keeps_to_the_roots_limit(catalog: Catalog) -> None:
    # Every KPI is operations', shard 1's of 2: shard 0 writes the root from their memories.
    leads = next(kpi for kpi in catalog.kpis if kpi.id == "leads")
    kpis = tuple(
        leads.model_copy(update={"id": f"leads-{n}", "name": f"Leads {n}", "team": "ops"})
        for n in range(ROOT_KPI_ROWS + 20)
    )
    large = catalog.model_copy(update={"kpis": kpis, "goals": ()})
    memories = {
        PageKey("kpi", kpi.id): PageMemory.of(
            PageKey("kpi", kpi.id), 3, "digest", status="missed" if n % 50 == 49 else "on_track"
        )
        for n, kpi in enumerate(kpis)
    }
    part = part_of(large, Shard(0, 2))
    assert not part.kpis  # shard 0 measures none of them

    evaluations = recalled(large, part, memories, now=NOW)
    pages = plan(
        large, Measured({}, {}), {}, {}, now=NOW, prefer="page", recalled=evaluations,
        wanted=part.pages,
    ).pages  # fmt: skip

    root = pages[PageKey("root", "root")].body
    listed = re.findall(r'ri:content-title="KPI: Leads (\d+)"', root)
    assert len(listed) == ROOT_KPI_ROWS
    assert listed[:7] == ["49", "99", "149", "199", "249", "299", "0"]  # missed first
    assert "<p>20 more KPIs are not listed here: each team page lists all of its own.</p>" in root
