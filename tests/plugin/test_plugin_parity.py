"""--sequence-record and --sequence-parity: record a standalone emulator (a live target to the plugin,
started with `serve --mutation`), compare on the clean embedded emulator, and check that the
differences are exactly where the injected bug shows, that recordings are stable and hold no secret."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from plugin_support import LEAN
from warm_pytest import runpytest_warm

from pytest_sequence_metadata.pytest.recording import FORMAT, VERSION
from pytest_sequence_metadata.pytest.report import schema_path

CONTROL_TOKEN = "parity-control-token-0123456789abcdef"

FLOWS = """
from __future__ import annotations

from pytest_sequence_metadata.suite.helpers import new_token_id
from pytest_sequence_metadata.suite.samples import tiny_png


def test_upload(sequence_client, sequence_collection):
    cid = sequence_collection["id"]
    token_id = new_token_id()
    sequence_client.create_token(cid, {"tokenId": token_id, "name": "t"}, private=False)
    asset = sequence_client.create_asset({"collectionId": cid, "tokenId": token_id, "metadataField": "image"})
    sequence_client.upload_asset(
        cid, asset["asset"]["id"], tiny_png(4, 3), filename="image.png", content_type="image/png"
    )
    sequence_client.publish_collection(cid)


def test_update(sequence_client, sequence_collection):
    cid = sequence_collection["id"]
    sequence_client.update_collection({"id": cid, "metadata": {"name": "renamed", "description": "kept"}})
    sequence_client.get_collection(cid)


def test_tokens(sequence_client, sequence_anon_client, sequence_collection):
    cid = sequence_collection["id"]
    for _ in range(3):
        sequence_client.create_token(cid, {"tokenId": new_token_id(), "name": "t"}, private=False)
    sequence_client.list_tokens(cid, page={"page": 1, "pageSize": 2})
    sequence_client.publish_collection(cid)
    sequence_anon_client.public_collection_metadata(cid)
"""

# Fails on a server whose uploads swap width and height, after its upload and before more calls.
FAILS_ON_SWAPPED = """
from __future__ import annotations

from pytest_sequence_metadata.suite.helpers import new_token_id
from pytest_sequence_metadata.suite.samples import tiny_png


def test_checks_dimensions(sequence_client, sequence_collection):
    cid = sequence_collection["id"]
    token_id = new_token_id()
    sequence_client.create_token(cid, {"tokenId": token_id, "name": "t"}, private=False)
    asset = sequence_client.create_asset({"collectionId": cid, "tokenId": token_id, "metadataField": "image"})
    uploaded = sequence_client.upload_asset(
        cid, asset["asset"]["id"], tiny_png(4, 3), filename="image.png", content_type="image/png"
    )
    assert uploaded["width"] == 4
    sequence_client.get_collection(cid)
    sequence_client.publish_collection(cid)
"""

# The same check in a fixture: the live test stops in its setup, and its call never runs.
FAILS_IN_SETUP = """
from __future__ import annotations

import pytest
from pytest_sequence_metadata.suite.helpers import new_token_id
from pytest_sequence_metadata.suite.samples import tiny_png


@pytest.fixture
def uploaded(sequence_client, sequence_collection):
    cid = sequence_collection["id"]
    token_id = new_token_id()
    sequence_client.create_token(cid, {"tokenId": token_id, "name": "t"}, private=False)
    asset = sequence_client.create_asset({"collectionId": cid, "tokenId": token_id, "metadataField": "image"})
    found = sequence_client.upload_asset(
        cid, asset["asset"]["id"], tiny_png(4, 3), filename="image.png", content_type="image/png"
    )
    assert found["width"] == 4
    return found


def test_checks_dimensions(sequence_client, sequence_collection, uploaded):
    sequence_client.get_collection(sequence_collection["id"])
    sequence_client.publish_collection(sequence_collection["id"])
"""


@dataclass
class Standalone:
    """`sequence-metadata-emulator serve` in a subprocess, and JWTs from its `token` command."""

    process: subprocess.Popen[str]
    url: str
    jwt: str

    def args(self, *extra: str) -> list[str]:
        return ["--sequence-url", self.url, "--sequence-jwt", self.jwt, *extra]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest_sequence_metadata.emulator", *args]


def _start(*mutations: str) -> Standalone:
    flags = [part for name in mutations for part in ("--mutation", name)]
    process = subprocess.Popen(
        _cli("serve", "--port", "0", "--control-token", CONTROL_TOKEN, *flags),
        stdout=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("SEQUENCE_")},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"listening on (http://\S+)", line)
    assert found, line
    jwt = subprocess.run(
        _cli("token", "--project", "1", "--expires-in", "86400"), capture_output=True, text=True, check=True
    ).stdout.strip()
    return Standalone(process, found.group(1), jwt)


@pytest.fixture(scope="module")
def standalone(request: pytest.FixtureRequest) -> Iterator[Standalone]:
    """A standalone emulator with the mutations an indirect `parametrize` names (none without one),
    shared by the module's tests that name the same: each run cleans up what it made."""
    server = _start(*getattr(request, "param", ()))
    try:
        yield server
    finally:
        server.stop()


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return runpytest_warm(pytester, *LEAN, *args)


def record(pytester: pytest.Pytester, server: Standalone, directory: str = "rec", *extra: str) -> Path:
    run(pytester, *server.args("--sequence-record", directory), *extra)
    return pytester.path / directory


def parity(
    pytester: pytest.Pytester, directory: str = "rec", *extra: str
) -> tuple[pytest.RunResult, dict[str, Any]]:
    result = run(pytester, "--sequence-parity", directory, "--sequence-report", "out/report.json", *extra)
    report = json.loads((pytester.path / "out" / "report.json").read_text())
    jsonschema.validate(report, json.loads(schema_path().read_text()))
    return result, report


def places(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(test name, operation, JSON path) of every difference in a report."""
    return {
        (d["test"].rsplit("::", 1)[-1], d["operation"], d["path"]) for d in report["parity"]["differences"]
    }


SWAPPED = {
    ("test_upload", "UploadAsset", "body.width"),
    ("test_upload", "UploadAsset", "body.height"),
}
DROPPED = {
    ("test_update", "UpdateCollection", "body.collection.metadata.description"),
    ("test_update", "GetCollection", "body.collection.metadata.description"),
}


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [("upload-swapped-dimensions", SWAPPED), ("update-drops-description", DROPPED)],
)
def test_differences_are_exactly_where_the_injected_bug_shows(
    pytester: pytest.Pytester, mutation: str, expected: set[tuple[str, str, str]]
) -> None:
    pytester.makepyfile(test_flows=FLOWS)
    server = _start(mutation)
    try:
        record(pytester, server)
    finally:
        server.stop()
    result, report = parity(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=3)  # the tests pass on the clean emulator: the run fails for parity
    assert places(report) == expected
    assert report["parity"]["verdict"] == "failed"
    assert report["parity"]["compared"] == 3
    assert report["run"]["exitStatus"] == 1
    for difference in report["parity"]["differences"]:
        assert difference["recorded"] != difference["emulator"]
        assert difference["known"] is None
    result.stdout.fnmatch_lines(["*sequence-metadata: parity with the recordings*", "new: *test_flows.py::*"])
    summary = (pytester.path / "out" / "report.md").read_text()
    assert "## Parity" in summary
    assert f"`{sorted(expected)[0][2]}`" in summary


def test_a_clean_recording_compares_with_no_difference_also_under_xdist(
    pytester: pytest.Pytester, standalone: Standalone
) -> None:
    pytester.makepyfile(test_flows=FLOWS)
    record(pytester, standalone, "rec", "-n", "2")
    assert len(list((pytester.path / "rec").glob("*.json"))) == 3
    for extra in ((), ("-n", "2")):
        result, report = parity(pytester, "rec", *extra)
        assert result.ret == pytest.ExitCode.OK, result.stdout.str()
        assert report["parity"]["differences"] == []
        assert report["parity"]["compared"] == 3
        assert report["parity"]["verdict"] == "passed"


@pytest.mark.parametrize("standalone", [("upload-swapped-dimensions",)], indirect=True)
def test_the_mutation_shows_in_the_same_places_under_xdist(
    pytester: pytest.Pytester, standalone: Standalone
) -> None:
    pytester.makepyfile(test_flows=FLOWS)
    record(pytester, standalone, "rec", "-n", "2")
    result, report = parity(pytester, "rec", "-n", "2")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert places(report) == SWAPPED


@pytest.mark.parametrize("standalone", [("upload-swapped-dimensions",)], indirect=True)
@pytest.mark.parametrize("phase", ["call", "setup"])
def test_what_a_failing_test_recorded_before_its_failure_is_compared(
    pytester: pytest.Pytester, standalone: Standalone, phase: str
) -> None:
    pytester.makepyfile(test_fails=FAILS_ON_SWAPPED if phase == "call" else FAILS_IN_SETUP)
    outcome = run(pytester, *standalone.args("--sequence-record", "rec"))
    outcome.assert_outcomes(**({"failed": 1} if phase == "call" else {"errors": 1}))
    [path] = (pytester.path / "rec").glob("*.json")
    recording = json.loads(path.read_text())
    assert (recording["outcome"], recording["failedIn"]) == ("failed", phase)
    stopped = [e["operation"] for e in recording["exchanges"] if e["phase"] == phase]
    assert stopped[-3:] == ["CreateToken", "CreateAsset", "UploadAsset"]  # nothing after the assertion
    if phase == "setup":
        assert not [e for e in recording["exchanges"] if e["phase"] == "call"]
    assert [e["operation"] for e in recording["exchanges"] if e["phase"] == "teardown"]
    result, report = parity(pytester)
    result.assert_outcomes(passed=1)  # on the clean emulator it passes, and makes two more calls
    assert places(report) == {
        ("test_checks_dimensions", "UploadAsset", "body.width"),
        ("test_checks_dimensions", "UploadAsset", "body.height"),
    }


ACCESS_KEY = "AQAAAAAAAAparityAccessKey0123456789"

# The second project's client too, and a clone of the owner's client (sent with the owner's JWT).
USES_EVERY_IDENTITY = """
from __future__ import annotations

import pytest
from pytest_sequence_metadata.client.errors import WebrpcError


def test_other_project_and_a_clone(sequence_client, sequence_other_client, sequence_collection):
    with pytest.raises(WebrpcError):
        sequence_other_client.get_collection(sequence_collection["id"], project_id=sequence_client.project_id)
    sequence_client.with_auth_scheme("BEARER").get_collection(sequence_collection["id"])
"""


def test_recordings_hold_no_secret_and_are_the_same_twice(
    pytester: pytest.Pytester, standalone: Standalone
) -> None:
    pytester.makepyfile(test_flows=FLOWS, test_identities=USES_EVERY_IDENTITY)
    other_jwt = subprocess.run(
        _cli("token", "--project", "2", "--expires-in", "86400"), capture_output=True, text=True, check=True
    ).stdout.strip()
    secrets = ("--sequence-other-jwt", other_jwt, "--sequence-access-key", ACCESS_KEY)
    first = record(pytester, standalone, "first", *secrets)
    second = record(pytester, standalone, "second", *secrets)
    names = sorted(p.name for p in first.glob("*.json"))
    assert names == sorted(p.name for p in second.glob("*.json"))
    assert len(names) == 4
    identities = json.loads(next(first.glob("test_identities*.json")).read_text())["exchanges"]
    assert {e["request"]["identity"] for e in identities} == {"owner", "other"}
    pieces = [standalone.jwt, *standalone.jwt.split("."), other_jwt, *other_jwt.split("."), ACCESS_KEY]
    pieces.append(CONTROL_TOKEN)
    for name in names:
        text = (first / name).read_text()
        assert text == (second / name).read_text(), name
        for piece in pieces:
            assert piece not in text
        assert not re.search(r"eyJ[A-Za-z0-9_-]{5,}", text)
        assert standalone.url not in text  # the base URL is a symbol
        loaded = json.loads(text)
        assert (loaded["format"], loaded["version"]) == (FORMAT, VERSION)
        assert all(set(e["headers"]) <= {"content-type", "webrpc"} for e in loaded["exchanges"])
        assert all("authorization" not in json.dumps(e["request"]).lower() for e in loaded["exchanges"])


@pytest.mark.parametrize("standalone", [("upload-swapped-dimensions",)], indirect=True)
def test_known_differences_pass_and_stale_entries_are_reported(
    pytester: pytest.Pytester, standalone: Standalone
) -> None:
    pytester.makepyfile(test_flows=FLOWS)
    directory = record(pytester, standalone)
    (directory / "parity-known.yaml").write_text(
        "- match: {operation: UploadAsset, path: 'body.[wh]*'}\n"
        "  reason: staging reports dimensions its own way\n"
        "- match: {operation: DeleteAsset}\n"
        "  reason: an old difference that is gone\n"
    )
    result, report = parity(pytester)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert places(report) == SWAPPED
    assert {d["known"] for d in report["parity"]["differences"]} == {"staging reports dimensions its own way"}
    assert report["parity"]["stale"] == [
        {"match": {"operation": "DeleteAsset"}, "reason": "an old difference that is gone"}
    ]
    result.stdout.fnmatch_lines(["known (staging reports dimensions its own way): *", "stale entry of *"])


def test_tests_without_a_recording_are_listed_not_failed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_flows=FLOWS)
    (pytester.path / "rec").mkdir()
    result, report = parity(pytester)
    assert result.ret == pytest.ExitCode.OK
    assert report["parity"]["compared"] == 0
    assert len(report["parity"]["notRecorded"]) == 3
    result.stdout.fnmatch_lines(["3 test(s) without a recording (not compared)*"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--sequence-record", "rec"), "*--sequence-record records a live target: set --sequence-url*"),
        (("--sequence-parity", "nowhere"), "*--sequence-parity names 'nowhere', which is not a directory*"),
    ],
)
def test_usage_errors(pytester: pytest.Pytester, args: tuple[str, ...], message: str) -> None:
    pytester.makepyfile(test_flows=FLOWS)
    result = run(pytester, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stderr.str()


def test_a_malformed_known_file_is_a_one_line_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_flows=FLOWS)
    (pytester.path / "rec").mkdir()
    (pytester.path / "rec" / "parity-known.yaml").write_text("- match: {operation: X}\n")
    result = run(pytester, "--sequence-parity", "rec")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*parity-known.yaml entry 1 must have exactly the keys `match` and `reason`*"]
    )
    assert "Traceback" not in result.stderr.str()


def test_symbols_keep_a_changed_type_and_case_visible() -> None:
    from pytest_sequence_metadata.pytest.recording import Normaliser

    normaliser = Normaliser(("http://api.test",), {7: "$project"}, "run123")
    body = {
        "projectId": 7,
        "token": {"tokenId": 123456},
        "collection": {"id": 42, "metadata": {"name": "pytest x run123-gw1-3"}},
        "contractAddress": "0xAbC0000000000000000000000000000000000001",
        "msg": "token 123456 not found in collection 42 (limit {1,78})",
        "url": "http://api.test/projects/7/collections/42/tokens/555/image.png",
        "updatedAt": "2026-01-02T03:04:05.123Z",
    }
    assert normaliser.value(body) == {
        "projectId": "$project",
        "token": {"tokenId": "$token1 (number)"},  # a token id is a string: a number stays visible
        "collection": {"id": "$collection1", "metadata": {"name": "pytest x $name1"}},
        "contractAddress": "$contract1 (mixed case)",
        "msg": "token $token1 not found in collection $collection1 (limit {1,78})",
        "url": "$base/projects/$project/collections/$collection1/tokens/$token2/image.png",
        "updatedAt": "$time",
    }
    assert normaliser.value({"contractAddress": "0xabc0000000000000000000000000000000000001"}) == {
        "contractAddress": "$contract1"
    }
