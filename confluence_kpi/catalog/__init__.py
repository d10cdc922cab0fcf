"""The YAML catalog: sources, teams, goals and KPIs, validated with every problem reported at once.

The package along its seams: `schema` (what a catalog may say, as pydantic models),
`document` (the file read as YAML, with the line of every key), `loading` (validating it and
turning pydantic's errors into problems said in plain words), and the checks across items
(`checks`, and `kpi_checks` for each KPI, on the `parts` that validate on their own).
"""

from confluence_kpi.catalog.document import MAX_FILE_BYTES
from confluence_kpi.catalog.loading import check_catalog, load_catalog
from confluence_kpi.catalog.problems import CatalogError, Problem, Severity
from confluence_kpi.catalog.schema import (
    BUILT_IN_TYPES,
    Catalog,
    ConfluenceTableConfig,
    CsvSourceConfig,
    Defaults,
    ExcelSourceConfig,
    HttpSourceConfig,
    JiraSourceConfig,
    PluginSourceConfig,
    PrometheusSourceConfig,
    SourceAuth,
    SourceConfig,
    SqlSourceConfig,
    StaticSourceConfig,
    files_named,
    is_pattern,
)

__all__ = [
    "BUILT_IN_TYPES",
    "MAX_FILE_BYTES",
    "Catalog",
    "CatalogError",
    "ConfluenceTableConfig",
    "CsvSourceConfig",
    "Defaults",
    "ExcelSourceConfig",
    "HttpSourceConfig",
    "JiraSourceConfig",
    "PluginSourceConfig",
    "Problem",
    "PrometheusSourceConfig",
    "Severity",
    "SourceAuth",
    "SourceConfig",
    "SqlSourceConfig",
    "StaticSourceConfig",
    "check_catalog",
    "files_named",
    "is_pattern",
    "load_catalog",
]
