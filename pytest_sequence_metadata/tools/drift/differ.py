"""The comparison: every difference between the upstream document and ours, operation by operation."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pytest_sequence_metadata.tools.drift.documents import Deviation, Document, component_name, escape
from pytest_sequence_metadata.tools.drift.normalise import (
    Facts,
    facts,
    merge_all_of,
    normal_name,
    render_enum,
    same_types,
    through_nullable,
)

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
_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


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
                found.append(_Operation(method, path, op, f"/paths/{escape(path)}/{method}"))
    return found


class Differ:
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
                escaped = escape(media)
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
            o_at = f"{op.pointer}/responses/{escape(status)}"
            u_at = f"{up.pointer}/responses/{escape(status)}"
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
            resp, at, _ = document.resolve(response, f"{op.pointer}/responses/{escape(status)}")
            if not isinstance(resp, Mapping):
                continue
            for media, body in (resp.get("content") or {}).items():
                if not isinstance(body, Mapping) or "schema" not in body:
                    continue
                schema_at = f"{at}/content/{escape(media)}/schema"
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
        u_schema, u_real, u_null = through_nullable(self.upstream, u_schema, u_real, ())
        o_schema, o_real, o_null = through_nullable(self.ours, o_schema, o_real, o_hops)
        o_hops, o_nullable = o_null
        u_nullable = u_null[1]
        if isinstance(u_schema, Mapping) and "allOf" in u_schema:
            u_schema = merge_all_of(u_schema, self.upstream, u_real)
        if isinstance(o_schema, Mapping) and "allOf" in o_schema:
            o_schema = merge_all_of(o_schema, self.ours, o_real)
        if isinstance(o_schema, Mapping) and isinstance(o_schema.get("properties"), Mapping) and o_hops:
            logical, record = o_real, component_name(o_real) or record
        if logical is None:
            logical = o_real
            record = component_name(o_real) or record
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

        if not same_types(u, o):
            note("type-changed", u.render(), o.render(), "type")
        if u.nullable != o.nullable:
            note("nullable-changed", u.render(with_null=True), o.render(with_null=True), "type")
        u_enum = None if u.enum is None else sorted(json.dumps(v, sort_keys=True) for v in u.enum)
        o_enum = None if o.enum is None else sorted(json.dumps(v, sort_keys=True) for v in o.enum)
        if u_enum != o_enum:
            note("enum-changed", render_enum(u), render_enum(o), "enum")

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
                        render_additional(u.additional),
                        render_additional(o.additional),
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
                new for new in added if new not in renamed.values() and normal_name(new) == normal_name(old)
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
            return f"{logical}/properties/{escape(name)}"

        for name in o.properties:
            if name in u.properties:
                self._compare(
                    u.properties[name],
                    f"{u_real}/properties/{escape(name)}",
                    o.properties[name],
                    f"{o_real}/properties/{escape(name)}",
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
                    pointers=(f"{o_real}/properties/{escape(new)}",),
                )
            )
            self._compare(
                u.properties[old],
                f"{u_real}/properties/{escape(old)}",
                o.properties[new],
                f"{o_real}/properties/{escape(new)}",
                logical=where(new),
                operation=operation,
                record=record,
            )
        for name in rest_added:
            if name in renamed.values():
                continue
            at = f"{o_real}/properties/{escape(name)}"
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
            at = f"{u_real}/properties/{escape(name)}"
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


def render_additional(value: Any) -> str:
    if value is True:
        return "any additional properties"
    if value is False:
        return "no additional properties"
    return "additional properties of a schema"
