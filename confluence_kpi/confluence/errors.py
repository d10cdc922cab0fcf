"""What can go wrong talking to Confluence, as errors the sync can tell apart.

Every error is one clear line that names what was being done and never a secret (ARCHITECTURE.md,
rule 10).
"""

from __future__ import annotations

from dataclasses import dataclass


class ConfluenceError(Exception):
    """Anything that went wrong talking to Confluence; one clear line, never a secret."""


class AuthError(ConfluenceError):
    """Confluence refused the credentials (401)."""


class ForbiddenError(ConfluenceError):
    """The credentials are valid but may not do this (403)."""


class NotFoundError(ConfluenceError):
    """The space, page or property does not exist, or this user may not see it (404)."""


class ConflictError(ConfluenceError):
    """Someone else changed the page or property first (409, or seen when re-reading)."""


class TitleTakenError(ConfluenceError):
    """Another page in the space already has this title (400); titles are unique per space."""


class StorageFormatRejected(ConfluenceError):  # noqa: N818 (the name the sync uses)
    """Confluence could not parse the storage-format body (400 "Error parsing xhtml")."""


class ConnectionFailed(ConfluenceError):  # noqa: N818 (the name the sync uses)
    """Confluence could not be reached, or stopped answering, even after retries."""


@dataclass(frozen=True)
class Target:
    """What a request acts on, in words for messages: "no permission to {action} {subject}"."""

    action: str
    subject: str
    missing: str = ""  # what a 404 means, when it is not the subject itself (e.g. on create)

    def not_found(self) -> str:
        return f"{self.missing or self.subject} not found"
