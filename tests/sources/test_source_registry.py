"""The registry: built-in source types, plugins through entry points, and clear errors."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import EntryPoint, EntryPoints

import pytest

from confluence_kpi.sources import PLUGIN_GROUP, Fetcher, SourceError, Table, open_source, registry


@dataclass(frozen=True)
class EchoConfig:
    type: str


class EchoSource:
    """A plugin source that returns its query as its only cell."""

    def __init__(self, name: str, config: EchoConfig) -> None:
        self.name = name

    def fetch(self, query: str | None) -> Table:
        if query == "explode":
            raise RuntimeError("the plugin tripped")
        return Table(("query",), ((query,),), self.name)

    def close(self) -> None:
        pass


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    installed = EntryPoints(
        [
            EntryPoint(name="echo", value=f"{__name__}:EchoSource", group=PLUGIN_GROUP),
            EntryPoint(name="broken", value="no_such_plugin_module:Source", group=PLUGIN_GROUP),
        ]
    )
    monkeypatch.setattr(registry, "entry_points", lambda group: installed.select(group=group))


@pytest.mark.usefixtures("plugins")
def test_plugin_source_type_comes_from_its_entry_point() -> None:
    source = open_source("jokes", EchoConfig(type="echo"))  # type: ignore[arg-type]
    assert source.fetch("hello").rows == (("hello",),)


@pytest.mark.usefixtures("plugins")
def test_broken_plugin_is_an_error_naming_it() -> None:
    with pytest.raises(SourceError) as error:
        open_source("jokes", EchoConfig(type="broken"))  # type: ignore[arg-type]
    assert "plugin 'no_such_plugin_module:Source' for source type 'broken'" in str(error.value)
    assert "ModuleNotFoundError" in str(error.value)


@pytest.mark.usefixtures("plugins")
def test_unknown_source_type_lists_the_known_ones() -> None:
    with pytest.raises(
        SourceError,
        match="unknown source type 'ftp'; known types are: broken, csv, echo, sql, static",
    ):
        open_source("jokes", EchoConfig(type="ftp"))  # type: ignore[arg-type]


@pytest.mark.usefixtures("plugins")
def test_a_plugin_that_crashes_fails_only_its_own_source() -> None:
    fetcher = Fetcher({"jokes": EchoConfig(type="echo")})  # type: ignore[dict-item]
    with pytest.raises(SourceError, match=r"^jokes: RuntimeError: the plugin tripped$"):
        fetcher.table("jokes", "explode")
    assert fetcher.table("jokes", "fine").rows == (("fine",),)
