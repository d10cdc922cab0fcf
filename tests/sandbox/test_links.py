"""Every link the sandbox hands out leads somewhere: each `_links` and `_expandable` value in the
answers for a page, a space, an attachment, a property, labels and a search is fetched and must
not be a 404 or a 405. Links are relative to `base`, save absolute ones and `context`, which is
relative to the site; an empty `_expandable` value means "expand me in place", not a link."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from .helpers import Api

NO_CHECK = {"X-Atlassian-Token": "no-check"}


def _links(value: Any) -> Iterator[tuple[str, str]]:
    """Every (key, link) under a `_links` or `_expandable` object, at any depth."""
    if isinstance(value, list):
        for item in value:
            yield from _links(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in ("_links", "_expandable") and isinstance(item, dict):
                yield from ((k, v) for k, v in item.items() if isinstance(v, str) and v)
            else:
                yield from _links(item)


def _address(api: Api, key: str, link: str) -> str:
    if link.startswith("http"):
        return link
    if key == "context":
        return api.server.url + link
    return api.base + link


def _answers(api: Api) -> list[Any]:
    page = api.create_page("Linked", "<p>x</p>")
    child = api.create_page("Child", parent=page["id"])
    api.post(f"/rest/api/content/{page['id']}/label", json={"name": "kpi"})
    api.post(f"/rest/api/content/{page['id']}/property", json={"key": "memo", "value": 1})
    uploaded = api.post(
        f"/rest/api/content/{page['id']}/child/attachment",
        headers=NO_CHECK,
        files={"file": ("kpi.csv", b"a,b\n", "text/csv")},
    ).json()
    content = f"/rest/api/content/{page['id']}"
    everything = "body.storage,history,version,ancestors,container,metadata.labels,children.page"
    return [
        api.get(content).json(),
        api.get(content, params={"expand": everything}).json(),
        api.get(f"/rest/api/content/{child['id']}", params={"expand": "ancestors"}).json(),
        api.get("/rest/api/space/KPI", params={"expand": "homepage"}).json(),
        api.get("/rest/api/space").json(),
        uploaded,
        api.get(f"{content}/child/attachment").json(),
        api.get(f"/rest/api/content/{uploaded['results'][0]['id']}").json(),
        api.get(f"{content}/property/memo").json(),
        api.get(f"{content}/property").json(),
        api.get(f"{content}/label").json(),
        api.get("/rest/api/content/search", params={"cql": "label = kpi", "limit": 1}).json(),
        api.get("/rest/api/search", params={"cql": "type = page", "limit": 1}).json(),
        api.get(f"{content}/child").json(),
        api.get(f"{content}/descendant").json(),
        api.get(f"{content}/restriction/byOperation").json(),
        api.get("/rest/api/user/current").json(),
    ]


def test_every_link_in_the_answers_is_served(api: Api) -> None:
    links = {(key, link) for answer in _answers(api) for key, link in _links(answer)}
    keys = {key for key, _ in links}
    assert {"self", "webui", "tinyui", "download", "children", "descendants"} <= keys
    assert {"next", "homepage", "container", "space", "history", "labels", "content"} <= keys
    broken = []
    for key, link in sorted(links):
        address = _address(api, key, link)
        status = api.session.get(address, timeout=10).status_code
        if status in (404, 405):
            broken.append(f"{key}: {urlsplit(address).path}?{urlsplit(address).query} {status}")
    assert not broken, "\n".join(broken)
