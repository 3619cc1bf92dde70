"""The suite proves its power: against an emulator with one injected bug, the tests of what the bug
breaks fail.

Each named mutation of the emulator (a realistic bug: a privacy leak, a wrong status, a lost write...)
declares the operations, privacy rules or assumptions it `breaks`. Its runs keep only the contract
tests marked with those, the explicit tests first and the property-based ones in a second run only
when no explicit test failed, and stop at the first failure; the conformance report must then name
one of them as failed. The clean emulator must pass the whole suite, whose report must know every
declared name; a session that runs the whole contract suite against a clean emulator itself, as the
default run does, is that verdict, and its clean run only collects the suite, for the report. The
cases are independent runs, each a process of its own (own directory, own in-process emulator;
forked from a server that has imported pytest's plugins: see warm_pytest), so `-n auto` spreads
them.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from warm_pytest import run_pytest

from pytest_sequence_metadata.emulator.mutations import MUTATIONS

HERE = Path(__file__).resolve().parent
CONTRACT = HERE.parent / "contract"
# The property-based parts take most of the suite's time: they run last, so a bug the explicit tests
# catch (with --maxfail=1) never reaches them.
PROPERTY_BASED = ("test_schema_conformance.py", "test_privacy_state_machine.py")
EXPLICIT = sorted(str(p) for p in CONTRACT.glob("test_*.py") if p.name not in PROPERTY_BASED)
PROPERTY_BASED_PATHS = [str(CONTRACT / name) for name in PROPERTY_BASED]
EXPLICIT_FIRST = [*EXPLICIT, *PROPERTY_BASED_PATHS]
NO_TESTS = pytest.ExitCode.NO_TESTS_COLLECTED
REPORT_SECTIONS = ("operations", "privacy", "assumptions")


@dataclass(frozen=True)
class Run:
    code: int
    failing: list[str]  # test ids
    report: dict[str, Any]
    output: str

    def failed(self) -> dict[str, list[str]]:
        """What the report names as failed (operations blamed, privacy rules, contradicted assumptions),
        with the tests that failed it."""
        return {
            name: entry["failed"]
            for section in REPORT_SECTIONS
            for name, entry in self.report.get(section, {}).items()
            if entry["failed"]
        }

    def reported(self) -> set[str]:
        return {name for section in REPORT_SECTIONS for name in self.report.get(section, {})}


def run_suite(tmp_path: Path, *args: str, paths: Sequence[str] = EXPLICIT_FIRST) -> Run:
    """Run (part of) the contract suite in a subprocess, with a JUnit file and a conformance report."""
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    junit.unlink(missing_ok=True)
    report.unlink(missing_ok=True)
    args = [
        *paths,
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-p",
        "select_marked",
        f"--junitxml={junit}",
        "-o",
        "junit_family=xunit1",
        f"--sequence-report={report}",
        # Verdicts come from the JUnit file and the report; a native traceback is cheap to format
        # (the long style parses each module of the traceback to show its source).
        "--tb=native",
        *args,
    ]
    done = run_pytest(args, cwd=tmp_path, env=os.environ, path=[str(HERE)])
    failing = []
    if junit.exists():
        for case in ET.parse(junit).iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failing.append(f"{case.get('classname')}::{case.get('name')}")
    document = json.loads(report.read_text()) if report.exists() else {}
    return Run(done.code, failing, document, (done.stdout + done.stderr)[-3000:])


def test_the_clean_emulator_passes_the_whole_suite(
    tmp_path: Path, session_runs_the_clean_contract_suite: bool
) -> None:
    if session_runs_the_clean_contract_suite:
        # This session runs every contract test against a clean emulator and fails if one fails:
        # running them all again would check nothing more. A collecting run still gives the report.
        run = run_suite(tmp_path, "--collect-only")
    else:
        run = run_suite(tmp_path)
    assert run.code == 0, f"the clean emulator failed: {run.failing}\n{run.output}"
    for mutation in MUTATIONS.values():
        unknown = set(mutation.breaks) - run.reported()
        assert not unknown, f"{mutation.id} breaks {sorted(unknown)}, which no contract test is marked with"


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_the_tests_of_what_it_breaks_catch_the_injected_bug(
    mutation: str, tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    breaks = MUTATIONS[mutation].breaks
    bug = f"--sequence-emulator-mutation={mutation}"
    selected = ("--maxfail=1", *(f"--select-marked={name}" for name in breaks))
    # The explicit tests first, in a run that does not even collect the property-based modules (their
    # schema and strategies cost most of a run's start); those run only if no explicit test failed.
    run = run_suite(tmp_path, bug, *selected, paths=EXPLICIT)
    if run.code in (pytest.ExitCode.OK, NO_TESTS):
        run = run_suite(tmp_path, bug, *selected, paths=PROPERTY_BASED_PATHS)
    caught = {name: tests for name, tests in run.failed().items() if name in breaks}
    if run.code != 1 or not caught:
        # Say what does catch it, so the declaration can be put right.
        anyway = run_suite(tmp_path, bug, "--maxfail=3", paths=EXPLICIT)
        pytest.fail(
            f"{mutation}: no test of {', '.join(breaks)} failed (exit {run.code}, failing {run.failing}); "
            f"the explicit suite fails {anyway.failing}, reported as {sorted(anyway.failed())}\n{run.output}"
        )
    record_property("caught_by", " ".join(sorted({test for tests in caught.values() for test in tests})))
    print(f"{mutation} ({MUTATIONS[mutation].category}) caught as {', '.join(sorted(caught))}")
