"""Wall time of the contract suite: this tree against an earlier revision, in-process, side by side;
then this tree over HTTP and with `-n 2`. Prints figures and ratios only.

Run: python benchmarks/bench_suite.py [--profile quick|nightly] [--before REV] [--rounds 2]
                                      [--only before,in-process,http,xdist]

- `before`: the suite of another revision (`--before`, default: where this branch left main, i.e.
  `git merge-base HEAD main`), checked out in a git worktree, installed in a virtual environment of its
  own as its README says (bench_full_run.py's, reused while the revision is the same) and run from
  there, interleaved with this tree's in-process runs.
- Each run prints pytest's own time (collection and tests), the wall time of the whole process (with
  interpreter and plugin start-up), its CPU time (less sensitive to a loaded machine), the test count
  and the requests it sent (from `--sequence-report`: what the same run costs against a live API).
Target for the quick profile: at most 10 s in-process (pytest's time). The machine is shared: read the
figures next to the load average printed with them, best of `--rounds`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench_full_run import checkout, installed, remove_checkout

ROOT = Path(__file__).resolve().parents[1]
EMULATOR = [sys.executable, "-m", "pytest_sequence_metadata.emulator"]


@dataclass(frozen=True)
class Run:
    pytest_s: float  # pytest's own "in N s"
    wall_s: float
    cpu_s: float
    tests: int
    requests: int
    summary: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def token(project: int) -> str:
    return subprocess.run(
        [*EMULATOR, "token", "--project", str(project)], capture_output=True, text=True, check=True
    ).stdout.strip()


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def run_suite(
    label: str, tree: Path, extra: list[str], env: dict[str, str], report: Path, python: str = sys.executable
) -> Run:
    """`python -m pytest tests/contract` from `tree`, with `python` (one with `tree` installed)."""
    report.unlink(missing_ok=True)
    command = [
        python,
        "-m",
        "pytest",
        "tests/contract",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--sequence-report={report}",
        *extra,
    ]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-200:]
    timed = re.search(r" in ([\d.]+)s", summary)
    outcomes = re.findall(r"(\d+) (passed|failed|skipped|errors?)", summary)
    counts = {word: int(number) for number, word in outcomes}
    requests = json.loads(report.read_text())["traffic"]["requests"] if report.exists() else -1
    run = Run(float(timed[1]) if timed else float("nan"), wall, cpu, sum(counts.values()), requests, summary)
    print(
        f"  {label:<26} pytest {run.pytest_s:6.1f} s  wall {run.wall_s:6.1f} s  cpu {run.cpu_s:6.1f} s  "
        f"{run.tests:4d} tests  {run.requests:6d} requests  ({summary.strip('= ')})",
        flush=True,
    )
    return run


def compare(args: argparse.Namespace, env: dict[str, str], scratch: Path, chosen: set[str]) -> Run | None:
    """Interleaved in-process runs of the earlier revision and of this tree; the best of each."""
    sides = {"this tree": ROOT}
    pythons = {"this tree": sys.executable}
    tree = None
    if "before" in chosen:
        tree = checkout(args.before)
        revision = subprocess.run(
            ["git", "-C", str(tree), "log", "--oneline", "-1"], capture_output=True, text=True, check=True
        ).stdout.strip()
        label = f"before ({revision.split()[0]})"
        sides = {label: tree, **sides}
        # Installed as its README says, in a venv of its own: its plugin's entry point is its own.
        pythons[label] = str(installed(tree, "before-" + revision.split()[0]))
        print(f"before = {args.before}: {revision}")
    best: dict[str, Run] = {}
    try:
        for round_number in range(args.rounds):
            print(f"round {round_number + 1}, {load()}")
            for label, where in sides.items():
                run = run_suite(label, where, [], env, scratch / "report.json", pythons[label])
                if label not in best or run.pytest_s < best[label].pytest_s:
                    best[label] = run
    finally:
        if tree is not None:
            remove_checkout(tree)
    print(f"best of {args.rounds}, in-process:")
    for label, run in best.items():
        print(
            f"  {label:<26} pytest {run.pytest_s:6.1f} s  wall {run.wall_s:6.1f} s  cpu {run.cpu_s:6.1f} s  "
            f"{run.tests:4d} tests  {run.requests:6d} requests"
        )
    now = best["this tree"]
    for label, run in best.items():
        if label != "this tree":
            print(
                f"  ratio this tree / {label}: pytest {now.pytest_s / run.pytest_s:4.2f}, "
                f"cpu {now.cpu_s / run.cpu_s:4.2f}  (target: pytest <= 10 s for the quick profile)"
            )
    return now


def main() -> None:
    parser = argparse.ArgumentParser(description="Contract suite wall time: before/after, over HTTP, -n 2")
    parser.add_argument("--profile", default="quick", choices=["quick", "nightly"])
    parser.add_argument("--before", help="revision to compare with (default: merge base of HEAD and main)")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved in-process rounds (default 2)")
    parser.add_argument("--only", default="before,in-process,http,xdist")
    args = parser.parse_args()
    if args.before is None:
        command = ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"]
        merge_base = subprocess.run(command, capture_output=True, text=True, check=False)
        args.before = merge_base.stdout.strip() or "main"
    chosen = set(args.only.split(","))
    env = {**os.environ, "SEQUENCE_PROFILE": args.profile}
    print(f"contract suite, profile {args.profile}, {load()}")
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        base = compare(args, env, scratch, chosen) if chosen & {"before", "in-process"} else None
        others: dict[str, Run] = {}
        if "http" in chosen:
            port = free_port()
            server = subprocess.Popen(
                [*EMULATOR, "serve", "--port", str(port)], stdout=subprocess.PIPE, text=True
            )
            try:
                assert server.stdout is not None
                print(server.stdout.readline().strip())  # printed once it listens: URL and stack
                live = [f"--sequence-url=http://127.0.0.1:{port}"]
                http_env = {**env, "SEQUENCE_JWT": token(1), "SEQUENCE_OTHER_JWT": token(2)}
                report = scratch / "b.json"
                others["over HTTP"] = run_suite("emulator over HTTP", ROOT, live, http_env, report)
            finally:
                server.terminate()
                server.wait(timeout=10)
        if "xdist" in chosen:
            others["-n 2"] = run_suite("in-process, -n 2", ROOT, ["-n", "2"], env, scratch / "c.json")
        if base is not None:
            for label, run in others.items():
                print(f"ratio {label:<10} {run.wall_s / base.wall_s:5.2f}x the in-process wall time")
    print(f"done, {load()}")


if __name__ == "__main__":
    main()
