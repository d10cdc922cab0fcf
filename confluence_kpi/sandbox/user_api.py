"""Users and watches: the logged-in user, a user by name, key or account id, and whether a user
watches a piece of content (start and stop watching too).

Each flavour names users its own way: Data Center by `username` or `key`, Cloud by `accountId`
only (its docs say `username` and `key` are "no longer available"; the sandbox refuses them
with a 400 rather than ignore them). A watch is stored like any record, so a data file keeps
it. Starting or stopping a watch needs the `X-Atlassian-Token: no-check` header, as Cloud's
docs say of both; Data Center's docs are silent ([UNVERIFIED]: the sandbox asks it of both)."""

from __future__ import annotations

from confluence_kpi.sandbox import lookup
from confluence_kpi.sandbox.errors import PlainError, bad_request, not_found
from confluence_kpi.sandbox.messages import Response
from confluence_kpi.sandbox.model import Watch
from confluence_kpi.sandbox.render import account_id, user_key
from confluence_kpi.sandbox.routes import Call, Router

WATCH = "/rest/api/user/watch/content/{contentId}"


def register(router: Router) -> None:
    """Adds the user and watch routes."""
    router.add("GET", "/rest/api/user/current", current_user)
    router.add("GET", "/rest/api/user", get_user)
    router.add("GET", WATCH, is_watching)
    router.add("POST", WATCH, start_watching)
    router.add("DELETE", WATCH, stop_watching)


def current_user(call: Call) -> Response:
    """`GET /user/current`: whoever the credentials prove."""
    return _user(call, call.user.name)


def get_user(call: Call) -> Response:
    """`GET /user?username=|key=` (Data Center) or `?accountId=` (Cloud); 404 when unknown."""
    name = _named_user(call)
    if name is None:
        wanted = "accountId" if call.services.flavour == "cloud" else "username or key"
        raise bad_request(f"A user must be named: give {wanted}")
    return _user(call, name)


def is_watching(call: Call) -> Response:
    """`GET /user/watch/content/{contentId}`: `{"watching": bool}` for the named user, or the
    caller."""
    watch = _watch(call)
    with call.services.store.reading() as state:
        lookup.content(state, watch.content_id, call.user)
        return Response.json(200, {"watching": watch in state.watches})


def start_watching(call: Call) -> Response:
    """`POST /user/watch/content/{contentId}`: 204, watching (again) or not before."""
    watch = _checked_watch(call)
    with call.services.store.writing() as txn:
        lookup.content(txn.state, watch.content_id, call.user)
        if watch not in txn.state.watches:
            txn.put(watch)
    return Response.no_content()


def stop_watching(call: Call) -> Response:
    """`DELETE /user/watch/content/{contentId}`: 204, whether or not the user was watching."""
    watch = _checked_watch(call)
    with call.services.store.writing() as txn:
        lookup.content(txn.state, watch.content_id, call.user)
        if watch in txn.state.watches:
            txn.delete(watch)
    return Response.no_content()


def _user(call: Call, name: str) -> Response:
    renderer = call.services.renderer
    out = renderer.user(name)
    links = renderer.top_links(call.request.path)
    out["_links"].update(base=links["base"], context=links["context"])
    return Response.json(200, out)


def _checked_watch(call: Call) -> Watch:
    if call.request.header("x-atlassian-token").lower() != "no-check":
        raise PlainError(403, "XSRF check failed")
    return _watch(call)


def _watch(call: Call) -> Watch:
    """The watch the path and query name: of the content, by the named user or the caller."""
    content_id = call.params["contentId"].removeprefix("att")
    return Watch(content_id=content_id, user=_named_user(call) or call.user.name)


def _named_user(call: Call) -> str | None:
    """The user the query names in the flavour's terms, None when it names none; 404 for one
    the sandbox does not know."""
    request = call.request
    if call.services.flavour == "cloud":
        if request.param("username") or request.param("key"):
            raise bad_request(
                "The username and key parameters are no longer available: use accountId"
            )
        wanted = {"accountId": request.param("accountId")}
    else:
        wanted = {"username": request.param("username"), "key": request.param("key")}
    given = {param: value for param, value in wanted.items() if value}
    if not given:
        return None
    for user in call.services.directory.users():
        ids = {
            "username": user.name,
            "key": user_key(user.name),
            "accountId": account_id(user.name),
        }
        if all(ids[param] == value for param, value in given.items()):
            return user.name
    described = ", ".join(f"{param} {value}" for param, value in given.items())
    raise not_found(f"No user found with {described}")
