"""Writes are atomic: racing clients get one success and 409s, never a lost or skipped version."""

from __future__ import annotations

import threading

import requests

from .helpers import Api


def test_racing_updates_give_one_success_and_one_409(api: Api) -> None:
    page = api.create_page("Raced")
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def update(body: str) -> None:
        client = Api(api.server)
        barrier.wait()
        statuses.append(client.update_page(page, 2, body=f"<p>{body}</p>").status_code)

    threads = [threading.Thread(target=update, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    got = api.get(f"/rest/api/content/{page['id']}", params={"expand": "version"}).json()
    assert got["version"]["number"] == 2


def test_many_writers_never_skip_or_lose_a_version(api: Api) -> None:
    page = api.create_page("Counter")
    successes: list[int] = []
    lock = threading.Lock()

    def writer() -> None:
        client = Api(api.server)
        for _ in range(15):
            current = client.get(f"/rest/api/content/{page['id']}").json()["version"]["number"]
            response = client.update_page(page, current + 1)
            if response.status_code == 200:
                with lock:
                    successes.append(response.json()["version"]["number"])
            else:
                assert response.status_code == 409

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(successes) == list(range(2, 2 + len(successes)))
    final = api.get(f"/rest/api/content/{page['id']}").json()["version"]["number"]
    assert final == 1 + len(successes)


def test_keep_alive_connection_is_reused(api: Api) -> None:
    session = requests.Session()
    session.auth = ("admin", "admin")
    connections = []
    for _ in range(3):
        response = session.get(api.base + "/rest/api/space/KPI", timeout=10, stream=True)
        assert response.raw.version == 11
        connections.append(response.raw.connection)
        response.content  # noqa: B018 - read it so the connection goes back to the pool
    assert connections[0] is not None
    assert all(c is connections[0] for c in connections)
