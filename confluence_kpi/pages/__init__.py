"""Rendering of KPI, goal, team and root pages in Confluence storage format.

Change detection lives in `confluence_kpi.pages.canonical` (`canonical`, `digest`).
"""

from confluence_kpi.pages.render import (
    ROOT_KPI_ROWS,
    PageContext,
    goal_title,
    kpi_title,
    render_goal_page,
    render_kpi_page,
    render_root_page,
    render_team_page,
    team_title,
)

__all__ = [
    "ROOT_KPI_ROWS",
    "PageContext",
    "goal_title",
    "kpi_title",
    "render_goal_page",
    "render_kpi_page",
    "render_root_page",
    "render_team_page",
    "team_title",
]
