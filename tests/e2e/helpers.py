"""What the end-to-end tests drive and look through: the wiki seen over its REST API and
control surface, the `confluence-kpi` CLI run in-process, and a CSV cell changed in place."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import pytest
import requests

import confluence_kpi
from confluence_kpi.cli import main
from confluence_kpi.sandbox import SandboxServer

AS_OF = "2026-11-28T07:00"  # the small catalog's data ends in November 2026
SPACE = "KPI"
ADMIN = ("admin", "admin")
PROPERTY = "confluence-kpi"
WRITE_METHODS = ("POST", "PUT", "DELETE")
# The CLI's login in the end-to-end tests: a user the `cli` fixture adds to the sandbox, with a
# token unique to this test session, so that it can be searched for in everything shown.
BOT_LOGIN = ("kpi-sync", f"tok-{secrets.token_hex(12)}")
# Secrets no output, log or page may show (ARCHITECTURE.md, rule 10), and every output a
# test saw since the last scan: conftest.py's `no_secret_shown` checks one against the other.
PLANTED: set[str] = {BOT_LOGIN[1]}
SHOWN: list[str] = []


@dataclass(frozen=True)
class Expected:
    """A page the small catalog calls for: its title, kind label and parent ("kind id")."""

    title: str
    label: str
    parent: str | None  # None: the space's home page


# tests/e2e/catalogs/small.yaml's pages, by "kind id" as the JSON report names them.
SMALL_PAGES = {
    "root root": Expected("E2E KPI handbook", "kpi-root", None),
    "team ops": Expected("Team: Operations", "kpi-team", "root root"),
    "team sales": Expected("Team: Sales", "kpi-team", "root root"),
    "goal reliable-platform": Expected(
        "Goal: Keep monthly uptime at 99.5 % or more through 2027", "kpi-goal", "team ops"
    ),
    "goal more-deals": Expected(
        "Goal: Win 30 deals a month by the end of 2027", "kpi-goal", "team sales"
    ),
    "kpi uptime": Expected("KPI: Uptime", "kpi", "team ops"),
    "kpi tickets": Expected("KPI: Support tickets", "kpi", "team ops"),
    "kpi deals-won": Expected("KPI: Deals won", "kpi", "team sales"),
}
# What a lower November uptime (99.9 -> 97.0: on track -> at risk) touches: the KPI, the goal
# and team that show it, and the root page, whose status counts per team change.
UPTIME_DEPENDENTS = {"kpi uptime", "goal reliable-platform", "team ops", "root root"}


# The routes a sync uses, by what they do, as each REST API names them in `/_sandbox/stats`.
ROUTES = {
    "v1": {
        "space": "GET /rest/api/space/{key}",
        "listing": "GET /rest/api/content/search",
        "read": "GET /rest/api/content/{id}",
        "update": "PUT /rest/api/content/{id}",
        "create": "POST /rest/api/content",
        "memory": "PUT /rest/api/content/{id}/property/{key}",
    },
    "v2": {
        "space": "GET /api/v2/spaces",
        "listing": "GET /rest/api/content/search",
        "read": "GET /api/v2/pages/{id}",
        "update": "PUT /api/v2/pages/{id}",
        "create": "POST /api/v2/pages",
        "memory": "PUT /api/v2/pages/{id}/properties/{property_id}",
    },
}
# Where a page lives in each API, for fault rules aimed at it.
PAGES = {"v1": "/rest/api/content", "v2": "/api/v2/pages"}


class Wiki:
    """One sandbox seen through its REST API (as admin) and its `/_sandbox` control surface;
    `api` is the REST API the bot speaks to it, for naming the routes it uses."""

    def __init__(self, server: SandboxServer, api: str = "v1") -> None:
        self.server = server
        self.api = api
        self.session = requests.Session()
        self.session.auth = ADMIN

    # -- the REST API, as people and scripts use it -------------------------------------------

    def get(self, path: str, **params: Any) -> Any:
        """GET `path` (relative to the base URL) and return its JSON; fails on an error."""
        response = self.session.get(self.server.base_url + path, params=params, timeout=10)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return response.json()

    def pages(self) -> list[dict[str, Any]]:
        """Every current page of the space, with version, ancestors, labels and the bot's
        property; the content listing, not CQL, so nothing written a moment ago is missed."""
        answer = self.get(
            "/rest/api/content",
            spaceKey=SPACE,
            type="page",
            limit=200,
            expand=f"version,ancestors,metadata.labels,metadata.properties.{PROPERTY}",
        )
        assert "next" not in answer["_links"], "more pages than one listing holds"
        found: list[dict[str, Any]] = answer["results"]
        return found

    def titles(self) -> Counter[str]:
        """How many pages carry each title (a duplicate shows as a count above one)."""
        return Counter(page["title"] for page in self.pages())

    def versions(self) -> dict[str, int]:
        """Each page's version number, by title."""
        return {page["title"]: page["version"]["number"] for page in self.pages()}

    def page_id(self, title: str) -> str:
        """The id of the one page with this title."""
        (page,) = self.get("/rest/api/content", spaceKey=SPACE, title=title)["results"]
        return str(page["id"])

    def body(self, title: str) -> str:
        """The storage-format body of the page with this title."""
        page = self.get(f"/rest/api/content/{self.page_id(title)}", expand="body.storage")
        return str(page["body"]["storage"]["value"])

    def page(self, title: str) -> dict[str, Any]:
        """The page with this title: body, version, ancestors, labels and the bot's property."""
        return dict(
            self.get(
                f"/rest/api/content/{self.page_id(title)}",
                expand="body.storage,version,ancestors,metadata.labels,"
                f"metadata.properties.{PROPERTY}",
            )
        )

    def labels(self, title: str) -> set[str]:
        """The labels of the page with this title."""
        return {label["name"] for label in self.page(title)["metadata"]["labels"]["results"]}

    def memory(self, title: str) -> dict[str, Any]:
        """The bot's memory of the page with this title (its content property's value)."""
        value: dict[str, Any] = self.page(title)["metadata"]["properties"][PROPERTY]["value"]
        return value

    def set_memory(self, title: str, value: dict[str, Any]) -> None:
        """Write the bot's property of the page with this title, as another program would."""
        prop = self.page(title)["metadata"]["properties"][PROPERTY]
        url = f"{self.server.base_url}/rest/api/content/{self.page_id(title)}/property/{PROPERTY}"
        payload = {
            "key": PROPERTY,
            "value": value,
            "version": {"number": prop["version"]["number"] + 1},
        }
        response = self.session.put(url, json=payload, timeout=10)
        assert response.status_code == 200, response.text

    def parent_title(self, title: str) -> str:
        """The title of the page's parent."""
        return str(self.page(title)["ancestors"][-1]["title"])

    def edit(
        self,
        title: str,
        change: Callable[[str], str] = lambda body: body,
        *,
        new_title: str | None = None,
        parent: str | None = None,
    ) -> None:
        """Save a new version of a page as an editor does: read body and version, PUT + 1;
        optionally renamed to `new_title` and moved under the page titled `parent`."""
        page_id = self.page_id(title)
        page = self.get(f"/rest/api/content/{page_id}", expand="body.storage,version")
        payload: dict[str, Any] = {
            "id": page_id,
            "type": "page",
            "title": new_title or page["title"],
            "version": {"number": page["version"]["number"] + 1},
            "body": {
                "storage": {
                    "value": change(page["body"]["storage"]["value"]),
                    "representation": "storage",
                }
            },
        }
        if parent is not None:
            payload["ancestors"] = [{"id": self.page_id(parent)}]
        response = self.session.put(
            f"{self.server.base_url}/rest/api/content/{page_id}", json=payload, timeout=10
        )
        assert response.status_code == 200, response.text

    def create(self, title: str, body: str, parent: str | None = None) -> dict[str, Any]:
        """A page a person makes in the space (under the home page, or the page `parent`)."""
        payload: dict[str, Any] = {
            "type": "page",
            "title": title,
            "space": {"key": SPACE},
            "body": {"storage": {"value": body, "representation": "storage"}},
        }
        if parent is not None:
            payload["ancestors"] = [{"id": self.page_id(parent)}]
        response = self.session.post(
            f"{self.server.base_url}/rest/api/content", json=payload, timeout=10
        )
        assert response.status_code == 200, response.text
        created: dict[str, Any] = response.json()
        return created

    def remove_label(self, title: str, label: str) -> None:
        """Take a label off a page, as a person does in the labels dialog."""
        url = f"{self.server.base_url}/rest/api/content/{self.page_id(title)}/label/{label}"
        response = self.session.delete(url, timeout=10)
        assert response.status_code == 204, response.text

    def delete(self, title: str) -> None:
        """Delete a page (Confluence moves it to the space's trash)."""
        url = f"{self.server.base_url}/rest/api/content/{self.page_id(title)}"
        response = self.session.delete(url, timeout=10)
        assert response.status_code == 204, response.text

    # -- the control surface --------------------------------------------------------------------

    def hide(self, title: str, *, from_user: str) -> None:
        """Restrict the page so that `from_user` can no longer see it (a space admin's act)."""
        payload = {"content_id": self.page_id(title), "hidden_from": [from_user]}
        self._control("POST", "/restrictions", payload)

    def _control(self, method: str, path: str, payload: Any = None) -> Any:
        response = requests.request(
            method, f"{self.server.url}/_sandbox{path}", json=payload, timeout=10
        )
        assert response.ok, f"{method} /_sandbox{path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def stats(self) -> dict[str, Any]:
        """`{"total", "by_method", "by_route"}` since the last reset."""
        return dict(self._control("GET", "/stats"))

    def reset_stats(self) -> None:
        self._control("POST", "/stats/reset")

    def route(self, name: str) -> str:
        """The route of one of ROUTES' names ("update", "read", ...) in the bot's API."""
        return ROUTES[self.api][name]

    def page_path(self, title: str) -> str:
        """The page's path in the bot's API, as fault rules match it."""
        return f"{PAGES[self.api]}/{self.page_id(title)}"

    def routes(self) -> dict[str, int]:
        """Requests since the last reset by "METHOD /route/{template}"."""
        by_route: dict[str, int] = self.stats()["by_route"]
        return by_route

    def writes(self) -> dict[str, int]:
        """POST, PUT and DELETE requests since the last reset (only those that happened)."""
        by_method: dict[str, int] = self.stats()["by_method"]
        return {method: n for method, n in by_method.items() if method in WRITE_METHODS}

    def inject(self, *rules: dict[str, Any]) -> None:
        """Install fault rules (replacing any before)."""
        self._control("POST", "/faults", {"rules": list(rules)})

    def clear_faults(self) -> None:
        self._control("DELETE", "/faults")

    def active_faults(self) -> list[dict[str, Any]]:
        """The rules still installed (a rule with a count is gone once it has fired that often)."""
        rules: list[dict[str, Any]] = self._control("GET", "/faults")["rules"]
        return rules


@dataclass(frozen=True)
class Run:
    """One CLI invocation's exit code and output."""

    code: int
    out: str
    err: str

    def __post_init__(self) -> None:
        SHOWN.extend((self.out, self.err))  # every run's output is scanned for secrets

    def json(self) -> dict[str, Any]:
        """The `--report json` output."""
        data: dict[str, Any] = json.loads(self.out)
        return data

    def actions(self) -> dict[str, str]:
        """Each page's action in the JSON report, by "kind id"."""
        return {f"{p['kind']} {p['id']}": p["action"] for p in self.json()["pages"]}

    def reasons(self) -> dict[str, str]:
        """Each page's reason in the JSON report, by "kind id"."""
        return {f"{p['kind']} {p['id']}": p["reason"] for p in self.json()["pages"]}

    def edits(self) -> dict[tuple[str, str], str]:
        """The report's taken-over edits: origin by ("kind id", field)."""
        return {(f"{e['kind']} {e['id']}", e["field"]): e["origin"] for e in self.json()["edits"]}


class Cli:
    """`confluence-kpi` run in-process with a controlled environment; `catalog` is what
    `sync` syncs (a test may point it elsewhere)."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], catalog: Path
    ) -> None:
        self._monkeypatch = monkeypatch
        self._capsys = capsys
        self.catalog = catalog

    def env(self, **variables: str | None) -> None:
        """Set (or, with None, remove) environment variables for the following runs."""
        for name, value in variables.items():
            if value is None:
                self._monkeypatch.delenv(name, raising=False)
            else:
                self._monkeypatch.setenv(name, value)
        if variables.get("CONFLUENCE_URL"):
            enrol(str(variables["CONFLUENCE_URL"]))

    def __call__(self, *argv: str) -> Run:
        """Run the CLI with these arguments, exactly."""
        SHOWN.append(str(self._capsys.readouterr()))  # output from before this run
        PLANTED.update(
            value
            for name, value in os.environ.items()
            if re.search("TOKEN|PASSWORD|SECRET|PAT$", name) and len(value) >= 12
        )
        code = main(list(argv))
        captured = self._capsys.readouterr()
        return Run(code, captured.out, captured.err)

    def sync(self, *options: str) -> Run:
        """`sync` of the test's catalog as of AS_OF, with extra options."""
        return self("sync", *self._sync_arguments(options))

    def spawn(self, *options: str) -> subprocess.Popen[str]:
        """`sync` as its own process, with extra options; `finish` waits for it."""
        return self.spawn_command("sync", *self._sync_arguments(options))

    def spawn_command(
        self, *argv: str, stderr: IO[str] | int = subprocess.PIPE
    ) -> subprocess.Popen[str]:
        """`confluence-kpi ARGV` as its own process (`python -m confluence_kpi`), as a
        container runs it, with the environment set so far; its log to `stderr`."""
        package_root = Path(confluence_kpi.__file__).resolve().parent.parent
        environment = dict(os.environ, PYTHONPATH=str(package_root))
        return subprocess.Popen(
            [sys.executable, "-m", "confluence_kpi", *argv],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )

    def _sync_arguments(self, options: tuple[str, ...]) -> list[str]:
        return ["--config", str(self.catalog), "--as-of", AS_OF, *options]


def finish(process: subprocess.Popen[str], timeout: float = 60) -> Run:
    """Wait for a spawned `sync` and collect its exit code and output."""
    out, err = process.communicate(timeout=timeout)
    return Run(process.returncode, out, err)


def enrol(url: str) -> None:
    """Lets BOT_LOGIN log in to the sandbox at `url`, when a sandbox answers there (a test may
    point the CLI at a sandbox of its own, or at an address where nothing answers)."""
    root = urlsplit(url)
    user = {"name": BOT_LOGIN[0], "secret": BOT_LOGIN[1]}
    with contextlib.suppress(requests.RequestException):
        requests.post(f"{root.scheme}://{root.netloc}/_sandbox/users", json=user, timeout=5)


def leaks(texts: list[str], planted: set[str]) -> list[str]:
    """Where a planted secret shows in the texts: a line per text that holds one."""
    return [
        f"a secret shows in: {text[:200]!r}"
        for text in texts
        if any(secret in text for secret in planted)
    ]


def lower_november_uptime(csv_file: Path) -> None:
    """Make the uptime KPI's current month 97.0 %: on track becomes at risk."""
    set_csv_value(csv_file, "2026-11-01", "uptime", "97.0")


def set_csv_value(csv_file: Path, month: str, column: str, value: str) -> None:
    """Change one cell of a CSV source: the row whose first cell is `month`, in `column`."""
    lines = csv_file.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    at = header.index(column)
    for index, line in enumerate(lines):
        cells = line.split(",")
        if cells[0] == month:
            cells[at] = value
            lines[index] = ",".join(cells)
            break
    else:
        raise AssertionError(f"{csv_file} has no row for {month}")
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")


def add_kpi(catalog: Path, source: str, kpi: str) -> None:
    """A source (one `name: {...}` line) and a KPI (YAML lines of one list item) added to the
    small catalog, whose KPI list comes last."""
    text = catalog.read_text(encoding="utf-8")
    text = text.replace("sources:\n", f"sources:\n  {source}\n", 1)
    catalog.write_text(text + kpi, encoding="utf-8")


def replace_once(body: str, old: str, new: str) -> str:
    """`body` with its one occurrence of `old` replaced: an editor's change to one spot."""
    assert body.count(old) == 1, f"{old!r} occurs {body.count(old)} times"
    return body.replace(old, new)


def set_row(body: str, header: str, cell: str) -> str:
    """`body` with the value cell of the Page Properties row headed `header` holding `cell`
    (markup) in a paragraph, as a person types over it."""
    row = re.compile(r"(<tr><th><p>" + re.escape(header) + r"</p></th>)<td>.*?</td>", re.S)
    edited, found = row.subn(lambda m: f"{m.group(1)}<td><p>{cell}</p></td>", body, count=1)
    assert found == 1, f"no row {header!r}"
    return edited


def row_markup(body: str, header: str) -> str:
    """The whole Page Properties row headed `header`, as stored."""
    found = re.search(
        r"<tr><th><p>" + re.escape(header) + r"</p></th><td>.*?</td></tr>", body, re.S
    )
    assert found is not None, f"no row {header!r}"
    return found.group(0)


def row(body: str, header: str) -> str:
    """The markup inside the value cell of the first row headed `header`."""
    found = re.search(r"<tr><th><p>" + re.escape(header) + r"</p></th><td>(.*?)</td>", body, re.S)
    assert found is not None, f"no row {header!r}"
    return found.group(1)


def edit_catalog(catalog: Path, old: str, new: str) -> None:
    """Change one spot of the catalog YAML, as an admin does in the file."""
    catalog.write_text(replace_once(catalog.read_text(encoding="utf-8"), old, new), "utf-8")


def chart_series(body: str) -> dict[str, list[tuple[str, str]]]:
    """The series of the page's chart by name: each table of the time-series chart macro, as
    (day, value) rows (whatever attributes the editor gave the cells)."""
    start = body.index('ac:name="chart"')
    chart = body[start : body.index("</ac:structured-macro>", start)]
    cell = r"<t[hd][^>]*>\s*<p[^>]*>(.*?)</p>\s*</t[hd]>"
    series = {}
    for table in re.findall(r"<table[^>]*>.*?</table>", chart, re.S):
        rows = re.findall(rf"<tr[^>]*>\s*{cell}\s*{cell}\s*</tr>", table, re.S)
        series[rows[0][1]] = rows[1:]
    return series
