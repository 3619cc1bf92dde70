"""A nightly's view of a regression: the report of a run against an emulator with one injected bug
names the failing operation and privacy rule, and `report diff` against a clean run flags it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from warm_pytest import run_pytest

CONTRACT = Path(__file__).resolve().parents[1] / "contract"
FILES = [str(CONTRACT / "test_privacy.py"), str(CONTRACT / "test_scenarios.py")]


BROKEN_OPERATIONS = {"UnpublishCollection", "GetPublicCollectionMetadata"}


def failing(document: dict[str, Any], section: str, verdict: str) -> set[str]:
    return {name for name, entry in document[section].items() if entry["verdict"] == verdict}


def report_of(tmp_path: Path, name: str, *extra: str) -> Path:
    path = tmp_path / f"{name}.json"
    run_pytest(
        [*FILES, "-q", "-p", "no:cacheprovider", f"--sequence-report={path}", *extra],
        cwd=tmp_path,
        env=os.environ,
        timeout=300,
    )
    return path


def test_an_injected_bug_shows_in_the_summary_and_as_a_regression(tmp_path: Path) -> None:
    clean = report_of(tmp_path, "clean")
    bugged = report_of(tmp_path, "bugged", "--sequence-emulator-mutation=unpublish-keeps-public")

    document = json.loads(bugged.read_text())
    # Blame goes to what the failing test names, not to everything it touched on its way (the
    # scenario's module lists eight operations): Unpublish, and the public route that kept serving
    # (the failing test names GetPublicTokenMetadata too, but failed before reaching it).
    assert failing(document, "operations", "failed") == BROKEN_OPERATIONS
    assert failing(document, "privacy", "failed") == {"unpublish-hides-again"}
    assert failing(document, "assumptions", "contradicted") == set()
    summary = bugged.with_suffix(".md").read_text()
    assert "- ❌ operation **UnpublishCollection**" in summary
    assert "- ❌ privacy rule **unpublish-hides-again**" in summary

    diff = subprocess.run(
        [sys.executable, "-m", "pytest_sequence_metadata", "report", "diff", str(clean), str(bugged)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert diff.returncode == 1, diff.stdout + diff.stderr
    newly_failing = [
        *(f"  operation {name}: passed -> failed" for name in sorted(BROKEN_OPERATIONS)),
        "  privacy rule unpublish-hides-again: passed -> failed",
    ]
    assert diff.stdout.splitlines()[1:] == ["Newly failing:", *newly_failing], diff.stdout
