"""What a run created is recorded with the identity that created it, on disk as it happens, so that
cleanup deletes it with that identity and `--sequence-sweep` deletes what a killed run left."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from plugin_support import Server

from pytest_sequence_metadata.journal import CACHE_DIR

# No `-p no:cacheprovider` here: the journal lives in pytest's cache directory.
NO_CONTRACT_PLUGINS = ("-p", "no:schemathesis", "-p", "no:hypothesispytest")

EMULATOR_STATE_REPORTER = """
from __future__ import annotations

from pytest_sequence_metadata.runtime import get_runtime


def pytest_unconfigure(config):
    print("EMULATOR STATE", get_runtime(config).emulator().emulator.backend.stats())
"""

THROUGH_OTHER_CREDENTIALS = """
from __future__ import annotations


def test_makes_through_other_credentials(sequence_client, sequence_emulator):
    for project in (2, 3):
        other = sequence_client.with_credentials(sequence_emulator.mint_jwt(project), project)
        made = other.create_collection({"metadata": {"name": f"in project {project}"}})
        other.create_token(made["collection"]["id"], {"tokenId": "1", "name": "one"})
"""


def test_what_a_clone_with_other_credentials_creates_is_deleted_with_them(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(EMULATOR_STATE_REPORTER)
    pytester.makepyfile(THROUGH_OTHER_CREDENTIALS)
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        ["EMULATOR STATE {'projects': *, 'collections': 0, 'tokens': 0, 'assets': 0}"]
    )


def test_a_clone_with_the_other_projects_jwt_is_cleaned_up_on_a_live_target(
    pytester: pytest.Pytester, server: Server
) -> None:
    pytester.makepyfile(
        f"""
        from __future__ import annotations


        def test_makes_in_project_2(sequence_client):
            other = sequence_client.with_credentials({server.other_jwt!r}, 2)
            other.create_collection({{"metadata": {{"name": "in project 2"}}}})
        """
    )
    result = pytester.runpytest(*server.args("--sequence-other-jwt", server.other_jwt))
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    assert server.collections(project=2) == []


def _journals(root: Path) -> list[Path]:
    return sorted((root / ".pytest_cache" / "d" / CACHE_DIR).glob("*.jsonl"))


def test_a_run_that_cleaned_up_leaves_no_journal_and_one_that_did_not_keeps_it(
    pytester: pytest.Pytester, server: Server
) -> None:
    pytester.makepyfile("def test_makes(sequence_collection):\n    pass\n")
    result = pytester.runpytest(*server.args())
    result.assert_outcomes(passed=1)
    assert (pytester.path / ".pytest_cache" / "d" / CACHE_DIR).is_dir()
    assert _journals(pytester.path) == []

    server.emulator.faults.server_error("DeleteCollection", times=None)
    result = pytester.runpytest(*server.args())
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    [journal] = _journals(pytester.path)
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    assert lines[0]["target"] == server.url
    assert [(line["op"], line["kind"], line["identity"], line["project"]) for line in lines[1:]] == [
        ("created", "collection", "owner", 1)
    ]


KILLED_RUN = """
from __future__ import annotations

import pathlib
import time


def test_killed(sequence_client, sequence_other_client):
    made = sequence_client.create_collection({{"metadata": {{"name": "tagged at first"}}}})["collection"]
    # UpdateCollection replaces the metadata: the run tag is gone, only the journal knows it is ours.
    sequence_client.update_collection({{"id": made["id"], "metadata": {{"name": "no tag any more"}}}})
    sequence_client.create_token(made["id"], {{"tokenId": "5", "name": "five"}})
    sequence_other_client.create_collection({{"metadata": {{"name": "the other project's"}}}})
    # Recorded as the other project's, as the JWT it sent says, not as the owner's it was cloned from.
    clone = sequence_client.with_credentials({other_jwt!r}, 2)
    clone.create_collection({{"metadata": {{"name": "made through with_credentials"}}}})
    pathlib.Path({ready!r}).write_text("ready")
    time.sleep(60)
"""


def _age(journal: Path, by: timedelta) -> None:
    """Move every time in `journal` back by `by`: the run was killed that long ago."""
    lines = []
    for raw in journal.read_text().splitlines():
        line = json.loads(raw)
        if "at" in line:
            line["at"] = (datetime.fromisoformat(line["at"]) - by).isoformat()
        lines.append(json.dumps(line))
    journal.write_text("\n".join(lines) + "\n")


def test_the_sweep_deletes_what_a_killed_run_recorded_untagged_and_in_every_project(
    pytester: pytest.Pytester, server: Server
) -> None:
    ready = pytester.path / "ready"
    pytester.makepyfile(KILLED_RUN.format(other_jwt=server.other_jwt, ready=str(ready)))
    args = server.args("--sequence-other-jwt", server.other_jwt)
    command = [sys.executable, "-m", "pytest", *NO_CONTRACT_PLUGINS, *args]
    with subprocess.Popen(command, cwd=pytester.path, stdout=subprocess.PIPE, text=True) as process:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert process.poll() is None, "the inner run ended early"
            assert time.monotonic() < deadline, "the inner run never got ready"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)  # no cleanup of any kind can run
        process.communicate(timeout=30)
    assert len(server.collections()) == 1
    assert len(server.collections(project=2)) == 2
    [journal] = _journals(pytester.path)
    written = journal.read_text()
    for secret in (server.jwt, server.other_jwt, *server.jwt.split("."), *server.other_jwt.split(".")):
        assert secret not in written, "the journal holds a JWT or a piece of one"

    pytester.makepyfile("def test_nothing():\n    pass\n")
    # Younger than the sweep age: a run that is still going could own it, so it stays.
    result = pytester.runpytest(*args, "--sequence-sweep")
    result.assert_outcomes(passed=1)
    assert len(server.collections()) == 1
    assert _journals(pytester.path) == [journal]

    _age(journal, timedelta(hours=2))
    result = pytester.runpytest(*args, "--sequence-sweep")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "sequence-metadata: sweep deleted 4 resource(s) recorded by earlier runs that did not clean "
            "up: collection * of project 2 (other), collection * of project 2 (other), "
            "token */5 of project 1 (owner), collection * of project 1 (owner)",
            "sequence-metadata: sweep deleted 0 leftover collection(s): none",
        ]
    )
    assert server.collections() == []
    assert server.collections(project=2) == []
    assert server.stats()["tokens"] == 0
    assert _journals(pytester.path) == []


def test_a_journal_for_a_project_without_a_jwt_is_kept_and_said_so(
    pytester: pytest.Pytester, server: Server
) -> None:
    # A killed run recorded a collection of project 2; this run has no JWT for project 2.
    directory = pytester.path / ".pytest_cache" / "d" / CACHE_DIR
    directory.mkdir(parents=True)
    made = server.emulator.backend.create_collection(2, {"metadata": {"name": "x"}}, base_url=server.url)
    old = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    lines = [
        {"journal": 1, "run": "killed", "worker": "main", "target": server.url},
        {
            "op": "created",
            "kind": "collection",
            "key": [made["collection"]["id"]],
            "identity": "other",
            "project": 2,
            "at": old,
        },
    ]
    journal = directory / "killed-main.jsonl"
    journal.write_text("".join(json.dumps(line) + "\n" for line in lines) + '{"op": "crea')  # torn line
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest(*server.args("--sequence-sweep"))
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "sequence-metadata: sweep deleted 0 resource(s) recorded by earlier runs that did not clean "
            "up: none",
            "sequence-metadata: sweep could not delete collection * of project 2 (other): no JWT for "
            "project 2 in this run; kept",
        ]
    )
    assert journal.exists()
    assert len(server.collections(project=2)) == 1


def test_the_tag_sweep_covers_the_other_project(pytester: pytest.Pytester, server: Server) -> None:
    old = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    tag = {"pytest-sequence-metadata": {"run": "earlier", "worker": "main", "createdAt": old}}
    made = server.emulator.backend.create_collection(
        2, {"metadata": {"name": "tagged, project 2", "properties": tag}}, base_url=server.url
    )
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest(*server.args("--sequence-other-jwt", server.other_jwt, "--sequence-sweep"))
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [f"sequence-metadata: sweep deleted 1 leftover collection(s): {made['collection']['id']}"]
    )
    assert server.collections(project=2) == []
