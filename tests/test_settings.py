"""Settings: where values come from, which wins, and that problems are said plainly and secretly."""

from __future__ import annotations

from pathlib import Path

import pytest

from confluence_kpi.settings import SettingsError, catalog_path, load_settings, secret_variable

TOKEN = "s3cr3t-T0KEN-value"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test runs in an empty directory (no stray `.env`) with an empty secrets directory."""
    monkeypatch.chdir(tmp_path)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    return secrets


def env(secrets: Path, **variables: str) -> dict[str, str]:
    """An environment that points the secrets directory at the test's own."""
    return {"CONFLUENCE_KPI_SECRETS_DIR": str(secrets), **variables}


def problems_of(variables: dict[str, str]) -> list[str]:
    with pytest.raises(SettingsError) as raised:
        load_settings(variables)
    return raised.value.problems


def test_defaults_need_no_variables(isolated: Path) -> None:
    settings = load_settings(env(isolated))

    assert settings.url is None
    assert settings.auth_mode is None
    assert settings.catalog_path == Path("config/catalog.yaml")
    assert (settings.timeout, settings.verify_tls, settings.max_retries) == (30.0, True, 5)
    assert settings.source_workers == 4


def test_cloud_username_and_api_token_mean_basic_auth(isolated: Path) -> None:
    settings = load_settings(
        env(
            isolated,
            CONFLUENCE_URL="https://acme.atlassian.net/wiki/",
            CONFLUENCE_USERNAME="jane@acme.com",
            CONFLUENCE_API_TOKEN=TOKEN,
        )
    )

    assert settings.auth_mode == "basic"
    assert settings.url == "https://acme.atlassian.net/wiki"
    assert settings.api_token is not None
    assert settings.api_token.get_secret_value() == TOKEN


def test_data_center_pat_means_bearer_auth(isolated: Path) -> None:
    settings = load_settings(
        env(isolated, CONFLUENCE_URL="https://wiki.example.org", CONFLUENCE_PAT=TOKEN)
    )

    assert settings.auth_mode == "bearer"


def test_runtime_knobs_and_space_are_read(isolated: Path) -> None:
    settings = load_settings(
        env(
            isolated,
            CONFLUENCE_SPACE="OPS",
            KPI_CONFIG="elsewhere/kpis.yaml",
            CONFLUENCE_TIMEOUT="12.5",
            CONFLUENCE_VERIFY_TLS="false",
            CONFLUENCE_MAX_RETRIES="0",
            KPI_SOURCE_WORKERS="1",
        )
    )

    assert settings.space == "OPS"
    assert settings.source_workers == 1
    assert settings.catalog_path == Path("elsewhere/kpis.yaml")
    assert (settings.timeout, settings.verify_tls, settings.max_retries) == (12.5, False, 0)


def test_secret_never_appears_in_repr_or_error(isolated: Path) -> None:
    settings = load_settings(env(isolated, CONFLUENCE_URL="http://wiki", CONFLUENCE_PAT=TOKEN))
    bad_secret = "half a token\nrest"

    problems = problems_of(env(isolated, CONFLUENCE_URL="http://wiki", CONFLUENCE_PAT=bad_secret))

    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings.model_dump())
    assert TOKEN not in settings.model_dump_json()
    assert problems == [
        "CONFLUENCE_PAT must be one line without spaces (check where it was copied from)"
    ]
    assert "half a token" not in "\n".join(problems)


def test_url_must_be_http_and_the_problem_quotes_it(isolated: Path) -> None:
    problems = problems_of(env(isolated, CONFLUENCE_URL="ftp://x", CONFLUENCE_PAT=TOKEN))

    assert problems == ["CONFLUENCE_URL must start with http:// or https://, got 'ftp://x'"]


def test_url_with_credentials_is_refused_without_echoing_them(isolated: Path) -> None:
    problems = problems_of(
        env(isolated, CONFLUENCE_URL=f"https://jane:{TOKEN}@wiki.example.org", CONFLUENCE_PAT="t")
    )

    assert len(problems) == 1
    assert problems[0].startswith("CONFLUENCE_URL must not hold a user name or password")
    assert TOKEN not in problems[0]


def test_cloud_url_without_wiki_path_says_what_to_use(isolated: Path) -> None:
    problems = problems_of(
        env(isolated, CONFLUENCE_URL="https://acme.atlassian.net", CONFLUENCE_PAT=TOKEN)
    )

    assert problems == [
        "CONFLUENCE_URL is a Confluence Cloud site, so it ends in /wiki: "
        "https://acme.atlassian.net/wiki"
    ]


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        (
            {"CONFLUENCE_PAT": TOKEN, "CONFLUENCE_USERNAME": "jane", "CONFLUENCE_API_TOKEN": TOKEN},
            "set either CONFLUENCE_PAT (Data Center) or CONFLUENCE_USERNAME and "
            "CONFLUENCE_API_TOKEN (Cloud), not both",
        ),
        (
            {"CONFLUENCE_USERNAME": "jane"},
            "CONFLUENCE_USERNAME is set but CONFLUENCE_API_TOKEN is not: basic auth needs both",
        ),
        (
            {"CONFLUENCE_API_TOKEN": TOKEN},
            "CONFLUENCE_API_TOKEN is set but CONFLUENCE_USERNAME is not: basic auth needs both",
        ),
        (
            {},
            "CONFLUENCE_URL is set but no credentials are: set CONFLUENCE_USERNAME and "
            "CONFLUENCE_API_TOKEN (Cloud) or CONFLUENCE_PAT (Data Center)",
        ),
    ],
    ids=["both-styles", "username-only", "token-only", "none"],
)
def test_a_url_needs_exactly_one_auth_style(
    isolated: Path, variables: dict[str, str], expected: str
) -> None:
    problems = problems_of(env(isolated, CONFLUENCE_URL="https://wiki.example.org", **variables))

    assert problems == [expected]


def test_every_settings_problem_is_listed_at_once(isolated: Path) -> None:
    problems = problems_of(
        env(
            isolated,
            CONFLUENCE_URL="wiki.example.org",
            CONFLUENCE_USERNAME="jane",
            CONFLUENCE_TIMEOUT="soon",
            CONFLUENCE_VERIFY_TLS="maybe",
            CONFLUENCE_MAX_RETRIES="-1",
            KPI_SOURCE_WORKERS="0",
        )
    )

    assert problems == [
        "CONFLUENCE_URL must start with http:// or https://, got 'wiki.example.org'",
        "CONFLUENCE_TIMEOUT must be a number (got 'soon')",
        "CONFLUENCE_VERIFY_TLS must be true or false (got 'maybe')",
        "CONFLUENCE_MAX_RETRIES must be at least 0 (got '-1')",
        "KPI_SOURCE_WORKERS must be at least 1 (got '0')",
        "CONFLUENCE_USERNAME is set but CONFLUENCE_API_TOKEN is not: basic auth needs both",
    ]


def test_settings_error_lists_problems_one_per_line(isolated: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(env(isolated, CONFLUENCE_TIMEOUT="0", CONFLUENCE_MAX_RETRIES="x"))

    assert str(raised.value).splitlines() == [
        "CONFLUENCE_TIMEOUT must be more than 0 (got '0')",
        "CONFLUENCE_MAX_RETRIES must be a whole number (got 'x')",
    ]


def test_pat_file_variable_is_read_less_one_trailing_newline(
    isolated: Path, tmp_path: Path
) -> None:
    token_file = tmp_path / "pat.txt"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")

    settings = load_settings(
        env(isolated, CONFLUENCE_URL="http://wiki", CONFLUENCE_PAT_FILE=str(token_file))
    )

    assert settings.pat is not None
    assert settings.pat.get_secret_value() == TOKEN


def test_pat_file_is_read_from_docker_secret(isolated: Path) -> None:
    (isolated / "confluence_pat").write_text(TOKEN + "\r\n", encoding="utf-8")

    settings = load_settings(env(isolated, CONFLUENCE_URL="http://wiki"))

    assert settings.pat is not None
    assert settings.pat.get_secret_value() == TOKEN
    assert settings.auth_mode == "bearer"


def test_explicit_variable_beats_docker_secret(isolated: Path) -> None:
    (isolated / "CONFLUENCE_SPACE").write_text("FROM-SECRET", encoding="utf-8")

    assert load_settings(env(isolated, CONFLUENCE_SPACE="EXPLICIT")).space == "EXPLICIT"
    assert load_settings(env(isolated)).space == "FROM-SECRET"


def test_variable_and_file_variable_both_set_is_an_error(isolated: Path, tmp_path: Path) -> None:
    token_file = tmp_path / "pat.txt"
    token_file.write_text(TOKEN, encoding="utf-8")

    problems = problems_of(
        env(
            isolated,
            CONFLUENCE_URL="http://wiki",
            CONFLUENCE_PAT="other",
            CONFLUENCE_PAT_FILE=str(token_file),
        )
    )

    assert problems[0] == "CONFLUENCE_PAT and CONFLUENCE_PAT_FILE are both set: keep one"


def test_unreadable_file_variable_names_the_variable_and_file(isolated: Path) -> None:
    problems = problems_of(env(isolated, CONFLUENCE_PAT_FILE="/no/such/pat"))

    assert problems == [
        "CONFLUENCE_PAT_FILE (/no/such/pat) cannot be read: No such file or directory"
    ]


def test_secrets_dir_that_was_asked_for_must_exist(tmp_path: Path) -> None:
    problems = problems_of({"CONFLUENCE_KPI_SECRETS_DIR": str(tmp_path / "missing")})

    assert problems == [
        f"CONFLUENCE_KPI_SECRETS_DIR must name a directory, got '{tmp_path / 'missing'}'"
    ]


def test_dotenv_is_read_and_the_environment_wins(isolated: Path, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "CONFLUENCE_SPACE=FROM-DOTENV\nCONFLUENCE_TIMEOUT=7\n", encoding="utf-8"
    )

    settings = load_settings(env(isolated, CONFLUENCE_SPACE="FROM-ENV"))

    assert settings.space == "FROM-ENV"
    assert settings.timeout == 7


def test_empty_value_counts_as_unset(isolated: Path) -> None:
    settings = load_settings(env(isolated, CONFLUENCE_URL="", CONFLUENCE_TIMEOUT=""))

    assert settings.url is None
    assert settings.timeout == 30


def test_process_environment_is_the_default(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLUENCE_KPI_SECRETS_DIR", str(isolated))
    monkeypatch.setenv("CONFLUENCE_SPACE", "FROM-PROCESS")

    assert load_settings().space == "FROM-PROCESS"


def test_catalog_path_is_found_even_when_other_settings_are_broken(isolated: Path) -> None:
    broken = env(isolated, KPI_CONFIG="mine.yaml", CONFLUENCE_URL="ftp://x")

    assert catalog_path(broken) == Path("mine.yaml")
    assert catalog_path(env(isolated)) == Path("config/catalog.yaml")


def test_dotenv_may_hold_other_variables_and_file_variables(isolated: Path, tmp_path: Path) -> None:
    token_file = tmp_path / "pat.txt"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    (tmp_path / ".env").write_text(
        f"EDITOR=vim\nCONFLUENCE_URL=http://wiki\nCONFLUENCE_PAT_FILE={token_file}\n",
        encoding="utf-8",
    )

    settings = load_settings(env(isolated))

    assert settings.pat is not None
    assert settings.pat.get_secret_value() == TOKEN


def test_secrets_dir_may_be_named_in_dotenv(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "CONFLUENCE_SPACE").write_text("FROM-SECRET\n", encoding="utf-8")
    (tmp_path / ".env").write_text(f"CONFLUENCE_KPI_SECRETS_DIR={elsewhere}\n", encoding="utf-8")

    assert load_settings({}).space == "FROM-SECRET"


def test_a_variable_a_catalog_names_is_read_from_every_place_a_setting_is(
    isolated: Path, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("FROM_DOTENV=dotenv-value\n", encoding="utf-8")
    (isolated / "from_secrets").write_text(f"{TOKEN}\n", encoding="utf-8")
    held = tmp_path / "held"
    held.write_text("file-value\n", encoding="utf-8")

    assert secret_variable("FROM_ENV", env(isolated, FROM_ENV="env-value")) == "env-value"
    assert secret_variable("FROM_DOTENV", env(isolated)) == "dotenv-value"
    assert secret_variable("FROM_FILE", env(isolated, FROM_FILE_FILE=str(held))) == "file-value"
    assert secret_variable("FROM_SECRETS", env(isolated)) == TOKEN
    assert secret_variable("NOWHERE", env(isolated)) is None


def test_a_variable_a_catalog_names_set_twice_is_an_error_without_its_value(
    isolated: Path, tmp_path: Path
) -> None:
    held = tmp_path / "held"
    held.write_text(TOKEN, encoding="utf-8")

    with pytest.raises(SettingsError) as raised:
        secret_variable("LOGIN", env(isolated, LOGIN=TOKEN, LOGIN_FILE=str(held)))

    assert raised.value.problems == ["LOGIN and LOGIN_FILE are both set: keep one"]
