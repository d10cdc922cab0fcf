"""`--data FILE`: the state (watches and space descriptions too) survives a restart, a failed
write leaves neither memory nor file changed, and each record is one JSON document that reads
back as it was."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from confluence_kpi.sandbox import SandboxServer
from confluence_kpi.sandbox.codec import decode, encode, record_key
from confluence_kpi.sandbox.database import Change, Database
from confluence_kpi.sandbox.model import (
    Content,
    Label,
    Property,
    Record,
    Revision,
    Space,
    Version,
    Watch,
)

from .helpers import Api

NO_CHECK = {"X-Atlassian-Token": "no-check"}
WHEN = datetime(2026, 11, 27, 9, 30, 15, 250000, tzinfo=UTC)
STAMP = Version(number=3, when=WHEN, by="alice", message="weekly", minor_edit=True)
PAGE = Content(
    id="65540",
    type="page",
    status="current",
    title="First response time",
    space_key="KPI",
    parent_id="65539",
    ancestor_ids=("65538", "65539"),
    labels=frozenset({"kpi", "kpi-support"}),
    created=WHEN,
    creator="bot",
    version=STAMP,
    last_modified=WHEN,
    body="<p>2 h</p>",
    hidden_from=frozenset({"zoe", "bob"}),
)


def test_state_survives_restart_with_data_file(
    sandbox_factory: Callable[..., SandboxServer], flavour: str, tmp_path: Path
) -> None:
    data = tmp_path / "sandbox.sqlite"
    first = Api(sandbox_factory(flavour=flavour, data=data))
    page = first.create_page("Durable", "<p>kept</p>")
    first.update_page(page, 2, body="<p>kept twice</p>")
    first.post(f"/rest/api/content/{page['id']}/label", json={"name": "kpi"})
    first.post(f"/rest/api/content/{page['id']}/property", json={"key": "memo", "value": [1]})
    first.post(
        f"/rest/api/content/{page['id']}/child/attachment",
        headers=NO_CHECK,
        files={"file": ("a.csv", b"1,2", "text/csv")},
    )
    first.post(f"/rest/api/user/watch/content/{page['id']}", headers=NO_CHECK)
    first.put("/rest/api/space/KPI", json={"description": {"plain": {"value": "Ours"}}})
    trashed = first.create_page("Binned")
    first.delete(f"/rest/api/content/{trashed['id']}")
    first.server.stop()

    second = Api(sandbox_factory(flavour=flavour, data=data))
    expand = "body.storage,version,metadata.labels,metadata.properties.memo"
    got = second.get(f"/rest/api/content/{page['id']}", params={"expand": expand}).json()
    assert got["version"]["number"] == 2
    assert got["body"]["storage"]["value"] == "<p>kept twice</p>"
    assert [x["name"] for x in got["metadata"]["labels"]["results"]] == ["kpi"]
    assert got["metadata"]["properties"]["memo"]["value"] == [1]
    download = second.session.get(
        second.base + f"/download/attachments/{page['id']}/a.csv", timeout=10
    )
    assert download.content == b"1,2"
    watch = second.get(f"/rest/api/user/watch/content/{page['id']}").json()
    assert watch == {"watching": True}
    space = second.get("/rest/api/space/KPI", params={"expand": "description.plain"}).json()
    assert space["description"]["plain"]["value"] == "Ours"
    assert (
        second.get(f"/rest/api/content/{trashed['id']}", params={"status": "trashed"}).status_code
        == 200
    )
    new = second.create_page("After restart")
    assert int(new["id"]) > int(trashed["id"])  # ids keep growing across restarts


def test_a_failed_commit_changes_neither_memory_nor_file(
    sandbox_factory: Callable[..., SandboxServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "sandbox.sqlite"
    api = Api(sandbox_factory(data=data))
    calls = {"n": 0}
    original = Database._apply

    def crash_on_second_change(cur: sqlite3.Cursor, change: Change) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk gone")
        original(cur, change)

    monkeypatch.setattr(Database, "_apply", staticmethod(crash_on_second_change))
    response = api.post(
        "/rest/api/content",
        json={
            "type": "page",
            "title": "Half written",
            "space": {"key": "KPI"},
            "metadata": {"properties": {"memo": {"value": 1}}},
        },
    )
    assert response.status_code == 500
    assert "Traceback" not in response.text
    monkeypatch.undo()
    assert api.get("/rest/api/content", params={"title": "Half written"}).json()["size"] == 0
    api.server.stop()
    again = Api(sandbox_factory(data=data))
    assert again.get("/rest/api/content", params={"title": "Half written"}).json()["size"] == 0


@pytest.mark.parametrize(
    "record",
    [
        Space(id=65537, key="KPI", name="KPIs", homepage_id="65538", description="Ours"),
        PAGE,
        Property(
            id="65541", content_id="65540", key="memo", value={"a": [1, 2.5, None]}, version=STAMP
        ),
        Label(name="kpi", id="65542"),
        Revision(content_id="65540", title="First response", body="<p>3 h</p>", version=STAMP),
        Watch(content_id="65540", user="alice"),
    ],
)
def test_each_kind_of_record_reads_back_from_its_document_as_it_was(record: Record) -> None:
    kind, _ = record_key(record)
    assert decode(kind, encode(record)) == record


def test_a_page_is_stored_as_one_document_with_its_names_sorted() -> None:
    moment = "2026-11-27T09:30:15.250000Z"
    assert json.loads(encode(PAGE)) == {
        "id": "65540",
        "type": "page",
        "status": "current",
        "title": "First response time",
        "space_key": "KPI",
        "parent_id": "65539",
        "ancestor_ids": ["65538", "65539"],
        "labels": ["kpi", "kpi-support"],
        "created": moment,
        "creator": "bot",
        "version": {
            "number": 3,
            "when": moment,
            "by": "alice",
            "message": "weekly",
            "minor_edit": True,
        },
        "last_modified": moment,
        "body": "<p>2 h</p>",
        "hidden_from": ["bob", "zoe"],
        "position": None,
        "media_type": "",
        "file_size": 0,
        "comment": "",
    }


def test_a_document_with_utc_written_as_an_offset_reads_as_the_same_moment() -> None:
    # Data files written before the records were pydantic models hold "+00:00", not "Z".
    document = encode(PAGE).replace("Z", "+00:00")
    assert decode("content", document) == PAGE
