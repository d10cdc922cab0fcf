"""A Confluence served over HTTPS with a certificate from a CA of its own (trustme's), as a
company's Data Center often is: verified by default, so the sync stops at once saying what to
set; with CONFLUENCE_CA_BUNDLE (or requests' own REQUESTS_CA_BUNDLE) naming the CA, it syncs."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import trustme

from confluence_kpi.sandbox import SandboxServer

from .conftest import SandboxFactory
from .helpers import SMALL_PAGES, Cli, enrol


@pytest.fixture
def site() -> str:
    """TLS is the transport's, whatever the REST API: Data Center's is enough."""
    return "dc"


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def sandbox(sandbox_factory: SandboxFactory, ca: trustme.CA) -> SandboxServer:
    """A sandbox that speaks HTTPS with a certificate for 127.0.0.1 signed by `ca`: its
    listening socket wrapped before it serves (the sandbox itself speaks plain HTTP)."""
    server = sandbox_factory(flavour="dc")
    enrol(server.base_url)  # while it still speaks plain HTTP: the bot's login for every test
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    httpd = server._httpd  # the one place the test reaches inside: TLS is not the sandbox's job
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    server.url = server.url.replace("http://", "https://", 1)
    server.base_url = server.base_url.replace("http://", "https://", 1)
    return server


@pytest.fixture
def https_cli(cli: Cli, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The CLI pointed at the sandbox's https:// address, trusting only the system's CAs."""
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "CONFLUENCE_CA_BUNDLE"):
        monkeypatch.delenv(variable, raising=False)
    cli.env(CONFLUENCE_URL=sandbox.base_url)
    return cli


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "company-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def test_an_untrusted_certificate_stops_the_sync_at_once_saying_what_to_set(
    https_cli: Cli, sandbox: SandboxServer
) -> None:
    run = https_cli.sync("--log-format", "text")

    assert run.code == 2
    port = sandbox.url.rsplit(":", 1)[1]
    assert f"the certificate of https://127.0.0.1:{port} is not trusted (" in run.err
    assert "set CONFLUENCE_CA_BUNDLE to the CA's PEM file, or CONFLUENCE_VERIFY_TLS=false" in (
        run.err
    )
    assert "retrying" not in run.err  # no retry makes a certificate trusted
    assert "Traceback" not in run.err


def test_the_ca_bundle_setting_makes_the_certificate_trusted(https_cli: Cli, ca_file: Path) -> None:
    https_cli.env(CONFLUENCE_CA_BUNDLE=str(ca_file))

    run = https_cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.actions() == dict.fromkeys(SMALL_PAGES, "created")


def test_requests_own_ca_bundle_variable_is_honoured(https_cli: Cli, ca_file: Path) -> None:
    https_cli.env(REQUESTS_CA_BUNDLE=str(ca_file))

    run = https_cli.sync("--report", "json")

    assert run.code == 0, run.err
    assert run.actions() == dict.fromkeys(SMALL_PAGES, "created")


def test_a_ca_bundle_that_cannot_be_read_is_a_settings_error(
    https_cli: Cli, tmp_path: Path
) -> None:
    https_cli.env(CONFLUENCE_CA_BUNDLE=str(tmp_path / "nowhere.pem"))

    run = https_cli.sync("--log-format", "text")

    assert run.code == 2
    assert "CONFLUENCE_CA_BUNDLE must name a readable PEM file of CA certificates: " in run.err
    assert "nowhere.pem: No such file or directory" in run.err
