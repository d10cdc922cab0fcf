"""Finding records the way Confluence does: invisible content is missing content."""

from __future__ import annotations

from confluence_kpi.sandbox.errors import ApiError, bad_request, not_found
from confluence_kpi.sandbox.model import Content, Space, User
from confluence_kpi.sandbox.store import State

CURRENT = frozenset({"current"})
CURRENT_OR_TRASHED = frozenset({"current", "trashed"})
_KNOWN_STATUSES = frozenset({"current", "trashed", "draft", "archived"})

TITLE_TAKEN = ApiError(
    400,
    "A page with this title already exists: "
    "A page already exists with the same TITLE in this space",
    "api.BadRequestException",
)


def missing_content(content_id: str) -> ApiError:
    """Confluence's 404 for content that does not exist or may not be seen."""
    return not_found(f"No content found with id : {content_id}")


def statuses(text: str | None) -> frozenset[str]:
    """The `status` parameter: `current` by default, `any`, or a comma-separated list."""
    if not text:
        return CURRENT
    if text == "any":
        return _KNOWN_STATUSES
    wanted = frozenset(s.strip() for s in text.split(","))
    unknown = wanted - _KNOWN_STATUSES
    if unknown:
        raise bad_request(f"Unknown content status: {', '.join(sorted(unknown))}")
    return wanted


def content(
    state: State,
    raw_id: str,
    user: User,
    *,
    allowed: frozenset[str] = CURRENT,
    missing: ApiError | None = None,
) -> Content:
    """The content with this id (attachments also as `att123`), visible and in an allowed status."""
    found = state.contents.get(raw_id.removeprefix("att"))
    if found is None or not found.visible_to(user.name) or found.status not in allowed:
        raise missing or missing_content(raw_id)
    return found


def space(state: State, key: str) -> Space:
    """The space with this key."""
    found = state.spaces.get(key)
    if found is None:
        raise not_found(f"No space with key : {key}")
    return found


def check_title_free(state: State, content: Content) -> None:
    """Titles are unique per space and type, ignoring case; trashed pages do not hold theirs."""
    folded = content.title.casefold()
    for other in state.contents.values():
        if (
            other.id != content.id
            and other.status == "current"
            and other.type == content.type
            and other.space_key == content.space_key
            and other.title.casefold() == folded
        ):
            raise TITLE_TAKEN


def descendants(state: State, page_id: str) -> list[Content]:
    """Everything below a page: child pages at any depth and their attachments."""
    return [c for c in state.contents.values() if page_id in c.ancestor_ids]


def rebased(page_descendants: list[Content], page_id: str, chain: tuple[str, ...]) -> list[Content]:
    """The descendants with `page_id` and everything above it replaced by `chain` (a move keeps
    the page in the chain, a purge leaves it out), parents following the new ancestors."""
    out = []
    for item in page_descendants:
        ancestors = chain + item.ancestor_ids[item.ancestor_ids.index(page_id) + 1 :]
        parent_id = ancestors[-1] if ancestors else None
        out.append(item.model_copy(update={"ancestor_ids": ancestors, "parent_id": parent_id}))
    return out
