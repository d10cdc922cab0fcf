"""A source's file fetched over HTTP(S), with the credentials the catalog names by variable.

The catalog holds the names of variables (`auth_env`, `headers_env`), read like every setting
(the environment, `.env`, `NAME_FILE`, the secrets directory) when the source is fetched.
Neither a credential nor the address's query (which may hold a token) appears in a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

import requests

from confluence_kpi.sources.credentials import read_secret
from confluence_kpi.sources.table import SourceError


def shown_url(url: str) -> str:
    """The address for messages and pages: scheme, host and path, without the query or the
    fragment, where tokens are put."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def download(
    url: str,
    *,
    origin: str,
    auth_env: str | None,
    headers_env: Mapping[str, str],
    timeout: float,
) -> bytes:
    """The body of a GET of `url`; SourceError, starting with `origin`, when it cannot be had.

    Asked once: a failed download fails the KPIs that read it for this run (ARCHITECTURE.md,
    rule 5), and the next run asks again."""
    auth = None
    if auth_env is not None:
        user, colon, password = read_secret(auth_env, origin).partition(":")
        if not colon:
            raise SourceError(f"{origin}: {auth_env} must hold user:password for basic auth")
        auth = (user, password)
    headers = {header: read_secret(variable, origin) for header, variable in headers_env.items()}
    try:
        # Redirects are followed only without headers_env: requests drops Authorization on a
        # redirect to another host, but would send other headers (an API key) on to it.
        response = requests.get(
            url, auth=auth, headers=headers, timeout=timeout, allow_redirects=not headers
        )
    except requests.Timeout:
        raise SourceError(f"{origin}: no answer within {timeout:g} seconds") from None
    except requests.RequestException as error:
        # The exception's text quotes the whole address, query included: only its kind is said.
        reason = (
            "cannot connect" if isinstance(error, requests.ConnectionError) else "download failed"
        )
        raise SourceError(f"{origin}: {reason} ({type(error).__name__})") from None
    if response.is_redirect:
        raise SourceError(
            f"{origin}: the server redirects elsewhere ({response.status_code}), which is not "
            "followed with headers_env: give the address it leads to"
        )
    if response.status_code != requests.codes.ok:
        hint = " (check the credentials)" if response.status_code in (401, 403) else ""
        raise SourceError(
            f"{origin}: the server answered {response.status_code} {response.reason}{hint}"
        )
    return response.content
