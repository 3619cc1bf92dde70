"""`python -m pytest_sequence_metadata report diff OLD.json NEW.json`: what changed between two runs.

Exit status: 0 when nothing regressed, 1 when something that passed (or held) now fails (or is
contradicted), 2 when a file cannot be read or is not a conformance report.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

REGRESSIONS: Final = {
    ("passed", "failed"),
    ("held", "contradicted"),
    ("not-exercised", "failed"),
    ("not-run", "contradicted"),
}
IMPROVEMENTS: Final = {("failed", "passed"), ("contradicted", "held")}


class ReportError(Exception):
    """A report file that cannot be used."""


@dataclass(frozen=True, slots=True)
class Change:
    section: str  # operations, privacy, assumptions
    name: str
    old: str
    new: str

    @property
    def regression(self) -> bool:
        return (self.old, self.new) in REGRESSIONS

    @property
    def improvement(self) -> bool:
        return (self.old, self.new) in IMPROVEMENTS

    def describe(self) -> str:
        label = {"operations": "operation", "privacy": "privacy rule", "assumptions": "assumption"}[
            self.section
        ]
        return f"{label} {self.name}: {self.old} -> {self.new}"


def load_report(path: Path) -> dict[str, Any]:
    from pytest_sequence_metadata.pytest.report import REPORT_SCHEMA_ID

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ReportError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise ReportError(f"{path} is not JSON: {error}") from None
    if not isinstance(document, dict) or document.get("schema") != REPORT_SCHEMA_ID:
        raise ReportError(f"{path} is not a pytest-sequence-metadata conformance report")
    if document.get("version") != 1:
        raise ReportError(f"{path} is report version {document.get('version')}; this tool reads version 1")
    return document


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = []
    for section in ("operations", "privacy", "assumptions"):
        before, after = old.get(section, {}), new.get(section, {})
        for name in sorted(set(before) | set(after)):
            was = before.get(name, {}).get("verdict", "absent")
            now = after.get(name, {}).get("verdict", "absent")
            if was != now:
                changes.append(Change(section, name, was, now))
    return changes


def render(changes: list[Change], old: dict[str, Any], new: dict[str, Any]) -> str:
    lines = [
        f"Comparing run {old['run']['id']} ({old['generatedAt']}) "
        f"with {new['run']['id']} ({new['generatedAt']})"
    ]
    groups = (
        ("Newly failing", [c for c in changes if c.regression]),
        ("Newly passing", [c for c in changes if c.improvement]),
        (
            "Assumptions that flipped",
            [c for c in changes if c.section == "assumptions" and not c.regression and not c.improvement],
        ),
        (
            "Other changes",
            [c for c in changes if c.section != "assumptions" and not c.regression and not c.improvement],
        ),
    )
    for title, group in groups:
        if group:
            lines.append(f"{title}:")
            lines.extend(f"  {c.describe()}" for c in group)
    if not changes:
        lines.append("No verdict changed.")
    left_old, left_new = len(old["cleanup"]["leftBehind"]), len(new["cleanup"]["leftBehind"])
    if left_new > left_old:
        lines.append(f"Resources left behind: {left_old} -> {left_new}")
    return "\n".join(lines)


def run(old_path: Path, new_path: Path) -> tuple[int, str]:
    """(exit status, text) for a comparison; exit 2 on unusable files."""
    try:
        old, new = load_report(old_path), load_report(new_path)
    except ReportError as error:
        return 2, f"report diff: {error}"
    changes = compare(old, new)
    regressed = any(c.regression for c in changes) or len(new["cleanup"]["leftBehind"]) > len(
        old["cleanup"]["leftBehind"]
    )
    return (1 if regressed else 0), render(changes, old, new)


def add_parser(subcommands: Any) -> None:
    """`report diff OLD NEW` for `python -m pytest_sequence_metadata`."""
    report = subcommands.add_parser("report", help="work with conformance reports (--sequence-report)")
    actions = report.add_subparsers(dest="report_command", required=True, metavar="ACTION")
    diff = actions.add_parser(
        "diff",
        help="what changed between two reports; exit 1 when something regressed",
        description=__doc__,
    )
    diff.add_argument("old", type=Path, help="the earlier report (JSON)")
    diff.add_argument("new", type=Path, help="the later report (JSON)")
    diff.set_defaults(handler=_handle)


def _handle(args: Any) -> int:
    code, text = run(args.old, args.new)
    stream = sys.stderr if code == 2 else sys.stdout
    print(text, file=stream)
    return code
