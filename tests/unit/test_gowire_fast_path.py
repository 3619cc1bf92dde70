"""The Go-wire decoder's fast path for common bodies gives exactly what the general path gives.

`decode_request` first tries `decode_common` (Python's C JSON parser, plain dicts) and falls back to
`decode_request_fully` (the path the Go differential test checks against Go) for anything else. Here
both run on generated bodies: the differential test's own strategies (duplicate and folded keys,
escapes, invalid UTF-8, `-0`, huge numbers, ...) and plain bodies as JSON libraries write them, which
the fast path must take. Values are compared by repr, so 1, 1.0 and True differ, and so does key order.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_sequence_metadata.contract import gowire
from pytest_sequence_metadata.contract.gowire import (
    MAX_DEPTH,
    DecodeError,
    Enum,
    GoType,
    Map,
    Pointer,
    Scalar,
    Slice,
    StructRef,
    decode_common,
    decode_request,
    decode_request_fully,
    go_types,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "gowire"))
import bodies
import gen_structs
from gowire_harness import contract_raw_spec

TYPES = go_types()
METHODS = sorted(name.removesuffix("Request") for name in TYPES.structs if name.endswith("Request"))
HARNESS_TYPES = gen_structs.go_types(contract_raw_spec())


def _full(method: str, body: bytes) -> tuple[str, Any]:
    try:
        return "ok", decode_request_fully(method, body)
    except DecodeError as exc:
        return "error", str(exc)
    except ValueError as exc:  # an integer over Python's digit limit (the app answers BadRequest)
        return "value-error", str(exc)


def _agree(method: str, body: bytes) -> bool:
    """Whether the fast path took the body; fails when it did and disagrees with the general path."""
    fast = decode_common(TYPES.request(method), body)
    verdict, full = _full(method, body)
    if fast is None:
        return False
    assert verdict == "ok", f"fast path accepted a body the general path refuses: {body!r}: {full}"
    assert repr(fast) == repr(full), body
    return True


_HARNESS_METHODS = st.sampled_from(sorted(HARNESS_TYPES.requests))


@st.composite
def _tricky(draw: st.DrawFn) -> tuple[str, bytes]:
    method = draw(_HARNESS_METHODS)
    body, _ = draw(bodies.request_bodies(HARNESS_TYPES, method))
    return method, body


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_tricky())
def test_fast_path_agrees_on_the_differential_bodies(case: tuple[str, bytes]) -> None:
    _agree(*case)


# --- plain bodies, as a JSON library writes them ---------------------------------------------------

_FREE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(1 << 60), max_value=1 << 60)
    | st.integers(min_value=(1 << 53) - 2, max_value=1 << 64).map(lambda n: n * (-1) ** (n % 2))
    | st.sampled_from([0, 1 << 53, (1 << 53) + 1, -(1 << 53) - 1, 10**21, 10**30])
    | st.floats(allow_nan=False)
    | st.sampled_from([0.0, -0.0, 1.5, 1e20, 1e21, 1e300, 2.0**53])
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
_TIMES = st.sampled_from(
    ["2024-05-01T10:20:30Z", "0001-01-01T00:00:00Z", "2024-05-01T10:20:30.120+02:00", "2024-13-01T00:00:00Z"]
)
_BIGINTS = st.sampled_from(["", "0", "007", "-12", "+5", "12x", "1" * 80]) | st.integers(0, 10**30).map(str)


def _scalar(name: str) -> st.SearchStrategy[Any]:
    if name in gowire.UINT_BITS:
        top = 1 << gowire.UINT_BITS[name]
        return st.sampled_from([0, 1, top - 1, top, -1, 1.0]) | st.integers(0, top - 1)
    return {
        "string": st.text(max_size=10),
        "prototyp.Hash": st.text(max_size=10),
        "bool": st.booleans(),
        "time.Time": _TIMES,
        "prototyp.BigInt": _BIGINTS,
    }.get(name, _FREE)


def _value(kind: GoType, depth: int = 0) -> st.SearchStrategy[Any]:
    if isinstance(kind, Pointer):
        return st.none() | _value(kind.elem, depth)
    if isinstance(kind, Slice):
        return st.none() | st.lists(st.none() | _value(kind.elem, depth + 1), max_size=2 if depth < 2 else 0)
    if isinstance(kind, Map):
        return st.none() | st.dictionaries(st.text(max_size=5), _FREE, max_size=3)
    if isinstance(kind, Enum):
        return st.sampled_from([*kind.values, "NOT_A_VALUE"])
    if isinstance(kind, StructRef):
        return st.none() if depth > 3 else _struct(kind.name, depth + 1)
    assert isinstance(kind, Scalar)
    return _scalar(kind.name)


@functools.cache  # built once: building it for every drawn body cost more than drawing from it
def _struct(name: str, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    fields = TYPES.structs[name].fields
    return st.fixed_dictionaries(
        {}, optional={f.key: _value(f.type, depth) for f in fields} | {"unknownKey": _FREE}
    )


_METHODS = st.sampled_from(METHODS)


@st.composite
def _plain(draw: st.DrawFn) -> tuple[str, bytes]:
    method = draw(_METHODS)
    value = draw(_struct(f"{method}Request"))
    return method, json.dumps(value, ensure_ascii=False).encode()


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(_plain())
def test_fast_path_agrees_on_plain_bodies(case: tuple[str, bytes]) -> None:
    _agree(*case)


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("GetCollection", b'{"collectionId": 12}'),
        ("GetCollection", b' \r\n{"collectionId": 12, "unknown": [1, {"a": null}]}\t'),
        ("GetCollection", b"null"),
        (
            "CreateToken",
            b'{"collectionId": 1, "token": {"tokenId": "0042", "name": "n\xc3\xa9", "decimals": 0}}',
        ),
        (
            "CreateToken",
            b'{"collectionId": 1, "token": {"tokenId": "1", "properties": {"a": 1.0, "b": [2e3]}}}',
        ),
        ("ListTokens", b'{"collectionId": 3, "page": {"page": 0, "pageSize": 5}}'),
        ("UpdateCollection", b'{"collection": {"id": 1, "metadata": {"name": "x"}, "private": false}}'),
    ],
)
def test_common_bodies_take_the_fast_path(method: str, body: bytes) -> None:
    assert _agree(method, body)
    assert repr(decode_request(method, body)) == repr(decode_request_fully(method, body))


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("GetCollection", b'{"collectionId": -0}'),  # Go refuses -0 for a uint
        ("GetCollection", b'{"collectionId": 1, "collectionId": null}'),  # duplicate: Go reads in order
        ("GetCollection", b'{"CollectionID": 5}'),  # folded onto collectionId by Go
        ("GetCollection", b'{"collectionId": 5.0}'),
        ("GetCollection", b'{"collectionId": "5"}'),
        ("GetCollection", b'{"collectionId": 18446744073709551616}'),
        ("GetCollection", b'{"collectionId": 1, "x": NaN}'),
        ("GetCollection", b'{"collectionId": 1, "x": "a\\u00e9"}'),  # an escape
        ("GetCollection", b'{"collectionId": 1, "x": "\xff"}'),  # invalid UTF-8
        ("GetCollection", b'{"collectionId": 1} {}'),
        ("GetCollection", b"[]"),
        ("GetCollection", b""),
        ("CreateToken", b'{"collectionId": 1, "token": {"tokenId": 5}}'),  # BigInt as a number
        (
            "CreateToken",
            b'{"collectionId": 1, "token": {"tokenId": "1", "properties": {"n": 9007199254740993}}}',
        ),
        ("CreateToken", b'{"collectionId": 1, "token": {"tokenId": "1", "properties": {"n": 1e400}}}'),
    ],
)
def test_other_bodies_take_the_general_path(method: str, body: bytes) -> None:
    assert decode_common(TYPES.request(method), body) is None
    expected = _full(method, body)
    try:
        got: tuple[str, Any] = ("ok", decode_request(method, body))
    except DecodeError as exc:
        got = ("error", str(exc))
    assert repr(got) == repr(expected)


@settings(max_examples=300)
@given(st.dictionaries(st.text(max_size=5), _FREE, max_size=4), _FREE)
def test_fast_path_agrees_on_free_form_values(properties: dict[str, Any], attribute: Any) -> None:
    token = {"tokenId": "7", "properties": properties, "attributes": [{"a": attribute}]}
    _agree("CreateToken", json.dumps({"collectionId": 1, "token": token}, ensure_ascii=False).encode())


@pytest.mark.parametrize("limit", [None, 30_000])
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 900, 5_000])
@pytest.mark.parametrize(
    ("method", "template"),
    [
        ("ListCollections", b'{"page":{"after":%s}}'),  # an interface{}
        # a map[string]interface{}
        ("CreateCollection", b'{"collection":{"metadata":{"properties":{"x":%s}}}}'),
    ],
)
def test_free_form_values_past_the_depth_limit_are_refused_whatever_the_recursion_limit(
    method: str, template: bytes, depth: int, limit: int | None
) -> None:
    # Hypothesis raises the recursion limit while its tests run: a refusal must not depend on it.
    body = template % (b"[" * depth + b"1" + b"]" * depth)
    original = sys.getrecursionlimit()
    if limit is not None:
        sys.setrecursionlimit(limit)
    try:
        for decode in (decode_request, decode_request_fully):
            with pytest.raises(DecodeError, match="exceeded max depth"):
                decode(method, body)
        assert decode_request(method, template % (b"[" * 10 + b"1" + b"]" * 10))
    finally:
        sys.setrecursionlimit(original)
