"""The registry: source types that plugins add through entry points, named in a catalog like the
built-in ones, their options validated by the plugin's own model, and clear errors.

tests/e2e/test_plugin_source.py drives an installed plugin through `confluence-kpi sync`; here
the entry points are swapped for a list, so that each case is quick to set up.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, EntryPoints
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from confluence_kpi import plugins
from confluence_kpi.catalog import CatalogError, PluginSourceConfig, load_catalog
from confluence_kpi.sources import PLUGIN_GROUP, Fetcher, SourceError, Table, open_source

HEAD = "space: KPI\nroot_page: KPI handbook\nsources:\n"


class EchoSource:
    """A plugin source without a model for its options: it returns its query as its only cell
    and keeps the options it was given."""

    def __init__(self, name: str, config: PluginSourceConfig) -> None:
        self.name = name
        self.options = config.options

    def fetch(self, query: str | None) -> Table:
        if query == "explode":
            raise RuntimeError("the plugin tripped")
        return Table(("query",), ((query,),), self.name)

    def close(self) -> None:
        pass


class CounterOptions(BaseModel):
    """The options of the `counter` source."""

    model_config = ConfigDict(extra="forbid")

    start: int
    step: int = 1


class CounterSource:
    """A plugin source with a model for its options: counts from `start` by `step`."""

    config_model = CounterOptions

    def __init__(self, name: str, config: CounterOptions) -> None:
        self.name = name
        self.config = config

    def fetch(self, query: str | None) -> Table:
        first, step = self.config.start, self.config.step
        return Table(("n",), tuple((first + step * i,) for i in range(3)), self.name)

    def close(self) -> None:
        pass


class NotAModel:
    """What a plugin might wrongly offer as its `config_model`."""


class OddSource(EchoSource):
    config_model = NotAModel


def no_source(name: str, config: PluginSourceConfig) -> str:
    """A factory that returns something that cannot fetch."""
    return f"{name} of type {config.type}"


@pytest.fixture(autouse=True)
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """These plugins, and no others, installed."""
    here = EchoSource.__module__
    found = EntryPoints(
        [
            EntryPoint(name="echo", value=f"{here}:EchoSource", group=PLUGIN_GROUP),
            EntryPoint(name="counter", value=f"{here}:CounterSource", group=PLUGIN_GROUP),
            EntryPoint(name="odd", value=f"{here}:OddSource", group=PLUGIN_GROUP),
            EntryPoint(name="text", value=f"{here}:no_source", group=PLUGIN_GROUP),
            EntryPoint(name="broken", value="no_such_plugin_module:Source", group=PLUGIN_GROUP),
        ]
    )
    monkeypatch.setattr(plugins, "entry_points", lambda group: found.select(group=group))


def catalog_file(tmp_path: Path, *sources: str) -> Path:
    """A catalog with these lines under `sources:` (the first on line 4)."""
    path = tmp_path / "catalog.yaml"
    path.write_text(HEAD + "".join(f"  {line}\n" for line in sources), encoding="utf-8")
    return path


def errors(path: Path) -> list[str]:
    """The catalog's errors, as `validate` prints them."""
    with pytest.raises(CatalogError) as refused:
        load_catalog(path)
    return [str(problem) for problem in refused.value.problems]


def test_a_catalog_names_a_plugin_source_type_and_gets_its_options_as_written(
    tmp_path: Path,
) -> None:
    catalog = load_catalog(catalog_file(tmp_path, "jokes: {type: echo, tone: dry}"))

    source = open_source("jokes", catalog.sources["jokes"])

    assert isinstance(source, EchoSource)
    assert source.options == {"tone": "dry"}
    assert source.fetch("hello").rows == (("hello",),)


def test_a_plugin_with_a_model_gets_its_options_validated_by_it(tmp_path: Path) -> None:
    catalog = load_catalog(catalog_file(tmp_path, "ticks: {type: counter, start: 10, step: 5}"))

    with Fetcher(catalog.sources) as fetcher:
        assert fetcher.table("ticks", None).rows == ((10,), (15,), (20,))


def test_plugin_options_the_model_refuses_are_errors_at_their_line(tmp_path: Path) -> None:
    path = catalog_file(
        tmp_path, "ticks:", "  type: counter", "  start: ten", "  setp: 2", "fine: {type: echo}"
    )

    assert errors(path) == [
        f"{path}:6: sources 'ticks': start must be a whole number (got 'ten')",
        f"{path}:7: sources 'ticks': unknown field 'setp' (did you mean 'step'?); a source of "
        "type counter takes start, step, type",
    ]


def test_an_unknown_type_names_its_line_and_every_known_type(tmp_path: Path) -> None:
    path = catalog_file(tmp_path, "jokes: {type: ecko}")

    assert errors(path) == [
        f"{path}:4: sources 'jokes': type must be one of broken, confluence_table, counter, "
        "csv, echo, excel, http, jira, odd, prometheus, sql, static, text (got 'ecko'): the "
        "built-in source types and those installed plugins add (did you mean 'echo'?)"
    ]


def test_a_plugin_that_does_not_load_fails_its_source_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    catalog = load_catalog(catalog_file(tmp_path, "jokes: {type: broken}", "fine: {type: echo}"))

    with Fetcher(catalog.sources) as fetcher:
        with pytest.raises(SourceError) as failed:
            fetcher.table("jokes", None)
        assert fetcher.table("fine", "hello").rows == (("hello",),)

    said = "the plugin 'no_such_plugin_module:Source' for source type 'broken' does not load: "
    assert str(failed.value).startswith(f"jokes: {said}ModuleNotFoundError")
    assert f"{said}ModuleNotFoundError" in caplog.text


def test_a_config_model_that_is_no_pydantic_model_fails_its_source_only(tmp_path: Path) -> None:
    catalog = load_catalog(catalog_file(tmp_path, "jokes: {type: odd}"))

    with Fetcher(catalog.sources) as fetcher, pytest.raises(SourceError) as failed:
        fetcher.table("jokes", None)

    assert "has a config_model that is no pydantic model" in str(failed.value)


def test_a_plugin_whose_factory_gives_no_source_fails_its_source_only(tmp_path: Path) -> None:
    catalog = load_catalog(catalog_file(tmp_path, "notes: {type: text}", "jokes: {type: echo}"))

    with Fetcher(catalog.sources) as fetcher:
        with pytest.raises(SourceError) as failed:
            fetcher.table("notes", None)
        assert fetcher.table("jokes", "fine").rows == (("fine",),)

    assert str(failed.value) == (
        "notes: the plugin for source type 'text' gave a str, which is no source "
        "(it needs fetch and close)"
    )


def test_a_plugin_uninstalled_after_the_catalog_loaded_fails_its_source_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = load_catalog(catalog_file(tmp_path, "jokes: {type: echo}"))
    monkeypatch.setattr(plugins, "entry_points", lambda group: EntryPoints([]))

    with Fetcher(catalog.sources) as fetcher, pytest.raises(SourceError) as failed:
        fetcher.table("jokes", "hello")

    assert str(failed.value) == "jokes: no installed plugin adds source type 'echo'"


def test_a_plugin_that_crashes_fails_only_its_own_source(tmp_path: Path) -> None:
    catalog = load_catalog(catalog_file(tmp_path, "jokes: {type: echo}"))

    with Fetcher(catalog.sources) as fetcher:
        with pytest.raises(SourceError, match=r"^jokes: RuntimeError: the plugin tripped$"):
            fetcher.table("jokes", "explode")
        assert fetcher.table("jokes", "fine").rows == (("fine",),)
