"""Per-test emulator state: fault rules end with the test that set them, and what the plugin fails
on (a cleanup error, a leftover) is an error of the test whose resource it was, also in JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

UNUSED_FAULTS = """
from __future__ import annotations


def test_sets_faults_and_uses_none(sequence_emulator):
    sequence_emulator.faults.server_error("DeleteCollection", times=5)


def test_next(sequence_collection):
    assert sequence_collection["id"]
"""

OWN_FAULT = """
from __future__ import annotations


def test_breaks_its_own_cleanup(sequence_collection, sequence_emulator):
    sequence_emulator.faults.server_error("DeleteCollection", times=None)


def test_next(sequence_collection):
    assert sequence_collection["id"]
"""


def _junit(pytester: pytest.Pytester) -> tuple[dict[str, str], dict[str, ET.Element]]:
    root = ET.parse(pytester.path / "junit.xml").getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite is not None
    return dict(suite.attrib), {case.attrib["name"]: case for case in suite.iter("testcase")}


def test_fault_rules_set_in_a_test_end_with_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(UNUSED_FAULTS)
    result = pytester.runpytest("--junitxml=junit.xml")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    assert "left behind" not in result.stdout.str()
    totals, _ = _junit(pytester)
    assert (totals["failures"], totals["errors"]) == ("0", "0")


def test_a_cleanup_error_is_an_error_of_the_test_whose_resource_it_was(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(OWN_FAULT)
    result = pytester.runpytest("--junitxml=junit.xml")
    result.assert_outcomes(passed=2, errors=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR at teardown of test_breaks_its_own_cleanup _*",
            "pytest-sequence-metadata: could not delete collection (collection 1) of the owner project: "
            "WebrpcInternalErrorError: DeleteCollection: WebrpcInternalError (code -7, HTTP 500): "
            "internal error (cause: injected fault)",
        ]
    )
    # The test's fault rule ended with it: the end of the run deleted the collection after all.
    assert "left behind" not in result.stdout.str()
    totals, cases = _junit(pytester)
    assert (totals["failures"], totals["errors"]) == ("0", "1")
    error = cases["test_breaks_its_own_cleanup"].find("error")
    assert error is not None
    assert "could not delete collection (collection 1) of the owner project" in error.attrib["message"]
    assert cases["test_next"].find("error") is None
    assert "Traceback" not in result.stdout.str()


RULES_OF_THE_RUN = """
from __future__ import annotations

from pytest_sequence_metadata.runtime import get_runtime


def pytest_sessionstart(session):
    get_runtime(session.config).emulator().faults.server_error("GetCollection", times=3)
"""

ADDS_ITS_OWN = """
from __future__ import annotations

import pytest

from pytest_sequence_metadata.errors import WebrpcInternalErrorError


def test_adds_a_rule_and_uses_one_of_the_runs(sequence_emulator, sequence_client):
    sequence_emulator.faults.latency("ListCollections", seconds=0)
    with pytest.raises(WebrpcInternalErrorError):
        sequence_client.get_collection(1)


def test_sees_only_what_is_left_of_the_runs_rule(sequence_emulator):
    rules = [(r.operation, r.kind, r.times - r.hits) for r in sequence_emulator.faults.rules]
    assert rules == [("GetCollection", "error", 2)]
"""


def test_rules_set_before_the_tests_stay_with_their_remaining_uses(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(RULES_OF_THE_RUN)
    pytester.makepyfile(ADDS_ITS_OWN)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2)
