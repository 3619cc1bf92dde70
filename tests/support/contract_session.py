"""Whether a pytest session runs the whole contract suite against a clean embedded emulator itself.

The self-check's clean run uses it (tests/selfcheck/conftest.py): such a session's own outcome is the
clean emulator's verdict on the suite, so running every contract test a second time checks nothing
more. Deselection is counted by the `pytest_deselected` hook here, which a conftest re-exports.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_sequence_metadata.pytest.runtime import get_runtime

CONTRACT = Path(__file__).resolve().parents[1] / "contract"
_DESELECTED = pytest.StashKey[int]()


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        stash = items[0].config.stash
        stash[_DESELECTED] = stash.get(_DESELECTED, 0) + sum(CONTRACT in item.path.parents for item in items)


def runs_the_clean_contract_suite(session: pytest.Session) -> bool:
    """Every module of tests/contract collected, none of its tests deselected, and the target the
    embedded emulator with no injected bug."""
    config = session.config
    if config.stash.get(_DESELECTED, 0):
        return False
    if not set(CONTRACT.glob("test_*.py")) <= {item.path for item in session.items}:
        return False
    runtime = get_runtime(config)
    return runtime.target.is_emulator and not runtime.emulator_mutations
