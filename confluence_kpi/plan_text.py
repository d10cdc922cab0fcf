"""A pass's plan as a person reads it, like `terraform plan`: per page what is created (with
its title), updated (the values that change, before -> after) or retired, and why.

Text from catalogs and pages is given to rich as `Text`, never as markup (ARCHITECTURE.md,
rule 11).
"""

from __future__ import annotations

from rich.text import Text

from confluence_kpi.report import Action, PageResult, SyncReport

_MARK = {
    Action.CREATE: ("+ create ", "green"),
    Action.UPDATE: ("~ update ", "yellow"),
    Action.RETIRED: ("- retire ", "magenta"),
    Action.FAILED: ("! failed ", "bold red"),
}


def plan_lines(report: SyncReport) -> list[Text]:
    """The plan: a heading, then each page that changes (or fails) with what changes on it."""
    lines = [Text(_heading(report), style="bold")]
    for page in report.pages:
        if page.action is not Action.UNCHANGED:
            lines += _page_lines(page)
    return lines


def _heading(report: SyncReport) -> str:
    """ "Plan: 1 to create, 4 to update, ..." in a dry run, "Changes: 1 created, ..." else."""
    counts = report.counts()
    shown = (Action.CREATE, Action.UPDATE, Action.RETIRED, Action.UNCHANGED)
    if report.dry_run:
        words = ("to create", "to update", "to retire", "unchanged")
        return "Plan: " + ", ".join(
            f"{counts[a.value]} {w}" for a, w in zip(shown, words, strict=True)
        )
    return "Changes: " + ", ".join(f"{counts[a.value]} {a.value}" for a in shown)


def _page_lines(page: PageResult) -> list[Text]:
    mark, style = _MARK[page.action]
    lines = [Text.assemble((mark, style), page.title)]
    for change in page.changes:
        lines.append(Text(f"    {change.field}: {change.before or '(none)'} → {change.after}"))
    if page.reason:
        lines.append(Text(f"    why: {page.reason}", style="dim"))
    return lines
