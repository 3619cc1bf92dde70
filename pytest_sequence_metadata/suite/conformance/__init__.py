"""Property-based conformance: the sandbox, request pinning, validity as Go reads it, and the runner."""

from __future__ import annotations

from pytest_sequence_metadata.suite.conformance.runner import (
    SETTINGS,
    Conformance,
    Plan,
    Prepared,
    Problem,
    Sandbox,
    conformance_schema,
    expected_refusal,
    fit_schema,
    request_violations,
)

__all__ = [
    "SETTINGS",
    "Conformance",
    "Plan",
    "Prepared",
    "Problem",
    "Sandbox",
    "conformance_schema",
    "expected_refusal",
    "fit_schema",
    "request_violations",
]
