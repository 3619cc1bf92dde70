"""With pytest-xdist: one run id, unique names per worker, cleanup per worker, leftovers reported."""

from __future__ import annotations

import json

import pytest
from plugin_support import LEAN, Server

RECORDS_NAMES = """
from __future__ import annotations

import json
import os
import pathlib

import pytest


@pytest.mark.parametrize("n", range(8))
def test_makes_collections(sequence_collection, sequence_collection_factory, n):
    second = sequence_collection_factory()
    worker = os.environ["PYTEST_XDIST_WORKER"]
    for made in (sequence_collection, second):
        tag = made["metadata"]["properties"]["pytest-sequence-metadata"]
        assert tag["worker"] == worker
        record = {"name": made["metadata"]["name"], "run": tag["run"], "worker": worker}
        pathlib.Path(f"made-{made['id']}-{worker}.json").write_text(json.dumps(record))
"""


def test_two_workers_pass_with_unique_names_and_clean_up(pytester: pytest.Pytester, server: Server) -> None:
    pytester.makepyfile(RECORDS_NAMES)
    result = pytester.runpytest_subprocess("-n", "2", *LEAN, *server.args())
    result.assert_outcomes(passed=8)
    records = [json.loads(path.read_text()) for path in pytester.path.glob("made-*.json")]
    assert len(records) == 16
    assert len({r["name"] for r in records}) == 16
    assert {r["worker"] for r in records} == {"gw0", "gw1"}
    assert len({r["run"] for r in records}) == 1  # the controller's run id, shared by the workers
    for record in records:
        assert f"-{record['worker']}-" in record["name"]
    assert server.collections() == []


LEFTOVER_ON_ONE_WORKER = """
from __future__ import annotations

import pytest


@pytest.mark.parametrize("n", range(4))
def test_one_deletion_fails(sequence_collection, n):
    pass
"""

# Before any test, so the rule outlives the tests (rules a test sets end with it).
BROKEN_DELETE_ON_GW0 = """
from __future__ import annotations

import os

from pytest_sequence_metadata.runtime import get_runtime


def pytest_sessionstart(session):
    if os.environ.get("PYTEST_XDIST_WORKER") == "gw0":
        get_runtime(session.config).emulator().faults.server_error("DeleteCollection", times=None)
"""


def test_leftovers_of_a_worker_fail_the_whole_run(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(BROKEN_DELETE_ON_GW0)
    pytester.makepyfile(LEFTOVER_ON_ONE_WORKER)
    result = pytester.runpytest_subprocess("-n", "2", *LEAN)
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] == 4
    assert outcomes["errors"] >= 1  # each test of gw0 fails its teardown
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*= sequence-metadata: resources left behind =*",
            "could not delete collection (collection *) of the owner project: *injected fault) (worker gw?)",
            "* resource(s) left behind: the run fails",
        ]
    )
