"""Request validation against the bundled spec: its validators (contract/spec.py), fast enough for
every request through their compiled check."""

from __future__ import annotations

import functools
from typing import Any, Protocol


class Validator(Protocol):
    def is_valid(self, instance: Any) -> bool: ...
    def errors(self, instance: Any) -> list[Any]: ...


def load_request_validators(operation_ids: list[str]) -> dict[str, Validator]:
    """One validator per RPC from the bundled spec; empty when the spec is not there.

    Built once per process: validators are stateless, so every Emulator shares them.
    """
    return dict(_built(tuple(operation_ids)))


@functools.cache
def _built(operation_ids: tuple[str, ...]) -> dict[str, Validator]:
    try:
        from pytest_sequence_metadata.contract.spec import load_spec

        spec = load_spec()
    except (ImportError, FileNotFoundError):
        return {}
    validators: dict[str, Validator] = {}
    for operation_id in operation_ids:
        if operation_id in spec.operations:
            validators[operation_id] = validator = spec.request_validator(operation_id)
            validator.is_valid({})  # compile now, not on the first request
    return validators
