"""Every artifact of a failing run is free of the JWTs and the access key: stdout, stderr, the JUnit
XML, the JSON conformance report and its Markdown summary."""

from __future__ import annotations

import pytest
from plugin_support import Server

ACCESS_KEY = "AQAAAAAAAEGvyZiWA9FMslYeGtestaccesskey"

FAILING_SUITE = """
import logging
import os

import pytest

log = logging.getLogger("downstream")


@pytest.mark.sequence_operation("GetCollection")
@pytest.mark.sequence_privacy("leaky-rule")
def test_fails_with_every_secret(request, sequence_client, sequence_collection):
    jwt = request.config.getoption("--sequence-jwt")
    key = os.environ["SEQUENCE_ACCESS_KEY"]
    print("jwt", jwt, "key", key, "client", sequence_client)
    log.error("headers: Authorization: Bearer %s X-Access-Key: %s", jwt, key)
    assert sequence_client.get_collection(sequence_collection["id"])["collection"]["id"] == jwt + key


@pytest.mark.sequence_assumption("page-size-cap")
def test_errors_naming_them(request):
    other = request.config.getoption("--sequence-other-jwt")
    raise RuntimeError(other + " " + os.environ["SEQUENCE_ACCESS_KEY"])
"""


def test_no_artifact_of_a_failing_run_holds_a_secret(
    pytester: pytest.Pytester, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEQUENCE_ACCESS_KEY", ACCESS_KEY)
    pytester.makepyfile(FAILING_SUITE)
    result = pytester.runpytest_subprocess(
        *server.args("--sequence-other-jwt", server.other_jwt),
        "-l",
        "-rA",
        "--junitxml=out/junit.xml",
        "-o",
        "junit_logging=all",
        "--sequence-report=out/conformance.json",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(failed=2)
    artifacts = {
        "stdout": result.stdout.str(),
        "stderr": result.stderr.str(),
        "junit": (pytester.path / "out" / "junit.xml").read_text(),
        "report": (pytester.path / "out" / "conformance.json").read_text(),
        "summary": (pytester.path / "out" / "conformance.md").read_text(),
    }
    for where, text in artifacts.items():
        for secret in (server.jwt, server.other_jwt, ACCESS_KEY):
            assert secret not in text, f"{where} holds a secret"
        assert "eyJ" not in text, f"{where} holds a piece of a JWT"
        assert ACCESS_KEY[-12:] not in text, f"{where} holds a piece of the access key"
    # The run did fail where the secrets were, and the report says which operation and rule failed.
    assert "**GetCollection**" in artifacts["summary"]
    assert "**leaky-rule**" in artifacts["summary"]
    assert "***" in artifacts["stdout"]
