"""Spec load + validator compile time in a warm process (target: under 100 ms).

Run: python benchmarks/bench_spec.py [--rounds N]
"Warm" means the modules are imported and one load has already happened; each round then parses the
document again and builds (and exercises once) every request and response validator.
"""

from __future__ import annotations

import argparse
import statistics
import time

from pytest_sequence_metadata.spec import Spec, read_document, spec_path


def one_round() -> tuple[float, float, int]:
    path = spec_path()
    started = time.perf_counter()
    spec = Spec(read_document(path), path)
    parsed = time.perf_counter()
    count = spec.compile_all()
    done = time.perf_counter()
    return (parsed - started) * 1000, (done - parsed) * 1000, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    one_round()  # warm-up: imports, regex compilation, first-use caches
    rounds = [one_round() for _ in range(args.rounds)]
    parse = [r[0] for r in rounds]
    build = [r[1] for r in rounds]
    total = [r[0] + r[1] for r in rounds]
    print(f"spec: {spec_path()}  validators: {rounds[0][2]}  rounds: {args.rounds}")
    print(f"parse YAML     median {statistics.median(parse):7.1f} ms  min {min(parse):7.1f} ms")
    print(f"compile all    median {statistics.median(build):7.1f} ms  min {min(build):7.1f} ms")
    print(
        f"load + compile median {statistics.median(total):7.1f} ms  min {min(total):7.1f} ms"
        "  (target < 100 ms)"
    )
    print(f"ratio to target: {statistics.median(total) / 100:.2f}")


if __name__ == "__main__":
    main()
