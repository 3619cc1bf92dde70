"""`python -m pytest_sequence_metadata drift UPSTREAM [--spec OURS] [--format text|markdown|json]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pytest_sequence_metadata.contract.spec import spec_path
from pytest_sequence_metadata.tools.drift.deviations import compare
from pytest_sequence_metadata.tools.drift.documents import DriftUsageError, load_document
from pytest_sequence_metadata.tools.drift.render import render


def add_parser(subcommands: Any) -> None:
    """Register `drift` on the package CLI (see `pytest_sequence_metadata.__main__`)."""
    parser = subcommands.add_parser(
        "drift",
        help="compare our spec with a published upstream OpenAPI document",
        description=(
            "Compare our contract with an upstream OpenAPI document. Differences recorded in our "
            "x-deviations are listed as known; the rest is new drift. Exit status: 0 without new "
            "drift, 1 with new drift, 2 on usage errors."
        ),
    )
    parser.add_argument("upstream", type=Path, help="the upstream document (JSON or YAML)")
    parser.add_argument(
        "--spec",
        type=Path,
        default=None,
        help="our document (default: the bundled specs/sequence-metadata.yaml)",
    )
    parser.add_argument(
        "--format", choices=("text", "markdown", "json"), default="text", help="output format (default text)"
    )
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    try:
        ours_path: Path = args.spec if args.spec is not None else spec_path()
        ours = load_document(ours_path, "our")
        upstream = load_document(args.upstream, "upstream")
    except (DriftUsageError, FileNotFoundError) as exc:
        print(f"drift: {exc}", file=sys.stderr)
        return 2
    report = compare(ours, upstream)
    sys.stdout.write(render(report, args.format))
    return report.exit_code
