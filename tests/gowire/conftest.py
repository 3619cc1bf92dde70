"""Fixtures of the Go differential test, and the summary line with the number of bodies compared.

Without Go the differential tests skip, saying how to enable them; with `CI` set they fail instead,
so a CI run cannot pass without really comparing against Go.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from gowire_harness import (
    CASES_PROPERTY,
    GO_PROPERTY,
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


def pytest_terminal_summary(terminalreporter: Any) -> None:
    properties = [
        (name, value)
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", ())
    ]
    cases = sum(int(value) for name, value in properties if name == CASES_PROPERTY)
    versions = sorted({str(value) for name, value in properties if name == GO_PROPERTY})
    if cases:
        terminalreporter.write_line(
            f"gowire: {cases} request bodies compared between Go's encoding/json"
            f" ({', '.join(versions) or 'version unknown'}) and ours"
        )
