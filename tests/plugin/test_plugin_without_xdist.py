"""Without pytest-xdist (the `[contract]` install has none): the plugin still starts, and the
conformance report is written. xdist's hooks are implemented only as optional hooks."""

from __future__ import annotations

import json
from importlib.util import find_spec

import pytest

NO_XDIST = pytest.mark.skipif(find_spec("xdist") is None, reason="pytest-xdist is not installed")

SUITE = """
import pytest

@pytest.mark.sequence_operation("GetCollection")
def test_reads_collection(sequence_client, sequence_collection):
    assert sequence_client.get_collection(sequence_collection["id"])["collection"]["id"]
"""


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param((), id="xdist-blocked"),
        pytest.param(("-n", "0"), id="xdist-present-unused", marks=NO_XDIST),
    ],
)
def test_report_is_written_with_or_without_xdist(pytester: pytest.Pytester, extra: tuple[str, ...]) -> None:
    pytester.makepyfile(test_suite=SUITE)
    path = pytester.path / "reports" / "r.json"
    # `-n 0` needs xdist loaded; the other case blocks it as if it were not installed.
    blocking = () if extra else ("-p", "no:xdist")
    result = pytester.runpytest(*blocking, *extra, "-p", "no:cacheprovider", f"--sequence-report={path}")
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    document = json.loads(path.read_text())
    assert document["operations"]["GetCollection"]["verdict"] == "passed"
    assert document["run"]["tests"] == {"passed": 1, "failed": 0, "skipped": 0}


def test_xdist_hooks_are_not_registered_when_xdist_is_blocked(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
def pytest_sessionfinish(session):
    names = {name for name, _ in session.config.pluginmanager.list_name_plugin()}
    print("SEQUENCE-XDIST", "sequence-metadata-xdist" in names)
"""
    )
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    result = pytester.runpytest("-p", "no:xdist", "-p", "no:cacheprovider", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*SEQUENCE-XDIST False*"])
