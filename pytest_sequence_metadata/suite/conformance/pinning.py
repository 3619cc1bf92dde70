"""Request pinning: every place of a request that names a project or a resource, and where it may point.

`projectId` is always the target's project; a write addresses only this run's sandbox or an id that
cannot exist; whether a request addresses the sandbox is decided from its generated ids (half of them
do, stably on replay), so updates, deletes and uploads also reach their success paths.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import unquote

from pytest_sequence_metadata.contract.ids import (
    MAX_UINT64,
    is_address,
    is_decimal,
    is_resource_id,
    is_token_id,
)
from pytest_sequence_metadata.contract.spec import Operation, is_integer
from pytest_sequence_metadata.suite.conformance.sandbox import Sandbox, salted_address
from pytest_sequence_metadata.suite.oracle import NEVER_COLLECTION_ID

# Ids at or above this cannot belong to a real resource (far beyond any auto-increment); a write
# that does not address the sandbox gets such an id.
_UNREACHABLE_ID: Final = NEVER_COLLECTION_ID

Kind = Literal["project", "collection", "token", "asset", "chain", "address", "file"]


@dataclass(slots=True)
class _Slot:
    """One place in a request that names a project or a resource."""

    container: dict[str, Any]
    key: str
    kind: Kind
    new: bool  # names the resource the request creates, not an existing one
    in_path: bool

    @property
    def value(self) -> Any:
        return self.container[self.key]

    def set(self, value: Any) -> None:
        self.container[self.key] = str(value) if self.in_path else value

    def valid(self) -> bool:
        """Whether the value can name something (invalid values address nothing and stay as they are)."""
        value = self.value
        if self.in_path:
            text = unquote(str(value))
            if self.kind == "file":
                return bool(text) and "/" not in text
            if self.kind == "token":
                return is_token_id(text)
            return is_resource_id(text)
        if self.kind == "address":
            return isinstance(value, str) and is_address(value)
        if self.kind == "token":  # a big integer: Go takes a decimal string or a JSON integer
            if isinstance(value, str):
                return is_token_id(value)
            return is_integer(value) and value >= 0
        return is_integer(value) and 0 < value <= MAX_UINT64


_BODY_KEYS: Final[dict[str, Kind]] = {
    "projectid": "project",
    "collectionid": "collection",
    "assetid": "asset",
    "tokenid": "token",
    "chainid": "chain",
    "contractaddress": "address",
}
# Objects whose keys also address resources, with the kind their own `id` names. (Not `token`:
# its tokenId is the token being written, never an existing one.)
_NESTED: Final[dict[str, Kind | None]] = {
    "collection": "collection",
    "asset": "asset",
    "contractcollection": None,  # its `id` is not read by the server
}
_PATH_KEYS: Final[dict[str, Kind]] = {
    "projectId": "project",
    "collectionId": "collection",
    "tokenId": "token",
    "assetId": "asset",
    "assetRef": "asset",
    "fileName": "file",
}


def _folded(key: Any) -> str:
    # Go's encoding/json matches keys case-insensitively (with Unicode simple folding).
    return str(key).casefold()


def _slots(operation: Operation, body: Any, path: dict[str, Any]) -> list[_Slot]:
    slots = [
        _Slot(path, name, kind, new=False, in_path=True)
        for name, kind in _PATH_KEYS.items()
        # assetRef is an asset id or an asset type (image, ...): only the id addresses anything
        if name in path and (name != "assetRef" or is_decimal(unquote(str(path[name]))))
    ]
    if not isinstance(body, dict) or operation.kind != "rpc":
        return slots
    creates = operation.operation_id.startswith("Create")
    for key, value in body.items():
        folded = _folded(key)
        if folded in _BODY_KEYS:
            slots.append(_Slot(body, key, _BODY_KEYS[folded], new=False, in_path=False))
        elif folded in _NESTED and isinstance(value, dict):
            for inner in value:
                inner_folded = _folded(inner)
                kind: Kind | None = _NESTED[folded] if inner_folded == "id" else _BODY_KEYS.get(inner_folded)
                if kind is None:
                    continue
                # A create names its new resource by the object's own id (a new contract link by its
                # chain and address): never the sandbox's own.
                new = creates and (
                    inner_folded == "id" or (folded == "contractcollection" and kind in ("chain", "address"))
                )
                slots.append(_Slot(value, inner, kind, new=new, in_path=False))
    return slots


def is_write(operation: Operation) -> bool:
    """Whether the operation changes state (its sandbox is discarded after it)."""
    return operation.method != "GET" and not operation.operation_id.startswith(("Get", "List"))


def pin(operation: Operation, body: Any, path: dict[str, Any], *, project_id: int, sandbox: Sandbox) -> bool:
    """Pin projectId, and point the request at the sandbox or at nothing (in place); True for the sandbox."""
    slots = [slot for slot in _slots(operation, body, path) if slot.valid()]
    addressing = [slot for slot in slots if slot.kind != "project" and not slot.new]
    # Half of the requests go to the sandbox, chosen by their generated ids (stable on replay).
    key = json.dumps([[slot.kind, str(slot.value)] for slot in addressing])
    sandboxed = bool(addressing) and zlib.crc32(key.encode()) % 2 == 0
    write = is_write(operation)
    for slot in slots:
        if slot.kind == "project":
            slot.set(project_id)
        elif slot.new or (write and not sandboxed):
            _unreachable(slot, sandbox.runtime.run_id)
        elif sandboxed:
            _to_sandbox(slot, sandbox)
    return sandboxed


def _unreachable(slot: _Slot, run_id: str) -> None:
    if slot.kind == "address":
        slot.set(salted_address(run_id, str(slot.value)))
    elif slot.kind in ("collection", "asset") and int(unquote(str(slot.value))) < _UNREACHABLE_ID:
        slot.set(_UNREACHABLE_ID)


def _to_sandbox(slot: _Slot, sandbox: Sandbox) -> None:
    if slot.kind == "collection":
        slot.set(sandbox.collection_id)
    elif slot.kind == "token":
        slot.set(sandbox.token_id if isinstance(slot.value, str) else int(sandbox.token_id))
    elif slot.kind == "asset":
        slot.set(sandbox.asset_id)
    elif slot.kind == "file":
        slot.set(sandbox.file_name)
    elif slot.kind in ("chain", "address"):
        chain, address = sandbox.link
        slot.set(chain if slot.kind == "chain" else address)
