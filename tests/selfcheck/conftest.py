"""The self-check's view of the session it runs in (tests/support/contract_session.py)."""

from __future__ import annotations

import pytest
from contract_session import pytest_deselected, runs_the_clean_contract_suite

__all__ = ["pytest_deselected"]  # the hook that counts deselected contract tests


@pytest.fixture
def session_runs_the_clean_contract_suite(request: pytest.FixtureRequest) -> bool:
    return runs_the_clean_contract_suite(request.session)
