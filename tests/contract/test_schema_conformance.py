"""Property-based conformance: every operation of our spec, generated positive and negative requests,
webrpc-aware checks (see `pytest_sequence_metadata.suite.conformance`).

One test per operation, e.g. `test_conformance[POST /rpc/Collections/GetCollection]`; how many
requests each sends follows `--sequence-profile` (quick or nightly), with a fixed seed.
"""

from __future__ import annotations

import pytest

pytest.importorskip("schemathesis", reason="property-based checks need the [contract] extra")

from pytest_sequence_metadata.suite.conformance import Conformance, operation_params


@pytest.fixture(scope="session")
def conformance(pytestconfig: pytest.Config) -> Conformance:
    return Conformance.of(pytestconfig)


@pytest.mark.parametrize("operation_id", operation_params())
def test_conformance(operation_id: str, conformance: Conformance) -> None:
    conformance.run(operation_id)
