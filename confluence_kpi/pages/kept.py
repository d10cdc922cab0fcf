"""A KPI's page kept with its last good values while its source fails: the bot's part of the
page as it stands, under a panel saying since when and why (ARCHITECTURE.md, rule 5).

The panel is one of the bot's blocks like any other: a later run that fails again puts its
own in its place, and the first run after the source answers again renders the page anew,
without it.
"""

from __future__ import annotations

from confluence_kpi.pages import storage_tree
from confluence_kpi.pages.blocks import split_blocks
from confluence_kpi.pages.canonical import AC, StorageFormatError


def kept_page(managed: str, panel: str) -> str:
    """`managed`, the bot's blocks above Notes as the page holds them, with `panel` on top in
    place of the one an earlier run put there."""
    try:
        blocks = split_blocks(managed)
    except StorageFormatError:
        blocks = []
    if blocks and _is_unavailable_panel(blocks[0]):
        managed = managed[managed.index(blocks[0]) + len(blocks[0]) :].lstrip()
    return f"{panel}{managed}"


def _is_unavailable_panel(block: str) -> bool:
    """Whether a block is the warning panel of `unavailable.xml.j2`, in any page language."""
    macro = next(storage_tree.read(block).iter(storage_tree.MACRO), None)
    if macro is None or macro.get(f"{{{AC}}}name") != "warning":
        return False
    title = storage_tree.parameter(macro, "title") or ""
    return storage_tree.key(title) in storage_tree.words("unavailable.title")
