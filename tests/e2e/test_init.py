"""`confluence-kpi init`: starter files in the language asked for, which `validate` passes and
`sync` writes to Confluence, and never over a file that is there."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import Cli, Wiki


@pytest.mark.parametrize(("lang", "root"), [("en", "KPI handbook"), ("nl", "KPI-handboek")])
def test_init_writes_a_starter_that_validates_and_syncs(
    cli: Cli, wiki: Wiki, tmp_path: Path, lang: str, root: str
) -> None:
    init = cli("init", "--lang", lang)
    validate = cli("validate")  # finds config/catalog.yaml, the default KPI_CONFIG
    sync = cli("sync", "--report", "json")

    assert init.code == 0, init.err
    assert (tmp_path / ".env").is_file()
    assert f"locale: {lang}" in (tmp_path / "config" / "catalog.yaml").read_text("utf-8")
    assert validate.code == 0, validate.out
    assert "catalog OK: 1 KPI, 1 goal, 1 team" in validate.out
    assert sync.code == 0, sync.err
    assert sync.json()["summary"]["created"] == 4
    assert wiki.titles()[root] == 1


def test_init_refuses_to_overwrite_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MINE=1\n", encoding="utf-8")

    run = cli("init")

    assert run.code == 2
    assert ".env" in run.err
    assert (tmp_path / ".env").read_text("utf-8") == "MINE=1\n"
    assert not (tmp_path / "config").exists()
