"""`contract_session.runs_the_clean_contract_suite`, which lets the self-check's clean run only collect
the suite: true only when the session itself runs every contract test against a clean emulator."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from contract_session import CONTRACT
from warm_pytest import run_pytest

from pytest_sequence_metadata.emulator.mutations import MUTATIONS

SUPPORT = Path(__file__).resolve().parents[1] / "support"
PROBE = """
from contract_session import pytest_deselected, runs_the_clean_contract_suite


def pytest_collection_finish(session):
    print("runs the clean suite:", runs_the_clean_contract_suite(session))
"""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([str(CONTRACT)], True),
        # One test of a module whose others stay: only the deselection hook can tell.
        ([str(CONTRACT), "-k", "not test_unknown_rpc_path_is_bad_route"], False),
        (
            [str(CONTRACT), "--deselect=tests/contract/test_wire.py::test_unknown_rpc_path_is_bad_route"],
            False,
        ),
        ([str(CONTRACT / "test_wire.py"), str(CONTRACT / "test_auth.py")], False),
        ([str(CONTRACT), f"--sequence-emulator-mutation={min(MUTATIONS)}"], False),
    ],
    ids=["whole-suite", "deselected-by-keyword", "deselected-by-id", "some-modules", "injected-bug"],
)
def test_only_a_session_running_every_contract_test_on_a_clean_emulator_counts(
    tmp_path: Path, args: list[str], expected: bool
) -> None:
    (tmp_path / "probe.py").write_text(PROBE)
    done = run_pytest(
        [*args, "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "probe"],
        cwd=tmp_path,
        env=os.environ,
        path=[str(tmp_path), str(SUPPORT)],
    )
    assert f"runs the clean suite: {expected}" in done.stdout, done.stdout + done.stderr
