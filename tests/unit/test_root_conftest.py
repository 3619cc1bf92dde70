"""The root conftest's run settings: work stealing under `-n` unless `--dist` says otherwise, and the
garbage collector's after collection."""

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


GC_STATE = """
import gc


def test_collected_objects_are_frozen_and_the_collector_runs_less_often():
    print("frozen", gc.get_freeze_count() > 0, "threshold", gc.get_threshold())
"""


def test_what_collection_built_is_frozen_and_the_collector_slowed(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(ROOT_CONFTEST.read_text())
    pytester.makepyfile(GC_STATE)
    result = pytester.runpytest_subprocess("-s", "-p", "no:randomly", "-p", "no:schemathesis")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*frozen True threshold (50000, 20, 20)"])
