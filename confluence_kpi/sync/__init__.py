"""One reconcile pass: observe the bot's pages, take in people's edits, write the difference.

This is the only package that decides what gets written. The pass is (ARCHITECTURE.md, "The
reconcile loop")

    observe -> measure -> read back -> evaluate -> render -> plan -> apply

`observe` lists the bot's pages, one paged CQL listing of the pages carrying the bot's label
with the bot's content property but no bodies, and reads the bodies people changed;
`planning` merges, evaluates and renders (pure); `apply` writes page by page; `run` is the
pass from start to end. A page is read in full only when its version moved since the bot
wrote it (someone edited it: their edits are merged in) or when the bot has something to
write to it. Identity comes from the content property, never from the title.
"""

from confluence_kpi.sync.planning import plan
from confluence_kpi.sync.run import run_sync

__all__ = ["plan", "run_sync"]
