"""Source types that other packages add, found through the entry points of one group.

A distribution adds a source type by naming a factory in its own `pyproject.toml`:

    [project.entry-points."confluence_kpi.sources"]
    servicenow = "kpi_servicenow:ServiceNowSource"

and a catalog then names that type like a built-in one: `incidents: {type: servicenow,
table: incident}`.
The factory is called with the source's name and its configuration and returns a source
(`fetch(query)` returning a `confluence_kpi.sources.Table`, and `close()`); usually it is the
source class itself. When it has a `config_model` attribute, a pydantic model, the source's
fields other than `type` are validated by that model as the catalog loads (every error named
with the catalog's file and line) and the factory is given the validated model; without one it
is given the `PluginSourceConfig`, whose `options` hold the fields as written.

The catalog resolves a type as it loads, so this module sits below it and imports nothing of
the product (ARCHITECTURE.md, "Layers and their rule").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from pydantic import BaseModel

PLUGIN_GROUP = "confluence_kpi.sources"

# The configuration's type is the plugin's own (its config_model, or PluginSourceConfig), and
# what it returns is checked by the registry, which knows what a source is: so Any and object.
PluginFactory = Callable[[str, Any], object]


class PluginError(Exception):
    """No installed plugin adds the source type, or its plugin cannot be used."""


@dataclass(frozen=True)
class Plugin:
    """An installed plugin's source type, loaded."""

    kind: str
    factory: PluginFactory
    config_model: type[BaseModel] | None  # validates the source's options, when there is one


def plugin_types() -> list[str]:
    """The source types that installed plugins add, sorted."""
    return sorted(set(entry_points(group=PLUGIN_GROUP).names))


def load_plugin(kind: str) -> Plugin:
    """The plugin that adds source type `kind`; PluginError when none does, or when it does
    not load or its `config_model` is no pydantic model."""
    for entry in entry_points(group=PLUGIN_GROUP).select(name=kind):
        try:
            factory = entry.load()
        except Exception as exc:  # any import-time failure of third-party code
            raise PluginError(
                f"the plugin {entry.value!r} for source type {kind!r} does not load: "
                f"{type(exc).__name__}: {exc}"
            ) from None
        model = getattr(factory, "config_model", None)
        if model is not None and not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise PluginError(
                f"the plugin {entry.value!r} for source type {kind!r} has a config_model "
                f"that is no pydantic model: {model!r}"
            )
        return Plugin(kind, factory, model)
    raise PluginError(f"no installed plugin adds source type {kind!r}")
