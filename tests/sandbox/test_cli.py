"""`confluence-kpi sandbox` parses its options, prints its URL and credentials, stops on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
import requests

from confluence_kpi.cli import build_parser


def test_options_parse_into_specs() -> None:
    args = build_parser().parse_args(
        ["sandbox", "--flavour", "cloud", "--space", "OPS:Operations", "--user", "eve:pw:read"]
    )
    assert (args.space[0].key, args.space[0].name) == ("OPS", "Operations")
    assert args.user[0].read_only


def test_bad_user_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["sandbox", "--user", "nosecret"])
    assert exit_info.value.code == 2
    assert "NAME:SECRET" in capsys.readouterr().err


def test_sandbox_command_serves_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "confluence_kpi", "sandbox", "--port", "0", "--flavour", "cloud"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        base_url = first.rsplit(" at ", 1)[1].strip()
        assert base_url.endswith("/wiki")
        banner = [process.stdout.readline() for _ in range(3)]
        assert "admin:admin" in banner[1]
        assert "sandbox-pat" in banner[2]
        response = requests.get(
            base_url + "/rest/api/space/KPI", auth=("admin", "admin"), timeout=10
        )
        assert response.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
