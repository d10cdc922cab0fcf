"""confluence-kpi: keeps KPI and SMART-goal pages in Confluence true."""

from importlib.metadata import version

# The version is written once, in pyproject.toml; the installed metadata carries it here.
__version__ = version("confluence-kpi")
