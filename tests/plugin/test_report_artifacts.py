"""Every artifact of a failing run is free of the JWTs and the access key: stdout, stderr, the JUnit
XML, the JSON conformance report and its Markdown summary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from plugin_support import Server

ACCESS_KEY = "AQAAAAAAAEGvyZiWA9FMslYeGtestaccesskey"

FAILING_SUITE = """
import logging
import os

from pathlib import Path

import pytest

log = logging.getLogger("downstream")


@pytest.mark.sequence_operation("GetCollection")
@pytest.mark.sequence_privacy("projects-are-isolated")
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
    assert "**projects-are-isolated**" in artifacts["summary"]
    assert "***" in artifacts["stdout"]


PASSWORD = "Qz7k"  # a URL password under 8 characters

PARAMETRIZED_CONFTEST = """
def pytest_generate_tests(metafunc):
    if "token" in metafunc.fixturenames:
        config = metafunc.config
        # Two ids that differ only in their secret: both redacted, they must stay two ids.
        tokens = [config.getoption("--sequence-jwt"), config.getoption("--sequence-other-jwt")]
        metafunc.parametrize("token", tokens, ids=tokens)  # ids made of the secrets, on every pytest
"""

PIECES_SUITE = """
from urllib.parse import urlsplit


def test_pieces(
    token, record_property, record_testsuite_property, record_xml_attribute, sequence_target,
    sequence_collection,
):
    record_property("token", token)
    record_xml_attribute("token", token)
    record_property("signature " + token.rsplit(".", 1)[1], token.rsplit(".", 1)[1])
    record_testsuite_property("suite token", token)
    header, payload, signature = token.split(".")
    print("url", sequence_target.base_url, "password", urlsplit(sequence_target.base_url).password)
    padded = "x" * 300 + token  # its repr is cut to a head and a tail: the signature's end
    assert padded == header


def test_tail(request):
    signature = request.config.getoption("--sequence-jwt").rsplit(".", 1)[1]
    assert signature[-12:] == "not the tail"
"""


def _written_files(root: Path) -> dict[str, bytes]:
    written = {}
    for path in root.rglob("*"):
        if path.is_file() and path.name not in ("conftest.py", "test_pieces.py"):
            written[str(path.relative_to(root))] = path.read_bytes()
    return written


def test_no_file_a_run_writes_holds_a_jwt_or_a_piece_of_one(
    pytester: pytest.Pytester, server: Server
) -> None:
    pytester.makeconftest(PARAMETRIZED_CONFTEST)
    pytester.makepyfile(test_pieces=PIECES_SUITE)
    url = server.url.replace("://", f"://someone:{PASSWORD}@")
    args = [
        "--sequence-url",
        url,
        "--sequence-jwt",
        server.jwt,
        "--sequence-other-jwt",
        server.other_jwt,
        "-p",
        "no:schemathesis",
        "-p",
        "no:hypothesispytest",
    ]
    run = pytester.runpytest_subprocess(
        *args,
        "-v",
        "-l",
        "-rA",
        "--debug",
        "--junitxml=out/junit.xml",
        "-o",
        "junit_family=xunit1",  # the family where record_xml_attribute writes
        "--sequence-report=out/conformance.json",
    )
    run.assert_outcomes(failed=3)
    collect = pytester.runpytest_subprocess(*args, "--collect-only", "--debug=collect-debug.log")
    assert collect.ret == pytest.ExitCode.OK
    rerun = pytester.runpytest_subprocess(*args, "--lf", "-q")
    rerun.assert_outcomes(failed=3)  # `--lf` still finds the failures under their redacted ids

    files = _written_files(pytester.path)
    for name in (
        ".pytest_cache/v/cache/lastfailed",
        ".pytest_cache/v/cache/nodeids",
        "pytestdebug.log",
        "collect-debug.log",
        "out/junit.xml",
        "out/conformance.json",
        "out/conformance.md",
    ):
        assert name in files, f"{name} was not written: the test would prove nothing about it"
    outputs = {
        f"{which} {stream}": getattr(result, stream).str().encode()
        for which, result in {"run": run, "collect": collect, "rerun": rerun}.items()
        for stream in ("stdout", "stderr")
    }
    pieces = {f"password {PASSWORD}": PASSWORD}
    for who, token in {"owner": server.jwt, "other": server.other_jwt}.items():
        header, payload, signature = token.split(".")
        pieces |= {
            f"{who} JWT": token,
            f"{who} header": header,
            f"{who} payload": payload,
            f"{who} signature": signature,
            f"{who} signature head": signature[:8],
            f"{who} signature tail": signature[-8:],
        }
    for where, content in {**files, **outputs}.items():
        for piece_name, piece in pieces.items():
            assert piece.encode() not in content, f"{where} holds the {piece_name}"
        assert b"eyJ" not in content, f"{where} holds a piece of a JWT"

    # Redacted, the run still says what it did: two parametrized tests, failing where the secrets were.
    failed_ids = re.findall(r"test_pieces\[([^\]]*)\] FAILED", run.stdout.str())
    assert failed_ids == ["***", "***-2"]  # renamed, and still two ids
    run.stdout.fnmatch_lines(["signature  = '***'"], consecutive=False)
    assert "url http://someone:***@127.0.0.1:" in run.stdout.str()
    assert "password ***" in run.stdout.str()
    junit = files["out/junit.xml"].decode()
    assert '<property name="token" value="***"' in junit
    assert '<property name="suite token" value="***"' in junit
    assert 'token="***"' in junit  # record_xml_attribute
    collected = re.findall(r"<Function test_pieces\[([^\]]*)\]>", collect.stdout.str())
    assert sorted(collected) == sorted(failed_ids)


def test_a_url_password_too_short_to_redact_is_refused(pytester: pytest.Pytester, server: Server) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    url = server.url.replace("://", "://someone:pw@")
    result = pytester.runpytest("--sequence-url", url, "--sequence-jwt", server.jwt)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line.strip()] == [
        "ERROR: pytest-sequence-metadata: --sequence-url has a password shorter than 4 characters, too "
        "short to be kept out of the output: use a longer one"
    ]


def test_a_run_refused_for_a_bad_setting_writes_no_secret_to_the_debug_log(
    pytester: pytest.Pytester, server: Server
) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess(
        *server.args("--sequence-access-key", ACCESS_KEY, "--sequence-profile", "deep"),
        "--debug",
        "-p",
        "no:schemathesis",
        "-p",
        "no:hypothesispytest",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    debug_log = (pytester.path / "pytestdebug.log").read_text()
    assert "'--sequence-jwt', '***'" in debug_log  # the command line was written, redacted
    for secret in (server.jwt, ACCESS_KEY, ACCESS_KEY[-12:], "eyJ"):
        assert secret not in debug_log
