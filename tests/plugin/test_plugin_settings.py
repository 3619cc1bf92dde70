"""Settings: precedence CLI > env > ini, provenance in the header, usage errors, the production guard."""

from __future__ import annotations

from typing import Any

import jwt as pyjwt
import pytest
from plugin_support import NetworkRecorder, Server

from pytest_sequence_metadata.emulator import Emulator

PREFIX = "ERROR: pytest-sequence-metadata: "
OWNER_JWT = Emulator().mint_jwt(1, expires_in=None)
SHOW_TARGET = """
from __future__ import annotations


def test_show(sequence_target):
    print("TARGET", sequence_target)
"""


def _ini(pytester: pytest.Pytester, **values: str) -> None:
    lines = "\n".join(f"{key} = {value}" for key, value in values.items())
    pytester.makeini(f"[pytest]\n{lines}\n")


@pytest.mark.parametrize(
    ("ini", "env", "cli", "expected"),
    [
        ("nightly", None, None, "profile nightly (from ini)"),
        ("nightly", "quick", None, "profile quick (from env)"),
        ("quick", "quick", "nightly", "profile nightly (from CLI)"),
        (None, None, None, "profile quick (from default)"),
    ],
)
def test_precedence_is_cli_then_env_then_ini(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    ini: str | None,
    env: str | None,
    cli: str | None,
    expected: str,
) -> None:
    if ini:
        _ini(pytester, sequence_profile=ini)
    if env:
        monkeypatch.setenv("SEQUENCE_PROFILE", env)
    pytester.makepyfile(SHOW_TARGET)
    result = pytester.runpytest("-s", *(["--sequence-profile", cli] if cli else []))
    result.assert_outcomes(passed=1)
    value = expected.split()[1]
    result.stdout.fnmatch_lines(
        [
            "sequence-metadata: target emulator http://sequence-metadata.emulator (embedded, in-process)",
            "sequence-metadata: owner project 1 (from emulator), other project 2 (from emulator), "
            + expected,
            f"*TARGET Target(kind='emulator', *, profile='{value}')",
        ]
    )


def test_live_header_shows_where_each_setting_came_from_and_no_secret(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: Server
) -> None:
    _ini(pytester, sequence_rate_limit="50/s", sequence_request_budget="100", sequence_profile="nightly")
    monkeypatch.setenv("SEQUENCE_URL", server.url)
    monkeypatch.setenv("SEQUENCE_JWT", server.jwt)
    monkeypatch.setenv("SEQUENCE_REQUEST_BUDGET", "500")
    pytester.makepyfile(SHOW_TARGET)
    result = pytester.runpytest("-s", "--sequence-other-jwt", server.other_jwt, "--sequence-sweep-age", "2h")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            f"sequence-metadata: target live {server.url} (url from env)",
            "sequence-metadata: owner project 1 (from JWT claim), other project 2 (from JWT claim), "
            "profile nightly (from ini)",
            f"sequence-metadata: settings url={server.url} (env), jwt=*** (env), project_id=1 (JWT claim), "
            "other_jwt=*** (CLI), other_project_id=2 (JWT claim), rate_limit=50/s (ini), "
            "request_budget=500 (env), profile=nightly (ini), sweep_age=7200s (CLI)",
            f"*TARGET Target(kind='live', base_url='{server.url}', project_id=1, other_project_id=2, "
            "profile='nightly')",
        ]
    )
    output = result.stdout.str() + result.stderr.str()
    assert server.jwt not in output
    assert server.other_jwt not in output
    assert "eyJ" not in output


def test_header_hides_credentials_in_the_url(pytester: pytest.Pytester, server: Server) -> None:
    with_password = server.url.replace("http://", "http://someone:hunter2hunter2@")
    pytester.makepyfile(SHOW_TARGET)
    result = pytester.runpytest("--sequence-url", with_password, "--sequence-jwt", server.jwt)
    result.stdout.fnmatch_lines([f"sequence-metadata: target live {server.url} (url from CLI)"])
    assert "hunter2" not in result.stdout.str()


def test_project_id_from_ini_agrees_with_the_claim(pytester: pytest.Pytester, server: Server) -> None:
    _ini(pytester, sequence_project_id="1")
    pytester.makepyfile(SHOW_TARGET)
    result = pytester.runpytest(*server.args())
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["sequence-metadata: owner project 1 (from ini), *"])


def _jwt(claims: dict[str, Any]) -> str:
    return pyjwt.encode(claims, "a-secret-of-another-issuer-000000", algorithm="HS256")


URL = ["--sequence-url", "http://127.0.0.1:9"]
USAGE_ERRORS = {
    "missing JWT": (
        URL,
        {},
        "--sequence-url is set but the owner JWT is missing: pass --sequence-jwt or set SEQUENCE_JWT",
    ),
    "URL with another scheme": (
        ["--sequence-url", "ftp://metadata.example"],
        {},
        "--sequence-url must be an http(s) URL such as https://dev-metadata.sequence.app, "
        "got 'ftp://metadata.example'",
    ),
    "URL without a scheme, from env": (
        [],
        {"SEQUENCE_URL": "localhost:8765"},
        "--sequence-url (from SEQUENCE_URL) must be an http(s) URL such as "
        "https://dev-metadata.sequence.app, got 'localhost:8765'",
    ),
    "project id not a number": (
        [*URL, "--sequence-jwt", OWNER_JWT, "--sequence-project-id", "abc"],
        {},
        "--sequence-project-id must be a positive whole number, got 'abc'",
    ),
    "project id zero, from env": (
        [*URL, "--sequence-jwt", OWNER_JWT],
        {"SEQUENCE_PROJECT_ID": "0"},
        "--sequence-project-id (from SEQUENCE_PROJECT_ID) must be a positive whole number, got '0'",
    ),
    "JWT not a JWT": (
        [*URL, "--sequence-jwt", "not-a-jwt-at-all"],
        {},
        "--sequence-jwt is not a JWT (expected three base64url parts separated by dots)",
    ),
    "other JWT not a JWT, from env": (
        [*URL, "--sequence-jwt", OWNER_JWT],
        {"SEQUENCE_OTHER_JWT": "still-not-a-jwt"},
        "--sequence-other-jwt (from SEQUENCE_OTHER_JWT) is not a JWT "
        "(expected three base64url parts separated by dots)",
    ),
    "project id contradicts the claim": (
        [*URL, "--sequence-jwt", OWNER_JWT, "--sequence-project-id", "7"],
        {},
        "--sequence-project-id is 7 but the owner JWT is for project 1: drop --sequence-project-id or "
        "use that project's JWT",
    ),
    "no project claim and no project id": (
        [*URL, "--sequence-jwt", _jwt({"sub": "service"})],
        {},
        "no owner project id: pass --sequence-project-id or set SEQUENCE_PROJECT_ID "
        "(the owner JWT has no 'project' claim)",
    ),
    "bad rate limit": (
        ["--sequence-rate-limit", "fast"],
        {},
        "--sequence-rate-limit must look like 5/s, 100/m or 1000/h, got 'fast'",
    ),
    "zero rate limit, from env": (
        [],
        {"SEQUENCE_RATE_LIMIT": "0/s"},
        "--sequence-rate-limit (from SEQUENCE_RATE_LIMIT) must look like 5/s, 100/m or 1000/h, got '0/s'",
    ),
    "bad request budget": (
        ["--sequence-request-budget", "-3"],
        {},
        "--sequence-request-budget must be a positive whole number, got '-3'",
    ),
    "bad profile": (
        ["--sequence-profile", "deep"],
        {},
        "--sequence-profile must be quick or nightly, got 'deep'",
    ),
    "bad sweep age": (
        ["--sequence-sweep-age", "soon"],
        {},
        "--sequence-sweep-age must look like 30m, 2h or 1d, got 'soon'",
    ),
    "other project is the owner": (
        [*URL, "--sequence-jwt", OWNER_JWT, "--sequence-other-jwt", _jwt({"project": 1})],
        {},
        "the second project (1) is the owner project: isolation checks need another project's JWT in "
        "--sequence-other-jwt / SEQUENCE_OTHER_JWT",
    ),
    "other project id is the owner's": (
        [*URL, "--sequence-jwt", OWNER_JWT, "--sequence-other-project-id", "1"],
        {},
        "the second project (1) is the owner project: isolation checks need another project's JWT in "
        "--sequence-other-jwt / SEQUENCE_OTHER_JWT",
    ),
    "production without the flag": (
        ["--sequence-url", "https://metadata.sequence.app", "--sequence-jwt", OWNER_JWT],
        {},
        "--sequence-url points at production (metadata.sequence.app), where this suite writes; refusing "
        "before any request. Pass --sequence-allow-production to run there anyway",
    ),
}


@pytest.mark.parametrize(("args", "env", "message"), USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_usage_errors_are_one_line_with_exit_code_4(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    message: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile(SHOW_TARGET)
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line.strip()] == [PREFIX + message]
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output
    assert OWNER_JWT not in output


def test_secrets_are_never_read_from_ini(pytester: pytest.Pytester) -> None:
    _ini(pytester, sequence_url="http://127.0.0.1:9", sequence_jwt=OWNER_JWT)
    pytester.makepyfile(SHOW_TARGET)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    [line] = [line for line in result.stderr.lines if line.strip()]
    assert line == (
        f"{PREFIX}sequence_jwt is set in {pytester.path / 'tox.ini'}, but secrets are never read from ini "
        "files: pass --sequence-jwt or set SEQUENCE_JWT"
    )
    assert OWNER_JWT not in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize(
    "ini",
    [
        f"[pytest]\naddopts = --sequence-url http://127.0.0.1:9 --sequence-jwt {OWNER_JWT}\n",
        f"[pytest]\naddopts = -q --sequence-jwt={OWNER_JWT}\n",
        # What pytest-env would put in the environment: still a JWT written in the ini file.
        f"[pytest]\nenv =\n    SEQUENCE_JWT={OWNER_JWT}\n",
    ],
    ids=["addopts", "addopts-equals", "other-key"],
)
def test_a_jwt_written_anywhere_in_the_ini_file_is_refused(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ini: str
) -> None:
    pytester.makeini(ini)
    monkeypatch.setenv("SEQUENCE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SEQUENCE_JWT", OWNER_JWT)  # as pytest-env would have set it
    pytester.makepyfile(SHOW_TARGET)
    result = pytester.runpytest("-W", "ignore::pytest.PytestConfigWarning")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line.strip()] == [
        f"{PREFIX}--sequence-jwt is set in {pytester.path / 'tox.ini'}, but secrets are never read from ini "
        "files: pass --sequence-jwt or set SEQUENCE_JWT"
    ]
    assert OWNER_JWT not in result.stdout.str() + result.stderr.str()


def test_a_jwt_from_the_environment_is_fine_next_to_an_ini_file(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: Server
) -> None:
    pytester.makeini("[pytest]\naddopts = -q\nsequence_profile = quick\n")
    monkeypatch.setenv("SEQUENCE_JWT", server.jwt)
    pytester.makepyfile(SHOW_TARGET)
    result = pytester.runpytest("--sequence-url", server.url)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=1)


def test_help_and_markers_work_whatever_the_settings(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEQUENCE_URL", "not a url")
    assert pytester.runpytest("--help").ret == pytest.ExitCode.OK
    assert pytester.runpytest("--markers").ret == pytest.ExitCode.OK
    assert pytester.runpytest().ret == pytest.ExitCode.USAGE_ERROR


PRODUCTION_TEST = """
from __future__ import annotations


def test_list(sequence_client):
    sequence_client.list_collections()
"""


@pytest.mark.parametrize("extra", [[], ["--sequence-sweep"]], ids=["plain", "sweep"])
def test_production_is_refused_before_any_request(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, extra: list[str]
) -> None:
    recorder = NetworkRecorder(monkeypatch)
    pytester.makepyfile(PRODUCTION_TEST)
    args = ["--sequence-url", "https://METADATA.sequence.app./", "--sequence-jwt", OWNER_JWT, *extra]
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines[0].startswith(f"{PREFIX}--sequence-url points at production")
    assert recorder.attempts == []

    # The same run, allowed: the recorder sees the attempt, so its silence above means something.
    result = pytester.runpytest(*args, "--sequence-allow-production")
    assert result.stderr.lines[0] == (
        f"{PREFIX}checking https://METADATA.sequence.app. (--sequence-url) failed: RuntimeError: network "
        "refused by the test"
    )
    assert recorder.attempts[0] == "http metadata.sequence.app."
