"""Fixtures of the emulator tests. `api` runs each test twice: in-process and over a real server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from emulator_support import Api

from pytest_sequence_metadata.emulator import IN_PROCESS_URL, Emulator
from pytest_sequence_metadata.emulator.server import ServerHandle, serve_in_background


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "emulator_fuzz: schemathesis run over the emulator (deselect: -m 'not emulator_fuzz')"
    )
    config.addinivalue_line(
        "markers", "emulator_node: drives the emulator with the official JS client (needs node + npm)"
    )


@pytest.fixture
def emulator() -> Emulator:
    return Emulator()


@pytest.fixture(scope="session")
def server() -> Iterator[ServerHandle]:
    """One uvicorn server for the session; tests reset its state before use."""
    with serve_in_background(Emulator()) as handle:
        yield handle


@pytest.fixture(params=["inprocess", "server"])
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    """The same behaviour tests against the in-process transport and a background uvicorn server."""
    if request.param == "inprocess":
        emulator = Emulator()
        with httpx.Client(transport=emulator.transport(), base_url=IN_PROCESS_URL) as client:
            yield Api(emulator, client, "inprocess")
    else:
        handle: ServerHandle = request.getfixturevalue("server")
        handle.emulator.reset()
        with httpx.Client(base_url=handle.url) as client:
            yield Api(handle.emulator, client, "server")
