"""Spec load + validator compile time in a warm process (target: under 100 ms).

Run: python benchmarks/bench_spec.py [--rounds N]
"Warm" means the modules are imported and one load has already happened. Each round builds a new Spec
and compiles (and exercises once) every request and response validator, two ways:
- cold parse: the YAML is parsed every time (what a first run on a machine pays);
- cached: the parsed document comes from the on-disk JSON cache keyed by the file's hash (every later
  run: `load_spec()` uses it).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_sequence_metadata.contract.spec import Spec, cached_document, read_document, spec_path


def one_round(read: Callable[[Path], dict[str, Any]]) -> tuple[float, float, int]:
    path = spec_path()
    started = time.perf_counter()
    spec = Spec(read(path), path)
    parsed = time.perf_counter()
    count = spec.compile_all()
    done = time.perf_counter()
    return (parsed - started) * 1000, (done - parsed) * 1000, count


def show(label: str, rounds: list[tuple[float, float, int]]) -> float:
    read = [r[0] for r in rounds]
    build = [r[1] for r in rounds]
    total = [r[0] + r[1] for r in rounds]
    print(f"{label}")
    print(f"  read document  median {statistics.median(read):7.1f} ms  min {min(read):7.1f} ms")
    print(f"  compile all    median {statistics.median(build):7.1f} ms  min {min(build):7.1f} ms")
    print(f"  load + compile median {statistics.median(total):7.1f} ms  min {min(total):7.1f} ms")
    return statistics.median(total)


def main() -> None:
    import os

    parser = argparse.ArgumentParser(description="Spec load + compile time in a warm process")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        os.environ["XDG_CACHE_HOME"] = cache  # a cache of this run only
        one_round(read_document)  # warm-up: imports, regex compilation, first-use caches
        one_round(cached_document)  # fills the cache
        cold = [one_round(read_document) for _ in range(args.rounds)]
        warm = [one_round(cached_document) for _ in range(args.rounds)]
    print(f"spec: {spec_path()}  validators: {cold[0][2]}  rounds: {args.rounds}")
    cold_total = show("cold parse (YAML every time)", cold)
    warm_total = show("cached parse (what load_spec() does after the first run)", warm)
    print(
        f"target < 100 ms: cold {cold_total / 100:.2f}x of target, cached {warm_total / 100:.2f}x of target"
    )


if __name__ == "__main__":
    main()
