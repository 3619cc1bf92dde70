"""The Go wire: request and answer types read from the spec, and encoding/json's decoding rules.

The real server is a webrpc server generated in Go, so what Go's `encoding/json` makes of a body is
what the server sees. The Go type of every field is declared once, in the spec (`x-go-struct` on a
schema, `x-go-type` and `x-go-omitempty` on each of its properties); this module reads them and
decodes a body as Go would:

- keys match exactly first, then case-insensitively as Go folds them (ASCII letters, plus the Kelvin
  sign for `k` and the long s for `s`); unknown keys are ignored; the last of duplicate keys wins, and a
  struct given twice is merged, as Go decodes into the value it already has;
- `null` unsets a pointer, map, slice or interface and leaves any other field as it was;
- unsigned integers take integer literals in range only (`5.0`, `1e3`, `-1`, `-0`, `"5"` fail);
  numbers in free-form values are float64, so `1e400` fails; strings take strings, bools bools;
- invalid UTF-8 becomes U+FFFD byte by byte, and so do unpaired surrogate escapes;
- Go cannot tell a non-pointer field's zero value from its absence, so decoded zero values of
  non-pointer fields are dropped: `{"id": 0}` decodes exactly as `{}`.

`decode_request` raises DecodeError where Go's decoder fails; `go_value` writes a decoded request the
way Go's `json.Marshal` writes the request struct (what the official Go client sends). Common bodies
(no escapes, exact keys once each, values of their fields' types) take a fast path with Python's C JSON
parser that gives what the general path gives; everything else goes the general way.
"""

from __future__ import annotations

import codecs
import functools
import json
import json.decoder
import json.scanner
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from pytest_sequence_metadata.contract.spec import Spec, load_spec


class DecodeError(ValueError):
    """The body is not valid JSON, or does not fit the Go argument types."""


# --- Go types ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scalar:
    """uint64/uint32/uint16, string, bool, time.Time, prototyp.BigInt, prototyp.Hash, interface{}."""

    name: str


@dataclass(frozen=True, slots=True)
class Enum:
    """A webrpc enum: an unsigned integer written as its name (unknown names read as the first)."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Pointer:
    elem: GoType


@dataclass(frozen=True, slots=True)
class Slice:
    elem: GoType


@dataclass(frozen=True, slots=True)
class Map:
    elem: GoType


@dataclass(frozen=True, slots=True)
class StructRef:
    name: str


GoType = Scalar | Enum | Pointer | Slice | Map | StructRef

UINT_BITS: Final = {"uint64": 64, "uint32": 32, "uint16": 16}
SCALARS: Final = frozenset({*UINT_BITS, "string", "bool", "time.Time", "prototyp.BigInt", "prototyp.Hash"})
ANY: Final = Scalar("interface{}")
ZERO_TIME: Final = "0001-01-01T00:00:00Z"


@dataclass(frozen=True, slots=True)
class Field:
    key: str  # the JSON key (the Go field's tag name)
    type: GoType
    omitempty: bool


@dataclass(frozen=True)  # no slots: the key indexes below are cached on the instance
class Struct:
    name: str
    fields: tuple[Field, ...]

    @functools.cached_property
    def by_key(self) -> dict[str, Field]:
        return {f.key: f for f in self.fields}

    @functools.cached_property
    def by_folded_key(self) -> dict[str, Field]:
        return {fold_key(f.key): f for f in reversed(self.fields)}  # the first field wins, as in Go

    @functools.cached_property
    def common_fields(self) -> dict[str, CommonField]:
        """The fast path's decoder of each field, by its exact key."""
        return {f.key: _common_field(f.type) for f in self.fields}


class GoTypes:
    """Every Go struct the spec declares, by name, with the enums its fields use."""

    def __init__(self, spec: Spec) -> None:
        schemas: Mapping[str, Any] = spec.raw.get("components", {}).get("schemas", {})
        self.enums = {
            name: Enum(name, tuple(schema["enum"]))
            for name, schema in schemas.items()
            if isinstance(schema, Mapping) and "enum" in schema and name[:1].isupper()
        }
        self.structs: dict[str, Struct] = {}
        for schema in schemas.values():
            name = schema.get("x-go-struct") if isinstance(schema, Mapping) else None
            if name is None:
                continue
            fields = tuple(
                Field(key, self.parse(prop["x-go-type"]), bool(prop.get("x-go-omitempty", False)))
                for key, prop in schema.get("properties", {}).items()
            )
            self.structs[name] = Struct(name, fields)
        for struct in self.structs.values():
            for f in struct.fields:
                for ref in _struct_refs(f.type):
                    if ref not in self.structs:
                        raise ValueError(f"{struct.name}.{f.key} refers to {ref}, which no schema declares")

    def parse(self, expr: str) -> GoType:
        """A Go type expression of the spec (`*uint64`, `[]*Asset`, `map[string]interface{}`)."""
        text = expr.replace(" ", "")
        if text.startswith("*"):
            return Pointer(self.parse(text[1:]))
        if text.startswith("[]"):
            return Slice(self.parse(text[2:]))
        if text.startswith("map[string]"):
            return Map(self.parse(text[len("map[string]") :]))
        if text == "interface{}":
            return ANY
        if text in SCALARS:
            return Scalar(text)
        if text in self.enums:
            return self.enums[text]
        if text[:1].isupper() and text.isidentifier():
            return StructRef(text)
        raise ValueError(f"unknown Go type {expr!r} in the spec")

    def request(self, method: str) -> Struct:
        return self.structs[f"{method}Request"]

    def response(self, method: str) -> Struct:
        return self.structs[f"{method}Response"]


def _struct_refs(kind: GoType) -> Iterator[str]:
    if isinstance(kind, StructRef):
        yield kind.name
    elif isinstance(kind, Pointer | Slice | Map):
        yield from _struct_refs(kind.elem)


@functools.cache
def go_types() -> GoTypes:
    """The Go types of the bundled spec, read once per process."""
    return GoTypes(load_spec())


def is_pointer_like(kind: GoType) -> bool:
    """Whether Go can tell `null`/absent from a zero value (pointers, maps, slices, interfaces)."""
    return isinstance(kind, Pointer | Slice | Map) or kind == ANY


# --- parsing JSON the way Go reads it --------------------------------------------------------------


class _Object(list[tuple[str, Any]]):
    """A JSON object as its key/value pairs in order, duplicates kept (Go reads them all)."""


@dataclass(frozen=True, slots=True)
class _Number:
    """A JSON number as written: Go decides per target type what a literal means."""

    literal: str


def _reject_constant(name: str) -> Any:
    raise DecodeError(f"invalid character '{name[0]}' looking for beginning of value")


def _go_replace(error: UnicodeError) -> tuple[str, int]:
    # Go's decoder replaces each invalid byte with U+FFFD; Python's "replace" would take a whole
    # malformed sequence as one.
    assert isinstance(error, UnicodeDecodeError)
    return "\ufffd", error.start + 1


codecs.register_error("go-replace", _go_replace)


class _Escaped(str):
    """A JSON string written with escapes: types that read the raw text (time.Time, BigInt) see them."""

    __slots__ = ()


def _scan_string(text: str, end: int, strict: bool = True) -> tuple[str, int]:
    value, after = json.decoder.scanstring(text, end, strict)  # type: ignore[attr-defined]
    return (_Escaped(value) if "\\" in text[end:after] else value), after


def _decoder(*, marks_escapes: bool) -> json.JSONDecoder:
    decoder = json.JSONDecoder(
        object_pairs_hook=_Object, parse_int=_Number, parse_float=_Number, parse_constant=_reject_constant
    )
    if marks_escapes:
        # The pure-Python scanner takes a string hook (the C one does not); it is slower, so it only
        # reads bodies that contain a backslash at all.
        decoder.parse_string = _scan_string  # type: ignore[attr-defined]
        decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    return decoder


_DECODER: Final = _decoder(marks_escapes=False)
_ESCAPES_DECODER: Final = _decoder(marks_escapes=True)
_JSON_SPACE: Final = b" \t\r\n"
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def parse_body(body: bytes) -> Any:
    """The JSON text as Go's scanner accepts it; objects as pairs, numbers as literals."""
    if not body.strip(_JSON_SPACE):
        raise DecodeError("unexpected end of JSON input")
    decoder = _ESCAPES_DECODER if b"\\" in body else _DECODER
    try:
        return decoder.decode(body.decode("utf-8", errors="go-replace"))
    except json.JSONDecodeError as exc:
        raise DecodeError(f"invalid JSON at offset {exc.pos}: {exc.msg}") from None
    except RecursionError:
        raise DecodeError("exceeded max depth") from None


def parse_json(body: bytes) -> Any:
    """A body as plain Python values, parsed as strictly as Go parses (for the control routes)."""
    return _plain(parse_body(body), "")


def _text(value: str) -> str:
    plain = str(value)  # an _Escaped string is stored as a plain one
    return _SURROGATE.sub("\ufffd", plain) if _SURROGATE.search(plain) else plain


def _json_kind(node: Any) -> str:
    if isinstance(node, _Number):
        return f"number {node.literal[:40]}"
    if isinstance(node, str):
        return "string"
    if isinstance(node, bool):
        return "bool"
    return "object" if isinstance(node, _Object) else "array" if isinstance(node, list) else "null"


def _mismatch(node: Any, go: str, where: str) -> DecodeError:
    return DecodeError(f"json: cannot unmarshal {_json_kind(node)} into Go struct field {where} of type {go}")


# --- decoding into Go types -------------------------------------------------------------------------

_UNSET: Final = object()
_UINT_LITERAL: Final = re.compile(r"(0|[1-9][0-9]*)")
_BIGINT_TEXT: Final = re.compile(r"[+-]?[0-9]+")
_RFC3339: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-](\d{2}):(\d{2}))"
)
MAX_DEPTH: Final = 100
_KEY_FOLD: Final = str.maketrans({"\u212a": "k", "\u017f": "s"})


def fold_key(key: str) -> str:
    """A JSON key as Go compares it with a field name: ASCII case folded, U+212A as k, U+017F as s."""
    folded = key.translate(_KEY_FOLD)
    return folded.lower() if folded.isascii() else folded


def _decode(node: Any, kind: GoType, where: str, current: Any) -> Any:
    """`node` decoded into `kind` over the field's `current` value; _UNSET means "not set"."""
    if node is None:
        return _UNSET if is_pointer_like(kind) else current
    if isinstance(kind, Pointer):
        inner = current if current is not _UNSET else _UNSET
        value = _decode(node, kind.elem, where, inner)
        return _zero_of(kind.elem) if value is _UNSET else value
    if isinstance(kind, StructRef):
        if not isinstance(node, _Object):
            raise _mismatch(node, kind.name, where)
        return decode_struct(node, go_types().structs[kind.name], where, current)
    if isinstance(kind, Slice):
        if not isinstance(node, list) or isinstance(node, _Object):
            raise _mismatch(node, f"[]{_type_name(kind.elem)}", where)
        # Go decodes into the elements the slice already has (merging maps and structs), then cuts it
        # to the new length.
        existing = current if isinstance(current, list) else []
        items = []
        for index, item in enumerate(node):
            before = existing[index] if index < len(existing) and existing[index] is not None else _UNSET
            decoded = _decode(item, kind.elem, where, before)
            items.append(None if decoded is _UNSET else decoded)
        return items
    if isinstance(kind, Map):
        if not isinstance(node, _Object):
            raise _mismatch(node, f"map[string]{_type_name(kind.elem)}", where)
        merged = dict(current) if isinstance(current, dict) else {}
        for key, value in node:
            merged[_text(key)] = _plain(value, where)
        _check_depth(merged, where)
        return merged
    if isinstance(kind, Enum):
        if not isinstance(node, str):
            raise _mismatch(node, kind.name, where)
        text = _text(node)
        return text if text in kind.values else kind.values[0]  # UnmarshalText: unknown names are 0
    return _scalar(node, kind.name, where)


def _scalar(node: Any, name: str, where: str) -> Any:
    if name in UINT_BITS:
        if not isinstance(node, _Number) or not _UINT_LITERAL.fullmatch(node.literal):
            raise _mismatch(node, name, where)
        if len(node.literal) > 20 or int(node.literal) >= 1 << UINT_BITS[name]:
            raise DecodeError(
                f"json: cannot unmarshal number {node.literal[:40]} into Go value of type {name}"
            )
        return int(node.literal)
    if name in ("string", "prototyp.Hash"):
        if not isinstance(node, str):
            raise _mismatch(node, name, where)
        return _go_lower(_text(node)) if name == "prototyp.Hash" else _text(node)
    if name == "bool":
        if not isinstance(node, bool):
            raise _mismatch(node, name, where)
        return node
    if name == "time.Time":
        # time.Time parses the raw JSON text, so an escaped character never matches the layout.
        if not isinstance(node, str) or isinstance(node, _Escaped) or not _is_rfc3339(node):
            raise DecodeError(
                f"parsing time {json.dumps(_plain(node, where))[:64]} as RFC 3339 failed at {where}"
            )
        return node
    if name == "prototyp.BigInt":
        # Only a quoted decimal has a meaning: the Go type misreads a bare number (it drops the first
        # and last character) and panics on text it cannot parse [A:bigint-quoted-decimal].
        if not isinstance(node, str) or isinstance(node, _Escaped):
            raise DecodeError(f"invalid BigInt at {where}: a token id is a quoted decimal string")
        found = _bigint(node)
        if found is None:
            raise DecodeError(f"invalid BigInt {json.dumps(node)[:64]} at {where}")
        return found
    value = _plain(node, where)  # interface{}
    _check_depth(value, where)
    return value


def _bigint(text: str) -> str | None:
    """A quoted BigInt's decimal text without leading zeros; None when big.Int cannot parse it."""
    if text == "":
        return "0"  # an empty string leaves the big integer at zero
    if not _BIGINT_TEXT.fullmatch(text):
        return None
    sign = "-" if text[0] == "-" else ""
    digits = text.lstrip("+-").lstrip("0") or "0"
    return digits if digits == "0" else sign + digits


def _go_lower(text: str) -> str:
    """strings.ToLower: each rune's simple lower case (no final sigma, İ -> i), unlike str.lower."""
    return text.lower() if text.isascii() else "".join(char.lower()[0] for char in text)


def _is_rfc3339(text: str) -> bool:
    match = _RFC3339.fullmatch(text)
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(match[i]) for i in range(1, 7))
    try:
        datetime(max(year, 1), month, day, hour, minute, second)
    except ValueError:
        return False
    return match[9] is None or (int(match[9]) < 24 and int(match[10]) < 60)


def _plain(node: Any, where: str) -> Any:
    """A free-form value (interface{}): objects as dicts (last key wins), numbers as float64."""
    if isinstance(node, _Object):
        return {_text(k): _plain(v, where) for k, v in node}
    if isinstance(node, list):
        return [_plain(item, where) for item in node]
    if isinstance(node, _Number):
        number = float(node.literal)
        if math.isinf(number):
            raise DecodeError(
                f"json: cannot unmarshal number {node.literal[:40]} into Go value of type float64"
            )
        # Integral values as ints: the same number, written without a fraction as Go writes it.
        return int(number) if number.is_integer() and abs(number) < 1e21 else number
    if isinstance(node, str):
        return _text(node)
    return node


def _check_depth(value: Any, where: str) -> None:
    """Free-form values nested deeper than MAX_DEPTH are refused [A:json-nesting-limit].

    Go would take them, but storing them would make every later answer that carries them (key
    sorting, JSON encoding) overflow Python's recursion limit. Counted here, not left to a
    RecursionError: the refusal must not depend on the recursion limit (Hypothesis raises it while
    its tests run).
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


def _type_name(kind: GoType) -> str:
    if isinstance(kind, Pointer):
        return "*" + _type_name(kind.elem)
    if isinstance(kind, Slice):
        return "[]" + _type_name(kind.elem)
    if isinstance(kind, Map):
        return "map[string]" + _type_name(kind.elem)
    return kind.name


def _zero_of(kind: GoType) -> Any:
    """The value a fresh `new(T)` holds: what a pointer to T points at after decoding no-ops."""
    if isinstance(kind, StructRef):
        return {}
    if isinstance(kind, Enum):
        return kind.values[0]
    if isinstance(kind, Scalar):
        return {"string": "", "prototyp.Hash": "", "bool": False, "time.Time": ZERO_TIME}.get(
            kind.name, "0" if kind.name == "prototyp.BigInt" else 0 if kind.name in UINT_BITS else None
        )
    return None


def is_zero(kind: GoType, value: Any) -> bool:
    """Whether a decoded non-pointer value is its type's zero value (indistinguishable from absent)."""
    if isinstance(kind, Enum):
        return bool(value == kind.values[0])
    if isinstance(kind, Scalar):
        if kind.name == "time.Time":
            return _is_zero_time(value)
        return _scalar_zero(value)
    return False


def _is_zero_time(text: str) -> bool:
    """Whether the text is time.Time's zero value: the first instant, in UTC (in another zone Go keeps
    the zone, so the value is not the zero struct and is written back as sent)."""
    match = _RFC3339.fullmatch(text)
    if match is None or (match[9] is not None and int(match[9]) + int(match[10]) != 0):
        return False
    return match.group(1, 2, 3, 4, 5, 6) == ("0001", "01", "01", "00", "00", "00") and not (
        match[7] or ""
    ).strip("0")


def decode_struct(obj: _Object, struct: Struct, where: str = "", current: Any = _UNSET) -> dict[str, Any]:
    """The fields of `obj` Go would set on `struct` (over `current`), under their JSON keys."""
    out: dict[str, Any] = dict(current) if isinstance(current, dict) else {}
    for key, value in obj:
        found = struct.by_key.get(key) or struct.by_folded_key.get(fold_key(key))
        if found is None:
            continue  # unknown keys are ignored, as encoding/json does without DisallowUnknownFields
        decoded = _decode(value, found.type, f"{where}.{found.key}", out.get(found.key, _UNSET))
        if decoded is _UNSET:
            out.pop(found.key, None)
        else:
            out[found.key] = decoded
    for f in struct.fields:
        if f.key in out and not is_pointer_like(f.type) and is_zero(f.type, out[f.key]):
            del out[f.key]  # a zero value of a non-pointer field reads as absent
    return out


def decode_request(method: str, body: bytes) -> dict[str, Any]:
    """Parse and decode the body of an RPC as the Go server does; raises DecodeError."""
    struct = _REQUESTS.get(method)
    if struct is None:
        struct = _REQUESTS[method] = go_types().request(method)
    decoded = decode_common(struct, body)
    return decoded if decoded is not None else decode_request_fully(method, body)


_REQUESTS: dict[str, Struct] = {}  # the request struct of each method, looked up once


def decode_request_fully(method: str, body: bytes) -> dict[str, Any]:
    """`decode_request` through the general path only (every body; the fast path's reference)."""
    struct = go_types().request(method)
    parsed = parse_body(body)
    if parsed is None:
        return {}
    if not isinstance(parsed, _Object):
        raise DecodeError(f"json: cannot unmarshal {_json_kind(parsed)} into Go value of type {struct.name}")
    try:
        return decode_struct(parsed, struct, struct.name)
    except RecursionError:
        raise DecodeError(f"exceeded max depth of {MAX_DEPTH} nested values") from None


# --- the common body, decoded fast ------------------------------------------------------------------
#
# Most bodies are plain: UTF-8 without a backslash, each key exactly a field's, no key twice, every value
# of its field's JSON type. For those, Python's C JSON parser with plain dicts and numbers gives what the
# general path gives, decoded in a fraction of the time. Anything else (an escape, invalid UTF-8, a
# duplicate or folded key, a wrong type, a number whose literal matters, an error) is left to the general
# path, which has the last word; tests/unit/test_gowire_fast_path.py checks that both agree.


class _NotCommon(Exception):
    """The body needs the general path."""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _NotCommon  # a key given twice: Go merges or overwrites in order
    return found


def _not_common_constant(name: str) -> Any:
    raise _NotCommon  # NaN, Infinity: Go's scanner refuses them


_COMMON_DECODER: Final = json.JSONDecoder(
    object_pairs_hook=_unique_pairs, parse_constant=_not_common_constant
)
_SCAN_COMMON: Final = _COMMON_DECODER.scan_once  # type: ignore[attr-defined]
_JSON_SPACE_TEXT: Final = " \t\r\n"
_EXACT_FLOAT_INT: Final = 1 << 53  # integers up to this size are exact as float64 (and below 1e21)


def decode_common(struct: Struct, body: bytes) -> dict[str, Any] | None:
    """`body` decoded into `struct` when it is a common body (see above), else None."""
    if b"\\" in body:
        return None
    try:
        text = body.decode("utf-8")
        start = len(text) - len(text.lstrip(_JSON_SPACE_TEXT))
        parsed, end = _SCAN_COMMON(text, start)
        if end != len(text) and text[end:].strip(_JSON_SPACE_TEXT):
            return None
        if parsed is None:
            return {}
        if type(parsed) is not dict:
            return None
        # A zero uint may have been written `-0`, which Go refuses: only then is the literal read.
        return _common_struct(parsed, struct, b"-0" in body)
    except (_NotCommon, ValueError, RecursionError, StopIteration):
        # StopIteration: the C scanner's "no value here"; ValueError: a syntax error, or an integer
        # over Python's digit limit.
        return None


def _common_struct(obj: dict[str, Any], struct: Struct, minus_zero: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fields = struct.common_fields
    for key, node in obj.items():
        found = fields.get(key)
        if found is None:
            if fold_key(key) in struct.by_folded_key:
                raise _NotCommon  # a key Go matches case-insensitively
            continue  # unknown keys are ignored
        if node is None:
            continue  # null on a fresh struct leaves the field unset, whatever its type
        decode, is_zero_value = found
        value = decode(node, minus_zero)
        if is_zero_value is None or not is_zero_value(value):
            out[key] = value  # else a zero value of a non-pointer field: it reads as absent
    return out


# How the fast path decodes one field: the decoder of a value that is not null (raising _NotCommon when
# the general path must read it, given whether the body holds `-0`), and, for a non-pointer field,
# is_zero for its type (a zero value reads as absent).
CommonDecoder = Callable[[Any, bool], Any]
CommonField = tuple[CommonDecoder, Callable[[Any], bool] | None]


def _common_field(kind: GoType) -> CommonField:
    if is_pointer_like(kind):
        return _common_decoder(kind.elem if type(kind) is Pointer else kind), None
    if type(kind) is Enum:
        zero = kind.values[0]
        return _common_decoder(kind), zero.__eq__
    if type(kind) is Scalar:
        # The other scalars decode to a bool, an int or a str, whose zero `not` tells (as _scalar_zero).
        return _common_decoder(kind), _is_zero_time if kind.name == "time.Time" else operator.not_
    return _common_decoder(kind), None  # a struct value is never zero (is_zero)


def _common_decoder(kind: GoType) -> CommonDecoder:
    """The fast path's decoder of `kind` (a value that is not null, over an unset one)."""
    if type(kind) is Scalar:
        return _COMMON_SCALARS.get(kind.name, _common_any)
    if type(kind) is StructRef:
        name = kind.name

        def struct_value(node: Any, minus_zero: bool) -> Any:
            if type(node) is not dict:
                raise _NotCommon
            return _common_struct(node, go_types().structs[name], minus_zero)

        return struct_value
    if type(kind) is Enum:
        values, first = frozenset(kind.values), kind.values[0]

        def enum_value(node: Any, minus_zero: bool) -> Any:
            if type(node) is not str:
                raise _NotCommon
            return node if node in values else first  # UnmarshalText: unknown names are 0

        return enum_value
    if type(kind) is Slice:
        elem = kind.elem
        if type(elem) is Pointer and type(elem.elem) is Pointer:
            return _common_refused  # a pointer to a pointer: the spec has none
        item_value = _common_decoder(elem.elem if type(elem) is Pointer else elem)

        def slice_value(node: Any, minus_zero: bool) -> Any:
            if type(node) is not list:
                raise _NotCommon
            return [None if item is None else item_value(item, minus_zero) for item in node]

        return slice_value
    if type(kind) is Map:
        return _common_map
    return _common_refused


def _common_refused(node: Any, minus_zero: bool) -> Any:
    raise _NotCommon


def _common_map(node: Any, minus_zero: bool) -> Any:
    if type(node) is not dict:
        raise _NotCommon
    merged = {key: _common_plain(value) for key, value in node.items()}
    _check_depth(merged, "")  # raises DecodeError, a ValueError: the general path says where
    return merged


def _common_uint(bits: int) -> CommonDecoder:
    end = 1 << bits

    def uint_value(node: Any, minus_zero: bool) -> Any:
        if type(node) is not int or node < 0 or node >= end or (node == 0 and minus_zero):
            raise _NotCommon
        return node

    return uint_value


def _common_string(node: Any, minus_zero: bool) -> Any:
    if type(node) is not str:
        raise _NotCommon
    return node


def _common_hash(node: Any, minus_zero: bool) -> Any:
    if type(node) is not str:
        raise _NotCommon
    return _go_lower(node)


def _common_bool(node: Any, minus_zero: bool) -> Any:
    if type(node) is not bool:
        raise _NotCommon
    return node


def _common_time(node: Any, minus_zero: bool) -> Any:
    if type(node) is not str or not _is_rfc3339(node):
        raise _NotCommon
    return node


def _common_bigint(node: Any, minus_zero: bool) -> Any:
    found = _bigint(node) if type(node) is str else None
    if found is None:
        raise _NotCommon
    return found


def _common_any(node: Any, minus_zero: bool) -> Any:
    value = _common_plain(node)  # interface{}
    _check_depth(value, "")  # raises DecodeError, a ValueError: the general path says where
    return value


_COMMON_SCALARS: Final[dict[str, CommonDecoder]] = {
    **{name: _common_uint(bits) for name, bits in UINT_BITS.items()},
    "string": _common_string,
    "prototyp.Hash": _common_hash,
    "bool": _common_bool,
    "time.Time": _common_time,
    "prototyp.BigInt": _common_bigint,
}


def _common_plain(node: Any) -> Any:
    """`_plain` of a value the C parser read: numbers as float64 would hold them."""
    node_type = type(node)
    if node_type is dict:
        return {key: _common_plain(value) for key, value in node.items()}
    if node_type is list:
        return [_common_plain(item) for item in node]
    if node_type is int:
        if -_EXACT_FLOAT_INT <= node <= _EXACT_FLOAT_INT:
            return node  # float64 holds it exactly, and it is integral: written back as is
        raise _NotCommon  # rounded by float64 (or too large for it): the literal decides
    if node_type is float:
        if math.isinf(node):
            raise _NotCommon
        return int(node) if node.is_integer() and abs(node) < 1e21 else node
    return node  # str (no escapes, valid UTF-8: no surrogates), bool


# --- writing as Go's json.Marshal does --------------------------------------------------------------


def go_value(method: str, decoded: Mapping[str, Any]) -> dict[str, Any]:
    """What Go's `json.Marshal` writes for the decoded request struct (zero values, omitempty)."""
    return marshal_struct(go_types().request(method), decoded)


def marshal_struct(struct: Struct, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` (a decoded struct) written with every field Go writes, in Go's field order."""
    out: dict[str, Any] = {}
    for f in struct.fields:
        present = f.key in values and values[f.key] is not None
        if f.omitempty and not _is_struct_value(f.type) and (not present or _empty(f.type, values[f.key])):
            continue  # omitempty never drops a struct value (time.Time), only "empty" ones
        out[f.key] = _marshal(f.type, values[f.key]) if present else _marshal_zero(f.type)
    return out


def _is_struct_value(kind: GoType) -> bool:
    return isinstance(kind, StructRef) or (isinstance(kind, Scalar) and kind.name == "time.Time")


def _empty(kind: GoType, value: Any) -> bool:
    """Go's omitempty: false, 0, "", nil pointers, and empty slices and maps; never a struct."""
    if isinstance(kind, Pointer):
        return value is None
    if isinstance(kind, Slice | Map):
        return not value
    if isinstance(kind, Scalar) and kind.name == "time.Time":
        return False
    if isinstance(kind, Enum):
        return bool(value == kind.values[0])
    return _scalar_zero(value)


def _marshal_zero(kind: GoType) -> Any:
    if is_pointer_like(kind):
        return None
    return _marshal(kind, _zero_of(kind))


def _marshal(kind: GoType, value: Any) -> Any:
    if isinstance(kind, Pointer):
        return _marshal(kind.elem, value)
    if isinstance(kind, StructRef):
        return marshal_struct(go_types().structs[kind.name], value)
    if isinstance(kind, Slice):
        return [None if item is None else _marshal(kind.elem, item) for item in value]
    if isinstance(kind, Scalar) and kind.name == "time.Time":
        return format_time(value)
    return value


def format_time(text: str) -> str:
    """An RFC 3339 time as Go's MarshalJSON writes it: fraction without trailing zeros, UTC as Z."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        return text
    fraction = (match[7] or "")[:9].rstrip("0")
    zone = (
        "Z"
        if match[8] == "Z" or (match[9] is not None and int(match[9]) == int(match[10]) == 0)
        else match[8]
    )
    return f"{text[:19]}{'.' + fraction if fraction else ''}{zone}"


# --- Go's notion of blank ---------------------------------------------------------------------------

# unicode.IsSpace: the Latin-1 spaces and the White_Space property (Python's str.isspace also counts
# U+001C..U+001F, which Go does not).
GO_SPACE: Final = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def is_blank(text: str) -> bool:
    """Whether `strings.TrimSpace(text) == ""` in Go."""
    return all(char in GO_SPACE for char in text)


def _scalar_zero(value: Any) -> bool:
    return value is False or (not isinstance(value, bool) and value in ("", 0))
