"""Reliability soak, run by hand: many `confluence-kpi sync` runs against a sandbox that fails
in every way we know (5xx, 429 with every form of Retry-After, connections dropped before and
after writes, answers slower than the timeout, restarts), while a simulated team edits the pages
between runs and during them, and the data source changes and fails. After every run it checks
that nothing people wrote was lost or doubled, no page exists twice, nothing crashed and the
exit code says what the report says; once the faults stop, the next run converges, the one
after it writes nothing, and (every `--compare-every` runs) the pages equal a fresh sync's.

Run: .venv/bin/python tests/benchmarks/soak.py [--runs 500] [--seed 1] [--compare-every 10]
     [--site dc|cloud-v2]
Every choice comes from random.Random(seed), so a failing run is replayed with the command it
prints; only the moment a concurrent edit or restart lands depends on the machine's timing.

The CLI runs in-process (`confluence_kpi.cli.main`, stdout, stderr and exit code captured): a
run takes ~30 ms there against ~1.5 s as a subprocess, mostly interpreter start-up. In-process
also lets the soak stand in for the transport's sleep: every wait the bot asks for is recorded
and checked against its cap, then slept for at most a fifth of a second, so an absurd
Retry-After costs the soak no minute.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import html
import inspect
import io
import json
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import requests

import confluence_kpi.runner
from confluence_kpi.cli import main
from confluence_kpi.confluence import Transport
from confluence_kpi.confluence.rate_limit import RateLimiter
from confluence_kpi.pages.canonical import canonical
from confluence_kpi.sandbox import SandboxConfig, SandboxServer
from confluence_kpi.sandbox.config import Flavour

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "tests" / "e2e" / "catalogs"
AS_OF = "2026-11-28T07:00"  # the small catalog's data ends in November 2026
SPACE = "KPI"
ADMIN = ("admin", "admin")
PROPERTY = "confluence-kpi"
PAGES = "/rest/api/content"  # where people's browsers find a page (v1, on every site)


@dataclass(frozen=True)
class Site:
    """A kind of site the bot meets: the sandbox flavour, the REST API the bot speaks to it,
    and the paths of that API's requests, as fault rules match them (no context path)."""

    flavour: Flavour
    api: str
    space: str
    pages: str  # a page is pages/ID
    properties: str  # a page's property is pages/ID/properties


SITES = {
    "dc": Site("dc", "v1", "/rest/api/space/*", PAGES, "property"),
    "cloud-v2": Site("cloud", "v2", "/api/v2/spaces", "/api/v2/pages", "properties"),
}
WRITE_METHODS = ("POST", "PUT", "DELETE")
TIMEOUT = 1.0  # CONFLUENCE_TIMEOUT: an answer slower than this is a timeout
SLOW_MS = 1300  # injected latency beyond TIMEOUT
MAX_REAL_SLEEP = 0.2  # what the soak really sleeps of a wait the bot asks for
# The transport's cap on a wait a server asks for: an absurd Retry-After waits this long.
MAX_RETRY_AFTER: float = inspect.signature(Transport).parameters["max_retry_after"].default
# The small catalog's KPI deals-won typed into its page (manual) instead of listed.
STATIC_VALUES = """    source: manual
    values:
      - {date: 2026-09-15, value: 20}
      - {date: 2026-10-15, value: 22}
      - {date: 2026-11-15, value: 24}
"""
MANUAL = ("kpi", "deals-won")
MONTHS = [f"2026-{month:02d}" for month in range(1, 12)]
# Team-editable fields (README, "Editing the pages") the team types, with values the page
# language reads, by page key; what each row shows afterwards must be the latest one typed.
PEOPLE_FIELDS: dict[tuple[str, str], dict[str, list[str]]] = {
    ("kpi", "uptime"): {
        "Target": ["≥ 99.95 %", "≥ 99.80 %", "≥ 99.50 %", "≥ 99.00 %"],
        "Owner": ["Alex Oncall", "Pat Ops", "Kim Night"],
    },
    ("kpi", "tickets"): {"Owner": ["Jo Desk", "Pat Ops"]},
    ("kpi", "deals-won"): {"Owner": ["Sam Sales", "Lee Closer"]},
    ("goal", "reliable-platform"): {
        "Owner": ["Pat Ops", "Robin Chief"],
        "Deadline": ['<time datetime="2028-06-30" />', '<time datetime="2027-12-31" />'],
    },
    ("goal", "more-deals"): {"Owner": ["Sam Sales", "Dana Lead"]},
}
# Where a person may add a paragraph between the bot's sections, by page kind.
BETWEEN = {
    "kpi": "<h2>Definition</h2>",
    "goal": "<h2>KPIs</h2>",
    "team": "<h2>KPIs and goals</h2>",
    "root": "<h2>All KPIs</h2>",
}
NOTES = "<h2>Notes</h2>"
FREE_ROW = re.compile(
    r"<tr><td>(?:<p />|<p>(?:<ac:placeholder>[^<]*</ac:placeholder>)?</p>)</td>.*?</tr>"
)
TRACEBACK = "Traceback (most recent call last)"
# Settings the soak does not set: a developer's own environment must not leak into it.
UNSET = (
    "CONFLUENCE_PAT",
    "CONFLUENCE_SPACE",
    "KPI_CONFIG",
    "CONFLUENCE_VERIFY_TLS",
    "CONFLUENCE_MAX_RETRIES",
    "KPI_HEARTBEAT_FILE",
    "KPI_HEALTH_GRACE",
    "KPI_LEASE_SECONDS",
    "KPI_SOURCE_WORKERS",
)

# What a dropped connection or a restart does to a request of the team's.
CUT = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)
Key = tuple[str, str]  # (kind, id) of a bot page, from its content property


def row_pattern(header: str) -> re.Pattern[str]:
    """The Page Properties row headed `header`: its heading and its value cell."""
    return re.compile(r"(<tr><th><p>" + re.escape(header) + r"</p></th>)<td>(.*?)</td>", re.S)


def same_markup(left: str, right: str) -> bool:
    """Whether two storage-format snippets say the same (as the bot compares pages)."""
    return canonical(left) == canonical(right)


# -- the wiki as the team sees it -------------------------------------------------------------


class Wiki:
    """The sandbox through its REST API as a person's browser uses it, and its control surface.
    Connection errors (a restart under way) and version conflicts (the bot saved first) are
    tried again, as a person reloads and types again."""

    def __init__(self, server: SandboxServer) -> None:
        self.base_url = server.base_url
        self.url = server.url
        self.session = requests.Session()
        self.session.auth = ADMIN

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One request, repeated while the sandbox is away, throttles or fails (its injected
        faults meet the team too); only for requests that are safe to repeat."""
        for _ in range(100):
            try:
                answer = self.session.request(method, self.base_url + path, timeout=10, **kwargs)
            except CUT:
                time.sleep(0.05)
                continue
            if answer.status_code != 429 and answer.status_code < 500:
                return answer
            time.sleep(0.01)
        raise RuntimeError(f"the sandbox does not answer {method} {path}")

    def _put(self, path: str, payload: dict[str, Any]) -> requests.Response | None:
        """A PUT as sent once; None when it failed without an answer saying how."""
        try:
            answer = self.session.put(self.base_url + path, json=payload, timeout=10)
        except CUT:
            return None
        return None if answer.status_code == 429 or answer.status_code >= 500 else answer

    def pages(self) -> list[dict[str, Any]]:
        """Every current page of the space, with title, ancestors, labels and bot property."""
        answer = self._request(
            "GET",
            PAGES,
            params={
                "spaceKey": SPACE,
                "type": "page",
                "limit": 200,
                "expand": f"version,ancestors,metadata.labels,metadata.properties.{PROPERTY}",
            },
        )
        answer.raise_for_status()
        found: list[dict[str, Any]] = answer.json()["results"]
        return found

    def bot_pages(self) -> tuple[dict[Key, dict[str, Any]], list[Key]]:
        """The bot's pages by key, and the keys more than one page claims."""
        by_key: dict[Key, dict[str, Any]] = {}
        doubled: list[Key] = []
        for page in self.pages():
            prop = page["metadata"].get("properties", {}).get(PROPERTY)
            if not prop:
                continue
            key = (str(prop["value"].get("kind")), str(prop["value"].get("id")))
            if key in by_key:
                doubled.append(key)
            by_key[key] = page
        return by_key, doubled

    def body(self, page_id: str) -> str:
        answer = self._request("GET", f"{PAGES}/{page_id}", params={"expand": "body.storage"})
        answer.raise_for_status()
        return str(answer.json()["body"]["storage"]["value"])

    def edit(
        self,
        page_id: str,
        change: Callable[[str], str | None],
        *,
        title: Callable[[str], str] = lambda old: old,
        parent: str | None = None,
    ) -> bool:
        """Save a new version as an editor does (read body and version, PUT + 1); False when
        `change` finds nothing to change or the page is gone."""
        sent: dict[str, Any] | None = None
        for _ in range(50):
            read = self._request(
                "GET", f"{PAGES}/{page_id}", params={"expand": "body.storage,version"}
            )
            if read.status_code == 404:
                return False
            read.raise_for_status()
            page = read.json()
            stored = page["body"]["storage"]["value"]
            if sent is not None and _landed(page, sent):
                return True  # the save whose answer got lost did land
            new_body = change(stored)
            if new_body is None:
                return False
            sent = {
                "id": page_id,
                "type": "page",
                "title": title(page["title"]),
                "version": {"number": page["version"]["number"] + 1},
                "body": {"storage": {"value": new_body, "representation": "storage"}},
            }
            if parent is not None:
                sent["ancestors"] = [{"id": parent}]
            saved = self._put(f"{PAGES}/{page_id}", sent)
            if saved is None or saved.status_code == 409:  # lost, or the bot saved first
                continue
            if saved.status_code == 400 and parent is not None:
                return False  # a move Confluence refuses (under the page's own child)
            saved.raise_for_status()
            return True
        raise RuntimeError(f"page {page_id}: fifty failed saves in a row")

    def remove_label(self, page_id: str, label: str) -> None:
        self._request("DELETE", f"{PAGES}/{page_id}/label/{label}")

    def delete(self, page_id: str) -> None:
        self._request("DELETE", f"{PAGES}/{page_id}")

    def control(self, method: str, path: str, payload: Any = None) -> Any:
        answer = requests.request(method, f"{self.url}/_sandbox{path}", json=payload, timeout=10)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def close(self) -> None:
        self.session.close()


# -- the simulated team -----------------------------------------------------------------------


@dataclass
class Team:
    """People working on the pages: every edit they make is remembered with what the page
    must show for it from then on."""

    rng: random.Random
    wiki: Wiki
    made: Counter[str] = field(default_factory=Counter)
    # A piece of text people wrote (a note, a paragraph, a manual row) -> the page it is on;
    # each must be on that page exactly once.
    texts: dict[str, Key] = field(default_factory=dict)
    fields: dict[tuple[Key, str], str] = field(default_factory=dict)  # latest typed value
    overwritten: dict[tuple[Key, str], str] = field(default_factory=dict)  # bot fields people typed
    titles: dict[Key, str] = field(default_factory=dict)  # the latest rename
    months: set[str] = field(default_factory=set)  # manual rows typed
    serial: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def token(self, what: str) -> str:
        with self.lock:
            self.serial += 1
            return f"[soak-{what}-{self.serial}]"

    def forget(self, key: Key) -> None:
        """The page was deleted: what was on it is gone with it, by the team's own hand."""
        with self.lock:
            self.texts = {text: on for text, on in self.texts.items() if on != key}
            self.fields = {k: v for k, v in self.fields.items() if k[0] != key}
            self.overwritten = {k: v for k, v in self.overwritten.items() if k[0] != key}
            self.titles.pop(key, None)
            if key == MANUAL:
                self.months.clear()

    def act(self, pages: dict[Key, dict[str, Any]], *, destructive: bool) -> str:
        """One edit, chosen by the soak's RNG; what was done, for the log."""
        kinds = ["note", "paragraph", "field", "bot-field", "row"]
        if destructive:
            kinds += ["rename", "move", "label", "delete"]
        kind = self.rng.choice(kinds)
        keys = sorted(pages)
        key = self.rng.choice(keys)
        action = getattr(self, f"_{kind.replace('-', '_')}")
        done: str = action(key, pages)
        if done:
            self.made[kind] += 1
        return done

    def _note(self, key: Key, pages: dict[Key, dict[str, Any]]) -> str:
        text = self.token("note")
        mine = f"<p>{text} looked at this with the team.</p>"
        if self.wiki.edit(pages[key]["id"], lambda body: _after_once(body, NOTES, mine)):
            with self.lock:
                self.texts[text] = key
            return f"note {text} on {key}"
        return ""

    def _paragraph(self, key: Key, pages: dict[Key, dict[str, Any]]) -> str:
        text = self.token("paragraph")
        mine = f"<p>{text} ask before changing this.</p>"
        anchor = BETWEEN[key[0]]
        if self.wiki.edit(pages[key]["id"], lambda body: _before_once(body, anchor, mine)):
            with self.lock:
                self.texts[text] = key
            return f"paragraph {text} on {key}"
        return ""

    def _field(self, key: Key, pages: dict[Key, dict[str, Any]]) -> str:
        choices = PEOPLE_FIELDS.get(key)
        if not choices:
            return ""
        header = self.rng.choice(sorted(choices))
        value = self.rng.choice(choices[header])
        if self.wiki.edit(pages[key]["id"], lambda body: _set_row(body, header, value)):
            with self.lock:
                self.fields[(key, header)] = value
            return f"field {header}={value!r} on {key}"
        return ""

    def _bot_field(self, key: Key, pages: dict[Key, dict[str, Any]]) -> str:
        if key[0] != "kpi":
            return ""
        text = self.token("trust-me")
        if self.wiki.edit(pages[key]["id"], lambda body: _set_row(body, "Current value", text)):
            with self.lock:
                self.overwritten[(key, "Current value")] = text
            return f"bot field Current value={text} on {key}"
        return ""

    def _row(self, _key: Key, pages: dict[Key, dict[str, Any]]) -> str:
        free = [month for month in MONTHS if month not in self.months]
        if MANUAL not in pages or not free:
            return ""
        month = self.rng.choice(free)
        text = self.token("row")
        typed = f"<tr><td><p>{month}</p></td><td><p>{self.rng.randint(10, 40)}</p></td>"
        typed += f"<td><p>{text}</p></td></tr>"

        def type_row(body: str) -> str | None:
            found = FREE_ROW.findall(body)
            return body.replace(found[0], typed + found[0], 1) if len(found) == 1 else None

        if self.wiki.edit(pages[MANUAL]["id"], type_row):
            with self.lock:
                self.texts[text] = MANUAL
                self.months.add(month)
            return f"row {month} {text} on {MANUAL}"
        return ""

    def _rename(self, key: Key, pages: dict[Key, dict[str, Any]]) -> str:
        title = f"{pages[key]['title'].split(' ~')[0]} ~{self.token('title')}"
        if self.wiki.edit(pages[key]["id"], lambda body: body, title=lambda _old: title):
            with self.lock:
                self.titles[key] = title
            return f"rename {key} to {title!r}"
        return ""

    def _move(self, key: Key, pages: dict[Key, dict[str, Any]]) -> str:
        others = [k for k in sorted(pages) if k != key and k[0] in ("team", "root")]
        if key[0] == "root" or not others:
            return ""
        parent = self.rng.choice(others)
        if self.wiki.edit(pages[key]["id"], lambda body: body, parent=pages[parent]["id"]):
            return f"move {key} under {parent}"
        return ""

    def _label(self, key: Key, pages: dict[Key, dict[str, Any]]) -> str:
        labels = [label["name"] for label in pages[key]["metadata"]["labels"]["results"]]
        if not labels:
            return ""
        label = self.rng.choice(sorted(labels))
        self.wiki.remove_label(pages[key]["id"], label)
        return f"label {label} off {key}"

    def _delete(self, key: Key, pages: dict[Key, dict[str, Any]]) -> str:
        self.wiki.delete(pages[key]["id"])
        self.forget(key)
        return f"delete {key}"


def _landed(page: dict[str, Any], sent: dict[str, Any]) -> bool:
    """Whether `page` is the version `sent` made."""
    return page["version"]["number"] == sent["version"]["number"] and same_markup(
        page["body"]["storage"]["value"], sent["body"]["storage"]["value"]
    )


def _after_once(body: str, anchor: str, mine: str) -> str | None:
    return body.replace(anchor, anchor + mine, 1) if anchor in body else None


def _before_once(body: str, anchor: str, mine: str) -> str | None:
    return body.replace(anchor, mine + anchor, 1) if anchor in body else None


def _set_row(body: str, header: str, cell: str) -> str | None:
    edited, found = row_pattern(header).subn(
        lambda m: f"{m.group(1)}<td><p>{cell}</p></td>", body, count=1
    )
    return edited if found else None


def shown(body: str, header: str) -> str | None:
    """The value cell of the first row headed `header`."""
    found = row_pattern(header).search(body)
    return found.group(2) if found else None


# -- the soak ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One CLI run: exit code, output, and the exception it raised (a traceback)."""

    code: int
    out: str
    err: str


class Clock:
    """The transport's and the rate limiter's time: records each wait the bot asks for, sleeps
    a little of it and lets the rest pass at once, so a 60 s Retry-After costs the soak 0.2 s
    while every thread the limiter holds still sees the whole pause go by."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.waits = 0
        self._skipped = 0.0  # seconds of waits let pass without sleeping them
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.monotonic() + self._skipped

    def sleep(self, seconds: float) -> None:
        real = min(seconds, MAX_REAL_SLEEP)
        with self._lock:
            self.waits += 1
            self.longest = max(self.longest, seconds)
            self._skipped += seconds - real
        time.sleep(real)


class Sandbox:
    """A sandbox on a fixed port and a data file, so it can be restarted as it was."""

    def __init__(self, data: Path, flavour: Flavour) -> None:
        self.config = SandboxConfig(port=0, flavour=flavour, data=data)
        self.server = SandboxServer(self.config)
        self.config.port = int(self.server.url.rsplit(":", 1)[1])
        self.server.start()
        self.restarts = 0

    def restart(self) -> None:
        self.server.stop()
        for _ in range(100):  # the port may linger a moment
            try:
                self.server = SandboxServer(self.config)
                break
            except OSError:
                time.sleep(0.02)
        self.server.start()
        self.restarts += 1


@dataclass
class Tally:
    """What the soak did and found."""

    runs: int = 0
    syncs: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    edits: Counter[str] = field(default_factory=Counter)
    exits: Counter[int] = field(default_factory=Counter)  # of the faulty runs
    waits: tuple[int, float] = (0, 0.0)


class Soak:
    """The runs, the faults, and the invariants checked after each."""

    def __init__(self, seed: int, compare_every: int, site: Site, work: Path) -> None:
        self.seed, self.compare_every, self.site = seed, compare_every, site
        self.rng = random.Random(seed)
        self.work = work
        shutil.copytree(CATALOGS, work / "catalog")
        self.catalog = work / "catalog" / "small.yaml"
        text = self.catalog.read_text(encoding="utf-8")
        self.catalog.write_text(text.replace(STATIC_VALUES, "    source: page\n"), "utf-8")
        self.csv = work / "catalog" / "ops.csv"
        self.sandbox = Sandbox(work / "sandbox.sqlite", site.flavour)
        self.wiki = Wiki(self.sandbox.server)
        self.team = Team(self.rng, self.wiki)
        self.clock = Clock()
        self.tally = Tally()
        self.log: list[str] = []
        self.soak_errors: list[str] = []
        self.restarted = False

    def say_broken(self, index: int, violations: list[str]) -> None:
        """What the team did in the run that broke an invariant, what broke, and how to
        replay it."""
        print(f"run {index} broke an invariant; what the team did:", flush=True)
        for line in self.log:
            print(f"  {line}")
        for line in violations:
            print(f"  VIOLATION {line}")
        print(
            f"  replay: python tests/benchmarks/soak.py --seed {self.seed} --runs {index + 1}"
            f"{'' if self.site is SITES['dc'] else ' --site cloud-v2'}  (run index {index})",
            flush=True,
        )

    # -- running the CLI -----------------------------------------------------------------------

    def sync(self, base_url: str | None = None) -> Outcome:
        """`confluence-kpi sync --report json` in-process, against the soak's sandbox."""
        self.tally.syncs += 1
        environment = {
            "CONFLUENCE_URL": base_url or self.sandbox.server.base_url,
            "CONFLUENCE_USERNAME": ADMIN[0],
            "CONFLUENCE_API_TOKEN": ADMIN[1],
            "CONFLUENCE_API": self.site.api,
            "CONFLUENCE_TIMEOUT": str(TIMEOUT),
        }
        out, err = io.StringIO(), io.StringIO()
        # Text logs: an exit 2 is checked for its one plain "confluence-kpi sync: ..." line.
        argv = [
            "sync",
            "--log-format",
            "text",
            "--config",
            str(self.catalog),
            "--as-of",
            AS_OF,
            "--report",
            "json",
        ]
        with (
            _environment(environment),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                code = main(argv)
            except BaseException:  # a crash is what the soak looks for: keep it as output
                traceback.print_exc()
                code = -1
        return Outcome(code, out.getvalue(), err.getvalue())

    # -- one run -------------------------------------------------------------------------------

    def run(self, index: int) -> None:
        rng = self.rng
        pages = self.bot_pages()
        for _ in range(rng.randint(0, 3)):
            self.note(self.team.act(pages, destructive=True))
            pages = self.bot_pages()
        restore = self.break_source(rng)
        rules = self.faults(rng, pages)
        during = self.concurrent(rng, pages)
        if rules:
            self.wiki.control("POST", "/faults", {"rules": [_posted(rule) for rule in rules]})
        for thread in during:
            thread.start()
        outcome = self.sync()
        self.tally.exits[outcome.code] += 1
        for thread in during:
            thread.join()
        for error in self.soak_errors:
            self.violation(index, error)
        self.soak_errors.clear()
        self.settle_faults(rules)
        restore()
        self.check(index, "faulty run", outcome, converged=False)
        converged = self.sync()
        self.check(index, "converging run", converged, converged=True)
        self.wiki.control("POST", "/stats/reset")
        quiet = self.sync()
        self.check(index, "quiet run", quiet, converged=True)
        writes = {
            method: n
            for method, n in self.wiki.control("GET", "/stats")["by_method"].items()
            if method in WRITE_METHODS
        }
        if writes:
            self.violation(index, f"quiet run wrote: {writes}")
        if self.compare_every and (index + 1) % self.compare_every == 0:
            self.compare_with_fresh(index)

    def bot_pages(self) -> dict[Key, dict[str, Any]]:
        return self.wiki.bot_pages()[0]

    def note(self, line: str) -> None:
        if line:
            self.log.append(line)

    def break_source(self, rng: random.Random) -> Callable[[], None]:
        """The CSV source changes (kept) or fails for this run (restored after it)."""
        roll = rng.random()
        if roll < 0.3:
            lines = self.csv.read_text(encoding="utf-8").splitlines()
            at = rng.randrange(1, len(lines))
            month = lines[at].split(",")[0]
            uptime = rng.choice(["97.0", "98.5", "99.2", "99.9", "100.0"])
            lines[at] = f"{month},{uptime},{rng.randint(50, 130)}"
            self.csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
            self.tally.sources["changed"] += 1
            return lambda: None
        if roll < 0.4:
            kept = self.csv.read_bytes()
            if rng.random() < 0.5:
                self.csv.unlink()
                self.tally.sources["removed"] += 1
            else:
                self.csv.write_text("month,uptime,tickets\nsoon,n/a,\x00\n", encoding="utf-8")
                self.tally.sources["garbled"] += 1

            def restore() -> None:
                self.csv.write_bytes(kept)

            return restore
        return lambda: None

    def faults(self, rng: random.Random, pages: dict[Key, dict[str, Any]]) -> list[dict[str, Any]]:
        """0 to 3 count-limited fault rules, and maybe an edit saved right before a write."""
        menu: list[Callable[[], dict[str, Any]]] = [
            lambda: {"status": rng.choice([500, 502, 503, 504])},
            lambda: {"status": rng.choice([500, 503]), "retry_after": "0"},
            lambda: {
                "status": 429,
                "retry_after": rng.choice(
                    [
                        "0",
                        "1",
                        "0.5",
                        "2.25",
                        "http-date:1",
                        "http-date:-30",
                        "Fri, 31 Dec 9999 23:59:59 GMT",
                        "9223372036854775807",
                        "1e308",
                        "soon",
                    ]
                ),
            },
            lambda: {"status": 429},
            lambda: {"drop": "before"},
            lambda: {"drop": "after"},
            lambda: {"latency_ms": SLOW_MS},
        ]
        site = self.site
        targets = [
            ("GET", site.space),
            ("GET", "/rest/api/content/search"),
            ("GET", f"{site.pages}/*"),
            ("PUT", f"{site.pages}/*"),
            ("POST", site.pages),
            ("PUT", f"{site.pages}/*/{site.properties}/*"),
            ("POST", f"{PAGES}/*/label"),
            (None, None),
        ]
        rules = []
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
            effect = rng.choice(menu)()
            method, path = rng.choice(targets)
            rule = {"count": rng.randint(1, 3), **effect}
            if method is not None:
                rule |= {"method": method, "path": path}
            rules.append(rule)
        if pages and rng.random() < 0.3:  # a person saves right before the bot's PUT
            key = rng.choice(sorted(pages))
            text = self.team.token("note")
            mine = f"<p>{text} written while the bot wrote.</p>"
            rules.append(
                {
                    "method": "PUT",
                    "path": f"{site.pages}/{pages[key]['id']}",
                    "count": 1,
                    "edit": {"find": NOTES, "replace": NOTES + mine, "text": text, "key": key},
                }
            )
        return rules

    def settle_faults(self, rules: list[dict[str, Any]]) -> None:
        """Clears the rules and counts what fired (the sandbox keeps them in order, each with
        the count it has to go, until it reaches 0); a fired edit is a text people wrote."""
        left = [] if self.restarted else self.wiki.control("GET", "/faults")["rules"]
        self.wiki.control("DELETE", "/faults")
        for rule in rules:
            fired = rule["count"]
            if left and _same_rule(left[0], rule):
                fired -= left.pop(0)["count"]
            if "edit" in rule:
                # After a restart the rule is gone whether it fired or not: not knowable.
                if fired and not self.restarted:
                    self.team.texts[rule["edit"]["text"]] = rule["edit"]["key"]
                    self.team.made["note saved right before the bot's PUT"] += 1
            elif fired and not self.restarted:
                self.tally.faults[_fault_name(rule)] += fired

    def concurrent(
        self, rng: random.Random, pages: dict[Key, dict[str, Any]]
    ) -> list[threading.Thread]:
        """People editing while the sync runs (with the soak's RNG, which nothing else uses
        meanwhile), and maybe a restart of the sandbox."""
        threads = []
        self.restarted = False
        if pages and rng.random() < 0.4:
            delays = [rng.uniform(0, 0.15) for _ in range(rng.randint(1, 2))]

            def edit_meanwhile() -> None:
                for delay in delays:
                    time.sleep(delay)
                    done = self.team.act(pages, destructive=False)
                    self.note(f"during the run: {done}" if done else "")

            threads.append(threading.Thread(target=self.guarded(edit_meanwhile)))
        if rng.random() < 0.1:
            delay = rng.uniform(0, 0.1)
            self.restarted = True

            def restart() -> None:
                time.sleep(delay)
                self.sandbox.restart()
                self.tally.faults["sandbox restart during a run"] += 1

            threads.append(threading.Thread(target=self.guarded(restart)))
        return threads

    def guarded(self, work: Callable[[], None]) -> Callable[[], None]:
        """`work` for a thread: a failure of the soak's own is said, apart from the bot's."""

        def run() -> None:
            try:
                work()
            except Exception as exc:  # reported as a violation: the soak stops on it
                self.soak_errors.append(f"the soak's own {work.__name__} failed: {exc!r}")

        return run

    # -- the invariants ------------------------------------------------------------------------

    def violation(self, index: int, what: str) -> None:
        self.tally.violations.append(f"run {index}: {what}")

    def check(self, index: int, stage: str, outcome: Outcome, *, converged: bool) -> None:
        def bad(what: str) -> None:
            self.violation(index, f"{stage}: {what}")

        if TRACEBACK in outcome.out + outcome.err:
            bad(f"traceback:\n{outcome.err[-3000:]}")
        self.check_exit_code(outcome, bad, converged=converged)
        if self.clock.longest > MAX_RETRY_AFTER:
            bad(f"the bot asked to wait {self.clock.longest} s, over the cap {MAX_RETRY_AFTER}")
        pages, doubled = self.wiki.bot_pages()
        if doubled:
            bad(f"pages claimed twice: {doubled}")
        titles = Counter(page["title"] for page in self.wiki.pages())
        if any(n > 1 for n in titles.values()):
            bad(f"duplicate titles: {[t for t, n in titles.items() if n > 1]}")
        if converged and len(pages) != 8:
            bad(f"{len(pages)} bot pages, not 8: {sorted(pages)}")
        bodies = {key: self.wiki.body(page["id"]) for key, page in pages.items()}
        for text, key in sorted(self.team.texts.items()):
            if key not in bodies:
                bad(f"the page {key} holding {text} is gone")
                continue
            if bodies[key].count(text) != 1:
                bad(f"{text} is on {key} {bodies[key].count(text)} times")
        for (key, header), value in sorted(self.team.fields.items()):
            if key in bodies and not same_markup(
                shown(bodies[key], header) or "", f"<p>{value}</p>"
            ):
                bad(f"{key} {header}: {shown(bodies[key], header)!r}, typed {value!r}")
        for key, title in sorted(self.team.titles.items()):
            if key in pages and pages[key]["title"] != title:
                bad(f"{key} renamed {title!r} by people, now {pages[key]['title']!r}")
        if converged:
            for (key, header), text in sorted(self.team.overwritten.items()):
                if key in bodies and text in bodies[key]:
                    bad(f"{key} {header}: people's {text} over the bot's value stays")
            for key, page in sorted(pages.items()):
                labels = {label["name"] for label in page["metadata"]["labels"]["results"]}
                kind = "kpi" if key[0] == "kpi" else f"kpi-{key[0]}"
                if kind not in labels:
                    bad(f"{key} lacks its label {kind}: {sorted(labels)}")

    def check_exit_code(
        self, outcome: Outcome, bad: Callable[[str], None], *, converged: bool
    ) -> None:
        if outcome.code == 2:
            if outcome.out or not outcome.err.startswith("confluence-kpi sync: "):
                bad(f"exit 2 without its one message:\n{outcome.err[-2000:]}")
            if converged:
                bad(f"exit 2 without faults:\n{outcome.err[-2000:]}")
            return
        try:
            report = json.loads(outcome.out)
        except ValueError:
            bad(f"exit {outcome.code} without a JSON report:\n{outcome.err[-2000:]}")
            return
        failed = bool(report["kpi_errors"]) or any(
            page["action"] == "failed" for page in report["pages"]
        )
        expected = 1 if failed or report["data_warnings"] else 0
        if outcome.code != expected:
            bad(f"exit {outcome.code}, but the report says {expected}: {outcome.out[:2000]}")
        if converged and outcome.code != 0:
            bad(f"exit {outcome.code} without faults: {outcome.out[:3000]}")

    def compare_with_fresh(self, index: int) -> None:
        """The soaked pages against a fresh sync of the same catalog into an empty sandbox,
        given what people have on the soaked pages (titles, and bodies typed over the fresh
        pages): a fresh bot takes people's fields and rows from there and renders the rest,
        so the two spaces must read the same, page for page."""
        fresh = SandboxServer(SandboxConfig(port=0, flavour=self.site.flavour))
        fresh.start()
        try:
            first = self.sync(fresh.base_url)
            if first.code != 0:
                self.violation(index, f"fresh sync: exit {first.code}\n{first.err[-2000:]}")
                return
            other = Wiki(fresh)
            soaked = self.bot_pages()
            theirs = other.bot_pages()[0]
            for key, page in sorted(soaked.items()):
                other.edit(
                    theirs[key]["id"],
                    functools.partial(_replaced, self.wiki.body(page["id"])),
                    title=functools.partial(_replaced, page["title"]),
                )
            again = self.sync(fresh.base_url)
            if again.code != 0:
                self.violation(index, f"fresh sync of people's pages: exit {again.code}")
            theirs = other.bot_pages()[0]
            for key, page in sorted(soaked.items()):
                ours, fresh_body = self.wiki.body(page["id"]), other.body(theirs[key]["id"])
                if canonical(ours) != canonical(fresh_body):
                    self.violation(
                        index,
                        f"{key} differs from a fresh sync's:\n{_difference(ours, fresh_body)}",
                    )
                if page["title"] != theirs[key]["title"]:
                    self.violation(
                        index, f"{key} title {page['title']!r} vs {theirs[key]['title']!r}"
                    )
            other.close()
        finally:
            fresh.stop()


def _replaced(new: str, _old: str) -> str:
    return new


def _difference(ours: str, fresh: str) -> str:
    """Where the canonical forms of two bodies part, with some context on either side."""
    a, b = canonical(ours), canonical(fresh)
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    shown = [html.unescape(text[max(0, at - 200) : at + 300]) for text in (a, b)]
    return f"  soaked: …{shown[0]}\n  fresh:  …{shown[1]}"


def _posted(rule: dict[str, Any]) -> dict[str, Any]:
    """The rule as the sandbox takes it (an edit without the soak's bookkeeping)."""
    if "edit" not in rule:
        return rule
    return rule | {"edit": {"find": rule["edit"]["find"], "replace": rule["edit"]["replace"]}}


def _same_rule(shown_rule: dict[str, Any], rule: dict[str, Any]) -> bool:
    """Whether the sandbox's `shown_rule` is `rule` (whatever count it has left)."""
    posted = _posted(rule)
    return all(shown_rule.get(k) == v for k, v in posted.items() if k != "count")


def _fault_name(rule: dict[str, Any]) -> str:
    """What a rule does, as the summary counts it."""
    if "status" in rule:
        asked = f" Retry-After {rule['retry_after']}" if "retry_after" in rule else ""
        return f"{rule['status']}{asked}"
    if "drop" in rule:
        return f"connection dropped {rule['drop']} the request was handled"
    return f"answer slower than the timeout ({SLOW_MS} ms > {TIMEOUT:g} s)"


@contextlib.contextmanager
def _environment(variables: dict[str, str], unset: tuple[str, ...] = ()) -> Iterator[None]:
    """These variables set (and those `unset` removed) while the block runs; then the
    environment as it was."""
    with mock.patch.dict(os.environ, variables):
        for name in unset:
            os.environ.pop(name, None)
        yield


def soak(seed: int, runs: int, compare_every: int, site: str = "dc") -> Tally:
    """The soak in a scratch directory; its tally, violations included."""
    with tempfile.TemporaryDirectory(prefix="soak-") as scratch:
        work = Path(scratch)
        (work / "no-secrets").mkdir()
        the_soak = Soak(seed, compare_every, SITES[site], work)
        quiet_environment = {
            "CONFLUENCE_KPI_SECRETS_DIR": str(work / "no-secrets"),
        }
        clock = the_soak.clock
        transport = functools.partial(Transport, sleep=clock.sleep)
        limiter = functools.partial(RateLimiter, clock=clock.now, sleep=clock.sleep)
        with (
            _environment(quiet_environment, unset=UNSET),
            contextlib.chdir(work),  # no .env of the developer's
            mock.patch.object(confluence_kpi.runner, "Transport", transport),
            mock.patch.object(confluence_kpi.runner, "RateLimiter", limiter),
        ):
            try:
                first = the_soak.sync()
                the_soak.check(-1, "first run", first, converged=True)
                for index in range(runs):
                    the_soak.log.clear()
                    before = len(the_soak.tally.violations)
                    the_soak.run(index)
                    the_soak.tally.runs += 1
                    if len(the_soak.tally.violations) > before:
                        the_soak.say_broken(index, the_soak.tally.violations[before:])
                        break
                    if (index + 1) % 50 == 0:
                        print(
                            f"  {index + 1} runs, {sum(the_soak.team.made.values())} edits",
                            flush=True,
                        )
                else:  # every run kept the invariants: compare the end state too
                    ends_compared = compare_every and runs % compare_every == 0
                    if runs and not ends_compared:
                        the_soak.compare_with_fresh(runs - 1)
                        for line in the_soak.tally.violations:
                            print(f"  VIOLATION {line}")
            finally:
                the_soak.wiki.close()
                the_soak.sandbox.server.stop()
        tally = the_soak.tally
        tally.edits = the_soak.team.made
        tally.waits = (the_soak.clock.waits, the_soak.clock.longest)
        return tally


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=500, help="faulty runs (default 500)")
    parser.add_argument("--seed", type=int, default=1, help="seed of every choice (default 1)")
    parser.add_argument(
        "--compare-every",
        type=int,
        default=10,
        help="compare with a fresh sync every N runs, and after the last (0: only after it)",
    )
    parser.add_argument(
        "--site",
        choices=sorted(SITES),
        default="dc",
        help="Data Center through REST API v1 (default) or Cloud through v2",
    )
    return parser.parse_args(argv)


def run_soak(argv: list[str] | None = None) -> int:
    """Prints the figures; 1 when an invariant broke."""
    args = _arguments(argv)
    started = time.monotonic()
    print(f"== soak: seed {args.seed}, {args.runs} runs, {args.site}", flush=True)
    tally = soak(args.seed, args.runs, args.compare_every, args.site)
    print(f"runs: {tally.runs} (syncs: {tally.syncs})")
    print(f"edits by the team: {sum(tally.edits.values())} ({_listed(tally.edits)})")
    print(f"faults fired: {sum(tally.faults.values())}")
    for name, count in sorted(tally.faults.items()):
        print(f"  {count:5d}  {name}")
    exits = ", ".join(f"{code}: {n}" for code, n in sorted(tally.exits.items()))
    print(f"exit codes of the runs under faults: {exits}")
    print(f"source changes and failures: {_listed(tally.sources)}")
    print(
        f"waits the bot asked for: {tally.waits[0]}, the longest {tally.waits[1]:g} s "
        f"(cap {MAX_RETRY_AFTER:g} s)"
    )
    print(f"invariant violations: {len(tally.violations)}")
    print(f"duration: {time.monotonic() - started:.1f} s")
    return 1 if tally.violations else 0


def _listed(counts: Counter[str]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "none"


if __name__ == "__main__":
    sys.exit(run_soak())
