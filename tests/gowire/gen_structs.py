"""Go source for the spec's Go types: one struct per `x-go-struct` schema, one text enum per named
enum type, and the table of request structs by method. The differential test builds the harness in
`harness/` with this file added, so the structs Go decodes into come from the spec and nothing else.

Run as a script to print the generated source: `python tests/gowire/gen_structs.py [spec.yaml]`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REQUEST_SUFFIX = "Request"
# Go types the harness provides; anything else named must be an x-go-struct or an enum component.
BUILTIN = frozenset({"string", "bool", "uint64", "uint32", "uint16", "interface{}", "time.Time"})
PROTOTYP = frozenset({"prototyp.BigInt", "prototyp.Hash"})
ENUM_DEFAULT_BASE = "uint32"  # webrpc's Go generator writes enums as uint32 unless the spec says


@dataclass(frozen=True, slots=True)
class Ptr:
    elem: GoType


@dataclass(frozen=True, slots=True)
class Slice:
    elem: GoType


@dataclass(frozen=True, slots=True)
class Map:
    elem: GoType  # keys are always string here


@dataclass(frozen=True, slots=True)
class Named:
    name: str  # a builtin, prototyp.X, an x-go-struct or an enum


GoType = Ptr | Slice | Map | Named


@dataclass(frozen=True, slots=True)
class Field:
    key: str  # the exact wire key
    type: GoType
    omitempty: bool


@dataclass(frozen=True, slots=True)
class GoTypes:
    structs: Mapping[str, tuple[Field, ...]]  # Go name -> fields in Go order
    enums: Mapping[str, tuple[str, tuple[str, ...]]]  # Go name -> (base type, names by value)
    requests: Mapping[str, str]  # method -> request struct name


def parse_type(expr: str) -> GoType:
    """`*[]map[string]interface{}` and friends, as written in `x-go-type`."""
    text = re.sub(r"\s+", "", expr)
    if text.startswith("*"):
        return Ptr(parse_type(text[1:]))
    if text.startswith("[]"):
        return Slice(parse_type(text[2:]))
    if text.startswith("map[string]"):
        return Map(parse_type(text[len("map[string]") :]))
    if not re.fullmatch(r"[A-Za-z_][\w.]*|interface\{\}", text):
        raise ValueError(f"cannot read Go type {expr!r}")
    return Named(text)


def go_types(raw: Mapping[str, Any]) -> GoTypes:
    schemas: Mapping[str, Any] = raw.get("components", {}).get("schemas", {})
    structs: dict[str, tuple[Field, ...]] = {}
    for schema in schemas.values():
        name = schema.get("x-go-struct") if isinstance(schema, dict) else None
        if name is None:
            continue
        fields = []
        for key, prop in schema.get("properties", {}).items():
            if "x-go-type" not in prop:
                raise ValueError(f"x-go-struct {name}: property {key!r} has no x-go-type")
            fields.append(Field(key, parse_type(prop["x-go-type"]), bool(prop.get("x-go-omitempty"))))
        structs[name] = tuple(fields)
    enums: dict[str, tuple[str, tuple[str, ...]]] = {}
    for members in structs.values():
        for field in members:
            for named in _names(field.type):
                if named in BUILTIN or named in PROTOTYP or named in structs or named in enums:
                    continue
                component = schemas.get(named)
                if not isinstance(component, dict) or "enum" not in component:
                    raise ValueError(f"Go type {named} is neither an x-go-struct nor an enum component")
                base = str(component.get("x-go-type", ENUM_DEFAULT_BASE))
                enums[named] = (base, tuple(str(v) for v in component["enum"]))
    requests = {
        name[: -len(REQUEST_SUFFIX)]: name
        for name in structs
        if name.endswith(REQUEST_SUFFIX) and len(name) > len(REQUEST_SUFFIX)
    }
    return GoTypes(structs, enums, requests)


def _names(kind: GoType) -> list[str]:
    if isinstance(kind, Named):
        return [kind.name]
    return _names(kind.elem)


def go_expr(kind: GoType) -> str:
    if isinstance(kind, Ptr):
        return "*" + go_expr(kind.elem)
    if isinstance(kind, Slice):
        return "[]" + go_expr(kind.elem)
    if isinstance(kind, Map):
        return "map[string]" + go_expr(kind.elem)
    return kind.name


def go_field_name(key: str, taken: set[str]) -> str:
    """Exported CamelCase of the wire key (the json tag carries the key itself)."""
    parts = [part for part in re.split(r"[^0-9A-Za-z]+", key) if part]
    name = "".join(part[0].upper() + part[1:] for part in parts) or "Field"
    if not name[0].isalpha():
        name = "F" + name
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}{n}"
    taken.add(candidate)
    return candidate


def go_source(raw: Mapping[str, Any]) -> str:
    types = go_types(raw)
    used = {name for fields in types.structs.values() for f in fields for name in _names(f.type)}
    imports = []
    if "time.Time" in used:
        imports.append('"time"')
    if used & PROTOTYP:
        imports.append('"gowireharness/prototyp"')
    out = [
        "// Code generated by tests/gowire/gen_structs.py from the spec's x-go-* annotations. DO NOT EDIT.",
        "",
        "package main",
        "",
    ]
    if imports:
        out += ["import (", *(f"\t{line}" for line in imports), ")", ""]
    for name, (base, names) in sorted(types.enums.items()):
        values = ", ".join(f"{value}: {_go_string(label)}" for value, label in enumerate(names))
        labels = ", ".join(f"{_go_string(label)}: {value}" for value, label in enumerate(names))
        out += [
            f"type {name} {base}",
            "",
            f"var {name}_name = map[{base}]string{{{values}}}",
            "",
            f"var {name}_value = map[string]{base}{{{labels}}}",
            "",
            "// MarshalText writes the name; UnmarshalText maps an unknown name to 0 without an error.",
            f"func (x {name}) MarshalText() ([]byte, error) {{ return []byte({name}_name[{base}(x)]), nil }}",
            "",
            f"func (x *{name}) UnmarshalText(b []byte) error {{",
            f"\t*x = {name}({name}_value[string(b)])",
            "\treturn nil",
            "}",
            "",
        ]
    for name, fields in types.structs.items():
        taken: set[str] = set()
        out.append(f"type {name} struct {{")
        for field in fields:
            tag = field.key + (",omitempty" if field.omitempty else "")
            out.append(f"\t{go_field_name(field.key, taken)} {go_expr(field.type)} `json:{_go_string(tag)}`")
        out += ["}", ""]
    out.append("var requests = map[string]func() any{")
    for method, struct in sorted(types.requests.items()):
        out.append(f"\t{_go_string(method)}: func() any {{ return new({struct}) }},")
    out += ["}", ""]
    return "\n".join(out)


def _go_string(text: str) -> str:
    if not re.fullmatch(r"[\x20-\x7e]*", text) or '"' in text or "\\" in text or "`" in text:
        raise ValueError(f"unexpected characters for a Go literal: {text!r}")
    return f'"{text}"'


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "specs" / "sequence-metadata.yaml"
    sys.stdout.write(go_source(yaml.safe_load(path.read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
