"""What installing the package adds to a project's `pytest` run that uses none of it (target: < 150 ms).

Run: python benchmarks/bench_plugin_overhead.py [--runs N] [--tests N] [--workdir DIR] [--reuse]

Builds the wheel and two venvs under the work directory (default /tmp/bench-plugin-overhead):
`with-plugin` gets the default install of the package (`pip install <wheel>`, core dependencies only),
`without-plugin` gets the same pytest version alone. The same trivial project then runs in both,
alternately, and the figures are wall-clock times of the whole `pytest` process. No assertions.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 150.0


def _run(*command: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run([str(c) for c in command], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout


def _venv(path: Path, *requirements: str | Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    _run(sys.executable, "-m", "venv", path)
    _run(path / "bin" / "python", "-m", "pip", "install", "--quiet", *requirements)
    return path


def build(workdir: Path) -> tuple[Path, Path]:
    dist = workdir / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    _run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist, ROOT)
    [wheel] = dist.glob("pytest_sequence_metadata-*.whl")
    with_plugin = _venv(workdir / "with-plugin", wheel)
    version = _run(with_plugin / "bin" / "python", "-c", "import pytest; print(pytest.__version__)").strip()
    without_plugin = _venv(workdir / "without-plugin", f"pytest=={version}")
    return with_plugin, without_plugin


def project(workdir: Path, tests: int) -> Path:
    path = workdir / "project"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    (path / "test_trivial.py").write_text(
        "".join(f"def test_{n}():\n    assert {n} + 1 == {n + 1}\n\n\n" for n in range(tests))
    )
    return path


def time_run(venv: Path, cwd: Path, *extra: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) milliseconds of one `pytest` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [str(venv / "bin" / "pytest"), "-q", "-p", "no:cacheprovider", *extra],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
    )
    wall = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=20, help="runs per configuration (default 20)")
    parser.add_argument("--tests", type=int, default=20, help="trivial tests in the project (default 20)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench-plugin-overhead"))
    parser.add_argument("--reuse", action="store_true", help="keep the venvs of an earlier run")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="run with PYTHONDONTWRITEBYTECODE=1 (as many Docker images do) and no cached rewritten "
        "modules: pytest then rewrites the asserts of every pytest plugin's modules (ours and anyio's) "
        "in every run",
    )
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if args.no_bytecode_cache:
        env["PYTHONDONTWRITEBYTECODE"] = "1"

    workdir: Path = args.workdir
    with_plugin, without_plugin = workdir / "with-plugin", workdir / "without-plugin"
    if not (args.reuse and with_plugin.exists() and without_plugin.exists()):
        print(f"building the wheel and two venvs under {workdir} ...", flush=True)
        with_plugin, without_plugin = build(workdir)
    cwd = project(workdir, args.tests)
    if args.no_bytecode_cache:  # what earlier runs cached would still be read: start from none
        for venv in (with_plugin, without_plugin):
            for cached in venv.glob("lib/python*/site-packages/**/__pycache__/*-pytest-*.pyc"):
                cached.unlink()
    # The same run three ways; the third tells our share from that of anyio's pytest plugin, which
    # comes with httpx (a core dependency) and loads in any project that has httpx installed.
    configurations: dict[str, tuple[Path, tuple[str, ...]]] = {
        "without the package": (without_plugin, ()),
        "with the package": (with_plugin, ()),
        "with it, -p no:anyio": (with_plugin, ("-p", "no:anyio")),
    }
    for venv, extra in configurations.values():  # warm-up: page cache, pytest's rewritten-pyc cache
        time_run(venv, cwd, *extra, env=env)
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in configurations}
    for _ in range(args.runs):  # interleaved, so drift in machine load hits every configuration alike
        for name, (venv, extra) in configurations.items():
            timings[name].append(time_run(venv, cwd, *extra, env=env))

    def median(name: str, column: int) -> float:
        return statistics.median(t[column] for t in timings[name])

    cache = "off (PYTHONDONTWRITEBYTECODE=1)" if args.no_bytecode_cache else "on"
    print(f"project: {args.tests} trivial tests; {args.runs} runs each of `pytest -q`, interleaved")
    print(f"bytecode cache: {cache}")
    print(f"{'':22} {'wall median':>12} {'wall min':>10} {'CPU median':>11}")
    for name in configurations:
        walls = [t[0] for t in timings[name]]
        print(f"{name:22} {median(name, 0):9.1f} ms {min(walls):7.1f} ms {median(name, 1):8.1f} ms")
    base = "without the package"
    for name in ("with the package", "with it, -p no:anyio"):
        wall, cpu = median(name, 0) - median(base, 0), median(name, 1) - median(base, 1)
        print(f"overhead, {name:22} wall {wall:6.1f} ms  CPU {cpu:6.1f} ms  (target < {TARGET_MS:.0f} ms)")
    print(f"ratio to target (wall): {(median('with the package', 0) - median(base, 0)) / TARGET_MS:.2f}")


if __name__ == "__main__":
    main()
