"""`python -m pytest_sequence_metadata <command> ...`: the package's command line.

Each command lives in its own module, which exposes `add_parser(subcommands)`; that function adds the
command's subparser and sets `handler` (a `(argparse.Namespace) -> int` returning the exit status).
To add a command, import its module here and append its `add_parser` to COMMANDS.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from pytest_sequence_metadata.tools import drift, report_diff

COMMANDS: tuple[Callable[[Any], None], ...] = (drift.add_parser, report_diff.add_parser)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_sequence_metadata",
        description="Tools of pytest-sequence-metadata.",
    )
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_parser in COMMANDS:
        add_parser(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # usage errors exit with status 2
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
