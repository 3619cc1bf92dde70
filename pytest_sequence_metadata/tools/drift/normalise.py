"""Schema normalisation: what a schema means (`Facts`), whatever the OpenAPI dialect says it in."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pytest_sequence_metadata.tools.drift.documents import Document

_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", dict: "object", list: "array"}
_CONSTRAINTS = ("format", "pattern", "minLength", "maxLength", "minItems", "maxItems", "multipleOf")


@dataclass(frozen=True, slots=True)
class Facts:
    """What a schema means, with the dialect differences taken out."""

    types: frozenset[str]  # without "null"; empty means any JSON value
    types_from_enum: bool  # the types were inferred from enum/const values, not written
    nullable: bool
    enum: tuple[Any, ...] | None  # without null
    example: Any
    constraints: tuple[tuple[str, Any], ...]
    properties: Mapping[str, Any]
    required: frozenset[str]
    items: Any  # schema, or None
    additional: Any  # True (anything), False (nothing), or a schema

    def render(self, *, with_null: bool = False) -> str:
        text = " | ".join(sorted(self.types)) if self.types else "any"
        if self.enum is not None:
            text += " " + json.dumps(list(self.enum))
        for key, value in self.constraints:
            text += f", {key} {value}"
        if with_null and self.nullable:
            text += " | null"
        return text


def _value_type(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return "integer"
    return _JSON_TYPES.get(type(value), "any")


def through_nullable(
    document: Document, schema: Any, pointer: str, hops: tuple[str, ...]
) -> tuple[Any, str, tuple[tuple[str, ...], bool]]:
    """`anyOf: [{$ref: X}, {type: null}]` (3.1's nullable reference) as X itself, marked nullable.

    Comparing through the wrapper keeps a difference inside X reported at X, where its deviation
    lives, whichever properties refer to it.
    """
    branches = (schema.get("oneOf") or schema.get("anyOf")) if isinstance(schema, Mapping) else None
    keywords = (
        {key for key in schema if not str(key).startswith("x-")} if isinstance(schema, Mapping) else set()
    )
    if not isinstance(branches, list) or keywords - {"oneOf", "anyOf", "description"}:
        return schema, pointer, (hops, False)
    others = [(i, b) for i, b in enumerate(branches) if not _is_null_schema(b)]
    if len(others) != 1 or len(others) == len(branches) or not isinstance(others[0][1], Mapping):
        return schema, pointer, (hops, False)
    index, branch = others[0]
    keyword = "oneOf" if "oneOf" in schema else "anyOf"
    target, real, more = document.resolve(branch, f"{pointer}/{keyword}/{index}")
    return target, real, ((*hops, pointer, *more), True)


def _is_null_schema(schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return False
    type_ = schema.get("type")
    return (
        type_ == "null"
        or type_ == ["null"]
        or schema.get("enum") == [None]
        or ("const" in schema and schema["const"] is None)
    )


def _bounds(schema: Mapping[str, Any], integral: bool) -> list[tuple[str, Any]]:
    """Lower and upper bounds in one form: 3.0 boolean and 3.1 numeric exclusive bounds alike."""
    found: list[tuple[str, Any]] = []
    for inclusive, exclusive, step in (
        ("minimum", "exclusiveMinimum", 1),
        ("maximum", "exclusiveMaximum", -1),
    ):
        bound: tuple[int | float, bool] | None = None  # (value, exclusive?)
        if isinstance(schema.get(inclusive), int | float) and not isinstance(schema.get(inclusive), bool):
            bound = (schema[inclusive], schema.get(exclusive) is True)
        excl = schema.get(exclusive)
        if isinstance(excl, int | float) and not isinstance(excl, bool):
            tighter = bound is None or (excl >= bound[0] if step == 1 else excl <= bound[0])
            if tighter:
                bound = (excl, True)
        if bound is None:
            continue
        value, is_exclusive = bound
        if integral and is_exclusive and float(value).is_integer():
            value, is_exclusive = value + step, False  # integers: > 0 is >= 1
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        found.append((exclusive if is_exclusive else inclusive, value))
    return found


def merge_all_of(schema: Mapping[str, Any], document: Document, pointer: str) -> dict[str, Any]:
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for index, part in enumerate(schema.get("allOf") or []):
        target, _, _ = document.resolve(part, f"{pointer}/allOf/{index}")
        if not isinstance(target, Mapping):
            continue
        target = merge_all_of(target, document, pointer) if "allOf" in target else target
        for key, value in target.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = sorted({*merged.get("required", []), *value})
            else:
                merged.setdefault(key, value)
    return merged


def facts(schema: Any, document: Document, pointer: str) -> Facts:
    """Normalise a resolved schema (`$ref`s already followed by the caller)."""
    if schema is True or not isinstance(schema, Mapping):
        schema = {}
    if "allOf" in schema:
        schema = merge_all_of(schema, document, pointer)
    nullable = schema.get("nullable") is True  # OAS 3.0
    declared = schema.get("type")
    types: set[str] = set()
    if isinstance(declared, str):
        types.add(declared)
    elif isinstance(declared, list):
        types.update(t for t in declared if isinstance(t, str))
    if "null" in types:
        nullable = True
        types.discard("null")

    enum: tuple[Any, ...] | None = None
    if "const" in schema:
        enum = (schema["const"],)
    elif isinstance(schema.get("enum"), list):
        enum = tuple(schema["enum"])
    if enum is not None and None in enum:
        nullable = True
        enum = tuple(v for v in enum if v is not None)

    types_from_enum = False
    branches = schema.get("oneOf") or schema.get("anyOf")
    if isinstance(branches, list) and not types:
        # A union: null branches make it nullable; the rest contribute their types.
        resolved = [document.resolve(b, f"{pointer}/oneOf/{i}") for i, b in enumerate(branches)]
        others = [(target, at) for target, at, _ in resolved if not _is_null_schema(target)]
        nullable = nullable or len(others) < len(resolved)
        if len(others) == 1:
            # `oneOf: [X, {type: "null"}]` is 3.1's spelling of a nullable X: it means X, nullable.
            inner = facts(others[0][0], document, others[0][1])
            return dataclasses.replace(inner, nullable=nullable or inner.nullable)
        inner_facts = [facts(target, document, at) for target, at in others]
        if all(f.types for f in inner_facts):
            types = {t for f in inner_facts for t in f.types}
        nullable = nullable or any(f.nullable for f in inner_facts)
    elif not types:
        if enum:
            types = {_value_type(v) for v in enum}
            types_from_enum = True
        elif "properties" in schema or "additionalProperties" in schema:
            types = {"object"}
        elif "items" in schema:
            types = {"array"}

    example = schema.get("example")
    if example is None and isinstance(schema.get("examples"), list) and schema["examples"]:
        example = schema["examples"][0]

    constraints = [(k, schema[k]) for k in _CONSTRAINTS if k in schema]
    constraints += _bounds(schema, integral=types == {"integer"})
    additional = schema.get("additionalProperties", True)
    if isinstance(additional, Mapping) and not additional:
        additional = True
    properties = schema.get("properties")
    return Facts(
        types=frozenset(types),
        types_from_enum=types_from_enum,
        nullable=nullable,
        enum=enum,
        example=example,
        constraints=tuple(sorted(constraints, key=lambda kv: kv[0])),
        properties=properties if isinstance(properties, Mapping) else {},
        required=frozenset(r for r in schema.get("required") or [] if isinstance(r, str)),
        items=schema.get("items"),
        additional=additional,
    )


def same_types(up: Facts, ours: Facts) -> bool:
    if up.types == ours.types and up.constraints == ours.constraints:
        return True
    # A const/enum without a written type says no more than its values: no type change when every
    # value fits the other side's type (a `code: {const: 3000}` against `code: {type: number}`).
    for pinned, other in ((ours, up), (up, ours)):
        fits = not other.types or all(_fits(v, other.types) for v in pinned.enum or ())
        if pinned.types_from_enum and pinned.enum and not pinned.constraints and fits:
            return not other.constraints
    return False


def _fits(value: Any, types: frozenset[str]) -> bool:
    kind = _value_type(value)
    return kind in types or (kind == "integer" and "number" in types)


def normal_name(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def render_enum(side: Facts) -> Any:
    if side.enum is not None:
        return list(side.enum)
    if side.example is not None:
        return f"any value (example {json.dumps(side.example)})"
    return "any value"
