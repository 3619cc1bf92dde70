"""Package-level promises: cheap import, one registry of assumptions cited from the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest_sequence_metadata.contract as contract_package
import pytest_sequence_metadata.emulator as emulator_package
from pytest_sequence_metadata.contract.assumptions import ASSUMPTIONS
from pytest_sequence_metadata.emulator import Emulator

# Choices are cited where they are made: in the emulator, or in the contract's Go decoding rules.
SOURCES = sorted(
    path
    for package in (emulator_package, contract_package)
    for path in Path(package.__file__).parent.glob("*.py")
)
CITED = re.compile(r"\[A:([a-z0-9-]+)\]")


def test_import_is_cheap() -> None:
    code = (
        "import sys, pytest_sequence_metadata.emulator as e; "
        "heavy = {'httpx', 'jwt', 'uvicorn', 'starlette', 'jsonschema', 'puremagic', 'imagesize', 'yaml'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_every_cited_assumption_exists_and_every_assumption_is_cited() -> None:
    cited = {name for path in SOURCES for name in CITED.findall(path.read_text())}
    assert cited <= set(ASSUMPTIONS), cited - set(ASSUMPTIONS)
    assert set(ASSUMPTIONS) <= cited, set(ASSUMPTIONS) - cited


def test_assumptions_are_complete_sentences() -> None:
    for item in ASSUMPTIONS.values():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", item.id)
        assert item.summary
        assert item.choice.endswith(".")
        assert item.reason.endswith(".")


def test_facade_exposes_the_registry() -> None:
    emulator = Emulator()
    assert emulator.assumptions is ASSUMPTIONS
    assert "public-hidden-as-not-found" in emulator.assumptions
    assert repr(Emulator(mutations=["lost-write"])) == "<Emulator mutations=['lost-write']>"
