"""`sync --shard I/N`: N processes share one space, each writing its teams' pages and nothing
else; shard 0 writes the root from what the others' pages remember, and retires pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import Cli, Wiki, edit_catalog, finish

ROOT = "Sharded KPI handbook"
HOME = "KPI Home"  # the space's home page
# tests/e2e/catalogs/teams.yaml's pages by shard of four, as "kind id".
SHARDS = {
    0: {
        "root root",
        "team finance",
        "team marketing",
        "goal lean-growth",
        "goal loved-product",
        "kpi revenue-per-head",
        "kpi leads",
    },
    1: {"team ops", "team sales", "kpi incidents", "kpi revenue"},
    2: {"team people", "kpi headcount"},
    3: {"team product", "kpi nps"},
}
EVERY_PAGE = set().union(*SHARDS.values())
# The one KPI shard 0 neither writes nor reads (its derived KPI reads revenue and headcount,
# its goal NPS): the root shows its value from its page's memory.
INCIDENTS = "6 incidents"


@pytest.fixture
def catalog(catalog_dir: Path) -> Path:
    """Six teams over four shards, a derived KPI reading two other shards' KPIs, and a goal
    rolling up another shard's KPI."""
    return catalog_dir / "teams.yaml"


@pytest.fixture(params=["dc", "cloud-v2"])
def site(request: pytest.FixtureRequest) -> str:
    """v1 creates a page with its memory in one request, v2 in two."""
    return str(request.param)


def sync_shards(cli: Cli) -> dict[int, dict[str, str]]:
    """One pass of the four shards in turn: each page's action by shard."""
    found = {}
    for index in SHARDS:
        run = cli.sync("--shard", f"{index}/4", "--report", "json")
        assert run.code == 0, run.err
        found[index] = run.actions()
    return found


def test_four_shards_at_once_write_every_page_once(cli: Cli, wiki: Wiki) -> None:
    shards = [cli.spawn("--shard", f"{index}/4", "--report", "json") for index in SHARDS]
    runs = [finish(shard) for shard in shards]

    for index, run in enumerate(runs):
        assert run.code == 0, run.err
        assert run.actions() == dict.fromkeys(SHARDS[index], "created")
    assert wiki.routes()[wiki.route("create")] == len(EVERY_PAGE)
    assert set(wiki.titles().values()) == {1}  # no duplicate
    assert set(wiki.versions().values()) == {1}  # nothing written twice
    assert len(wiki.titles()) == len(EVERY_PAGE) + 1  # and the space's home page
    assert {wiki.parent_title(title) for title in ("Team: People", "Team: Product")} == {ROOT}
    root = wiki.body(ROOT)
    assert "29.0 k" in root  # shard 0's own derived KPI, from other shards' sources
    assert INCIDENTS not in root  # no page of shard 1 when shard 0 looked

    # One more pass: the root lists every KPI with its value, and indexes every page.
    passed = sync_shards(cli)
    assert passed[0]["root root"] == "updated"
    assert {action for actions in passed.values() for action in actions.values()} == {
        "updated",
        "unchanged",
    }
    root = wiki.body(ROOT)
    assert INCIDENTS in root
    assert len(wiki.memory(ROOT)["index"]) == len(EVERY_PAGE) - 1

    wiki.reset_stats()
    quiet = sync_shards(cli)
    assert {action for actions in quiet.values() for action in actions.values()} == {"unchanged"}
    assert wiki.writes() == {}
    # The pages are what one unsharded sync would write: it finds nothing to do.
    whole = cli.sync("--report", "json")
    assert set(whole.actions().values()) == {"unchanged"}, whole.out
    assert wiki.writes() == {}


def test_a_shard_takes_its_index_from_an_indexed_job(cli: Cli, wiki: Wiki) -> None:
    assert cli.sync("--shard", "0/4").code == 0
    cli.env(JOB_COMPLETION_INDEX="2")

    run = cli.sync("--shard", "auto/4", "--report", "json")

    assert run.code == 0, run.err
    assert run.actions() == dict.fromkeys(SHARDS[2], "created")


def test_a_shard_waits_for_shard_0_to_create_the_root(cli: Cli, wiki: Wiki) -> None:
    run = cli.sync("--shard", "3/4", "--root-wait", "0", "--report", "json")

    assert run.code == 1
    assert run.actions() == dict.fromkeys(SHARDS[3], "failed")
    assert "shard 0 of the sharded sync creates it" in run.reasons()["team product"]
    assert set(wiki.titles()) == {HOME}  # nothing made
    assert wiki.writes() == {}


def test_a_shard_without_teams_writes_nothing_and_does_not_wait(cli: Cli, wiki: Wiki) -> None:
    run = cli.sync("--shard", "2/8", "--report", "json")  # six teams: 2 of 8 gets none

    assert run.code == 0, run.err
    assert run.actions() == {}
    assert wiki.writes() == {}
    assert run.json()["duration_seconds"] < 30  # not the 300 s it would wait for a root


def test_only_shard_0_retires_a_kpi_that_left_the_catalog(
    cli: Cli, wiki: Wiki, catalog: Path
) -> None:
    sync_shards(cli)
    edit_catalog(catalog, "    kpis: [nps, leads]\n", "    kpis: [leads]\n")
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text[: text.index("  - id: nps")], encoding="utf-8")

    product = cli.sync("--shard", "3/4", "--report", "json")
    first = cli.sync("--shard", "0/4", "--report", "json")

    assert product.code == 0, product.err
    assert product.actions() == {"team product": "updated"}  # it lists one KPI fewer
    assert first.actions()["kpi nps"] == "retired"
    assert "kpi-retired" in wiki.labels("KPI: Net promoter score")


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (("--shard", "4/4"), "argument --shard: 4/4: the index must be 0 to 3"),
        (("--shard", "a/b"), "argument --shard: 'a/b': expected INDEX/COUNT (2/4) or auto/COUNT"),
        (("--shard", "0/0"), "argument --shard: 0/0: the number of shards must be at least 1"),
        (("--shard", "auto/4"), "auto needs JOB_COMPLETION_INDEX to hold the index"),
        (("--shard", "1/4", "--only", "nps"), "not allowed with argument --shard"),
        (("--shard", "1/4", "--root-wait", "nan"), "argument --root-wait: 'nan': expected a"),
    ],
)
def test_a_shard_that_cannot_be_is_refused_before_anything_runs(
    cli: Cli, wiki: Wiki, capsys: pytest.CaptureFixture[str], options: tuple[str, ...], says: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.sync(*options)

    assert exit_.value.code == 2
    assert says in capsys.readouterr().err
    assert wiki.stats()["total"] == 0
