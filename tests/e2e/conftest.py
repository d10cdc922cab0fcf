"""End-to-end fixtures: a sandbox of each flavour, the `confluence-kpi` CLI pointed at it, the
wiki as a person (or a script) sees it through the REST API, and the small test catalog.

Everything goes over real HTTP: the CLI talks to the sandbox with the product's gateway, the
tests look at the result and make people's edits with plain `requests`, the way an editor's
browser or a script would.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from urllib3.exceptions import InsecureRequestWarning

from confluence_kpi.sandbox import SandboxServer

from .helpers import ADMIN, BOT_LOGIN, PLANTED, SHOWN, Cli, Wiki, leaks

CATALOGS = Path(__file__).parent / "catalogs"
# Every variable the settings read: a developer's own environment must not leak into a test.
SETTINGS_VARIABLES = (
    "CONFLUENCE_URL",
    "CONFLUENCE_USERNAME",
    "CONFLUENCE_API_TOKEN",
    "CONFLUENCE_PAT",
    "CONFLUENCE_SPACE",
    "KPI_CONFIG",
    "CONFLUENCE_TIMEOUT",
    "CONFLUENCE_VERIFY_TLS",
    "CONFLUENCE_CA_BUNDLE",
    "CONFLUENCE_MAX_RETRIES",
    "CONFLUENCE_API",
    "KPI_HEARTBEAT_FILE",
    "KPI_HEALTH_GRACE",
    "KPI_LEASE_SECONDS",
    "KPI_SOURCE_WORKERS",
    "KPI_WRITE_WORKERS",
    "CONFLUENCE_REQUESTS_PER_SECOND",
)

SandboxFactory = Callable[..., SandboxServer]  # the shape of tests/conftest.py's fixture


@pytest.fixture(params=["dc", "cloud", "cloud-v2"])
def site(request: pytest.FixtureRequest) -> str:
    """Every kind of site the bot meets: Data Center (REST API v1 at the root), Cloud under
    /wiki spoken to through v1, and Cloud through v2."""
    return str(request.param)


@pytest.fixture
def flavour(site: str) -> str:
    """The sandbox flavour the site is: dc or cloud."""
    return site.removesuffix("-v2")


@pytest.fixture
def api(site: str) -> str:
    """The REST API the bot speaks to the site."""
    return "v2" if site.endswith("-v2") else "v1"


@pytest.fixture
def sandbox(sandbox_factory: SandboxFactory, flavour: str) -> SandboxServer:
    """A fresh sandbox of the test's flavour."""
    return sandbox_factory(flavour=flavour)


@pytest.fixture
def wiki(sandbox: SandboxServer, api: str) -> Iterator[Wiki]:
    """The test's sandbox through its REST API and control surface."""
    seen = Wiki(sandbox, api)
    yield seen
    seen.session.close()


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    """A private copy of tests/e2e/catalogs, so a test may change its data files."""
    return Path(shutil.copytree(CATALOGS, tmp_path / "catalog"))


@pytest.fixture
def catalog(catalog_dir: Path) -> Path:
    """The small catalog: teams ops and sales, goals reliable-platform and more-deals, KPIs
    uptime and tickets (ops.csv) and deals-won (static)."""
    return catalog_dir / "small.yaml"


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    sandbox: SandboxServer,
    catalog: Path,
    api: str,
) -> Cli:
    """The CLI logged in to the test's sandbox as admin with an API token (basic auth)."""
    # A working directory without a .env, and no secrets directory: only what the test sets.
    monkeypatch.chdir(tmp_path)
    secrets = tmp_path / "no-secrets"
    secrets.mkdir()
    monkeypatch.setenv("CONFLUENCE_KPI_SECRETS_DIR", str(secrets))
    command = Cli(monkeypatch, capsys, catalog)
    command.env(**dict.fromkeys(SETTINGS_VARIABLES))
    # The bot logs in with the session's planted token, which `no_secret_shown` searches for;
    # setting CONFLUENCE_URL enrols that login in the sandbox there.
    command.env(
        CONFLUENCE_USERNAME=BOT_LOGIN[0],
        CONFLUENCE_URL=sandbox.base_url,
        CONFLUENCE_API_TOKEN=BOT_LOGIN[1],
        CONFLUENCE_API=api,
    )
    return command


@pytest.fixture(autouse=True)
def no_secret_shown(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails a test in whose outputs, logs or pages a planted secret shows: every CLI run's
    output and report (`Run`), the captured log, and every page body and property of the
    test's sandbox (ARCHITECTURE.md, rule 10)."""
    # Asked for before the test runs, so they are torn down after the scan.
    server = request.getfixturevalue("sandbox") if "sandbox" in request.fixturenames else None
    log = request.getfixturevalue("caplog") if "caplog" in request.fixturenames else None
    SHOWN.clear()
    yield
    texts = list(SHOWN)
    SHOWN.clear()
    if log is not None:
        texts.append(log.text)
    if server is not None:
        texts += stored_texts(server)
    found = leaks(texts, PLANTED)
    if found:
        pytest.fail("\n".join(found), pytrace=False)


def stored_texts(server: SandboxServer) -> list[str]:
    """Every page's title, body and the bot's property in the sandbox, as JSON text."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureRequestWarning)
        answer = requests.get(
            f"{server.base_url}/rest/api/content",
            params={"type": "page", "limit": "500", "expand": "body.storage,metadata.properties"},
            auth=ADMIN,
            timeout=10,
            verify=False,  # the test's own sandbox, which may speak TLS with a test CA
        )
    if not answer.ok:  # a test that stopped the sandbox or locked admin out
        return []
    return [answer.text]
