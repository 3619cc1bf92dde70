"""Hypothesis strategies for request bodies, from the spec's Go types.

The JSON text is written by hand so a body can hold what no JSON library writes: duplicate keys,
keys Go folds (the Kelvin sign U+212A, the long s U+017F), invalid UTF-8 inside strings, lone
surrogate escapes, integers past Python's 4,300-digit limit, `1e400`, deep nesting. Each fragment
carries tags naming the known divergences it may trigger (see KNOWN_DIVERGENCES in the test).
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from gen_structs import Field, GoType, GoTypes, Map, Named, Ptr, Slice
from hypothesis import strategies as st

Frag = tuple[bytes, frozenset[str]]
NONE: frozenset[str] = frozenset()

# Tags: where our decoder refuses on purpose what Go takes, mangles or panics on.
BIGINT_NOT_STRING = "bigint-not-a-string"  # Go strips the first and last byte of the raw text
BIGINT_UNPARSABLE = "bigint-unparsable"  # a quoted text big.Int cannot read: Go panics
BIGINT_ESCAPED = "bigint-escaped"  # a JSON escape inside a BigInt string: Go sees the raw text
DEEP = "deep-nesting"  # free-form values nested past our limit
UNICODE_SKEW = "unicode-version-skew"  # letters whose case Go's and Python's Unicode tables disagree on
GO119_TIME = "go1.19-lenient-time"  # Go before 1.20 takes `,5`, a one-digit hour, offsets past 23:59

FOLDS = {"k": "\u212a", "K": "\u212a", "s": "\u017f", "S": "\u017f"}
INVALID_UTF8 = [b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\xfe\xfe"]
TRUNCATED = [b"\xe2\x82", b"\xf0\x9f\x98", b"\xc3", b"\xf0\x9f"]
WHITESPACE = [b"", b"", b"", b" ", b"\n", b"\t", b"\r\n "]


def text(value: str, ascii_only: bool = False) -> bytes:
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def plain(values: list[bytes]) -> st.SearchStrategy[Frag]:
    return st.sampled_from(values).map(lambda b: (b, NONE))


def tagged(values: list[bytes], tag: str) -> st.SearchStrategy[Frag]:
    return st.sampled_from(values).map(lambda b: (b, frozenset({tag})))


def huge_integer(digits: int, sign: str = "") -> bytes:
    return (sign + "9" + "0" * (digits - 1)).encode()


NUMBERS_NOT_UINT = [b"5.0", b"1e3", b"1E+2", b"0.5", b"-1", b"-0", b"1e400", b"-0.0", b"1.5e2"]
WRONG_FOR_NUMBER = [b'"5"', b'""', b"true", b"false", b"[]", b"{}", b"[1]", b'{"a":1}']
WRONG_FOR_STRING = [b"5", b"0", b"5.0", b"true", b"[]", b"{}", b'["a"]']
ESCAPED_STRINGS = [b'"a\\/b"', b'"\\b\\f\\n\\r\\t\\"\\\\"', b'"\\u0000"', b'"\\u00e9\\u00C9"', b'""', b'" "']


# Strategies drawn from inside composite strategies are built once, here or in a cache: building one
# (its validation, its emptiness check) cost more than drawing from it. They draw exactly as before.
@functools.cache
def _upto(top: int) -> st.SearchStrategy[int]:
    return st.integers(min_value=0, max_value=top)


@functools.cache
def _pick(*values: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(values)


@functools.cache
def _texts(alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, max_size=12)


@st.composite
def mostly(draw: st.DrawFn, good: st.SearchStrategy[Frag], odd: st.SearchStrategy[Frag]) -> Frag:
    """`good` nine times in ten, so a body with many fields still decodes now and then."""
    return draw(odd if draw(_upto(9)) == 0 else good)


def uint_values(bits: int) -> st.SearchStrategy[Frag]:
    top = (1 << bits) - 1
    valid = st.one_of(
        st.sampled_from([0, 1, 2, top, top - 1, 1 << (bits - 1)]),
        st.integers(min_value=0, max_value=top),
    ).map(lambda n: (str(n).encode(), NONE))
    overflow = st.sampled_from([top + 1, 1 << 64, 1 << 65, 10**20]).map(lambda n: (str(n).encode(), NONE))
    odd = st.one_of(
        overflow,
        plain(NUMBERS_NOT_UINT),
        plain([huge_integer(4301), huge_integer(5000), huge_integer(4301, "-")]),
        plain(WRONG_FOR_NUMBER),
    )
    return mostly(valid, odd)


@st.composite
def string_literal(draw: st.DrawFn, alphabet: st.SearchStrategy[str] | None = None) -> Frag:
    """A JSON string: plain, escaped, with lone surrogates or with raw invalid UTF-8."""
    base = draw(_texts(alphabet) if alphabet is not None else _any_text)
    choice = draw(_upto(9))
    if choice <= 5:
        return text(base, ascii_only=choice == 5), NONE
    if choice == 6:
        surrogate = draw(_pick("\ud800", "\udfff", "\udc00\ud800", "\ud83d"))
        return text(base + surrogate, ascii_only=True), NONE
    if choice == 7:
        bad = draw(_pick(*INVALID_UTF8))
        return b'"' + text(base)[1:-1] + bad + b'"', NONE
    if choice == 8:
        cut = draw(_pick(*TRUNCATED))
        return b'"' + text(base)[1:-1] + cut + b'"', NONE
    # \u escapes of plain characters, and Go's blank characters
    return (b'"' + b"".join(b"\\u%04x" % ord(c) for c in base[:6]) + b'"', NONE)


_any_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\u212a", "\u017f", "\x1c", "\x1f", "\u00a0", "\u2028", " ", "é", "<", "&"]),
    ),
    max_size=12,
)
_STRING_LITERAL = string_literal()


def string_values() -> st.SearchStrategy[Frag]:
    return mostly(st.one_of(string_literal(), plain(ESCAPED_STRINGS)), plain(WRONG_FOR_STRING))


def bool_values() -> st.SearchStrategy[Frag]:
    return mostly(plain([b"true", b"false"]), plain([b"0", b"1", b'"true"', b'""', b"[]", b"{}"]))


_ZONES = ("Z", "Z", "+00:00", "-00:00", "+05:30", "-23:59", "+24:00", "+99:99", "z", "", "+0530")


@st.composite
def rfc3339(draw: st.DrawFn) -> Frag:
    """RFC 3339 and near misses; the tag marks what only Go before 1.20 accepts."""
    year = draw(_pick("0001", "1970", "2026", "9999", "0000"))
    month = draw(_pick("01", "02", "12", "13", "00"))
    day = draw(_pick("01", "28", "29", "30", "31", "32"))
    hour = draw(_pick("00", "12", "23", "24", "0"))
    minute = draw(_pick("00", "59", "60"))
    second = draw(_pick("00", "59", "60"))
    frac = draw(_pick("", "", ".5", ".000001", ".123456789", ".1234567890123", ",5", "."))
    sep = draw(_pick("T", "T", "T", "t", " "))
    zone = draw(_pick(*_ZONES))
    lenient = hour == "0" or frac.startswith(",") or zone in ("+24:00", "+99:99")
    text = f'"{year}-{month}-{day}{sep}{hour}:{minute}:{second}{frac}{zone}"'.encode()
    return text, frozenset({GO119_TIME}) if lenient else NONE


ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=23, minutes=59))]


def _rfc3339_text(moment: datetime) -> bytes:
    return text(moment.isoformat().replace("+00:00", "Z"))


def time_values() -> st.SearchStrategy[Frag]:
    fixed = [
        b'"0001-01-01T00:00:00Z"',
        b'"0001-01-01T01:00:00+01:00"',  # the zero instant, written in another zone
        b'"2026-12-01T20:36:22.123456Z"',
        b'"2026-12-01T20:36:22+01:00"',
    ]
    moments = st.datetimes(timezones=st.sampled_from(ZONES)).map(lambda m: (_rfc3339_text(m), NONE))
    odd = st.one_of(
        rfc3339(),
        plain([b'"\\u0032026-01-01T00:00:00Z"', b'"2026-01-01T00:00:00\\u005a"']),
        plain([b'""', b"0", b"1700000000", b"true", b"[]", b"{}", b'"2026-01-01"', b'"yesterday"']),
    )
    return mostly(st.one_of(plain(fixed), moments, rfc3339()), odd)


def bigint_values() -> st.SearchStrategy[Frag]:
    decimal = st.integers(min_value=0, max_value=1 << 256).map(lambda n: (b'"%d"' % n, NONE))
    odd = st.one_of(
        plain([b'"0"', b'"007"', b'"-5"', b'"+5"', b'"%s"' % (b"9" * 78), b'"%s"' % (b"1" * 120)]),
        plain([b'""', b'"1"']),
        plain([b'"%s"' % huge_integer(5000)]),
        tagged(
            [b"123", b"12", b"1", b"0", b"-5", b"5.0", b"1e3", b"true", b"false", b"[1,2]", b"{}"],
            BIGINT_NOT_STRING,
        ),
        tagged(
            [b'"abc"', b'"0x10"', b'"1.5"', b'"1e3"', b'" 5"', b'"5 "', b'"1_000"', b'"--1"'],
            BIGINT_UNPARSABLE,
        ),
        tagged([b'"\\u0031"', b'"1\\u0032"'], BIGINT_ESCAPED),
    )
    return mostly(decimal, odd)


def hash_values() -> st.SearchStrategy[Frag]:
    address = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
    good = st.one_of(
        address.map(lambda a: (text(a), NONE)),
        address.map(lambda a: (text(a[:10].upper() + a[10:]), NONE)),
    )
    odd = st.one_of(
        string_literal(),
        plain([b'"\\u212a"', text("ÄÖ"), text("İ"), text("ΑΣ"), b"5", b"true", b"[]", b"{}"]),
        tagged([text("0x\u2c2f"), text("\U00010570")], UNICODE_SKEW),
    )
    return mostly(good, odd)


def enum_values(names: tuple[str, ...]) -> st.SearchStrategy[Frag]:
    variants = [text(n) for n in names] + [text(n.lower()) for n in names] + [b'""', b'"UNKNOWN"']
    odd = st.one_of(plain([b"0", b"1", b"2", b"true", b"[]", b"{}"]), string_literal())
    return mostly(plain([text(n) for n in names]), st.one_of(plain(variants), odd))


FLOATS = [
    b"1.5",
    b"-0",
    b"-0.0",
    b"0.1",
    b"1e3",
    b"1E-7",
    b"5.0",
    b"1e400",
    b"-1e400",
    b"1e-400",
    b"1e308",
    b"2e308",
    b"123456789012345678901234567890",
    b"9007199254740993",
    b"18446744073709551616",
]


@st.composite
def any_json(draw: st.DrawFn, depth: int = 0) -> Frag:
    """Free-form JSON (an interface{} or a map value), with duplicate keys and odd numbers."""
    choice = draw(_upto(12 if depth < 3 else 6))
    if choice == 0:
        return draw(_JSON_LITERALS)
    if choice <= 2:
        return str(draw(_INTEGERS_70_BITS)).encode(), NONE
    if choice == 3:
        return draw(_ODD_NUMBERS)
    if choice == 4:
        number = draw(_FINITE_FLOATS)
        return json.dumps(number).encode(), NONE
    if choice <= 6:
        return draw(_STRING_LITERAL)
    if choice == 7:
        return draw(_DEEP_NESTING)
    if choice <= 9:
        items = draw(_json_lists(depth + 1))
        return b"[" + b",".join(b for b, _ in items) + b"]", _tags(items)
    return draw(_free_object(depth + 1))


_JSON_LITERALS = plain([b"null", b"true", b"false"])
_INTEGERS_70_BITS = st.integers(min_value=-(1 << 70), max_value=1 << 70)
_ODD_NUMBERS = st.one_of(plain(FLOATS), plain([huge_integer(4301), huge_integer(310)]))
_FINITE_FLOATS = st.floats(allow_nan=False, allow_infinity=False)
_any_json = functools.cache(lambda depth: any_json(depth))
_free_object = functools.cache(lambda depth: free_object(depth))
_json_lists = functools.cache(lambda depth: st.lists(_any_json(depth), max_size=4))


@st.composite
def free_object(draw: st.DrawFn, depth: int = 0) -> Frag:
    members = draw(_free_members(depth))
    body = b",".join(k + b":" + v for (k, _), (v, _) in members)
    return b"{" + body + b"}", _tags([tag for _, tag in members])


_FREE_KEYS = st.one_of(string_literal(st.sampled_from("aAbB_\u212ak")), plain([b'"a"', b'"A"']))
_free_members = functools.cache(lambda depth: st.lists(st.tuples(_FREE_KEYS, _any_json(depth)), max_size=4))


@st.composite
def deep_nesting(draw: st.DrawFn) -> Frag:
    levels = draw(_pick(2, 50, 99, 100, 101, 200, 999, 1000, 1001, 5000, 9999, 10000, 10001, 20000))
    opener, closer = draw(_pick((b"[", b"]"), (b'{"a":', b"}")))
    leaf = draw(_pick(b"1", b'"\\ud800"', b"null", b"[]"))
    tags = frozenset({DEEP}) if levels > 98 else NONE
    return opener * levels + leaf + closer * levels, tags


_DEEP_NESTING = deep_nesting()


def _tags(frags: list[Any]) -> frozenset[str]:
    out: set[str] = set()
    for frag in frags:
        out |= frag[1] if isinstance(frag, tuple) else frag
    return frozenset(out)


WRONG_FOR_OBJECT = [b"[]", b'"x"', b"5", b"true", b"[{}]"]
WRONG_FOR_ARRAY = [b"{}", b'"x"', b"5", b"true"]


# Built once per (types, Go type, depth): building them afresh for every drawn field cost more than
# drawing from them.
_VALUES: dict[tuple[int, GoType, int], st.SearchStrategy[Frag]] = {}


def values(types: GoTypes, kind: GoType, depth: int = 0) -> st.SearchStrategy[Frag]:
    """Valid-ish values of a Go type, now and then a wrong JSON type or null."""
    key = (id(types), kind, depth)
    if key not in _VALUES:
        _VALUES[key] = _values(types, kind, depth)
    return _VALUES[key]


@functools.cache
def _scalars() -> dict[str, st.SearchStrategy[Frag]]:
    return {
        "uint64": uint_values(64),
        "uint32": uint_values(32),
        "uint16": uint_values(16),
        "string": string_values(),
        "bool": bool_values(),
        "time.Time": time_values(),
        "prototyp.BigInt": bigint_values(),
        "prototyp.Hash": hash_values(),
        "interface{}": any_json(),
    }


def _values(types: GoTypes, kind: GoType, depth: int) -> st.SearchStrategy[Frag]:
    null = plain([b"null"])
    if isinstance(kind, Ptr):
        return st.one_of(null, values(types, kind.elem, depth), values(types, kind.elem, depth))
    if isinstance(kind, Slice):
        items = st.lists(values(types, kind.elem, depth + 1), max_size=3 if depth < 2 else 1)
        good = items.map(lambda xs: (b"[" + b",".join(b for b, _ in xs) + b"]", _tags(xs)))
        return mostly(good, st.one_of(null, plain(WRONG_FOR_ARRAY)))
    if isinstance(kind, Map):
        return mostly(free_object(), st.one_of(null, plain(WRONG_FOR_OBJECT)))
    name = kind.name
    scalars = _scalars()
    if name in scalars:
        return mostly(scalars[name], null) if name != "interface{}" else scalars[name]
    if name in types.enums:
        return mostly(enum_values(types.enums[name][1]), null)
    if depth > 3:
        return st.one_of(null, plain([b"{}"]))
    return mostly(struct_object(types, name, depth + 1), st.one_of(null, plain(WRONG_FOR_OBJECT)))


@st.composite
def wire_key(draw: st.DrawFn, key: str) -> bytes:
    """The exact key, or one Go folds onto it: changed case, Kelvin sign, long s."""
    choice = draw(_upto(7))
    if choice <= 3:
        return text(key)
    if choice == 4:
        return text(key.upper())
    if choice == 5:
        return text("".join(c.swapcase() if i % 2 else c for i, c in enumerate(key)))
    if choice == 6 and any(c in FOLDS for c in key):
        return text("".join(FOLDS.get(c, c) for c in key), ascii_only=draw(_BOOLEANS))
    return text(key.replace("_", "") if "_" in key else key + "_")  # near miss: ignored by Go


_BOOLEANS = st.booleans()
_wire_key = functools.cache(wire_key)


@functools.cache
def _field_lists(fields: tuple[Field, ...]) -> st.SearchStrategy[list[Field]]:
    return st.lists(st.sampled_from(fields), max_size=len(fields) + 2)


@st.composite
def struct_object(draw: st.DrawFn, types: GoTypes, name: str, depth: int = 0) -> Frag:
    fields: tuple[Field, ...] = types.structs[name]
    chosen = draw(_field_lists(fields)) if fields else []
    members: list[tuple[bytes, Frag]] = []
    containers = [f for f in fields if not isinstance(f.type, Named) or f.type.name in types.structs]
    if containers and depth < 3 and draw(_upto(3)) == 0:
        chosen += [draw(_pick(*containers))] * 2  # Go decodes into what the first one built
    for field in chosen:  # a field drawn twice is a duplicate key
        members.append((draw(_wire_key(field.key)), draw(values(types, field.type, depth))))
    if draw(_upto(4)) == 0:
        members.append((draw(_STRING_LITERAL)[0], draw(_any_json(depth + 2))))  # unknown key
    ws = draw(_pick(*WHITESPACE))
    body = (b"," + ws).join(ws + k + ws + b":" + ws + v + ws for k, (v, _) in members)
    return b"{" + body + b"}", _tags([frag for _, frag in members])


TOP_LEVEL_ODD = [
    b"",
    b" ",
    b"null",
    b" null ",
    b"[]",
    b'""',
    b"5",
    b"true",
    b"{}",
    b"{} {}",
    b"{}x",
    b"\xef\xbb\xbf{}",
    b"{",
    b'{"a"}',
    b"{,}",
    b"{}\n",
    b"\t{}\r\n",
    b"NaN",
    b'{"a":NaN}',
    b'{"a":Infinity}',
    b"{'a':1}",
    b'{"a":01}',
    b'{"a":1.}',
    b'{"a":.5}',
    b'{"a":+1}',
    b'{"a":"\x01"}',
    b'{"a":"\\x"}',
    b'{"a":"\\u12"}',
    b"\x00{}",
    b"{}\x00",
]


def request_bodies(types: GoTypes, method: str) -> st.SearchStrategy[Frag]:
    """Bodies for one method: mostly its request object, sometimes not an object at all."""
    return st.one_of(
        struct_object(types, types.requests[method]),
        struct_object(types, types.requests[method]),
        struct_object(types, types.requests[method]),
        plain(TOP_LEVEL_ODD),
    )
