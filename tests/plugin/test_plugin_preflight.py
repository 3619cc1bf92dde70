"""A live target is checked once before the first test: reachable, TLS fine, each JWT accepted, the
project id right. A problem ends the run with one line and exit code 4; later connection errors are
one short report per test, not a transport traceback."""

from __future__ import annotations

import socket

import pytest
from plugin_support import Server

from pytest_sequence_metadata.client.core import RetryPolicy
from pytest_sequence_metadata.emulator import Emulator

PREFIX = "ERROR: pytest-sequence-metadata: "
FOREIGN_SECRET = "a secret that is not the server's, long enough for HS256"
USES_THE_API = """
from __future__ import annotations


def test_lists(sequence_client):
    sequence_client.list_collections()
"""


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_stopped_with(result: pytest.RunResult, line: str, *secrets: str) -> None:
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [text for text in result.stderr.lines if text.strip()] == [PREFIX + line]
    output = result.stdout.str() + result.stderr.str()
    assert "collected" not in output  # no test was even collected
    assert "Traceback" not in output
    for secret in secrets:
        assert secret not in output


def test_an_unreachable_url_stops_the_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USES_THE_API)
    url = f"http://127.0.0.1:{closed_port()}"
    jwt = Emulator().mint_jwt(1)
    result = pytester.runpytest("--sequence-url", url, "--sequence-jwt", jwt)
    assert_stopped_with(
        result,
        f"cannot reach {url} (--sequence-url): Connection refused; check the URL and that the service runs",
        jwt,
    )


def test_tls_trouble_stops_the_run(pytester: pytest.Pytester, server: Server) -> None:
    pytester.makepyfile(USES_THE_API)
    url = server.url.replace("http://", "https://")  # the emulator speaks plain HTTP
    result = pytester.runpytest("--sequence-url", url, "--sequence-jwt", server.jwt)
    result.stderr.fnmatch_lines(
        [f"{PREFIX}TLS with {url} failed (--sequence-url): *; check the URL's scheme*"]
    )
    assert_stopped_with(result, result.stderr.lines[0].removeprefix(PREFIX), server.jwt)


def test_a_refused_owner_jwt_stops_the_run(pytester: pytest.Pytester, server: Server) -> None:
    pytester.makepyfile(USES_THE_API)
    forged = Emulator(jwt_secret=FOREIGN_SECRET).mint_jwt(1)
    result = pytester.runpytest("--sequence-url", server.url, "--sequence-jwt", forged)
    assert_stopped_with(
        result,
        f"{server.url} refused the owner JWT (--sequence-jwt): Unauthorized (HTTP 401); pass a valid "
        "secret service JWT of project 1",
        forged,
    )
    assert server.collections() == []


def test_a_refused_other_jwt_stops_the_run(
    pytester: pytest.Pytester, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(USES_THE_API)
    forged = Emulator(jwt_secret=FOREIGN_SECRET).mint_jwt(2)
    monkeypatch.setenv("SEQUENCE_OTHER_JWT", forged)
    result = pytester.runpytest(*server.args())
    assert_stopped_with(
        result,
        f"{server.url} refused the second project's JWT (--sequence-other-jwt (from SEQUENCE_OTHER_JWT)): "
        "Unauthorized (HTTP 401); pass a valid secret service JWT of project 2",
        forged,
        server.jwt,
    )


def test_a_project_id_the_jwt_does_not_say_stops_the_run(pytester: pytest.Pytester, server: Server) -> None:
    pytester.makepyfile(USES_THE_API)
    result = pytester.runpytest(*server.args("--sequence-project-id", "5"))
    assert_stopped_with(
        result,
        "--sequence-project-id is 5 but the owner JWT is for project 1: drop --sequence-project-id or use "
        "that project's JWT",
        server.jwt,
    )


def test_a_good_target_runs(pytester: pytest.Pytester, server: Server) -> None:
    pytester.makepyfile(USES_THE_API)
    result = pytester.runpytest(*server.args("--sequence-other-jwt", server.other_jwt))
    result.assert_outcomes(passed=1)


def test_no_check_when_no_test_runs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USES_THE_API)
    args = ("--sequence-url", f"http://127.0.0.1:{closed_port()}", "--sequence-jwt", Emulator().mint_jwt(1))
    assert pytester.runpytest(*args, "--collect-only").ret == pytest.ExitCode.OK
    assert pytester.runpytest(*args, "--help").ret == pytest.ExitCode.OK
    assert pytester.runpytest(*args, "--fixtures").ret == pytest.ExitCode.OK
    assert pytester.runpytest(*args).ret == pytest.ExitCode.USAGE_ERROR  # the same, running tests


def test_a_connection_lost_later_is_one_short_report_per_test(
    pytester: pytest.Pytester, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each call still retries as often as the policy says, without the backoff's seconds of sleep.
    monkeypatch.setattr(RetryPolicy, "delay", lambda policy, state: 0.0)
    # The server goes away after the check passed: each test says so in two lines.
    pytester.makeconftest(
        "import pytest\n\n\n@pytest.fixture(autouse=True)\ndef _gone(request):\n"
        "    request.config._sequence_test_server_stop()\n"
    )
    pytester.makepyfile(
        "def test_one(sequence_client):\n    sequence_client.get_collection(1)\n\n\n"
        "def test_two(sequence_client):\n    sequence_client.get_collection(2)\n"
    )

    class StopServer:
        @pytest.hookimpl
        def pytest_configure(self, config: pytest.Config) -> None:
            config._sequence_test_server_stop = server.handle.stop  # type: ignore[attr-defined]

    result = pytester.runpytest(*server.args(), plugins=[StopServer()])
    result.assert_outcomes(failed=2)
    output = result.stdout.str()
    assert "httpcore" not in output
    assert "Traceback" not in output
    result.stdout.fnmatch_lines(
        [
            "*_ test_one _*",
            f"pytest-sequence-metadata: lost the connection to {server.url}: ConnectError: *refused",
            "  in test_a_connection_lost_later_is_one_short_report_per_test.py:2 (test_one)",
            "*_ test_two _*",
        ]
    )
