"""Request validation against the bundled spec, fast enough for every request.

The spec's own validators (spec.py, jsonschema) stay the authority and explain violations. When
jsonschema_rs is importable (it comes with the `contract` extra), a compiled copy of each request
schema answers the common question "is this valid?" in microseconds instead of hundreds; only bodies
it rejects go to the spec's validator, whose verdict wins.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol


class Validator(Protocol):
    def is_valid(self, instance: Any) -> bool: ...
    def errors(self, instance: Any) -> list[Any]: ...


class FastValidator:
    """`is_valid` from the compiled check, `errors` from the spec's validator."""

    __slots__ = ("_check", "_spec")

    def __init__(self, spec_validator: Validator, check: Callable[[Any], bool]) -> None:
        self._spec = spec_validator
        self._check = check

    def is_valid(self, instance: Any) -> bool:
        return self._check(instance) or self._spec.is_valid(instance)

    def errors(self, instance: Any) -> list[Any]:
        return self._spec.errors(instance)


def _compiler(components: dict[str, Any]) -> Callable[[str], Callable[[Any], bool]] | None:
    try:
        import jsonschema_rs
    except ImportError:
        return None

    def compile_schema(name: str) -> Callable[[Any], bool]:
        root = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": f"#/components/schemas/{name}",
            "components": components,
        }
        validator = jsonschema_rs.Draft202012Validator(root, validate_formats=True)
        return validator.is_valid

    return compile_schema


def load_request_validators(operation_ids: list[str]) -> dict[str, Validator]:
    """One validator per RPC from the bundled spec; empty when the spec is not there.

    Compiled once per process: validators are stateless, so every Emulator shares them.
    """
    return dict(_compiled(tuple(operation_ids)))


@functools.cache
def _compiled(operation_ids: tuple[str, ...]) -> dict[str, Validator]:
    try:
        from pytest_sequence_metadata.contract.spec import load_spec

        spec = load_spec()
    except (ImportError, FileNotFoundError):
        return {}
    compile_schema = _compiler(spec.raw.get("components", {}))
    validators: dict[str, Validator] = {}
    for operation_id in operation_ids:
        if operation_id not in spec.operations:
            continue
        slow = spec.request_validator(operation_id)
        slow.is_valid({})  # compile now, not on the first request
        ref = spec.operations[operation_id].definition["requestBody"]["content"]["application/json"]["schema"]
        name = str(ref.get("$ref", "")).rsplit("/", 1)[-1]
        if compile_schema is not None and name:
            validators[operation_id] = FastValidator(slow, compile_schema(name))
        else:
            validators[operation_id] = slow
    return validators
