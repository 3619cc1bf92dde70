"""Run pytest in a new process forked from one that has already imported what every run imports.

A pytest run in a fresh interpreter spends about 0.9 s of a self-check run's 1.1 s importing pytest's
plugins (schemathesis, hypothesis, this package) before it collects a test. Forked from a forkserver
that holds those modules, a run starts in milliseconds. Each run is still a process of its own, forked
from a server that has only imported modules: its own working directory, environment, output, exit
code and emulator, nothing shared with the run before it. Where the forkserver start method does not
exist (not POSIX), a run is a plain `python -m pytest` subprocess.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

# What every run imports before its first test (`python -X importtime -m pytest`); each of these
# costs more than 20 ms.
PRELOAD = (
    "pytest",
    "hypothesis",
    "schemathesis",
    "schemathesis.pytest.plugin",
    "pytest_sequence_metadata.pytest.plugin",
    "pytest_sequence_metadata.client.core",
    "pytest_sequence_metadata.emulator.app",
    "pytest_sequence_metadata.emulator.transport",
    "anyio",
    "trio",
)

# pytest rewrites the asserts of its plugins' own modules (schemathesis, hypothesis, this package) as
# it imports them; these the forkserver has imported, and pytest says it cannot. The test modules and
# conftests, imported by each run, are rewritten as always.
ALREADY_IMPORTED = ("-W", "ignore::pytest.PytestAssertRewriteWarning")

FORKSERVER = "forkserver" in multiprocessing.get_all_start_methods()
if FORKSERVER:
    # Imported now, with this module: pytester restores sys.modules after each test, and a forkserver
    # module first imported inside one would be imported again by the next, with a new server each time.
    import multiprocessing.forkserver
    import multiprocessing.popen_forkserver


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str
    duration: float


def _redirect(fd: int, path: str) -> None:
    opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(opened, fd)
    os.close(opened)


def _child(args: list[str], cwd: str, env: dict[str, str], path: list[str], out: str, err: str) -> None:
    """One run: its own output files, directory, environment and import path."""
    _redirect(1, out)
    _redirect(2, err)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.path[:0] = [entry for entry in path if entry not in sys.path]
    # What the server imported lives as long as the run: out of the cyclic collector's reach, which
    # walked all of it again and again (a run of the self-check's and parity tests: 6% to 10% faster).
    gc.freeze()
    sys.exit(int(pytest.main([*ALREADY_IMPORTED, *args])))


def run_pytest(
    args: Sequence[str], *, cwd: Path, env: Mapping[str, str], path: Sequence[str] = (), timeout: float = 600
) -> Outcome:
    """`python -m pytest *args` in `cwd` with exactly `env`, `path` put first on PYTHONPATH."""
    env = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [*path, env.get("PYTHONPATH")]))}
    started = time.perf_counter()
    if not FORKSERVER:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        return Outcome(done.returncode, done.stdout, done.stderr, time.perf_counter() - started)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    with tempfile.TemporaryDirectory(prefix="warm-pytest-") as outputs:
        out, err = Path(outputs, "stdout"), Path(outputs, "stderr")
        process = context.Process(
            target=_child, args=(list(args), str(cwd), env, list(path), str(out), str(err))
        )
        process.start()
        process.join(timeout)
        if process.exitcode is None:
            process.kill()
            process.join()
            raise subprocess.TimeoutExpired(["pytest", *args], timeout)
        return Outcome(
            process.exitcode,
            out.read_text(errors="replace"),
            err.read_text(errors="replace"),
            time.perf_counter() - started,
        )


def runpytest_warm(pytester: pytest.Pytester, *args: str, timeout: float = 600) -> pytest.RunResult:
    """What `pytester.runpytest_subprocess(*args)` does (its own --basetemp, the test's directory
    first on the import path), in a forked run."""
    cwd = pytester.path
    basetemp = tempfile.mkdtemp(prefix="runpytest-", dir=cwd)
    done = run_pytest(
        [f"--basetemp={basetemp}", *args], cwd=cwd, env=os.environ, path=[str(cwd)], timeout=timeout
    )
    return pytest.RunResult(done.code, done.stdout.splitlines(), done.stderr.splitlines(), done.duration)
