"""Shared helpers of the plugin's own tests: a clean environment and a standalone emulator server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpcore  # noqa: F401 - httpx imports it on first use: that must not be inside an inline run
import pytest
from plugin_support import Server

# Imported here, before any pytester run: inline runs restore sys.modules afterwards, and modules
# first imported inside one would be imported (and the spec loaded) again by every run.
import pytest_sequence_metadata.client.core
import pytest_sequence_metadata.emulator.app
import pytest_sequence_metadata.emulator.server
import pytest_sequence_metadata.emulator.transport
import pytest_sequence_metadata.pytest.ledger
import pytest_sequence_metadata.pytest.recording
import pytest_sequence_metadata.pytest.traffic
import pytest_sequence_metadata.suite.parity  # noqa: F401
from pytest_sequence_metadata.contract.spec import load_spec
from pytest_sequence_metadata.emulator import Emulator

load_spec()


@pytest.fixture(autouse=True)
def _hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner runs must not see the outer run's target, secrets or xdist worker."""
    for name in list(os.environ):
        if name.startswith(("SEQUENCE_", "PYTEST_XDIST_")):
            monkeypatch.delenv(name)


@pytest.fixture
def server() -> Iterator[Server]:
    emulator = Emulator()
    handle = emulator.serve()
    try:
        yield Server(
            emulator,
            handle,
            emulator.mint_jwt(1, expires_in=None),
            emulator.mint_jwt(2, expires_in=None),
        )
    finally:
        handle.stop()
