"""Go's zero-value law on the emulator, over every RPC.

Go's encoding/json cannot tell a non-pointer field's zero value from its absence, so the real server
answers `{"id": 0}` exactly as it answers `{}`. For every non-pointer field of every RPC's request struct
(top-level arguments, and fields of the structs reached through pointers the request sets), the
emulator's answer to a valid request with the field set to its zero value must equal its answer to the
same request without the field. The fields come from the spec's Go types (`go_types()`); only the valid
request of each method and the data it needs are written here.

Each comparison runs the same set-up on two fresh emulators (so ids match) and sends one request to
each; answers are compared with real timestamps replaced by a placeholder (Go's zero time is kept, it
is a value the law is about).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_sequence_metadata.contract.gowire import (
    UINT_BITS,
    ZERO_TIME,
    Enum,
    GoType,
    Pointer,
    Scalar,
    Struct,
    StructRef,
    decode_request,
    go_types,
    go_value,
    is_pointer_like,
    is_zero,
)
from pytest_sequence_metadata.contract.operations import operations, rpc_methods
from pytest_sequence_metadata.emulator import Emulator

CHAIN: Final = 80002
LINKED: Final = "0x" + "ab" * 20
UNLINKED: Final = "0x" + "cd" * 20

Path = tuple[str, ...]


# --- the data every request works on, and one valid request per method -----------------------------


@dataclass(frozen=True, slots=True)
class Ids:
    collection: int
    other_collection: int
    asset: int


def set_up(rpc: Callable[[str, dict[str, Any]], Any]) -> Ids:
    """Two collections, a private token "7" with an image asset in the first, and a contract link."""

    def call(method: str, body: dict[str, Any]) -> dict[str, Any]:
        response = rpc(method, body)
        assert response.status_code == 200, (method, response.text)
        answer: dict[str, Any] = response.json()
        return answer

    first = call("CreateCollection", {"collection": {"metadata": {"name": "Harbor Lights"}}})
    second = call("CreateCollection", {"collection": {"metadata": {"name": "Tide Tables"}}})
    cid = first["collection"]["id"]
    call("CreateToken", {"collectionId": cid, "token": {"tokenId": "7", "name": "Token 7"}, "private": True})
    asset = call("CreateAsset", {"asset": {"collectionId": cid, "tokenId": "7", "metadataField": "image"}})
    link = {"chainId": CHAIN, "contractAddress": LINKED, "collectionId": cid}
    call("CreateContractCollection", {"projectId": 1, "contractCollection": link})
    return Ids(cid, second["collection"]["id"], asset["asset"]["id"])


def base_request(method: str, ids: Ids) -> dict[str, Any]:
    """A request of `method` the emulator answers with success after `set_up`."""
    c, c2, a = ids.collection, ids.other_collection, ids.asset
    requests: dict[str, dict[str, Any]] = {
        "CreateCollection": {
            "collection": {
                "metadata": {"name": "Reefs", "description": "Charts", "image": "https://example.com/r.png"},
                "private": True,
            }
        },
        "GetCollection": {"collectionId": c},
        "ListCollections": {"page": {"page": 0, "pageSize": 1}},
        "UpdateCollection": {
            "projectId": 1,
            "collection": {"id": c, "metadata": {"name": "Renamed", "description": "New"}, "private": True},
        },
        "DeleteCollection": {"collectionId": c2},
        "PublishCollection": {"collectionId": c, "recursive": True},
        "UnpublishCollection": {"collectionId": c},
        "CreateContractCollection": {
            "projectId": 1,
            "contractCollection": {"chainId": CHAIN, "contractAddress": UNLINKED, "collectionId": c2},
        },
        "GetContractCollection": {"projectId": 1, "chainId": CHAIN, "contractAddress": LINKED},
        "ListContractCollections": {"projectId": 1, "collectionId": c, "page": {"pageSize": 10}},
        "UpdateContractCollection": {
            "projectId": 1,
            "contractCollection": {"chainId": CHAIN, "contractAddress": LINKED, "collectionId": c2},
        },
        "DeleteContractCollection": {"projectId": 1, "chainId": CHAIN, "contractAddress": LINKED},
        "CreateToken": {
            "collectionId": c,
            "token": {
                "tokenId": "8",
                "name": "Token 8",
                "description": "Eight",
                "image": "https://example.com/8.png",
                "external_url": "https://example.com/8",
                "properties": {"rarity": 3},
                "attributes": [{"trait_type": "Power", "value": 9}],
                "decimals": 0,
            },
            "private": True,
        },
        "GetToken": {"collectionId": c, "tokenId": "7"},
        "ListTokens": {"collectionId": c, "page": {"page": 0}},
        "UpdateToken": {
            "collectionId": c,
            "tokenId": "7",
            "token": {"tokenId": "7", "name": "Renamed", "description": "Seven"},
            "private": False,
        },
        "DeleteToken": {"collectionId": c, "tokenId": "7"},
        "CreateAsset": {"asset": {"collectionId": c, "tokenId": "7", "metadataField": "animation_url"}},
        "GetAsset": {"assetId": a},
        "UpdateAsset": {
            "asset": {
                "id": a,
                "collectionId": c,
                "tokenId": "7",
                "metadataField": "image",
                "filename": "i.png",
            }
        },
        "DeleteAsset": {"assetId": a},
    }
    if method not in requests:
        raise LookupError(f"{method} has no valid request in base_request() of {__name__}: add one")
    return requests[method]


# --- the non-pointer fields of a request, from the spec's Go types ----------------------------------


def zero_fields(
    struct: Struct, request: Mapping[str, Any], prefix: Path = ()
) -> Iterator[tuple[Path, GoType]]:
    """Every non-pointer field of `struct`, and of the structs `request` sets through a pointer."""
    for field in struct.fields:
        path = (*prefix, field.key)
        kind = field.type.elem if isinstance(field.type, Pointer) else field.type
        if isinstance(kind, StructRef):
            nested = request.get(field.key)
            if isinstance(nested, Mapping):  # a nil pointer stays nil: adding a zero field would set it
                yield from zero_fields(go_types().structs[kind.name], nested, path)
        elif not is_pointer_like(field.type):
            yield path, field.type


def zero_spellings(kind: GoType) -> list[Any]:
    """JSON values Go decodes into the zero value of `kind`."""
    if isinstance(kind, Enum):
        return [kind.values[0]]
    assert isinstance(kind, Scalar), kind
    if kind.name in UINT_BITS:
        return [0]
    if kind.name == "bool":
        return [False]
    if kind.name == "time.Time":
        return [ZERO_TIME, "0001-01-01T00:00:00.000Z"]
    assert kind.name in ("string", "prototyp.Hash"), f"no zero value written for Go type {kind.name}"
    return [""]


def fields_of(method: str) -> list[tuple[Path, GoType]]:
    request = operations()[method].request
    assert request is not None
    return list(zero_fields(request, base_request(method, EXAMPLE_IDS)))


def without(request: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """`request` with the key at `path` removed (the parents are copied, never shared)."""
    out = dict(request)
    if len(path) == 1:
        out.pop(path[0], None)
    else:
        out[path[0]] = without(out[path[0]], path[1:])
    return out


def with_value(request: Mapping[str, Any], path: Path, key: str, value: Any) -> dict[str, Any]:
    """`request` with `key` (the last step of `path`, maybe case-varied) set to `value`."""
    out = dict(request)
    if len(path) == 1:
        out[key] = value
    else:
        out[path[0]] = with_value(out[path[0]], path[1:], key, value)
    return out


# --- sending and comparing ---------------------------------------------------------------------------

_TIMESTAMP: Final = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def normalised(value: Any) -> Any:
    """`value` with every RFC 3339 time but Go's zero time replaced by a placeholder."""
    if isinstance(value, dict):
        return {key: normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalised(item) for item in value]
    if isinstance(value, str) and value != ZERO_TIME and _TIMESTAMP.fullmatch(value):
        return "<time>"
    return value


def answer(method: str, body: bytes, *, mutations: tuple[str, ...] = ()) -> tuple[int, Any]:
    """The status and normalised body a fresh emulator, after `set_up`, answers to `body`."""
    emulator = Emulator(mutations=mutations)
    with emulator.client(1) as client:

        def rpc(name: str, payload: dict[str, Any]) -> Any:
            return client.post(f"/rpc/Collections/{name}", json=payload)

        assert set_up(rpc) == EXAMPLE_IDS  # a fresh emulator numbers from the start: the ids match
        response = client.post(
            f"/rpc/Collections/{method}", content=body, headers={"Content-Type": "application/json"}
        )
    return response.status_code, normalised(response.json())


def encoded(request: Mapping[str, Any]) -> bytes:
    return json.dumps(request).encode()


def _example_ids() -> Ids:
    emulator = Emulator()
    with emulator.client(1) as client:
        return set_up(lambda name, payload: client.post(f"/rpc/Collections/{name}", json=payload))


EXAMPLE_IDS: Final = _example_ids()
METHODS: Final = rpc_methods()
# Methods whose requests have a non-pointer field (ListCollections has only pointers: nothing to zero).
ZEROABLE: Final = tuple(method for method in METHODS if fields_of(method))
SINGLE_FIELDS: Final = [(method, path) for method in ZEROABLE for path, _ in fields_of(method)]


# --- the tests ---------------------------------------------------------------------------------------


def test_every_rpc_has_a_valid_base_request() -> None:
    # Every RPC of the spec (a new one needs its request in base_request()), each answered with success.
    assert METHODS
    for method in METHODS:
        status, body = answer(method, encoded(base_request(method, EXAMPLE_IDS)))
        assert status == 200, (method, body)


def test_the_fields_include_those_the_go_client_always_sends() -> None:
    # The walk reaches into the structs behind pointers (the cases go-wire.md names).
    expected: dict[str, set[Path]] = {
        "CreateAsset": {("asset", "id"), ("asset", "url"), ("asset", "updatedAt"), ("asset", "collectionId")},
        "CreateCollection": {("collection", "private"), ("collection", "id"), ("collection", "createdAt")},
        "CreateToken": {("token", "status"), ("token", "source"), ("collectionId",)},
        "CreateContractCollection": {("contractCollection", "id"), ("projectId",)},
        "UpdateCollection": {("collection", "metadata", "name"), ("collection", "metadata", "description")},
    }
    for method, paths in expected.items():
        found = {path for path, _ in fields_of(method)}
        assert paths <= found, (method, paths - found)
    assert ("projectId",) not in {path for path, _ in fields_of("CreateAsset")}  # *uint64 there


@st.composite
def zeroed_requests(draw: st.DrawFn) -> tuple[str, bytes, bytes]:
    """A method, its base request without some non-pointer fields, and with them set to zero."""
    method = draw(st.sampled_from(ZEROABLE))
    fields = fields_of(method)
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=len(fields), unique=True))
    base = base_request(method, EXAMPLE_IDS)
    absent = base
    for path, _ in chosen:
        absent = without(absent, path)
    zeroed = absent
    for path, kind in chosen:
        value = draw(st.sampled_from(zero_spellings(kind)))
        assert is_zero(kind, value), (path, value)  # a zero by the contract's own rules
        key = path[-1]
        if draw(st.booleans()):  # Go matches keys case-insensitively
            key = "".join(c.swapcase() if draw(st.booleans()) else c for c in key)
        zeroed = with_value(zeroed, path, key, value)
    return method, encoded(absent), encoded(zeroed)


@pytest.mark.parametrize(
    ("method", "path"), SINGLE_FIELDS, ids=[f"{m}:{'.'.join(p)}" for m, p in SINGLE_FIELDS]
)
def test_each_field_alone(method: str, path: Path) -> None:
    kind = dict(fields_of(method))[path]
    absent = without(base_request(method, EXAMPLE_IDS), path)
    zeroed = with_value(absent, path, path[-1], zero_spellings(kind)[0])
    assert answer(method, encoded(zeroed)) == answer(method, encoded(absent)), encoded(zeroed).decode()


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(zeroed_requests())
def test_a_zero_value_is_answered_as_its_absence(case: tuple[str, bytes, bytes]) -> None:
    method, absent, zeroed = case
    assert answer(method, zeroed) == answer(method, absent), (method, zeroed.decode(), absent.decode())


@pytest.mark.parametrize("method", METHODS)
def test_the_go_clients_body_is_answered_as_the_plain_request(method: str) -> None:
    base = encoded(base_request(method, EXAMPLE_IDS))
    go_body = encoded(go_value(method, decode_request(method, base)))
    expected = answer(method, base)
    assert expected[0] == 200, expected
    assert answer(method, go_body) == expected, go_body.decode()


@pytest.mark.parametrize(
    ("mutation", "method"),
    [("asset-id-zero-refused", "CreateAsset"), ("null-pointer-argument-refused", "GetCollection")],
)
def test_the_go_clients_body_catches_the_go_wire_mutations(mutation: str, method: str) -> None:
    base = encoded(base_request(method, EXAMPLE_IDS))
    go_body = encoded(go_value(method, decode_request(method, base)))
    assert answer(method, go_body, mutations=(mutation,)) != answer(method, base, mutations=(mutation,))
