"""Who is calling: basic auth (name:secret) or a bearer PAT, and Confluence's 401 answers."""

from __future__ import annotations

import base64
import binascii
import hmac
import threading

from confluence_kpi.sandbox.config import Flavour, UserSpec
from confluence_kpi.sandbox.messages import Request, Response
from confluence_kpi.sandbox.model import User

# Cloud refuses basic auth with anything but an API token with this text/plain body.
CLOUD_401 = (
    "Basic authentication with passwords is deprecated.  For more information, see: "
    "https://confluence.atlassian.com/cloud/deprecation-of-basic-authentication-with-passwords"
    "-for-jira-and-confluence-apis-972355348.html"
)

# Data Center answers from Tomcat, with an HTML page rather than JSON.
DC_401 = """<!doctype html><html lang="en"><head><title>HTTP Status 401 \u2013 Unauthorized</title>\
</head><body><h1>HTTP Status 401 \u2013 Unauthorized</h1><hr class="line" /><p><b>Type</b> Status \
Report</p><p><b>Message</b> Basic Authentication Failure - Reason : AUTHENTICATED_FAILED</p>\
<p><b>Description</b> The request has not been applied to the target resource because it lacks \
valid authentication credentials for that resource.</p><hr class="line" /><h3>Apache Tomcat</h3>\
</body></html>"""


class Directory:
    """The users and tokens the sandbox accepts; tests may add users while it runs."""

    def __init__(self, users: list[UserSpec], pats: list[str]) -> None:
        self._lock = threading.Lock()
        self._users = {spec.name: User(spec.name, spec.secret, spec.read_only) for spec in users}
        first = users[0].name
        self._pats = dict.fromkeys(pats, first)

    def add(self, user: User) -> None:
        """Adds or replaces a user."""
        with self._lock:
            self._users[user.name] = user

    def get(self, name: str) -> User | None:
        """The user with this name."""
        with self._lock:
            return self._users.get(name)

    def users(self) -> list[User]:
        """Every user, for looking one up by something other than the name."""
        with self._lock:
            return list(self._users.values())

    def authenticate(self, request: Request) -> User | None:
        """The user the Authorization header proves, or None."""
        kind, _, credentials = request.header("authorization").partition(" ")
        if kind.lower() == "bearer":
            name = self._pats.get(credentials.strip())
            return self.get(name) if name else None
        if kind.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        name, _, secret = decoded.partition(":")
        user = self.get(name)
        if user is None or not hmac.compare_digest(user.secret.encode(), secret.encode()):
            return None
        return user


def unauthorized(flavour: Flavour) -> Response:
    """The 401 each flavour sends for missing or wrong credentials."""
    if flavour == "cloud":
        return Response.text(401, CLOUD_401)
    return Response(
        401,
        DC_401.encode(),
        "text/html;charset=utf-8",
        (
            ("WWW-Authenticate", 'Basic realm="Confluence"'),
            ("X-Seraph-LoginReason", "AUTHENTICATED_FAILED"),
        ),
    )
