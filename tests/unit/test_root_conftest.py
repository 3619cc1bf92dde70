"""The root conftest's run settings: work stealing under `-n` unless `--dist` says otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT_CONFTEST = Path(__file__).resolve().parents[2] / "conftest.py"

REPORT_SCHEDULER = """

def pytest_sessionfinish(session):
    dsession = session.config.pluginmanager.getplugin("dsession")
    if dsession is not None:
        print("scheduler:", type(dsession.sched).__name__)
"""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-n", "1"], "WorkStealingScheduling"),
        (["-n", "1", "--dist", "load"], "LoadScheduling"),
        (["-n", "1", "--dist=loadfile"], "LoadFileScheduling"),
    ],
)
def test_workers_steal_work_unless_dist_is_given(
    pytester: pytest.Pytester, args: list[str], expected: str
) -> None:
    pytest.importorskip("xdist")
    pytester.makeconftest(ROOT_CONFTEST.read_text() + REPORT_SCHEDULER)
    pytester.makepyfile("def test_one():\n    pass\n\n\ndef test_two():\n    pass\n")
    # One worker is enough to see the scheduler; the contract extra's plugins only slow its start.
    lean = ("-p", "no:randomly", "-p", "no:schemathesis", "-p", "no:hypothesispytest")
    result = pytester.runpytest_subprocess(*args, "-s", *lean)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"*scheduler: {expected}"])
