"""Which factory opens which source type: the built-in kinds, and plugins (see plugins.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from confluence_kpi.catalog import ConfluenceTableConfig, PluginSourceConfig, SourceConfig
from confluence_kpi.plugins import PluginError, load_plugin
from confluence_kpi.sources.confluence_table import ConfluenceTableSource, PageReader
from confluence_kpi.sources.csv_source import CsvSource
from confluence_kpi.sources.excel import ExcelSource
from confluence_kpi.sources.http_source import HttpSource
from confluence_kpi.sources.jira import JiraSource
from confluence_kpi.sources.prometheus import PrometheusSource
from confluence_kpi.sources.sql import SqlSource
from confluence_kpi.sources.static import StaticSource
from confluence_kpi.sources.table import Source, SourceError

# A factory takes the source's name and its config; the config's type is the one the factory
# is registered under, which is why the registry can only say Any here.
SourceFactory = Callable[[str, Any], Source]

BUILT_IN: dict[str, SourceFactory] = {
    "csv": CsvSource,
    "excel": ExcelSource,
    "sql": SqlSource,
    "static": StaticSource,
    "http": HttpSource,
    "prometheus": PrometheusSource,
    "jira": JiraSource,
}


def open_source(name: str, config: SourceConfig, *, pages: PageReader | None = None) -> Source:
    """Open the source `name`: a built-in type's class, or the factory of the plugin that adds
    its type, given the plugin's own validated options when it has a model for them. `pages`
    is the run's connection to Confluence, for the sources that read pages (None: none)."""
    if isinstance(config, ConfluenceTableConfig):
        # Not in BUILT_IN: the one built-in type that needs more than its configuration.
        return ConfluenceTableSource(name, config, pages)
    if not isinstance(config, PluginSourceConfig):
        return BUILT_IN[config.type](name, config)
    try:
        plugin = load_plugin(config.type)
    except PluginError as error:  # uninstalled since the catalog loaded, say
        raise SourceError(f"{name}: {error}") from None
    opened = plugin.factory(name, config if config.validated is None else config.validated)
    if not isinstance(opened, Source):
        raise SourceError(
            f"{name}: the plugin for source type {config.type!r} gave a "
            f"{type(opened).__name__}, which is no source (it needs fetch and close)"
        )
    return opened
