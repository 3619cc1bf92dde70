"""Decode webrpc request bodies the way the Go server's encoding/json does.

- Struct keys match case-insensitively (`projectID` works) but underscores are not folded, so
  `externalLink` never matches `external_link`; unknown keys are ignored.
- JSON null leaves a field unset (absent in the decoded dict).
- uint64/uint32/uint16 take only integer literals in range: `1.0`, `1e3`, `-1` and strings fail.
- time.Time takes RFC 3339 strings only; prototyp.BigInt takes a number or a decimal string.
A type mismatch raises DecodeError, which the wire layer answers with WebrpcBadRequest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class DecodeError(ValueError):
    """The body is not valid JSON or does not fit the Go argument types."""


@dataclass(frozen=True, slots=True)
class Scalar:
    go_type: str


@dataclass(frozen=True, slots=True)
class UInt:
    go_type: str
    bits: int


@dataclass(frozen=True, slots=True)
class ListOf:
    item: Type


@dataclass(frozen=True, slots=True)
class Struct:
    go_type: str
    fields: Mapping[str, Type]

    def folded(self) -> dict[str, str]:
        return {name.lower(): name for name in self.fields}


Type = Scalar | UInt | ListOf | Struct

STRING = Scalar("string")
BOOL = Scalar("bool")
ANY = Scalar("interface {}")
MAP_ANY = Scalar("map[string]interface {}")
TIME = Scalar("time.Time")
BIGINT = Scalar("prototyp.BigInt")
U64 = UInt("uint64", 64)
U32 = UInt("uint32", 32)
U16 = UInt("uint16", 16)

MAX_DEPTH = 100
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_SIGNED_DECIMAL = re.compile(r"-?[0-9]+")
_JSON_KIND = {str: "string", bool: "bool", int: "number", float: "number", list: "array", dict: "object"}

PAGE = Struct(
    "Page",
    {"page": U32, "column": STRING, "before": ANY, "after": ANY, "pageSize": U32, "more": BOOL},
)
COLLECTION_METADATA = Struct(
    "CollectionMetadata",
    {
        "name": STRING,
        "description": STRING,
        "image": STRING,
        "external_link": STRING,
        "properties": MAP_ANY,
        "attributes": ListOf(MAP_ANY),
    },
)
ASSET = Struct(
    "Asset",
    {
        "id": U64,
        "collectionId": U64,
        "tokenId": BIGINT,
        "url": STRING,
        "metadataField": STRING,
        "filename": STRING,
        "filesize": U32,
        "mimeType": STRING,
        "width": U16,
        "height": U16,
        "updatedAt": TIME,
    },
)
COLLECTION = Struct(
    "Collection",
    {
        "id": U64,
        "projectId": U64,
        "metadata": COLLECTION_METADATA,
        "private": BOOL,
        "revealKey": STRING,
        "tokenCount": U64,
        "createdAt": TIME,
        "updatedAt": TIME,
        "deletedAt": TIME,
        "baseURIs": Struct("CollectionBaseURIs", {"contractMetadataURI": STRING, "tokenMetadataURI": STRING}),
        "assets": ListOf(ASSET),
    },
)
TOKEN_METADATA = Struct(
    "TokenMetadata",
    {
        "chainId": U64,
        "contractAddress": STRING,
        "tokenId": STRING,
        "source": STRING,
        "name": STRING,
        "description": STRING,
        "image": STRING,
        "video": STRING,
        "audio": STRING,
        "properties": MAP_ANY,
        "attributes": ListOf(MAP_ANY),
        "image_data": STRING,
        "external_url": STRING,
        "background_color": STRING,
        "animation_url": STRING,
        "decimals": U64,
        "updatedAt": TIME,
        "assets": ListOf(ASSET),
        "status": STRING,
        "queuedAt": TIME,
        "lastFetched": TIME,
    },
)
CONTRACT_COLLECTION = Struct(
    "ContractCollection",
    {"id": U64, "chainId": U64, "contractAddress": STRING, "collectionId": U64},
)


def _request(method: str, **fields: Type) -> Struct:
    return Struct(f"{method}Request", fields)


# Argument types of the 21 methods, as in the generated Go server.
REQUESTS: dict[str, Struct] = {
    "CreateCollection": _request("CreateCollection", projectId=U64, collection=COLLECTION),
    "GetCollection": _request("GetCollection", projectId=U64, collectionId=U64),
    "ListCollections": _request("ListCollections", projectId=U64, page=PAGE),
    "UpdateCollection": _request("UpdateCollection", projectId=U64, collection=COLLECTION),
    "DeleteCollection": _request("DeleteCollection", projectId=U64, collectionId=U64),
    "PublishCollection": _request("PublishCollection", projectId=U64, collectionId=U64, recursive=BOOL),
    "UnpublishCollection": _request("UnpublishCollection", projectId=U64, collectionId=U64),
    "CreateContractCollection": _request(
        "CreateContractCollection", projectId=U64, contractCollection=CONTRACT_COLLECTION
    ),
    "GetContractCollection": _request(
        "GetContractCollection", projectId=U64, chainId=U64, contractAddress=STRING
    ),
    "ListContractCollections": _request(
        "ListContractCollections", projectId=U64, collectionId=U64, page=PAGE
    ),
    "UpdateContractCollection": _request(
        "UpdateContractCollection", projectId=U64, contractCollection=CONTRACT_COLLECTION
    ),
    "DeleteContractCollection": _request(
        "DeleteContractCollection", projectId=U64, chainId=U64, contractAddress=STRING
    ),
    "CreateToken": _request(
        "CreateToken", projectId=U64, collectionId=U64, token=TOKEN_METADATA, private=BOOL
    ),
    "GetToken": _request("GetToken", projectId=U64, collectionId=U64, tokenId=STRING),
    "ListTokens": _request("ListTokens", projectId=U64, collectionId=U64, page=PAGE),
    "UpdateToken": _request(
        "UpdateToken", projectId=U64, collectionId=U64, tokenId=STRING, token=TOKEN_METADATA, private=BOOL
    ),
    "DeleteToken": _request("DeleteToken", projectId=U64, collectionId=U64, tokenId=STRING),
    "CreateAsset": _request("CreateAsset", projectId=U64, asset=ASSET),
    "GetAsset": _request("GetAsset", projectId=U64, assetId=U64),
    "UpdateAsset": _request("UpdateAsset", projectId=U64, asset=ASSET),
    "DeleteAsset": _request("DeleteAsset", projectId=U64, assetId=U64),
}

_FOLDED: dict[str, dict[str, str]] = {}


def _folded(struct: Struct) -> dict[str, str]:
    found = _FOLDED.get(struct.go_type)
    if found is None:
        found = _FOLDED[struct.go_type] = struct.folded()
    return found


def _reject_constant(name: str) -> Any:
    raise DecodeError(f"invalid character '{name[0]}' looking for beginning of value")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def parse_json(body: bytes) -> Any:
    """Parse strictly like Go: UTF-8, no NaN/Infinity, an empty body is an error."""
    if not body.strip():
        raise DecodeError("unexpected end of JSON input")
    try:
        return _DECODER.decode(body.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        raise DecodeError(f"invalid JSON at offset {exc.pos}: {exc.msg}") from None
    except RecursionError:
        raise DecodeError("exceeded max depth") from None


def _mismatch(value: Any, go_type: str, where: str) -> DecodeError:
    kind = _JSON_KIND.get(type(value), "value")
    if kind == "number":
        kind = f"number {value}"
    return DecodeError(f"json: cannot unmarshal {kind} into Go struct field {where} of type {go_type}")


def decode_value(value: Any, kind: Type, where: str) -> Any:
    """`value` converted to `kind`; None means "leave unset" (JSON null)."""
    if value is None:
        return None
    if isinstance(kind, UInt):
        if type(value) is not int or value < 0 or value >= 1 << kind.bits:
            raise _mismatch(value, kind.go_type, where)
        return value
    if isinstance(kind, Struct):
        if not isinstance(value, dict):
            raise _mismatch(value, kind.go_type, where)
        return decode_struct(value, kind, where)
    if isinstance(kind, ListOf):
        if not isinstance(value, list):
            raise _mismatch(value, f"[]{getattr(kind.item, 'go_type', 'T')}", where)
        return [decode_value(item, kind.item, where) for item in value]
    if kind is STRING:
        if not isinstance(value, str):
            raise _mismatch(value, "string", where)
        return value
    if kind is BOOL:
        if not isinstance(value, bool):
            raise _mismatch(value, "bool", where)
        return value
    if kind is MAP_ANY:
        if not isinstance(value, dict):
            raise _mismatch(value, kind.go_type, where)
        return _shallow_enough(value, where)
    if kind is TIME:
        if not isinstance(value, str) or not _RFC3339.fullmatch(value):
            raise DecodeError(f"parsing time {json.dumps(value)[:64]} as RFC 3339 failed at {where}")
        return value
    if kind is BIGINT:
        # Emitted as a quoted decimal; accepted as a JSON integer or a decimal string, never hex.
        if type(value) is int:
            return str(value)
        if isinstance(value, str) and _SIGNED_DECIMAL.fullmatch(value) and len(value) <= 100:
            return value
        raise DecodeError(f"invalid BigInt {json.dumps(value)[:64]} at {where}")
    return _shallow_enough(value, where)  # ANY


def _shallow_enough(value: Any, where: str) -> Any:
    """Free-form values nested deeper than MAX_DEPTH are refused [A:json-nesting-limit].

    Go would take them, but storing them here would make every later answer that carries them
    (key sorting, JSON encoding) overflow Python's recursion limit.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise DecodeError(f"exceeded max depth of {MAX_DEPTH} nested values at {where}")
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return value


def decode_struct(obj: Mapping[str, Any], struct: Struct, where: str = "") -> dict[str, Any]:
    """The fields of `obj` that match `struct`, under their canonical wire names."""
    folded = _folded(struct)
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = key if key in struct.fields else folded.get(key.lower())
        if name is None:
            continue  # unknown keys are ignored, like encoding/json without DisallowUnknownFields
        decoded = decode_value(value, struct.fields[name], f"{where}.{name}")
        if decoded is not None:
            out[name] = decoded
    return out


def decode_request(method: str, body: bytes) -> dict[str, Any]:
    """Parse and decode the body of an RPC; raises DecodeError."""
    struct = REQUESTS[method]
    parsed = parse_json(body)
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise DecodeError(f"json: cannot unmarshal {_JSON_KIND.get(type(parsed), 'value')} into Go value")
    if _LONE_SURROGATE.search(body):
        parsed = _replace_surrogates(parsed)
    return decode_struct(parsed, struct, struct.go_type)


_LONE_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE_CHAR = re.compile("[\ud800-\udfff]")


def _replace_surrogates(value: Any) -> Any:
    """Go turns unpaired UTF-16 surrogates into U+FFFD; Python keeps them (and cannot encode them)."""
    if isinstance(value, str):
        return _SURROGATE_CHAR.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replace_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in value.items()}
    return value
