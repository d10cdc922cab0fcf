"""Which class opens which source type: the built-in kinds, and plugins via entry points."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from confluence_kpi.catalog import SourceConfig
from confluence_kpi.sources.csv_source import CsvSource
from confluence_kpi.sources.sql import SqlSource
from confluence_kpi.sources.static import StaticSource
from confluence_kpi.sources.table import Source, SourceError

PLUGIN_GROUP = "confluence_kpi.sources"

# A factory takes the source's name and its config; the config's type is the one the
# factory is registered under, which is why the registry can only say Any here.
SourceFactory = Callable[[str, Any], Source]

BUILT_IN: dict[str, SourceFactory] = {"csv": CsvSource, "sql": SqlSource, "static": StaticSource}


def open_source(name: str, config: SourceConfig) -> Source:
    """Open the source `name` with the factory registered for its config's type."""
    return _factory(name, config.type)(name, config)


def _factory(name: str, kind: str) -> SourceFactory:
    """The built-in factory for `kind`, or else the plugin registered under that name."""
    if kind in BUILT_IN:
        return BUILT_IN[kind]
    plugins = entry_points(group=PLUGIN_GROUP)
    for plugin in plugins.select(name=kind):
        try:
            factory: SourceFactory = plugin.load()
        except Exception as exc:  # any import-time failure of third-party code
            raise SourceError(
                f"{name}: the plugin {plugin.value!r} for source type {kind!r} does not load: "
                f"{type(exc).__name__}: {exc}"
            ) from None
        return factory
    known = ", ".join(sorted({*BUILT_IN, *plugins.names}))
    raise SourceError(f"{name}: unknown source type {kind!r}; known types are: {known}")
