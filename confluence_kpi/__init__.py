"""confluence-kpi: keeps KPI and SMART-goal pages in Confluence true."""

__version__ = "0.1.0"
