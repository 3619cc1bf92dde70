"""Go's own encoding/json against our model of it (pytest_sequence_metadata.contract.gowire).

The harness decodes each body into request structs generated from the spec's Go types and marshals
the result back; we decode the same body with `decode_request` and render it with `go_value`. The
verdicts (accepted, refused, panicked) must match, and so must the values when both accept. The
only exceptions are the named divergences in KNOWN_DIVERGENCES, each of which must still happen.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import bodies
import pytest
from bodies import Frag
from gen_structs import GoType, Map, Named, Ptr, Slice, go_types
from gowire_harness import CASES_PROPERTY, GO_PROPERTY, GoHarness, GoVerdict, contract_raw_spec, unavailable
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pytest_sequence_metadata.contract import gowire

TYPES = go_types(contract_raw_spec())
METHODS = sorted(TYPES.requests)
EXAMPLES = 9  # hypothesis examples per method ...
BATCH = 40  # ... each a batch of up to this many bodies, decoded by one Go process

AGREE = "agree"


@dataclass(frozen=True, slots=True)
class Divergence:
    tag: str  # set by the body strategies on fragments that may trigger it
    shapes: frozenset[str]  # how Go and we then disagree
    reason: str
    example: tuple[str, bytes]  # must still disagree in one of `shapes`
    before_go: tuple[int, int] | None = None  # only with a Go older than this

    unicode_skew: bool = False  # only when Go's Unicode tables are not Python's

    def applies(self, harness: GoHarness) -> bool:
        if self.unicode_skew and harness.unicode_version == unicodedata.unidata_version:
            return False
        return self.before_go is None or harness.release < self.before_go


KNOWN_DIVERGENCES = (
    Divergence(
        bodies.BIGINT_NOT_STRING,
        frozenset({"go-ok/ours-error", "go-panic/ours-error"}),
        "prototyp.BigInt strips the first and last byte of whatever JSON it gets, so 123 becomes 2 and "
        "12 becomes 0: we refuse a BigInt that is not a JSON string instead of storing a mangled id",
        ("CreateAsset", b'{"asset":{"collectionId":1,"tokenId":123}}'),
    ),
    Divergence(
        bodies.BIGINT_UNPARSABLE,
        frozenset({"go-panic/ours-error"}),
        "a quoted BigInt that big.Int cannot parse makes Go dereference nil (the server answers "
        "WebrpcServerPanic); we answer WebrpcBadRequest",
        ("CreateAsset", b'{"asset":{"collectionId":1,"tokenId":"abc"}}'),
    ),
    Divergence(
        bodies.BIGINT_ESCAPED,
        frozenset({"go-panic/ours-error"}),
        "BigInt parses the raw JSON text, so an escaped digit panics in Go; we refuse it",
        ("CreateAsset", b'{"asset":{"collectionId":1,"tokenId":"\\u0031"}}'),
    ),
    Divergence(
        bodies.DEEP,
        frozenset({"go-ok/ours-error"}),
        "free-form values nested deeper than our limit are refused [A:json-nesting-limit]; Go takes "
        "up to 10,000 levels",
        ("CreateToken", b'{"token":{"properties":{"a":' + b"[" * 200 + b"]" * 200 + b"}}}"),
    ),
    Divergence(
        bodies.GO119_TIME,
        frozenset({"go-ok/ours-error"}),
        "Go before 1.20 parses time.Time leniently (`,5` fractions, one-digit hours, offsets such as "
        "+99:99 that it then writes as +100:39); we follow the strict RFC 3339 of Go 1.20 and later",
        ("CreateAsset", b'{"asset":{"updatedAt":"2026-01-01T00:00:00,5+24:00"}}'),
        before_go=(1, 20),
    ),
    Divergence(
        bodies.UNICODE_SKEW,
        frozenset({"values-differ"}),
        "Hash lower-cases with the Unicode tables of the Go release (13.0 in Go 1.19, 15.0 from Go "
        "1.21) and we with Python's (unicodedata.unidata_version): letters added in between, such as "
        "U+2C2F, are lower-cased on one side only",
        ("CreateContractCollection", b'{"contractCollection":{"contractAddress":"\\u2c2f"}}'),
        unicode_skew=True,
    ),
)
DIVERGENCES = {d.tag: d for d in KNOWN_DIVERGENCES}


@pytest.fixture(scope="module")
def go_value() -> Any:
    """What we say Go's json.Marshal writes for a decoded request."""
    if not METHODS:
        unavailable("the spec has no x-go-struct <Method>Request schemas to compare")
    return gowire.go_value


def ours(method: str, body: bytes, go_value: Any) -> tuple[str, Any]:
    try:
        decoded = gowire.decode_request(method, body)
    except gowire.DecodeError as exc:
        return "error", str(exc)
    except Exception as exc:
        return "crash", f"decode_request raised {exc!r}"[:500]
    try:
        return "ok", go_value(method, decoded)
    except Exception as exc:
        return "crash", f"go_value raised {exc!r}"[:500]


def same_free(a: Any, b: Any) -> bool:
    """Free-form JSON (interface{}) equality: Go holds every number as a float64."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        try:
            return float(a) == float(b)
        except OverflowError:
            return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_free(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_free(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def same_value(kind: GoType, a: Any, b: Any) -> bool:
    """Equality of two marshalled values of Go type `kind`: exact, except inside free-form values."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(kind, Ptr):
        return same_value(kind.elem, a, b)
    if isinstance(kind, Slice):
        return (
            isinstance(a, list)
            and isinstance(b, list)
            and len(a) == len(b)
            and all(same_value(kind.elem, x, y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(kind, Map):
        return (
            isinstance(a, dict)
            and isinstance(b, dict)
            and a.keys() == b.keys()
            and all(same_value(kind.elem, a[k], b[k]) for k in a)
        )
    if kind.name == "interface{}":
        return same_free(a, b)
    fields = TYPES.structs.get(kind.name)
    if fields is not None:
        kinds = {f.key: f.type for f in fields}
        return (
            isinstance(a, dict)
            and isinstance(b, dict)
            and a.keys() == b.keys()
            and a.keys() <= kinds.keys()
            and all(same_value(kinds[k], a[k], b[k]) for k in a)
        )
    return type(a) is type(b) and a == b


def shape(method: str, go: GoVerdict, our_kind: str, our_value: Any) -> str:
    if our_kind == "crash" or go.kind == "marshal-error":
        return f"go-{go.kind}/ours-{our_kind}"
    if go.kind == "ok" and our_kind == "ok":
        same = same_value(Named(TYPES.requests[method]), go.value, our_value)
        return AGREE if same else "values-differ"
    if go.kind == "error" and our_kind == "error":
        return AGREE
    return f"go-{go.kind}/ours-{our_kind}"


def describe(method: str, body: bytes, go: GoVerdict, our_kind: str, our_value: Any, found: str) -> str:
    shown = body if len(body) <= 400 else body[:300] + b"...(%d bytes)" % len(body)
    go_side = _short(go.value) if go.kind == "ok" else repr(go.message)
    return f"{found}: {method} {shown!r}\n  Go {go.kind}: {go_side}\n  ours {our_kind}: {_short(our_value)}"


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except RecursionError:
        return "<nested too deep to show>"
    return text if len(text) <= 1500 else text[:1500] + "..."


@pytest.mark.parametrize("method", METHODS)
def test_go_and_ours_agree_on_generated_bodies(
    method: str, go_harness: GoHarness, go_value: Any, record_property: Any
) -> None:
    compared = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],  # report the whole batch, unshrunk
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(st.lists(bodies.request_bodies(TYPES, method), min_size=BATCH // 2, max_size=BATCH))
    def check(batch: list[Frag]) -> None:
        nonlocal compared
        verdicts = go_harness.decode([(method, body) for body, _ in batch])
        tolerated = {tag: d.shapes for tag, d in DIVERGENCES.items() if d.applies(go_harness)}
        problems = []
        for (body, tags), go in zip(batch, verdicts, strict=True):
            our_kind, our_value = ours(method, body, go_value)
            found = shape(method, go, our_kind, our_value)
            if found == AGREE or any(found in tolerated.get(tag, ()) for tag in tags):
                continue
            problems.append(describe(method, body, go, our_kind, our_value, found))
        compared += len(batch)
        if problems:
            raise AssertionError(f"{len(problems)} of {len(batch)} bodies disagree:\n" + "\n".join(problems))

    try:
        check()
    finally:
        record_property(CASES_PROPERTY, compared)  # counted in the summary, failed or not
        record_property(GO_PROPERTY, go_harness.version)
    assert compared > 0


@pytest.mark.parametrize("divergence", KNOWN_DIVERGENCES, ids=lambda d: d.tag)
def test_each_known_divergence_still_happens(
    divergence: Divergence, go_harness: GoHarness, go_value: Any
) -> None:
    if not divergence.applies(go_harness):
        pytest.skip(f"{divergence.tag} concerns only Go before {divergence.before_go}")
    method, body = divergence.example
    (go,) = go_harness.decode([divergence.example])
    our_kind, our_value = ours(method, body, go_value)
    found = shape(method, go, our_kind, our_value)
    assert found in divergence.shapes, (
        f"{divergence.tag} no longer diverges as listed ({found}); update KNOWN_DIVERGENCES\n"
        + describe(method, body, go, our_kind, our_value, found)
    )


def _big(digits: int) -> bytes:
    return b"9" * digits


# (method, body, Go's verdict, the known divergence it shows or None): readable ids below.
CORPUS: dict[str, tuple[str, bytes, str, str | None]] = {
    "go-client-fresh-asset": (
        "CreateAsset",
        b'{"projectId":null,"asset":{"id":0,"collectionId":7,"tokenId":null,"url":"",'
        b'"updatedAt":"0001-01-01T00:00:00Z"}}',
        "ok",
        None,
    ),
    "go-client-fresh-token": (
        "CreateToken",
        b'{"projectId":null,"collectionId":7,"token":{"tokenId":"1","source":"","name":"n","description":"",'
        b'"image":"","properties":null,"attributes":null,"updatedAt":"0001-01-01T00:00:00Z",'
        b'"status":"NOT_AVAILABLE","queuedAt":null},"private":null}',
        "ok",
        None,
    ),
    "go-client-private-false": (
        "CreateCollection",
        b'{"collection":{"metadata":{"name":"n","description":""},"private":false,'
        b'"createdAt":"0001-01-01T00:00:00Z","updatedAt":"0001-01-01T00:00:00Z"}}',
        "ok",
        None,
    ),
    "uint-integral-float": ("GetAsset", b'{"assetId":5.0}', "error", None),
    "uint-exponent": ("GetAsset", b'{"assetId":1e3}', "error", None),
    "uint-negative": ("GetAsset", b'{"assetId":-1}', "error", None),
    "uint-minus-zero": ("GetAsset", b'{"assetId":-0}', "error", None),
    "uint-string": ("GetAsset", b'{"assetId":"5"}', "error", None),
    "uint64-overflow": ("GetAsset", b'{"assetId":18446744073709551616}', "error", None),
    "uint64-max": ("GetAsset", b'{"assetId":18446744073709551615}', "ok", None),
    "uint32-overflow": ("ListTokens", b'{"page":{"pageSize":4294967296}}', "error", None),
    "uint16-overflow": ("CreateAsset", b'{"asset":{"width":65536}}', "error", None),
    "uint-4301-digits": ("GetAsset", b'{"assetId":' + _big(4301) + b"}", "error", None),
    "any-1e400": ("ListCollections", b'{"page":{"after":1e400}}', "error", None),
    "any-1e-400": ("ListCollections", b'{"page":{"after":1e-400}}', "ok", None),
    "any-4301-digits": ("ListCollections", b'{"page":{"before":' + _big(4301) + b"}}", "error", None),
    "any-big-integer-as-float": ("ListCollections", b'{"page":{"after":9007199254740993}}', "ok", None),
    "string-given-number": ("GetToken", b'{"collectionId":1,"tokenId":5}', "error", None),
    "bool-given-string": ("PublishCollection", b'{"collectionId":1,"recursive":"true"}', "error", None),
    "last-duplicate-wins": ("GetAsset", b'{"assetId":1,"assetId":2}', "ok", None),
    "folded-then-exact": (
        "CreateCollection",
        b'{"collection":{"metadata":{"NAME":"a","name":"b"}}}',
        "ok",
        None,
    ),
    "exact-then-folded": (
        "CreateCollection",
        b'{"collection":{"metadata":{"name":"b","NAME":"a"}}}',
        "ok",
        None,
    ),
    "exact-folded-exact": (
        "CreateCollection",
        b'{"collection":{"metadata":{"name":"a","NAME":"c","name":"b"}}}',
        "ok",
        None,
    ),
    "kelvin-sign-key": ("GetToken", '{"collectionId":1,"to\u212aenId":"1"}'.encode(), "ok", None),
    "kelvin-sign-key-escaped": ("GetToken", b'{"collectionId":1,"to\\u212aenId":"1"}', "ok", None),
    "long-s-key": ("GetAsset", '{"a\u017f\u017fetId":3}'.encode(), "ok", None),
    "upper-case-key": ("GetAsset", b'{"ASSETID":3,"PROJECTID":4}', "ok", None),
    "underscore-not-folded": (
        "CreateCollection",
        b'{"collection":{"metadata":{"externalLink":"x"}}}',
        "ok",
        None,
    ),
    "unknown-key-value-not-converted": ("GetAsset", b'{"assetId":3,"zzz":[1,{"a":1e400}]}', "ok", None),
    "unknown-key-valid": ("GetAsset", b'{"assetId":3,"zzz":[1,{"a":"b"}]}', "ok", None),
    "null-pointer-arg": ("UpdateToken", b'{"collectionId":1,"tokenId":"1","token":null}', "ok", None),
    "null-bigint": ("CreateAsset", b'{"asset":{"collectionId":1,"tokenId":null}}', "ok", None),
    "null-after-value-non-pointer": ("GetAsset", b'{"assetId":5,"assetId":null}', "ok", None),
    "null-after-value-pointer": ("GetAsset", b'{"projectId":5,"projectId":null,"assetId":1}', "ok", None),
    "struct-twice-merges": ("CreateAsset", b'{"asset":{"id":1},"asset":{"url":"x"}}', "ok", None),
    "struct-null-between": (
        "CreateAsset",
        b'{"asset":{"id":1},"asset":null,"asset":{"url":"x"}}',
        "ok",
        None,
    ),
    "map-twice-merges": (
        "CreateToken",
        b'{"token":{"properties":{"a":1}},"token":{"properties":{"b":2,"a":3}}}',
        "ok",
        None,
    ),
    "slice-of-maps-twice": (
        "CreateToken",
        b'{"token":{"attributes":[{"a":1},{"c":1}]},"token":{"attributes":[{"b":2}]}}',
        "ok",
        None,
    ),
    "slice-of-structs-twice": (
        "CreateCollection",
        b'{"collection":{"assets":[{"id":1},{"id":2}]},"collection":{"assets":[{"url":"x"}]}}',
        "ok",
        None,
    ),
    "bigint-number": ("CreateAsset", b'{"asset":{"tokenId":123}}', "ok", bodies.BIGINT_NOT_STRING),
    "bigint-two-digit-number": ("CreateAsset", b'{"asset":{"tokenId":12}}', "ok", bodies.BIGINT_NOT_STRING),
    "bigint-unparsable": ("CreateAsset", b'{"asset":{"tokenId":"abc"}}', "panic", bodies.BIGINT_UNPARSABLE),
    "bigint-true": ("CreateAsset", b'{"asset":{"tokenId":true}}', "panic", bodies.BIGINT_NOT_STRING),
    "bigint-empty-array": ("CreateAsset", b'{"asset":{"tokenId":[]}}', "ok", bodies.BIGINT_NOT_STRING),
    "bigint-empty-string": ("CreateAsset", b'{"asset":{"tokenId":""}}', "ok", None),
    "bigint-signed": ("CreateAsset", b'{"asset":{"tokenId":"-5"}}', "ok", None),
    "bigint-plus": ("CreateAsset", b'{"asset":{"tokenId":"+5"}}', "ok", None),
    "bigint-leading-zeros": ("CreateAsset", b'{"asset":{"tokenId":"007"}}', "ok", None),
    "bigint-uint256": ("CreateAsset", b'{"asset":{"tokenId":"%s"}}' % str(2**256 - 1).encode(), "ok", None),
    "bigint-5000-digits": ("CreateAsset", b'{"asset":{"tokenId":"%s"}}' % _big(5000), "ok", None),
    "status-name": ("CreateToken", b'{"token":{"status":"AVAILABLE"}}', "ok", None),
    "status-lower-case-is-zero": ("CreateToken", b'{"token":{"status":"available"}}', "ok", None),
    "status-unknown-is-zero": ("CreateToken", b'{"token":{"status":"GONE"}}', "ok", None),
    "status-number": ("CreateToken", b'{"token":{"status":2}}', "error", None),
    "hash-lower-cased": (
        "CreateContractCollection",
        b'{"projectId":1,"contractCollection":{"chainId":1,"collectionId":1,'
        b'"contractAddress":"0xABCDEF0000000000000000000000000000000000"}}',
        "ok",
        None,
    ),
    "hash-lower-dotted-capital-i": (
        "CreateContractCollection",
        '{"contractCollection":{"contractAddress":"0xA\u0130"}}'.encode(),
        "ok",
        None,
    ),
    "hash-lower-final-sigma": (
        "CreateContractCollection",
        '{"contractCollection":{"contractAddress":"\u0391\u03a3"}}'.encode(),
        "ok",
        None,
    ),
    "hash-lower-kelvin": (
        "CreateContractCollection",
        b'{"contractCollection":{"contractAddress":"\\u212a"}}',
        "ok",
        None,
    ),
    "hash-number": (
        "CreateContractCollection",
        b'{"contractCollection":{"contractAddress":5}}',
        "error",
        None,
    ),
    "invalid-utf8-in-string": ("GetToken", b'{"tokenId":"a\xffb"}', "ok", None),
    "truncated-utf8-in-string": ("GetToken", b'{"tokenId":"a\xe2\x82"}', "ok", None),
    "invalid-utf8-in-key": ("GetToken", b'{"token\xffId":"1"}', "ok", None),
    "lone-surrogate": ("GetToken", b'{"tokenId":"\\ud800"}', "ok", None),
    "reversed-surrogates": ("GetToken", b'{"tokenId":"\\udc00\\ud800x"}', "ok", None),
    "surrogate-pair": ("GetToken", b'{"tokenId":"\\ud83d\\ude00"}', "ok", None),
    "deep-nesting-in-any": (
        "ListCollections",
        b'{"page":{"after":' + b"[" * 5000 + b'"\\ud800"' + b"]" * 5000 + b"}}",
        "ok",
        bodies.DEEP,
    ),
    "nesting-past-go-limit": (
        "ListCollections",
        b'{"page":{"after":' + b"[" * 10001 + b"]" * 10001 + b"}}",
        "error",
        None,
    ),
    "time-zero": ("CreateAsset", b'{"asset":{"updatedAt":"0001-01-01T00:00:00Z"}}', "ok", None),
    "time-offset": ("CreateAsset", b'{"asset":{"updatedAt":"2026-12-01T20:36:22.500+00:00"}}', "ok", None),
    "time-nanoseconds": (
        "CreateAsset",
        b'{"asset":{"updatedAt":"2026-12-01T20:36:22.123456789Z"}}',
        "ok",
        None,
    ),
    "time-lower-case-t": ("CreateAsset", b'{"asset":{"updatedAt":"2026-12-01t20:36:22Z"}}', "error", None),
    "time-lower-case-z": ("CreateAsset", b'{"asset":{"updatedAt":"2026-12-01T20:36:22z"}}', "error", None),
    "time-escaped": ("CreateAsset", b'{"asset":{"updatedAt":"2026-12-01T20:36:22\\u005a"}}', "error", None),
    "time-number": ("CreateAsset", b'{"asset":{"updatedAt":1700000000}}', "error", None),
    "time-feb-30": ("CreateAsset", b'{"asset":{"updatedAt":"2026-02-30T00:00:00Z"}}', "error", None),
    "time-zero-instant-in-another-zone": (
        "CreateAsset",
        b'{"asset":{"updatedAt":"0001-01-01T01:00:00+01:00"}}',
        "ok",
        None,
    ),
    "time-null-pointer": ("CreateToken", b'{"token":{"queuedAt":null,"lastFetched":null}}', "ok", None),
    "type-error-then-panic": (
        "CreateAsset",
        b'{"asset":{"id":"x","tokenId":"abc"}}',
        "panic",
        bodies.BIGINT_UNPARSABLE,
    ),
    "time-error-then-panic": (
        "CreateAsset",
        b'{"asset":{"updatedAt":"bad","tokenId":"abc"}}',
        "error",
        None,
    ),
    "body-null": ("GetAsset", b"null", "ok", None),
    "body-empty": ("GetAsset", b"", "error", None),
    "body-array": ("GetAsset", b"[]", "error", None),
    "body-trailing-garbage": ("GetAsset", b"{}x", "error", None),
    "body-two-values": ("GetAsset", b"{} {}", "error", None),
    "body-bom": ("GetAsset", b"\xef\xbb\xbf{}", "error", None),
    "body-nan": ("ListCollections", b'{"page":{"after":NaN}}', "error", None),
    "body-wrong-type-arg": ("CreateAsset", b'{"asset":[]}', "error", None),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_edge_case_corpus(name: str, go_harness: GoHarness, go_value: Any, record_property: Any) -> None:
    method, body, go_kind, divergence = CORPUS[name]
    (go,) = go_harness.decode([(method, body)])
    assert go.kind == go_kind, f"Go's verdict on {body[:200]!r} is {go.kind} ({go.message or go.value!r})"
    our_kind, our_value = ours(method, body, go_value)
    found = shape(method, go, our_kind, our_value)
    record_property(CASES_PROPERTY, 1)
    record_property(GO_PROPERTY, go_harness.version)
    if divergence is None:
        assert found == AGREE, describe(method, body, go, our_kind, our_value, found)
    else:
        assert found in DIVERGENCES[divergence].shapes, describe(method, body, go, our_kind, our_value, found)
