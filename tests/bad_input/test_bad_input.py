"""The bad-input corpus: every case in `cases/*.yaml` run through the CLI as a person runs it.

A case writes its input (the small end-to-end catalog changed, data files, the environment and
`.env`, a person's edit to a page, an answer of the server), runs `validate` or `sync`, and
expects the documented exit code and a message that names where the problem is and how to
fix it. Whatever the case, the output holds no Python internals and no invisible character
as it is, and a sync leaves no page half written: every page the bot made has its memory,
and a run that stops before writing (exit 2) wrote nothing. `README.md` in this directory
says how a case is written.
"""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from confluence_kpi.sandbox import SandboxServer
from tests.e2e.conftest import CATALOGS, SETTINGS_VARIABLES
from tests.e2e.helpers import (
    ADMIN,
    AS_OF,
    PROPERTY,
    Cli,
    Run,
    Wiki,
    replace_once,
    row_markup,
    set_row,
)

CASES = Path(__file__).parent / "cases"
KINDS = ("catalog", "data", "settings", "page", "server")
COMMANDS = ("validate", "check-sources", "sync", "status")
# What a person must never read: Python's own words for its own failures.
INTERNALS = (
    "Traceback",
    "NoneType",
    "KeyError",
    "JSONDecodeError",
    "Expecting value",
    "has no attribute",
    "object is not",
    "unexpected keyword",
    "pydantic_core",
    "For further information visit",
)
# Characters that show nothing, or look like a plain space: always shown by their code.
INVISIBLE = {"\u00a0", "\u202f", "\u2007", "\u3000"}


@dataclass(frozen=True)
class Case:
    """One entry of a manifest; see README.md for the fields."""

    name: str
    kind: str
    command: str
    exit: int
    says: tuple[str, ...]
    not_says: tuple[str, ...] = ()
    catalog: tuple[dict[str, str], ...] = ()
    files: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str | None] = field(default_factory=dict)
    dotenv: str | dict[str, str] | None = None
    edit: dict[str, str] | None = None
    faults: tuple[dict[str, Any], ...] = ()
    flavour: str = "dc"
    failed_pages: tuple[str, ...] = ()

    @classmethod
    def read(cls, raw: dict[str, Any]) -> Case:
        unknown = set(raw) - set(cls.__dataclass_fields__)
        assert not unknown, f"case {raw.get('name')}: unknown fields {sorted(unknown)}"
        case = cls(
            **{
                **raw,
                "says": tuple(raw["says"]),
                "not_says": tuple(raw.get("not_says", ())),
                "catalog": tuple(raw.get("catalog", ())),
                "faults": tuple(raw.get("faults", ())),
                "failed_pages": tuple(raw.get("failed_pages", ())),
            }
        )
        assert case.kind in KINDS, case.name
        assert case.command in COMMANDS, case.name
        assert case.says, f"case {case.name} expects nothing of the message"
        return case


def _load() -> list[Case]:
    cases = [
        Case.read(raw)
        for manifest in sorted(CASES.glob("*.yaml"))
        for raw in yaml.safe_load(manifest.read_text(encoding="utf-8"))
    ]
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "two cases share a name"
    return cases


ALL_CASES = _load()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The catalog's copy and a working directory without a .env or a secrets directory."""
    shutil.copytree(CATALOGS, tmp_path / "catalog")
    work = tmp_path / "work"
    (work / "no-secrets").mkdir(parents=True)
    monkeypatch.chdir(work)
    monkeypatch.setenv("CONFLUENCE_KPI_SECRETS_DIR", str(work / "no-secrets"))
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.mark.parametrize("case", ALL_CASES, ids=[case.name for case in ALL_CASES])
def test_bad_input_is_refused_where_it_is(
    case: Case,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    catalog_dir = workdir / "catalog"
    cli = Cli(monkeypatch, capsys, catalog_dir / "small.yaml")
    wiki = None
    if case.command in ("sync", "check-sources") or case.kind in ("page", "server"):
        wiki = Wiki(sandbox_factory(flavour=case.flavour))
    _write_input(case, catalog_dir, workdir / "work", wiki.server.base_url if wiki else "")
    if wiki is not None:
        cli.env(
            CONFLUENCE_URL=wiki.server.base_url,
            CONFLUENCE_USERNAME=ADMIN[0],
            CONFLUENCE_API_TOKEN=ADMIN[1],
        )
    if case.edit is not None:
        assert wiki is not None
        _edit_page(case.edit, cli, wiki)
    if case.faults:
        assert wiki is not None
        wiki.inject(*(_placed(rule, wiki.server.base_url) for rule in case.faults))
    cli.env(**case.env)

    run = _run(case, cli)

    said = run.out + run.err
    assert run.code == case.exit, said
    for expected in case.says:
        assert expected in said, f"{expected!r} not in:\n{said}"
    for unexpected in (*case.not_says, *INTERNALS):
        assert unexpected not in said, said
    assert not _invisible(said), f"an invisible character as it is:\n{said!r}"
    if wiki is not None and case.command == "sync":
        wiki.clear_faults()  # the pages as stored, read without the case's faults
        _nothing_half_written(case, run, wiki)


def _write_input(case: Case, catalog_dir: Path, work: Path, base_url: str) -> None:
    """The case's catalog changes (`{base}` read as the sandbox's address, for a source the
    sandbox stands in for), files and `.env`."""
    catalog = catalog_dir / "small.yaml"
    text = catalog.read_text(encoding="utf-8")
    for change in case.catalog:
        if "replace" in change:
            text = replace_once(text, change["replace"], change["with"].replace("{base}", base_url))
        else:
            text += change["append"].replace("{base}", base_url)
    catalog.write_text(text, encoding="utf-8")
    for name, content in case.files.items():
        _write(catalog_dir / name, content)
    if case.dotenv is not None:
        _write(work / ".env", case.dotenv)


def _write(path: Path, content: str | dict[str, str]) -> None:
    """Text in UTF-8, or `{text, encoding}`: the bytes another program writes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, dict):
        path.write_bytes(content["text"].encode(content["encoding"]))
    else:
        path.write_bytes(content.encode("utf-8"))


def _edit_page(edit: dict[str, str], cli: Cli, wiki: Wiki) -> None:
    """A first sync, then a person's edit of one page: a row typed over or deleted, or any
    change."""
    first = cli.sync()
    assert first.code == 0, first.out + first.err
    if "delete_row" in edit:
        wiki.edit(
            edit["page"], lambda body: replace_once(body, row_markup(body, edit["delete_row"]), "")
        )
    elif "row" in edit:
        wiki.edit(edit["page"], lambda body: set_row(body, edit["row"], edit["cell"]))
    else:
        wiki.edit(edit["page"], lambda body: replace_once(body, edit["find"], edit["replace"]))
    wiki.reset_stats()


def _placed(rule: dict[str, Any], base_url: str) -> dict[str, Any]:
    """A fault rule with `{base}` in its location and body read as the sandbox's base URL."""
    return {
        key: value.replace("{base}", base_url) if isinstance(value, str) else value
        for key, value in rule.items()
    }


def _run(case: Case, cli: Cli) -> Run:
    config = ("--config", str(cli.catalog))
    if case.command == "sync":
        return cli.sync()
    if case.command == "status":
        return cli("status", *config, "--as-of", AS_OF)
    if case.command == "check-sources":
        return cli("validate", *config, "--check-sources")
    return cli("validate", *config)


def _invisible(text: str) -> list[str]:
    return [ch for ch in text if ch in INVISIBLE or unicodedata.category(ch) == "Cf"]


def _nothing_half_written(case: Case, run: Run, wiki: Wiki) -> None:
    """Exit 2 wrote nothing; otherwise every page the bot has carries its memory and a body,
    and each page the case does not expect to fail was written."""
    if run.code == 2:
        assert wiki.writes() == {}, run.out + run.err
        return
    pages = {page["title"]: page for page in wiki.pages()}
    ours = {
        title: page
        for title, page in pages.items()
        if any(label["name"].startswith("kpi") for label in page["metadata"]["labels"]["results"])
    }
    for title, page in ours.items():
        assert PROPERTY in page["metadata"]["properties"], f"{title} has no memory"
        assert wiki.body(title).strip(), f"{title} has an empty body"
    failed = set(case.failed_pages)
    expected = {"E2E KPI handbook", "Team: Operations", "Team: Sales"} - failed
    assert expected <= set(ours), f"missing pages: {expected - set(ours)}"


def test_every_kind_has_cases() -> None:
    counted = {kind: sum(case.kind == kind for case in ALL_CASES) for kind in KINDS}
    assert all(counted.values()), counted
    assert len(ALL_CASES) >= 200, counted
