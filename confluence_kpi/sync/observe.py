"""OBSERVE: the bot's pages as they are now, each known by the identity in its content property
(ARCHITECTURE.md, rule 2), in as few requests as that takes (rule 4).

One paged CQL listing of the pages carrying the bot's label, with the bot's content property
expanded but no bodies; pages whose label people removed, found again through the root page's
index; and the bodies of only those pages someone saved since the bot wrote them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace

from confluence_kpi.confluence.errors import ConfluenceError
from confluence_kpi.confluence.protocol import ConfluenceApi, Page
from confluence_kpi.memory import PROPERTY_KEY, PageKey, PageMemory, read_memory
from confluence_kpi.pipeline import BOT_LABEL, KIND_LABELS
from confluence_kpi.sync.root_index import read_index

# What a listing reads of each page: enough to know it and tell whether it moved, no body.
_LISTING = ("version", "metadata.labels", f"metadata.properties.{PROPERTY_KEY}")
ROOT = PageKey("root", "root")
# Ids per `id in (...)` search: its address stays well under the 8 KB servers and proxies take.
_IDS_PER_SEARCH = 200


@dataclass(frozen=True)
class Observed:
    """A page of the bot's as the listing showed it, with the memory its property holds."""

    page: Page
    memory: PageMemory


def observe(gateway: ConfluenceApi, space: str) -> dict[PageKey, Observed]:
    """The bot's pages in the space, by the identity in their content property (no bodies)."""
    cql = f'space = "{space}" and type = page and label = "{BOT_LABEL}"'
    return _ours(gateway.search(cql, expand=_LISTING))


def recover(
    gateway: ConfluenceApi, space: str, observed: dict[PageKey, Observed], wanted: Iterable[PageKey]
) -> set[PageKey]:
    """Finds pages the label listing missed (a person removed the label) by the root's index,
    or by a scan of the whole space when the root or its index is missing; adds them to
    `observed`.

    Returns the keys the index knew but no page holds any more: pages deleted in Confluence.
    """
    missing = [key for key in wanted if key not in observed]
    if not missing:
        return set()
    root = observed.get(ROOT)
    index = None if root is None else read_index(gateway, root.page.id, root.memory)
    if index is None:
        # No root to ask (a first run, or someone took the root's label away), or an index
        # that does not add up: a scan of the space finds every page by its memory.
        cql = f'space = "{space}" and type = page'
        observed.update(_ours(gateway.search(cql, expand=_LISTING)))
        if root is not None:  # its digest forgotten, so that this pass writes it anew
            scanned = observed[ROOT]
            observed[ROOT] = replace(
                scanned, memory=scanned.memory.model_copy(update={"index_digest": ""})
            )
        return set()
    ids = [index[str(key)] for key in missing if str(key) in index]
    for start in range(0, len(ids), _IDS_PER_SEARCH):
        cql = f"id in ({','.join(ids[start : start + _IDS_PER_SEARCH])}) and type = page"
        found = _ours(gateway.search(cql, expand=_LISTING))
        observed.update({k: v for k, v in found.items() if k not in observed})
    return {key for key in missing if str(key) in index and key not in observed}


@dataclass(frozen=True)
class Moved:
    """What `read_moved` read: the bodies, and the pages whose body could not be read, with
    why (those are not written this pass: without the body, people's edits could be lost)."""

    pages: dict[PageKey, Page]
    unread: dict[PageKey, str]


def read_moved(
    gateway: ConfluenceApi, observed: Mapping[PageKey, Observed], failed: Collection[str] = ()
) -> Moved:
    """Bodies of the KPI and goal pages someone saved since the bot wrote them, that hold a
    value people typed the bot could not read (kept as typed until someone corrects it) or
    more typed rows than their memory keeps, and of the pages of the KPIs in `failed`, whose
    source failed this pass (kept with their last good values). A page that cannot be read
    fails alone; the others go on."""
    moved = Moved({}, {})
    for key, obs in observed.items():
        if key.kind not in ("kpi", "goal") or not (
            obs.page.version != obs.memory.page_version
            or obs.memory.kept_rows
            or obs.memory.rows_digest
            or (key.kind == "kpi" and key.id in failed)
        ):
            continue
        try:
            moved.pages[key] = gateway.get_page(obs.page.id, expand=("body.storage",))
        except ConfluenceError as exc:
            moved.unread[key] = (
                f"could not read the page people edited, so it was left as it is: {exc}"
            )
    return moved


def find_root(gateway: ConfluenceApi, space: str) -> Page | None:
    """The bot's root page in the space, known by its label and memory (one search request),
    or None before a first run made it: where workers keep their lease (lease.py)."""
    cql = f'space = "{space}" and type = page and label = "{KIND_LABELS["root"]}"'
    found = _ours(gateway.search(cql, expand=_LISTING)).get(ROOT)
    return None if found is None else found.page


def find_titled(gateway: ConfluenceApi, space: str, title: str) -> Page | None:
    """The page titled `title` in the space, its body and the bot's property included."""
    return gateway.find_page(space, title, expand=(*_LISTING, "body.storage"))


def ours(page: Page) -> dict[PageKey, Observed]:
    """The page by the identity it claims, if it is the bot's."""
    return _ours([page])


def _ours(pages: Iterable[Page]) -> dict[PageKey, Observed]:
    """The pages whose content property is the bot's memory, by the identity it claims."""
    found: dict[PageKey, Observed] = {}
    for page in pages:
        prop = page.properties.get(PROPERTY_KEY)
        memory = read_memory(prop.value if prop else None)
        if memory is None:
            continue
        # Two pages claiming one identity (a copy made in Confluence keeps the property):
        # the older one, the lower id, is the bot's.
        known = found.get(memory.key)
        if known is None or int(page.id) < int(known.page.id):
            found[memory.key] = Observed(page, memory)
    return found
