"""The root conftest's run settings: one worker more than there are cores under `-n auto`, work stealing
under `-n` unless `--dist` says otherwise, and the garbage collector's after collection."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path
from typing import Any

import pytest
from warm_pytest import runpytest_warm

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


def _constant(path: Path, name: str) -> Any:
    """A module-level literal of a file, read without importing it (the root conftest is this run's)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise LookupError(f"{name} is not assigned in {path}")


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
    declared = _constant(ROOT_CONFTEST, "GC_THRESHOLD")
    result.stdout.fnmatch_lines([f"*frozen True threshold {declared}"])


def test_inner_runs_do_not_warn_about_pytest_asyncios_loop_scope(pytester: pytest.Pytester) -> None:
    # Since pytest 9.2 an inline run's configure-time warnings reach this test's own record, under
    # the inner run's filters.
    pytest.importorskip("pytest_asyncio")
    pytester.makepyfile("def test_one():\n    pass\n")
    with warnings.catch_warnings(record=True) as caught:
        result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, warnings=0)
    assert not [w for w in caught if "asyncio_default_fixture_loop_scope" in str(w.message)]


REPORT_WORKERS = """

def pytest_sessionstart(session):
    print("workers:", session.config.option.numprocesses)
    pytest.exit("counted", returncode=0)  # before xdist starts them
"""


@pytest.mark.parametrize("env", [None, "1"], ids=["cores-plus-one", "as-the-environment-says"])
def test_auto_starts_one_worker_more_than_there_are_cores(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, env: str | None
) -> None:
    pytest.importorskip("xdist")
    from xdist.plugin import pytest_xdist_auto_num_workers as cores

    if env is None:
        monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
        count = cores(pytester.parseconfig()) + 1
    else:
        monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", env)
        count = int(env)
    pytester.makeconftest(ROOT_CONFTEST.read_text() + REPORT_WORKERS)
    pytester.makepyfile("def test_one():\n    pass\n")
    result = runpytest_warm(pytester, "-n", "auto", "-s", "-p", "no:randomly")
    result.stdout.fnmatch_lines([f"workers: {count}"])
