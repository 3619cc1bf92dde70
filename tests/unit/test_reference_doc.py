"""docs/reference.md names every public name, and every client method with the type it answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import pytest_sequence_metadata as package
from pytest_sequence_metadata.client import _Operation, _Operations

REFERENCE = (Path(__file__).resolve().parents[2] / "docs" / "reference.md").read_text(encoding="utf-8")
OPERATIONS = {name: op for name, op in vars(_Operations).items() if isinstance(op, _Operation)}


@pytest.mark.parametrize("name", sorted(set(package.__all__) - {"__version__"}))
def test_every_public_name_is_on_the_page(name: str) -> None:
    assert f"`{name}`" in REFERENCE or f"`{name}(" in REFERENCE


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_client_method_is_listed_with_its_answer(name: str) -> None:
    row = re.search(rf"^\| `{name}\(.*?\)` \| `(\w+)`", REFERENCE, re.M)
    assert row is not None, f"{name} is not in the method table"
    assert row[1] == OPERATIONS[name].answer.__name__
