"""Fixtures of the Go differential test, and the summary line with the number of bodies compared.

Without Go the differential tests skip, saying how to enable them; with `CI` set they fail instead,
so a CI run cannot pass without really comparing against Go.
"""

from __future__ import annotations

import shutil

import pytest
from gowire_harness import (
    GoHarness,
    build_harness,
    contract_raw_spec,
    unavailable,
)


@pytest.fixture(scope="session")
def go_harness() -> GoHarness:
    go = shutil.which("go")
    if go is None:
        unavailable(
            "Go is not on PATH: install Go to run the Go differential test "
            "(Debian: apt-get install golang-go)"
        )
    return build_harness(go, contract_raw_spec())
