"""Spec drift: how our contract differs from a published upstream OpenAPI document, and which of the
differences are deliberate.

`python -m pytest_sequence_metadata drift UPSTREAM [--spec OURS] [--format text|markdown|json]`

What is compared: operations (matched by method and path, else by operationId / summary / the RPC method
name), and for every matched operation its request body, its success responses and its error responses,
following `$ref`s into nested schemas. Before diffing, both documents are normalised so that the report
speaks of meaning rather than OpenAPI dialect: `nullable: true` (3.0) and `type: [x, "null"]` (3.1) both
become "nullable"; `const` becomes a one-value enum; an enum-only schema takes the type of its values;
`exclusiveMinimum: true` (3.0) and `exclusiveMinimum: <n>` (3.1) become one bound (inclusive for
integers); `example`, `examples` and descriptions are ignored. Error responses are compared per error
(identified by its webrpc code) and per status class (`400` and `4XX` are both 4XX).

Every difference is then looked up in our spec's `x-deviations` (see docs/architecture.md). A deviation
covers a difference when its `kind` fits and its `where` is the difference's location (or the keyword
under it, e.g. `.../required`); when `where` is a property, it also covers what is nested inside that
property; when `where` is a whole component schema, it covers every difference inside that schema; a
`removed` / `added-operation` deviation whose `upstream` / `ours` is a list covers the paths it lists.

JSON output shape (`--format json`)::

    {"ours": {"version", "openapi", "document"}, "upstream": {"version", "openapi", "document"},
     "known": [item, ...], "new": [item, ...]}
    item = {"change", "operation"?, "schema"?, "location", "upstream"?, "ours"?, "deviation"?}

`change` is one of CHANGES; `location` is a JSON pointer into our document, except for things only the
upstream has (`operation-removed`, `error-removed`), where it points into the upstream document;
`operation` is the first operation (in document order) that reaches the difference; `schema` is our
component schema that holds it; `upstream` / `ours` describe each side and are left out where that side
has nothing; `deviation` is the id of the covering deviation (known items only).

Exit status: 0 without new drift, 1 with new drift, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from pytest_sequence_metadata.contract.spec import read_document, spec_path

Format = Literal["text", "markdown", "json"]

# Every kind of difference, with the deviation kinds that may cover it.
CHANGES: dict[str, frozenset[str]] = {
    "operation-added": frozenset({"added-operation"}),
    "operation-removed": frozenset({"removed"}),
    "operation-moved": frozenset({"other", "wire-name"}),
    "body-added": frozenset({"other"}),
    "body-removed": frozenset({"removed", "other"}),
    "media-type-changed": frozenset({"other"}),
    "response-added": frozenset({"other"}),
    "response-removed": frozenset({"removed", "other"}),
    "field-added": frozenset({"other"}),
    "field-removed": frozenset({"removed", "other"}),
    "field-renamed": frozenset({"wire-name"}),
    "type-changed": frozenset({"type"}),
    "nullable-changed": frozenset({"nullable"}),
    "required-changed": frozenset({"required"}),
    "enum-changed": frozenset({"enum"}),
    "error-added": frozenset({"error"}),
    "error-removed": frozenset({"error", "removed"}),
    "error-renamed": frozenset({"error"}),
    "error-status-changed": frozenset({"error"}),
}
# Deviation kinds whose `where` also covers what lies below it (a property's items, a body under /paths).
# `other` is too broad for that: `examples-replaced` at /paths would hide every new difference.
_NESTING_KINDS = frozenset({"wire-name", "type", "required", "nullable", "enum", "error"})
_LISTING_KINDS = {"removed": "upstream", "added-operation": "ours"}
_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", dict: "object", list: "array"}
_CONSTRAINTS = ("format", "pattern", "minLength", "maxLength", "minItems", "maxItems", "multipleOf")


class DriftUsageError(Exception):
    """A document cannot be read or is not an OpenAPI document (exit status 2)."""


# --------------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class Deviation:
    id: str
    kind: str
    where: tuple[str, ...]  # one deviation may stand for the same change in several places
    upstream: Any
    ours: Any
    reason: str


@dataclass(slots=True)
class Change:
    """One difference between the documents."""

    change: str
    location: str
    operation: str | None = None
    schema: str | None = None
    upstream: Any = None
    ours: Any = None
    # Further pointers the same difference is known by (a referenced helper schema, the keyword).
    pointers: tuple[str, ...] = ()
    # Names a listing deviation may mention (an operation's path).
    names: tuple[str, ...] = ()
    # `location` points into the upstream document (the thing is missing from ours).
    upstream_only: bool = False
    deviation: Deviation | None = None

    def as_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {"change": self.change}
        if self.operation is not None:
            item["operation"] = self.operation
        if self.schema is not None:
            item["schema"] = self.schema
        item["location"] = self.location
        if self.upstream is not None:
            item["upstream"] = self.upstream
        if self.ours is not None:
            item["ours"] = self.ours
        if self.deviation is not None:
            item["deviation"] = self.deviation.id
        return item


@dataclass(slots=True)
class DocumentInfo:
    version: str
    openapi: str
    document: str

    def as_json(self) -> dict[str, str]:
        return {"version": self.version, "openapi": self.openapi, "document": self.document}


@dataclass(slots=True)
class DriftReport:
    ours: DocumentInfo
    upstream: DocumentInfo
    known: list[Change] = field(default_factory=list)
    new: list[Change] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.new else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "ours": self.ours.as_json(),
            "upstream": self.upstream.as_json(),
            "known": [c.as_json() for c in self.known],
            "new": [c.as_json() for c in self.new],
        }


# --------------------------------------------------------------------------------------------------
# Documents


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


class Document:
    """One OpenAPI document with local `$ref` resolution."""

    def __init__(self, raw: Mapping[str, Any], source: str) -> None:
        self.raw = raw
        self.source = source
        self.openapi = str(raw.get("openapi", ""))
        self.version = str((raw.get("info") or {}).get("version", ""))

    def lookup(self, pointer: str) -> Any:
        node: Any = self.raw
        for token in pointer.lstrip("/").split("/") if pointer not in ("", "/") else []:
            key = _unescape(token)
            if isinstance(node, list):
                node = node[int(key)]
            elif isinstance(node, Mapping):
                node = node[key]
            else:
                raise KeyError(pointer)
        return node

    def resolve(self, node: Any, pointer: str) -> tuple[Any, str, tuple[str, ...]]:
        """Follow local `$ref`s; returns the target, its pointer and the pointers passed on the way.

        Sibling keywords of a `$ref` (allowed in 3.1) are laid over the target.
        """
        hops: list[str] = []
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref: str = node["$ref"]
            if not ref.startswith("#") or pointer in hops or len(hops) > 64:
                return {}, pointer, tuple(hops)  # external or circular: opaque, compares as "any"
            hops.append(pointer)
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            try:
                target = self.lookup(ref[1:])
            except (KeyError, IndexError, ValueError):
                return {}, pointer, tuple(hops)
            pointer = ref[1:]
            node = {**target, **siblings} if siblings and isinstance(target, Mapping) else target
        return node, pointer, tuple(hops)


def _read_json(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        document = json.load(handle)
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not an OpenAPI document (top level is {type(document).__name__})")
    return document


def load_document(path: Path, role: str) -> Document:
    """Read and sanity-check an OpenAPI 3.x document; DriftUsageError with one clear line otherwise."""
    try:
        # JSON is parsed as JSON: PyYAML reads YAML 1.1, which not every JSON document is.
        raw = _read_json(path) if path.suffix.lower() == ".json" else read_document(path)
    except FileNotFoundError:
        raise DriftUsageError(f"{role} document {path}: no such file") from None
    except IsADirectoryError:
        raise DriftUsageError(f"{role} document {path}: is a directory") from None
    except OSError as exc:
        raise DriftUsageError(f"{role} document {path}: cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise DriftUsageError(f"{role} document {path}: not a text file") from None
    except json.JSONDecodeError as exc:
        raise DriftUsageError(f"{role} document {path}: not valid JSON ({exc})") from None
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DriftUsageError(f"{role} document {path}: not valid YAML ({first})") from None
    except ValueError:
        raise DriftUsageError(f"{role} document {path}: not an OpenAPI document (not a mapping)") from None
    version = raw.get("openapi")
    if isinstance(version, int | float) and not isinstance(version, bool):
        version = raw["openapi"] = str(version)  # `openapi: 3.0` unquoted in YAML is a number
    if not isinstance(version, str) or not version.startswith("3."):
        found = f"swagger {raw['swagger']}" if "swagger" in raw else "no `openapi: 3.x` field"
        raise DriftUsageError(f"{role} document {path}: not an OpenAPI 3 document ({found})")
    if not isinstance(raw.get("paths"), Mapping):
        raise DriftUsageError(f"{role} document {path}: not an OpenAPI document (no `paths` object)")
    return Document(raw, str(path))


# --------------------------------------------------------------------------------------------------
# Schema normalisation


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


def _through_nullable(
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


def _merge_all_of(schema: Mapping[str, Any], document: Document, pointer: str) -> dict[str, Any]:
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for index, part in enumerate(schema.get("allOf") or []):
        target, _, _ = document.resolve(part, f"{pointer}/allOf/{index}")
        if not isinstance(target, Mapping):
            continue
        target = _merge_all_of(target, document, pointer) if "allOf" in target else target
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
        schema = _merge_all_of(schema, document, pointer)
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


def _same_types(up: Facts, ours: Facts) -> bool:
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


def _normal_name(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def _render_enum(side: Facts) -> Any:
    if side.enum is not None:
        return list(side.enum)
    if side.example is not None:
        return f"any value (example {json.dumps(side.example)})"
    return "any value"


# --------------------------------------------------------------------------------------------------
# Comparison


@dataclass(frozen=True, slots=True)
class _Operation:
    method: str
    path: str
    definition: Mapping[str, Any]
    pointer: str

    @property
    def label(self) -> str:
        op_id = self.definition.get("operationId")
        if isinstance(op_id, str) and op_id:
            return op_id
        summary = self.definition.get("summary")
        if isinstance(summary, str) and summary and " " not in summary.strip():
            return summary.strip()
        return f"{self.method.upper()} {self.path}"

    @property
    def names(self) -> set[str]:
        """Names that identify the operation across documents: operationId, a one-word summary, and
        the method name of an RPC path."""
        found = set()
        for key in ("operationId", "summary"):
            value = self.definition.get(key)
            if isinstance(value, str) and value.strip() and " " not in value.strip():
                found.add(value.strip())
        if self.path.startswith("/rpc/"):
            found.add(self.path.rstrip("/").rsplit("/", 1)[-1])
        return found


def _operations(document: Document) -> list[_Operation]:
    found = []
    for path, item in document.raw["paths"].items():
        if not isinstance(item, Mapping):
            continue
        for method in _HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, Mapping):
                found.append(_Operation(method, path, op, f"/paths/{_escape(path)}/{method}"))
    return found


class _Differ:
    def __init__(self, ours: Document, upstream: Document) -> None:
        self.ours = ours
        self.upstream = upstream
        self.changes: dict[tuple[str, str], Change] = {}
        self._seen: set[tuple[str, str, str]] = set()

    def add(self, change: Change) -> None:
        # The same difference is reached from many operations (Collection from all its calls): keep the first.
        self.changes.setdefault((change.change, change.location), change)

    # Operations ---------------------------------------------------------------------------------

    def run(self) -> list[Change]:
        ours_ops = _operations(self.ours)
        up_ops = _operations(self.upstream)
        up_by_key = {(op.method, op.path): op for op in up_ops}
        pairs: list[tuple[_Operation, _Operation]] = []
        unmatched_ours: list[_Operation] = []
        for op in ours_ops:
            partner = up_by_key.pop((op.method, op.path), None)
            if partner is None:
                unmatched_ours.append(op)
            else:
                pairs.append((op, partner))
        for op in list(unmatched_ours):
            # Recognise an operation that moved or changed method by its names.
            candidates = [u for u in up_by_key.values() if u.names & op.names]
            if len(candidates) == 1:
                partner = candidates[0]
                del up_by_key[(partner.method, partner.path)]
                unmatched_ours.remove(op)
                pairs.append((op, partner))
                self.add(
                    Change(
                        "operation-moved",
                        op.pointer,
                        operation=op.label,
                        upstream=f"{partner.method.upper()} {partner.path}",
                        ours=f"{op.method.upper()} {op.path}",
                        names=(op.path, partner.path),
                    )
                )
        for op in unmatched_ours:
            self.add(
                Change(
                    "operation-added",
                    op.pointer,
                    operation=op.label,
                    ours=f"{op.method.upper()} {op.path}",
                    names=(op.path, *sorted(op.names)),
                )
            )
        for up in up_by_key.values():
            self.add(
                Change(
                    "operation-removed",
                    up.pointer,
                    operation=up.label,
                    upstream=f"{up.method.upper()} {up.path}",
                    names=(up.path, *sorted(up.names)),
                    upstream_only=True,
                )
            )
        for op, up in pairs:
            self._request(op, up)
            self._responses(op, up)
        return list(self.changes.values())

    def _request(self, op: _Operation, up: _Operation) -> None:
        o_body, o_at, _ = self.ours.resolve(op.definition.get("requestBody"), f"{op.pointer}/requestBody")
        u_body, u_at, _ = self.upstream.resolve(up.definition.get("requestBody"), f"{up.pointer}/requestBody")
        location = f"{op.pointer}/requestBody"
        if not isinstance(o_body, Mapping) or not isinstance(u_body, Mapping):
            if isinstance(o_body, Mapping):
                self.add(Change("body-added", location, operation=op.label, ours="request body"))
            elif isinstance(u_body, Mapping):
                self.add(Change("body-removed", location, operation=op.label, upstream="request body"))
            return
        if bool(o_body.get("required")) != bool(u_body.get("required")):
            self.add(
                Change(
                    "required-changed",
                    f"{location}/required",
                    operation=op.label,
                    upstream="request body required" if u_body.get("required") else "request body optional",
                    ours="request body required" if o_body.get("required") else "request body optional",
                    pointers=(location,),
                )
            )
        self._content(op, o_body, o_at, u_body, u_at, location)

    def _content(
        self,
        op: _Operation,
        o_holder: Mapping[str, Any],
        o_at: str,
        u_holder: Mapping[str, Any],
        u_at: str,
        location: str,
    ) -> None:
        o_content = o_holder.get("content") or {}
        u_content = u_holder.get("content") or {}
        if set(o_content) != set(u_content):
            self.add(
                Change(
                    "media-type-changed",
                    f"{location}/content",
                    operation=op.label,
                    upstream=sorted(u_content) or None,
                    ours=sorted(o_content) or None,
                )
            )
        common = [m for m in o_content if m in u_content]
        for media in sorted(common, key=lambda m: m != "application/json")[:1]:
            o_media, u_media = o_content[media], u_content[media]
            if isinstance(o_media, Mapping) and isinstance(u_media, Mapping):
                escaped = _escape(media)
                self._compare(
                    u_media.get("schema", {}),
                    f"{u_at}/content/{escaped}/schema",
                    o_media.get("schema", {}),
                    f"{o_at}/content/{escaped}/schema",
                    logical=None,
                    operation=op.label,
                    record=None,
                )

    def _responses(self, op: _Operation, up: _Operation) -> None:
        o_responses = op.definition.get("responses") or {}
        u_responses = up.definition.get("responses") or {}
        o_success = {str(k): v for k, v in o_responses.items() if not _is_error_status(str(k))}
        u_success = {str(k): v for k, v in u_responses.items() if not _is_error_status(str(k))}
        for status in o_success.keys() | u_success.keys():
            o_at = f"{op.pointer}/responses/{_escape(status)}"
            u_at = f"{up.pointer}/responses/{_escape(status)}"
            if status not in u_success:
                self.add(Change("response-added", o_at, operation=op.label, ours=status))
            elif status not in o_success:
                self.add(Change("response-removed", o_at, operation=op.label, upstream=status))
            else:
                o_resp, o_real, _ = self.ours.resolve(o_success[status], o_at)
                u_resp, u_real, _ = self.upstream.resolve(u_success[status], u_at)
                if isinstance(o_resp, Mapping) and isinstance(u_resp, Mapping):
                    self._content(op, o_resp, o_real, u_resp, u_real, o_at)
        self._errors(op, up)

    # Errors -------------------------------------------------------------------------------------

    def _error_schemas(self, document: Document, op: _Operation) -> dict[Any, tuple[str, str, set[str]]]:
        """The operation's error schemas by identity (webrpc code, else name): (pointer, name, classes)."""
        found: dict[Any, tuple[str, str, set[str]]] = {}
        for status, response in (op.definition.get("responses") or {}).items():
            status = str(status)
            if not _is_error_status(status):
                continue
            klass = "default" if status == "default" else f"{status[0]}XX"
            resp, at, _ = document.resolve(response, f"{op.pointer}/responses/{_escape(status)}")
            if not isinstance(resp, Mapping):
                continue
            for media, body in (resp.get("content") or {}).items():
                if not isinstance(body, Mapping) or "schema" not in body:
                    continue
                schema_at = f"{at}/content/{_escape(media)}/schema"
                schema, real, _ = document.resolve(body["schema"], schema_at)
                branches = (
                    (schema.get("oneOf") or schema.get("anyOf")) if isinstance(schema, Mapping) else None
                )
                targets = (
                    [document.resolve(b, f"{real}/oneOf/{i}") for i, b in enumerate(branches)]
                    if isinstance(branches, list)
                    else [(schema, real, ())]
                )
                for target, pointer, _ in targets:
                    name = pointer.rsplit("/", 1)[-1]
                    key = _error_code(target, document, pointer)
                    entry = found.setdefault(key if key is not None else name, (pointer, name, set()))
                    entry[2].add(klass)
        return found

    def _errors(self, op: _Operation, up: _Operation) -> None:
        ours = self._error_schemas(self.ours, op)
        upstream = self._error_schemas(self.upstream, up)
        for key, (o_ptr, o_name, o_classes) in ours.items():
            record = o_name
            if key not in upstream:
                self.add(
                    Change(
                        "error-added",
                        o_ptr,
                        operation=op.label,
                        schema=record,
                        ours=_error_label(o_name, key),
                    )
                )
                continue
            u_ptr, u_name, u_classes = upstream[key]
            if o_name != u_name:
                self.add(
                    Change(
                        "error-renamed",
                        o_ptr,
                        operation=op.label,
                        schema=record,
                        upstream=u_name,
                        ours=o_name,
                    )
                )
            if o_classes != u_classes:
                self.add(
                    Change(
                        "error-status-changed",
                        o_ptr,
                        operation=op.label,
                        schema=record,
                        upstream=sorted(u_classes),
                        ours=sorted(o_classes),
                        pointers=(f"{o_ptr}/properties/status",),
                    )
                )
            o_schema = self.ours.lookup(o_ptr)
            u_schema = self.upstream.lookup(u_ptr)
            self._compare(u_schema, u_ptr, o_schema, o_ptr, logical=o_ptr, operation=op.label, record=record)
        for key, (u_ptr, u_name, _) in upstream.items():
            if key not in ours:
                self.add(
                    Change(
                        "error-removed",
                        u_ptr,
                        operation=op.label,
                        upstream=_error_label(u_name, key),
                        names=(u_name,),
                        upstream_only=True,
                    )
                )

    # Schemas ------------------------------------------------------------------------------------

    def _compare(
        self,
        u_node: Any,
        u_at: str,
        o_node: Any,
        o_at: str,
        *,
        logical: str | None,
        operation: str,
        record: str | None,
    ) -> None:
        """Compare two schemas. `logical` is where a difference is reported: the pointer from our nearest
        component schema that has properties (a record), so that a difference in a shared scalar
        helper (`Id`) is reported at each property that uses it."""
        u_schema, u_real, _ = self.upstream.resolve(u_node, u_at)
        o_schema, o_real, o_hops = self.ours.resolve(o_node, o_at)
        u_schema, u_real, u_null = _through_nullable(self.upstream, u_schema, u_real, ())
        o_schema, o_real, o_null = _through_nullable(self.ours, o_schema, o_real, o_hops)
        o_hops, o_nullable = o_null
        u_nullable = u_null[1]
        if isinstance(u_schema, Mapping) and "allOf" in u_schema:
            u_schema = _merge_all_of(u_schema, self.upstream, u_real)
        if isinstance(o_schema, Mapping) and "allOf" in o_schema:
            o_schema = _merge_all_of(o_schema, self.ours, o_real)
        if isinstance(o_schema, Mapping) and isinstance(o_schema.get("properties"), Mapping) and o_hops:
            logical, record = o_real, _component_name(o_real) or record
        if logical is None:
            logical = o_real
            record = _component_name(o_real) or record
        key = (u_real, o_real, logical)
        if key in self._seen:
            return
        self._seen.add(key)
        u = facts(u_schema, self.upstream, u_real)
        o = facts(o_schema, self.ours, o_real)
        if u_nullable and not u.nullable:
            u = dataclasses.replace(u, nullable=True)
        if o_nullable and not o.nullable:
            o = dataclasses.replace(o, nullable=True)
        aliases = tuple(dict.fromkeys(p for p in (*o_hops[1:], o_real) if p != logical))

        def note(change: str, upstream: Any, ours: Any, keyword: str = "", where: str = logical) -> None:
            pointers = [*aliases]
            if keyword:
                pointers += [f"{where}/{keyword}", *(f"{a}/{keyword}" for a in aliases)]
            self.add(
                Change(
                    change,
                    where,
                    operation=operation,
                    schema=record,
                    upstream=upstream,
                    ours=ours,
                    pointers=tuple(pointers),
                )
            )

        if not _same_types(u, o):
            note("type-changed", u.render(), o.render(), "type")
        if u.nullable != o.nullable:
            note("nullable-changed", u.render(with_null=True), o.render(with_null=True), "type")
        u_enum = None if u.enum is None else sorted(json.dumps(v, sort_keys=True) for v in u.enum)
        o_enum = None if o.enum is None else sorted(json.dumps(v, sort_keys=True) for v in o.enum)
        if u_enum != o_enum:
            note("enum-changed", _render_enum(u), _render_enum(o), "enum")

        if u.properties or o.properties:
            self._properties(u, u_real, o, o_real, logical, operation, record)
        if u.items is not None or o.items is not None:
            self._compare(
                u.items if u.items is not None else {},
                f"{u_real}/items",
                o.items if o.items is not None else {},
                f"{o_real}/items",
                logical=f"{logical}/items",
                operation=operation,
                record=record,
            )
        if "object" in u.types and "object" in o.types and (u.additional, o.additional) != (True, True):
            if u.additional is False or o.additional is False:
                if u.additional is not o.additional:
                    note(
                        "type-changed",
                        _render_additional(u.additional),
                        _render_additional(o.additional),
                        where=f"{logical}/additionalProperties",
                    )
            else:
                self._compare(
                    {} if u.additional is True else u.additional,
                    f"{u_real}/additionalProperties",
                    {} if o.additional is True else o.additional,
                    f"{o_real}/additionalProperties",
                    logical=f"{logical}/additionalProperties",
                    operation=operation,
                    record=record,
                )

    def _properties(
        self,
        u: Facts,
        u_real: str,
        o: Facts,
        o_real: str,
        logical: str,
        operation: str,
        record: str | None,
    ) -> None:
        removed = [n for n in u.properties if n not in o.properties]
        added = [n for n in o.properties if n not in u.properties]
        renamed: dict[str, str] = {}  # upstream name -> our name
        for old in removed:
            same = [
                new for new in added if new not in renamed.values() and _normal_name(new) == _normal_name(old)
            ]
            if len(same) == 1:
                renamed[old] = same[0]
        rest_removed = [n for n in removed if n not in renamed]
        rest_added = [n for n in added if n not in renamed.values()]
        if len(rest_removed) == 1 and len(rest_added) == 1:
            # One field gone and one new of the same type in the same object: a rename.
            old, new = rest_removed[0], rest_added[0]
            old_facts = self._property_facts(self.upstream, u.properties[old], f"{u_real}/properties/{old}")
            new_facts = self._property_facts(self.ours, o.properties[new], f"{o_real}/properties/{new}")
            if old_facts.types and old_facts.render(with_null=True) == new_facts.render(with_null=True):
                renamed[old] = new

        def where(name: str) -> str:
            return f"{logical}/properties/{_escape(name)}"

        for name in o.properties:
            if name in u.properties:
                self._compare(
                    u.properties[name],
                    f"{u_real}/properties/{_escape(name)}",
                    o.properties[name],
                    f"{o_real}/properties/{_escape(name)}",
                    logical=where(name),
                    operation=operation,
                    record=record,
                )
        for old, new in renamed.items():
            self.add(
                Change(
                    "field-renamed",
                    where(new),
                    operation=operation,
                    schema=record,
                    upstream=old,
                    ours=new,
                    pointers=(f"{o_real}/properties/{_escape(new)}",),
                )
            )
            self._compare(
                u.properties[old],
                f"{u_real}/properties/{_escape(old)}",
                o.properties[new],
                f"{o_real}/properties/{_escape(new)}",
                logical=where(new),
                operation=operation,
                record=record,
            )
        for name in rest_added:
            if name in renamed.values():
                continue
            at = f"{o_real}/properties/{_escape(name)}"
            self.add(
                Change(
                    "field-added",
                    where(name),
                    operation=operation,
                    schema=record,
                    ours=self._property_facts(self.ours, o.properties[name], at).render(with_null=True),
                    pointers=(at,),
                )
            )
        for name in rest_removed:
            if name in renamed:
                continue
            at = f"{u_real}/properties/{_escape(name)}"
            self.add(
                Change(
                    "field-removed",
                    where(name),
                    operation=operation,
                    schema=record,
                    upstream=self._property_facts(self.upstream, u.properties[name], at).render(
                        with_null=True
                    ),
                    pointers=(at,),
                )
            )
        u_required = {renamed.get(n, n) for n in u.required}
        if u_required != set(o.required):
            self.add(
                Change(
                    "required-changed",
                    f"{logical}/required",
                    operation=operation,
                    schema=record,
                    upstream=sorted(u.required),
                    ours=sorted(o.required),
                    pointers=(logical, f"{o_real}/required"),
                )
            )

    @staticmethod
    def _property_facts(document: Document, node: Any, at: str) -> Facts:
        schema, real, _ = document.resolve(node, at)
        return facts(schema, document, real)


def _is_error_status(status: str) -> bool:
    return status == "default" or status[:1] in ("4", "5")


def _error_code(schema: Any, document: Document, pointer: str) -> Any:
    """The webrpc code an error schema stands for: its `code` const, one-value enum, or example."""
    if not isinstance(schema, Mapping):
        return None
    code_schema = (schema.get("properties") or {}).get("code")
    if code_schema is None:
        return None
    resolved, at, _ = document.resolve(code_schema, f"{pointer}/properties/code")
    code = facts(resolved, document, at)
    if code.enum is not None and len(code.enum) == 1:
        return code.enum[0]
    return code.example


def _error_label(name: str, key: Any) -> str:
    return f"{name} (code {key})" if isinstance(key, int) else name


def _component_name(pointer: str) -> str | None:
    parts = pointer.split("/")
    if len(parts) == 4 and parts[1] == "components" and parts[2] == "schemas":
        return _unescape(parts[3])
    return None


def _render_additional(value: Any) -> str:
    if value is True:
        return "any additional properties"
    if value is False:
        return "no additional properties"
    return "additional properties of a schema"


# --------------------------------------------------------------------------------------------------
# Deviations


def read_deviations(document: Document) -> list[Deviation]:
    found = []
    for entry in document.raw.get("x-deviations") or []:
        where = entry.get("where") if isinstance(entry, Mapping) else None
        places = (where,) if isinstance(where, str) else tuple(where) if isinstance(where, list) else ()
        if places and all(isinstance(place, str) for place in places):
            found.append(
                Deviation(
                    id=str(entry.get("id", "")),
                    kind=str(entry.get("kind", "")),
                    where=places,
                    upstream=entry.get("upstream"),
                    ours=entry.get("ours"),
                    reason=str(entry.get("reason", "")),
                )
            )
    return found


def _strength(deviation: Deviation, change: Change, schema_names: set[str]) -> int:
    """How well a deviation covers a change: 0 not at all, higher is more specific."""
    return max(_strength_at(deviation, where, change, schema_names) for where in deviation.where)


def _strength_at(deviation: Deviation, where: str, change: Change, schema_names: set[str]) -> int:
    # An `error` deviation speaks for everything about that error, whatever the change.
    kinds = CHANGES[change.change] | {"error"}
    listing = _LISTING_KINDS.get(deviation.kind)
    if listing is not None and isinstance(getattr(deviation, listing), list):
        listed = {str(n) for n in getattr(deviation, listing)}
        if deviation.kind in kinds and listed & set(change.names):
            return 3
        return 0
    if change.upstream_only:
        # `where` of a removal points into the upstream document; other kinds point into ours,
        # where the same pointer may name something else (our ErrorNotFound, still defined).
        return 5 if deviation.kind == "removed" and where == change.location else 0
    if deviation.kind in kinds and where == change.location:
        return 5
    if deviation.kind in kinds and where in change.pointers:
        return 4
    if (
        deviation.kind in kinds
        and deviation.kind in _NESTING_KINDS
        and change.location.startswith(where + "/")
    ):
        return 2
    # A deviation pointing at a whole schema covers every difference inside it.
    if _component_name(where) in schema_names and (
        change.location == where or change.location.startswith(where + "/")
    ):
        return 1
    return 0


def classify(
    changes: Iterable[Change], deviations: list[Deviation], schema_names: set[str]
) -> tuple[list[Change], list[Change]]:
    known: list[Change] = []
    new: list[Change] = []
    for change in changes:
        best, best_strength = None, 0
        for deviation in deviations:
            strength = _strength(deviation, change, schema_names)
            if strength > best_strength:
                best, best_strength = deviation, strength
        change.deviation = best
        (known if best is not None else new).append(change)
    return known, new


def compare(ours: Document, upstream: Document) -> DriftReport:
    """Diff the two documents and sort the differences into known (recorded) and new."""
    changes = _Differ(ours, upstream).run()
    changes.sort(key=lambda c: (c.location, c.change))
    schema_names = set((ours.raw.get("components") or {}).get("schemas") or {})
    known, new = classify(changes, read_deviations(ours), schema_names)
    return DriftReport(
        ours=DocumentInfo(ours.version, ours.openapi, ours.source),
        upstream=DocumentInfo(upstream.version, upstream.openapi, upstream.source),
        known=known,
        new=new,
    )


# --------------------------------------------------------------------------------------------------
# Output


def _value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(v if isinstance(v, str) else json.dumps(v) for v in value) or "(none)"
    return json.dumps(value)


def _version(info: DocumentInfo) -> str:
    return info.version if info.version else "(no version)"


def _text_line(change: Change) -> str:
    context = ", ".join(x for x in (change.schema, change.operation and f"via {change.operation}") if x)
    line = f"  {change.change:<20} {change.location}"
    if context:
        line += f" ({context})"
    line += f": upstream {_value(change.upstream)} -> ours {_value(change.ours)}"
    if change.deviation is not None:
        line += f" [{change.deviation.id}]"
    return line


def render_text(report: DriftReport) -> str:
    lines = [
        f"Spec drift: ours {_version(report.ours)} (OpenAPI {report.ours.openapi}, {report.ours.document})",
        f"      against upstream {_version(report.upstream)} (OpenAPI {report.upstream.openapi}, "
        f"{report.upstream.document})",
        f"New drift: {len(report.new)}",
        *(_text_line(c) for c in report.new),
        f"Known (recorded in x-deviations): {len(report.known)}",
        *(_text_line(c) for c in report.known),
    ]
    if report.new:
        lines.append("New drift: fix our spec, or record each difference in its x-deviations.")
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    text = _value(value).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 120 else text[:117] + "..."


def _md_table(changes: list[Change], *, known: bool) -> list[str]:
    last = "Deviation" if known else "Operation"
    rows = [f"| Change | Location | Upstream | Ours | {last} |", "|---|---|---|---|---|"]
    for c in changes:
        tail = f"`{c.deviation.id}`" if known and c.deviation else _cell(c.operation)
        rows.append(
            f"| {c.change} | `{_cell(c.location)}` | {_cell(c.upstream)} | {_cell(c.ours)} | {tail} |"
        )
    return rows


def render_markdown(report: DriftReport) -> str:
    verdict = "no new drift" if not report.new else f"**{len(report.new)} new difference(s)**"
    lines = [
        "### Spec drift against the upstream document",
        "",
        f"Ours `{_version(report.ours)}` (OpenAPI {report.ours.openapi}) against upstream "
        f"`{_version(report.upstream)}` (OpenAPI {report.upstream.openapi}): {verdict}, "
        f"{len(report.known)} known (recorded in `x-deviations`).",
        "",
    ]
    if report.new:
        lines += [
            "#### New drift",
            "",
            "Fix `specs/sequence-metadata.yaml`, or record each difference in its `x-deviations`.",
            "",
            *_md_table(report.new, known=False),
            "",
        ]
    if report.known:
        lines += [
            f"<details><summary>Known differences ({len(report.known)})</summary>",
            "",
            *_md_table(report.known, known=True),
            "",
            "</details>",
            "",
        ]
    return "\n".join(lines)


def render(report: DriftReport, fmt: Format) -> str:
    if fmt == "json":
        return json.dumps(report.as_json(), indent=2, default=str) + "\n"
    if fmt == "markdown":
        return render_markdown(report)
    return render_text(report)


# --------------------------------------------------------------------------------------------------
# Command line


def add_parser(subcommands: Any) -> None:
    """Register `drift` on the package CLI (see `pytest_sequence_metadata.__main__`)."""
    parser = subcommands.add_parser(
        "drift",
        help="compare our spec with a published upstream OpenAPI document",
        description=(
            "Compare our contract with an upstream OpenAPI document. Differences recorded in our "
            "x-deviations are listed as known; the rest is new drift. Exit status: 0 without new "
            "drift, 1 with new drift, 2 on usage errors."
        ),
    )
    parser.add_argument("upstream", type=Path, help="the upstream document (JSON or YAML)")
    parser.add_argument(
        "--spec",
        type=Path,
        default=None,
        help="our document (default: the bundled specs/sequence-metadata.yaml)",
    )
    parser.add_argument(
        "--format", choices=("text", "markdown", "json"), default="text", help="output format (default text)"
    )
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    try:
        ours_path: Path = args.spec if args.spec is not None else spec_path()
        ours = load_document(ours_path, "our")
        upstream = load_document(args.upstream, "upstream")
    except (DriftUsageError, FileNotFoundError) as exc:
        print(f"drift: {exc}", file=sys.stderr)
        return 2
    report = compare(ours, upstream)
    sys.stdout.write(render(report, args.format))
    return report.exit_code
