"""Wall time of the default contract suite three ways, and what a live run would send.

Run: python benchmarks/bench_suite.py [--profile quick|nightly] [--only in-process,http,xdist]
Prints, from one run of this script: the suite's wall time in-process, over HTTP against a standalone
emulator server, and with `-n 2`; the number of requests a run sends (from --sequence-report), which
is what the same run costs against a live API. Target for the quick profile: about a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EMULATOR = [sys.executable, "-m", "pytest_sequence_metadata.emulator"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def token(project: int) -> str:
    return subprocess.run(
        [*EMULATOR, "token", "--project", str(project)], capture_output=True, text=True, check=True
    ).stdout.strip()


def run_suite(label: str, extra: list[str], env: dict[str, str], report: Path) -> tuple[float, int, str]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "tests/contract",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--sequence-report={report}",
        *extra,
    ]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-200:]
    requests = json.loads(report.read_text())["traffic"]["requests"] if report.exists() else -1
    print(f"{label:<22} {elapsed:7.1f} s  {requests:6d} requests  ({summary})", flush=True)
    return elapsed, requests, summary


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Contract suite wall time in-process, over HTTP and with -n 2"
    )
    parser.add_argument("--profile", default="quick", choices=["quick", "nightly"])
    parser.add_argument("--only", default="in-process,http,xdist")
    args = parser.parse_args()
    chosen = set(args.only.split(","))
    env = {**os.environ, "SEQUENCE_PROFILE": args.profile}
    with tempfile.TemporaryDirectory() as scratch:
        reports = Path(scratch)
        print(f"contract suite, profile {args.profile}, {os.cpu_count()} cores")
        results = {}
        if "in-process" in chosen:
            results["in-process"] = run_suite("in-process emulator", [], env, reports / "a.json")
        if "http" in chosen:
            port = free_port()
            server = subprocess.Popen(
                [*EMULATOR, "serve", "--port", str(port)], stdout=subprocess.PIPE, text=True
            )
            try:
                assert server.stdout is not None
                server.stdout.readline()  # the server prints its URL once it listens
                live = [f"--sequence-url=http://127.0.0.1:{port}"]
                http_env = {**env, "SEQUENCE_JWT": token(1), "SEQUENCE_OTHER_JWT": token(2)}
                results["http"] = run_suite("emulator over HTTP", live, http_env, reports / "b.json")
            finally:
                server.terminate()
                server.wait(timeout=10)
        if "xdist" in chosen:
            results["xdist"] = run_suite("in-process, -n 2", ["-n", "2"], env, reports / "c.json")
        if "in-process" in results:
            base = results["in-process"][0]
            for label, (elapsed, _requests, _summary) in results.items():
                print(f"ratio {label:<12} {elapsed / base:5.2f}x of in-process")


if __name__ == "__main__":
    main()
