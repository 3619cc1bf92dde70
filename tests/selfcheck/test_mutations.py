"""The suite proves its power: against an emulator with one injected bug, the contract suite fails.

Each named mutation of the emulator (a realistic bug: a privacy leak, a wrong status, a lost write...)
runs the whole contract suite in a subprocess; the run must fail, and the failing tests are the checks
that caught it. The clean emulator must pass the same suite.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import pytest

from pytest_sequence_metadata.emulator.mutations import MUTATIONS

CONTRACT = Path(__file__).resolve().parents[1] / "contract"
# The property-based parts take most of the suite's time; a bug the explicit tests already catch
# does not need them, so they run only when the explicit tests stay green.
PROPERTY_BASED = ("test_schema_conformance.py", "test_privacy_state_machine.py")
EXPLICIT = sorted(str(p) for p in CONTRACT.glob("test_*.py") if p.name not in PROPERTY_BASED)


def run_suite(
    tmp_path: Path, *args: str, paths: Sequence[str] = (str(CONTRACT),)
) -> tuple[int, list[str], str]:
    """Run (part of) the contract suite; returns the exit code, the failing test ids and the output tail."""
    report = tmp_path / "junit.xml"
    report.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "pytest",
        *paths,
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        f"--junitxml={report}",
        "-o",
        "junit_family=xunit1",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    failing = []
    if report.exists():
        for case in ET.parse(report).iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failing.append(f"{case.get('classname')}::{case.get('name')}")
    return done.returncode, failing, done.stdout[-3000:]


def test_the_clean_emulator_passes_the_whole_suite(tmp_path: Path) -> None:
    code, failing, output = run_suite(tmp_path)
    assert code == 0, f"the clean emulator failed: {failing}\n{output}"


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_the_suite_catches_the_injected_bug(
    mutation: str, tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    # Stop after a few failures: proving the catch needs one, naming a handful helps the reader.
    bug = (f"--sequence-emulator-mutation={mutation}", "--maxfail=3")
    code, failing, output = run_suite(tmp_path, *bug, paths=EXPLICIT)
    if code == 0:
        code, failing, output = run_suite(tmp_path, *bug, paths=[str(CONTRACT / p) for p in PROPERTY_BASED])
    assert code == 1, f"{mutation}: the contract suite did not fail (exit {code})\n{output}"
    assert failing, f"{mutation}: the run failed but no test reported a failure\n{output}"
    record_property("caught_by", " ".join(failing))
    print(f"{mutation} ({MUTATIONS[mutation].category}) caught by: {', '.join(failing)}")
