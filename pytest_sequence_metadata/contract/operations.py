"""The registry of operations, built from the spec: the one list every other part reads.

Each operation says whether it is an RPC or a REST route, its Go argument types (RPCs), and what it
creates or deletes (`x-creates` / `x-deletes` in the spec), which is what the cleanup ledger records
and what makes a retried request able to write twice.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from pytest_sequence_metadata.contract.errors import UsageError
from pytest_sequence_metadata.contract.gowire import Struct, go_types
from pytest_sequence_metadata.contract.spec import Operation, load_spec

Resource = Literal["collection", "contract_collection", "token", "asset"]
RESOURCES: Final[tuple[Resource, ...]] = ("collection", "contract_collection", "token", "asset")
RPC_PREFIX: Final = "/rpc/Collections/"


@dataclass(frozen=True, slots=True)
class OperationInfo:
    """One operation of the contract, with what the rest of the project needs to know about it."""

    id: str
    kind: Literal["rpc", "rest"]
    method: str
    path: str
    secured: bool
    request: Struct | None  # the Go argument struct of an RPC
    creates: Resource | None
    deletes: Resource | None

    @property
    def arguments(self) -> tuple[str, ...]:
        """The JSON keys of an RPC's arguments, in Go's order (empty for REST routes)."""
        return tuple(f.key for f in self.request.fields) if self.request is not None else ()

    @property
    def retry_may_duplicate(self) -> bool:
        """Whether sending the request twice can write twice (the server assigns the new id)."""
        return self.creates is not None

    @property
    def handler(self) -> str:
        """The snake_case name an emulator backend or a client method has for it."""
        return snake_case(self.id)


def snake_case(name: str) -> str:
    """`CreateContractCollection` -> `create_contract_collection`, `collectionId` -> `collection_id`."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _resource(value: object, where: str) -> Resource | None:
    if value is None:
        return None
    if value not in RESOURCES:
        raise ValueError(f"{where} names {value!r}, not one of {', '.join(RESOURCES)}")
    return value


def _info(op: Operation) -> OperationInfo:
    definition: Mapping[str, object] = op.definition
    return OperationInfo(
        id=op.operation_id,
        kind=op.kind,
        method=op.method,
        path=op.path,
        secured=op.secured,
        request=go_types().request(op.operation_id) if op.kind == "rpc" else None,
        creates=_resource(definition.get("x-creates"), f"{op.operation_id} x-creates"),
        deletes=_resource(definition.get("x-deletes"), f"{op.operation_id} x-deletes"),
    )


@functools.cache
def operations() -> dict[str, OperationInfo]:
    """Every operation of the bundled spec by operation id, in the spec's order."""
    return {op_id: _info(op) for op_id, op in load_spec().operations.items()}


def operation(operation_id: str) -> OperationInfo:
    try:
        return operations()[operation_id]
    except KeyError:
        known = ", ".join(operations())
        raise UsageError(f"unknown operation {operation_id!r}; the spec has: {known}") from None


def rpc_methods() -> tuple[str, ...]:
    """The RPC method names (`CreateCollection`, ...), in the spec's order."""
    return tuple(op.id for op in operations().values() if op.kind == "rpc")


def creating(resource: Resource) -> OperationInfo:
    """The operation that creates `resource`."""
    return next(op for op in operations().values() if op.creates == resource)


def deleting(resource: Resource) -> OperationInfo:
    """The operation that deletes `resource`."""
    return next(op for op in operations().values() if op.deletes == resource)
