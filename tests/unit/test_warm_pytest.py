"""The self-check's and the parity tests' runner (tests/support/warm_pytest.py): each run is a process
of its own, as `python -m pytest` in a subprocess is, only started from a server that has imported
pytest's plugins already."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import warm_pytest
from warm_pytest import run_pytest, runpytest_warm

REPORTS_ITS_WORLD = """
import os, sys

import pytest_sequence_metadata.emulator.app as app


def test_world():
    print("cwd", os.getcwd())
    print("env", os.environ.get("WARM_PYTEST_PROBE"))
    print("path", "/nonexistent-first" in sys.path)
    print("stderr line", file=sys.stderr)


def test_nothing_left_by_an_earlier_run():
    # A preloaded module, changed here: the next run must not see the change.
    assert not hasattr(app, "changed_by_a_run")
    app.changed_by_a_run = True


def test_asserts_are_rewritten():
    found = 1
    assert found == 2
"""


@pytest.fixture(params=["forkserver", "subprocess"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "forkserver" and not warm_pytest.FORKSERVER:
        pytest.skip("no forkserver start method here")
    monkeypatch.setattr(warm_pytest, "FORKSERVER", request.param == "forkserver")
    return str(request.param)


def test_a_run_has_its_own_directory_environment_output_and_exit_code(tmp_path: Path, mode: str) -> None:
    (tmp_path / "test_world.py").write_text(REPORTS_ITS_WORLD)
    env = {**os.environ, "WARM_PYTEST_PROBE": f"probe-{mode}"}
    args = ["-q", "-s", "-p", "no:cacheprovider", "-p", "no:randomly", "test_world.py"]
    for _ in range(2 if mode == "forkserver" else 1):  # twice: a forked run inherits nothing
        done = run_pytest(args, cwd=tmp_path, env=env, path=["/nonexistent-first"])
        assert done.code == pytest.ExitCode.TESTS_FAILED, done.stdout + done.stderr
        assert f"cwd {tmp_path}" in done.stdout
        assert f"env probe-{mode}" in done.stdout
        assert "path True" in done.stdout
        assert "stderr line" in done.stderr
        assert "stderr line" not in done.stdout
        assert "1 failed, 2 passed" in done.stdout  # the second run saw no change of the first
        assert "assert 1 == 2" in done.stdout  # the test module's asserts are rewritten


def test_runpytest_warm_reads_as_runpytest_subprocess(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(REPORTS_ITS_WORLD)
    args = ("-p", "no:cacheprovider", "-p", "no:randomly", "-s")
    warm, cold = runpytest_warm(pytester, *args), pytester.runpytest_subprocess(*args)
    assert warm.ret == cold.ret == pytest.ExitCode.TESTS_FAILED
    assert warm.parseoutcomes() == cold.parseoutcomes() == {"failed": 1, "passed": 2}
    assert [line for line in warm.errlines if "stderr" in line] == ["stderr line"]
    warm.stdout.fnmatch_lines([f"*cwd {pytester.path}", "*assert 1 == 2"])


def test_a_forked_run_over_its_time_is_stopped(tmp_path: Path) -> None:
    if not warm_pytest.FORKSERVER:
        pytest.skip("no forkserver start method here")  # a subprocess run: subprocess.run's timeout
    (tmp_path / "test_slow.py").write_text("import time\n\n\ndef test_slow():\n    time.sleep(60)\n")
    args = ["-q", "-p", "no:cacheprovider", "test_slow.py"]
    with pytest.raises(subprocess.TimeoutExpired, match="timed out"):
        run_pytest(args, cwd=tmp_path, env=os.environ, timeout=0.5)


def test_a_forked_run_keeps_what_the_server_imported_out_of_the_collectors_reach(tmp_path: Path) -> None:
    if not warm_pytest.FORKSERVER:
        pytest.skip("no forkserver: runs are plain subprocesses")
    (tmp_path / "test_gc.py").write_text(
        "import gc\n\n\ndef test_frozen():\n    assert gc.get_freeze_count() > 10_000\n"
    )
    done = run_pytest(["-q", "-p", "no:cacheprovider", "-p", "no:randomly"], cwd=tmp_path, env=os.environ)
    assert done.code == 0, done.stdout + done.stderr
