"""Property-based conformance: every operation of our spec, generated positive and negative requests,
webrpc-aware checks (see `pytest_sequence_metadata.checks.conformance`).

One test per operation, e.g. `test_conformance[POST /rpc/Collections/GetCollection]`, built by
schemathesis' `schema.parametrize()`; how many requests each sends follows `--sequence-profile` (quick
or nightly), with a fixed seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("schemathesis", reason="property-based checks need the [contract] extra")

from schemathesis import Case

from pytest_sequence_metadata.checks.conformance import SETTINGS, Conformance, conformance_schema

schema = conformance_schema()


@pytest.fixture(scope="session")
def conformance(pytestconfig: pytest.Config) -> Conformance:
    return Conformance.of(pytestconfig)


@pytest.fixture
def fresh_sandbox(conformance: Conformance) -> Iterator[None]:
    """Each operation's cases start from no sandbox, and leave none behind."""
    yield
    conformance.sandbox.discard()


@schema.parametrize()
@SETTINGS
def test_conformance(case: Case[Any], conformance: Conformance, fresh_sandbox: None) -> None:
    conformance.check(case)
