"""The measure stage: sources return tables for queries, and each KPI reads its series from one."""

from confluence_kpi.plugins import PLUGIN_GROUP
from confluence_kpi.sources.confluence_table import PageReader
from confluence_kpi.sources.fetcher import Fetcher, query_grains
from confluence_kpi.sources.registry import open_source
from confluence_kpi.sources.series import extract_series, measure
from confluence_kpi.sources.table import Source, SourceError, Table

__all__ = [
    "PLUGIN_GROUP",
    "Fetcher",
    "PageReader",
    "Source",
    "SourceError",
    "Table",
    "extract_series",
    "measure",
    "open_source",
    "query_grains",
]
