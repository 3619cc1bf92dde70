"""Wall time of the whole default test run: an earlier revision against this tree, side by side.

Run: python benchmarks/bench_full_run.py [--before e092ac9] [--only before,after,after-serial]
                                         [--paths tests/selfcheck ...]

Each side is installed as its README says, in a fresh virtual environment of its own
(`pip install -e '.[contract,dev]'`, kept under the temporary directory and reused while its revision
is the same), and runs its README's test command from its own checkout:
- `before`: the revision `--before` (default e092ac9, the first round's end), checked out in a
  temporary git worktree; its README ran `pytest`, serially;
- `after`: this tree with the README's `pytest -n auto`;
- `after-serial`: this tree with a serial `pytest`, to show what the parallel run buys.
`--paths` runs only those test paths on every side (e.g. `tests/selfcheck`, the part that cost most).
Prints the wall time, the CPU time of the run and its children (less sensitive to a loaded machine),
the outcome counts and, last, after / before (target: at most 0.5). The machine is shared: read the
figures next to the load average printed with them.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(tempfile.gettempdir()) / "pytest-sequence-metadata-bench"
SIDES = ("before", "after", "after-serial")


@dataclass(frozen=True)
class Run:
    label: str
    wall_s: float
    cpu_s: float
    summary: str


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def git(*args: str, cwd: Path = ROOT) -> str:
    done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def checkout(revision: str) -> Path:
    """`revision` in a git worktree at a fixed place, so its installed venv stays valid between runs."""
    tree = CACHE / "before-tree"
    remove_checkout(tree)
    git("worktree", "add", "--detach", "--quiet", str(tree), revision)
    return tree


def remove_checkout(tree: Path) -> None:
    """Remove the worktree if there is one (a first run has none: nothing to say)."""
    if tree.exists():
        remove = ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)]
        if subprocess.run(remove, check=False, capture_output=True).returncode != 0:
            shutil.rmtree(tree)  # left by another clone's run: not a worktree of this one
    subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], check=False, capture_output=True)


def installed(tree: Path, key: str) -> Path:
    """A virtual environment with `tree` installed as the README says; reused while `key` is the same."""
    venv = CACHE / f"venv-{key}"
    python = venv / "bin" / "python"
    marker = venv / "installed-from"
    if marker.exists() and marker.read_text() == str(tree) and python.exists():
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-e", f"{tree}[contract,dev]"], check=True, cwd=tree
    )
    marker.write_text(str(tree))
    return python


def run(label: str, python: Path, tree: Path, args: list[str]) -> Run:
    command = [str(python), "-m", "pytest", "-q", "-p", "no:randomly", *args]
    print(f"  {label}: {' '.join(['pytest', *args])} in {tree} ({load()})", flush=True)
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=tree, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    lines = [line for line in done.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    summary = lines[-1].strip("= ") if lines else (done.stdout + done.stderr)[-300:]
    result = Run(label, wall, cpu, summary)
    print(f"  {label:<14} wall {wall:6.1f} s  cpu {cpu:6.1f} s  ({summary})", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", default="e092ac9", help="the earlier revision (default: %(default)s)")
    parser.add_argument("--only", default="before,after", help=f"comma-separated, of {', '.join(SIDES)}")
    parser.add_argument("--paths", nargs="*", default=[], help="test paths to run (default: all)")
    args = parser.parse_args()
    chosen = [side for side in SIDES if side in args.only.split(",")]
    CACHE.mkdir(parents=True, exist_ok=True)
    results: dict[str, Run] = {}
    tree = checkout(args.before) if "before" in chosen else CACHE / "before-tree"
    try:
        print(f"machine: {os.cpu_count()} cores, {load()}")
        if "before" in chosen:
            print(f"before = {git('log', '--oneline', '-1', cwd=tree)}")
            python = installed(tree, "before-" + git("rev-parse", "--short", "HEAD", cwd=tree))
            results["before"] = run("before", python, tree, [*args.paths])
        if {"after", "after-serial"} & set(chosen):
            digest = hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]
            python = installed(ROOT, f"after-{digest}")
            print(f"after = {git('log', '--oneline', '-1')} (and the working tree)")
            if "after" in chosen:
                results["after"] = run("after", python, ROOT, ["-n", "auto", *args.paths])
            if "after-serial" in chosen:
                results["after-serial"] = run("after-serial", python, ROOT, [*args.paths])
    finally:
        if "before" in chosen:
            remove_checkout(tree)
    if "before" in results:
        for label in ("after", "after-serial"):
            if label in results:
                ratio = results[label].wall_s / results["before"].wall_s
                print(f"{label} / before, wall: {ratio:.2f} (target for `after`: at most 0.50)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
