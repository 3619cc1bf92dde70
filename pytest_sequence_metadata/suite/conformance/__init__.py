"""Property-based conformance against any target, in four parts:

- `sandbox`: resources of this run that generated writes may touch;
- `pinning`: each place of a request that names a project or a resource, pointed at the target's
  project and at the sandbox or at an id that cannot exist;
- `validity`: the request as the Go server reads it, and how it breaks the spec;
- `runner`: the schemathesis schema, the run's plan and `Conformance.check`, with the webrpc checks.
"""

from __future__ import annotations

from pytest_sequence_metadata.suite.conformance.runner import (
    SETTINGS,
    Conformance,
    Plan,
    conformance_schema,
    fit_schema,
)
from pytest_sequence_metadata.suite.conformance.sandbox import Sandbox, SandboxError
from pytest_sequence_metadata.suite.conformance.validity import (
    Prepared,
    Problem,
    expected_refusal,
    request_violations,
)

__all__ = [
    "SETTINGS",
    "Conformance",
    "Plan",
    "Prepared",
    "Problem",
    "Sandbox",
    "SandboxError",
    "conformance_schema",
    "expected_refusal",
    "fit_schema",
    "request_violations",
]
