"""No secret reaches the terminal, the JUnit XML, the log file or captured logs, whatever a test prints."""

from __future__ import annotations

import pytest
from plugin_support import Server

LEAKY_TESTS = """
from __future__ import annotations

import logging

import pytest

log = logging.getLogger("downstream.app")


@pytest.fixture
def jwt(request):
    return request.config.getoption("--sequence-jwt")


def test_prints_logs_and_fails(jwt, sequence_client, sequence_token):
    print("client:", sequence_client, "token:", sequence_token, "jwt:", jwt)
    log.warning("calling the API with %s", jwt)
    try:
        raise RuntimeError(f"rejected {jwt}")
    except RuntimeError:
        log.exception("the call broke")
    headers = {"Authorization": f"Bearer {jwt}"}
    assert headers == {}


def test_fails_naming_it(jwt):
    pytest.fail(f"could not use {jwt}")


def test_warns_with_it(jwt):
    import warnings

    warnings.warn(f"deprecated token {jwt}", UserWarning, stacklevel=1)


def test_caplog_sees_redacted_records(jwt, caplog):
    log.warning("token=%s", jwt)
    assert caplog.messages == ["token=***"]
    assert jwt not in caplog.text
    assert caplog.records[0].getMessage() == "token=***"
"""


def test_the_jwt_appears_nowhere(pytester: pytest.Pytester, server: Server) -> None:
    pytester.makepyfile(LEAKY_TESTS)
    result = pytester.runpytest(
        *server.args(),
        "-l",
        "-rA",
        "--junitxml=report.xml",
        "-o",
        "junit_logging=all",
        "-o",
        "log_cli=true",
        "--log-file=run.log",
        "-W",
        "default:deprecated token:UserWarning",  # this suite's filterwarnings=error reaches the inner run
    )
    result.assert_outcomes(passed=2, failed=2, warnings=1)
    stdout, stderr = result.stdout.str(), result.stderr.str()
    junit = (pytester.path / "report.xml").read_text()
    log_file = (pytester.path / "run.log").read_text()
    signature = server.jwt.rsplit(".", 1)[1]
    for where, text in {"stdout": stdout, "stderr": stderr, "junit": junit, "log file": log_file}.items():
        assert server.jwt not in text, where
        # Not even a piece of it: an assertion message shortens long values and cuts the JWT.
        assert "eyJ" not in text, where
        assert signature[-8:] not in text, where
    # The places the JWT would have been show the placeholder instead.
    result.stdout.fnmatch_lines(
        [
            "*WARNING *calling the API with ***",  # live logging
            "jwt        = '***'",  # -l: the locals of the failing test
            "client: MetadataClient(base_url='http://127.0.0.1:*', project_id=1, jwt='***') token: *jwt: ***",
            "*RuntimeError: rejected ***",  # the logged traceback
            "*UserWarning: deprecated token ***",  # the warnings summary
            # The one-line summaries still name the exception (the report kept its structure).
            "FAILED *::test_prints_logs_and_fails - Assert*",
            "FAILED *::test_fails_naming_it - Failed*",
        ],
        consecutive=False,
    )
    assert "could not use ***" in junit
    assert "calling the API with ***" in junit
    assert "calling the API with ***" in log_file
    assert "RuntimeError: rejected ***" in log_file
