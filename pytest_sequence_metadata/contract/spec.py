"""The bundled contract: loaded once, references resolved, one validator per request body and response.

Validation follows JSON Schema 2020-12 (OpenAPI 3.1) with two choices that match the Go server:
`integer` means a JSON number written without a fraction (Go's uint64 rejects `1.0`), and
`format: date-time` is asserted (RFC 3339, any number of fractional digits).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.validators import extend
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from pytest_sequence_metadata.contract.errors import UsageError

SPEC_FILENAME = "sequence-metadata.yaml"
_DOC_URI = "urn:pytest-sequence-metadata:spec"
_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE)


def spec_path() -> Path:
    """Where the bundled spec lives: inside the installed wheel, or in `specs/` of a source checkout."""
    packaged = resources.files("pytest_sequence_metadata").joinpath("specs", SPEC_FILENAME)
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "specs" / SPEC_FILENAME
    if checkout.is_file():
        return checkout
    raise FileNotFoundError(
        f"the bundled spec {SPEC_FILENAME} is missing from the installed package "
        f"(looked in {packaged} and {checkout}); reinstall pytest-sequence-metadata"
    )


def is_integer(value: object) -> bool:
    """A JSON integer as the spec means it: a Python int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_integer(_checker: Any, instance: object) -> bool:
    return is_integer(instance)


def _is_rfc3339(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    if not _RFC3339.match(instance):
        return False
    try:
        datetime.fromisoformat(instance.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


_FORMATS = FormatChecker(formats=())
_FORMATS.checks("date-time")(_is_rfc3339)

_Validator = extend(  # type: ignore[no-untyped-call]  # jsonschema's stubs leave extend() untyped
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@dataclass(frozen=True, slots=True)
class Violation:
    """One way an instance breaks its schema, phrased for people: where, what, and which rule."""

    path: str
    value: Any
    keyword: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"at {self.path}: {_short(self.value)} violates {self.rule!r}: {self.message}"


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json_path(parts: Iterator[str | int] | Any) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _violation(error: ValidationError) -> Violation:
    message = error.message
    if error.validator in ("oneOf", "anyOf") and error.context:
        closest = best_match(error.context)
        if closest is not None:
            message += f" (closest branch: at {_json_path(iter(closest.absolute_path))}: {closest.message})"
    rule_value = json.dumps(error.validator_value, sort_keys=True, default=str)
    if len(rule_value) > 80:
        rule_value = rule_value[:77] + "..."
    return Violation(
        path=_json_path(iter(error.absolute_path)),
        value=error.instance,
        keyword=str(error.validator),
        rule=f"{error.validator}: {rule_value}",
        message=message if len(message) <= 300 else message[:297] + "...",
    )


def _is_null_branch(schema: Any) -> bool:
    return isinstance(schema, Mapping) and schema.get("type") == "null"


def _through_nullable(error: ValidationError) -> Iterator[ValidationError]:
    """A value that fails `anyOf: [X, {type: null}]` is explained by X's own errors.

    A nullable reference (a Go pointer) is spelled as that union; without this, a collection
    missing its metadata would read "not valid under any of the given schemas".
    """
    branches = error.validator_value
    if error.validator in ("anyOf", "oneOf") and error.instance is not None and isinstance(branches, list):
        real = [i for i, branch in enumerate(branches) if not _is_null_branch(branch)]
        inner = [e for e in error.context or () if e.schema_path and e.schema_path[0] in real]
        if len(real) == 1 and len(real) < len(branches) and inner:
            for sub in inner:
                yield from _through_nullable(sub)
            return
    yield error


Check = Callable[[Any], bool]


def _has_integral_float(instance: Any) -> bool:
    """Whether a float without a fraction (1.0) is anywhere in the instance: JSON Schema counts it as
    an integer, the spec does not (see `is_integer`)."""
    stack = [instance]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float) and item.is_integer():
            return True
    return False


def _compiler(components: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], Check | None] | None:
    """Compiled checks (jsonschema_rs, a core dependency) of schemas whose references point into
    `components`, with the spec's date-time rule; None where jsonschema_rs cannot be imported."""
    try:
        import jsonschema_rs
    except ImportError:
        return None

    def compile_schema(schema: Mapping[str, Any]) -> Check | None:
        root = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "components": components}
        formats = {"date-time": _is_rfc3339}
        try:
            validator = jsonschema_rs.Draft202012Validator(root, formats=formats, validate_formats=True)
        except (ValueError, TypeError):  # a version that cannot read the schema: jsonschema alone
            return None
        is_valid: Check = validator.is_valid
        return is_valid

    return compile_schema


class SchemaValidator:
    """A compiled validator for one schema of the spec.

    jsonschema (with the spec's `integer` and date-time rules) is the authority and explains every
    violation. A compiled check (jsonschema_rs), when there is one, answers the common question "is
    this valid?" in microseconds instead of hundreds: its "valid" is taken unless the instance holds
    a float without a fraction, the one thing it accepts and the spec does not; its "invalid" always
    goes to jsonschema, whose verdict wins (it is stricter on `$` in patterns and on URIs).
    """

    __slots__ = ("_check", "_validator", "name")

    def __init__(
        self, name: str, schema: Mapping[str, Any], registry: Registry[Any], check: Check | None = None
    ) -> None:
        self.name = name
        self._validator = _Validator(schema, registry=registry, format_checker=_FORMATS)
        self._check = check

    def _surely_valid(self, instance: Any) -> bool:
        if self._check is None:
            return False
        try:
            valid = self._check(instance)
        except (TypeError, ValueError, OverflowError):  # not JSON (a key not a string): ask jsonschema
            return False
        return valid and not _has_integral_float(instance)

    def errors(self, instance: Any) -> list[Violation]:
        """Every violation, deepest first within each branch, in a stable order."""
        if self._surely_valid(instance):
            return []
        found = sorted(
            (e for top in self._validator.iter_errors(instance) for e in _through_nullable(top)),
            key=lambda e: (list(map(str, e.absolute_path)), e.validator),
        )
        return [_violation(e) for e in found]

    def is_valid(self, instance: Any) -> bool:
        return self._surely_valid(instance) or bool(self._validator.is_valid(instance))

    def authority_is_valid(self, instance: Any) -> bool:
        """jsonschema's own verdict, without the compiled check (what the check is tested against)."""
        return bool(self._validator.is_valid(instance))

    def __repr__(self) -> str:
        return f"<SchemaValidator {self.name}>"


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the contract: an RPC method or a REST route."""

    operation_id: str
    method: str
    path: str
    kind: Literal["rpc", "rest"]
    secured: bool
    request_media_type: str | None
    response_statuses: tuple[str, ...]
    definition: Mapping[str, Any] = field(repr=False, compare=False)


class Spec:
    """The loaded contract. Build it with `load_spec()`, which caches one per file."""

    def __init__(self, raw: dict[str, Any], source: Path) -> None:
        self.raw = raw
        self.source = source
        self.version = str(raw.get("info", {}).get("version", ""))
        self._registry: Registry[Any] = Registry().with_resource(_DOC_URI, DRAFT202012.create_resource(raw))
        self.operations: dict[str, Operation] = dict(self._read_operations())
        self._request: dict[str, SchemaValidator | None] = {}
        self._response: dict[tuple[str, str], SchemaValidator | None] = {}
        self._compiled: dict[str, SchemaValidator] = {}  # by schema pointer: shared error responses
        self._compiler = _compiler(raw.get("components", {}))

    def _read_operations(self) -> Iterator[tuple[str, Operation]]:
        default_security = self.raw.get("security", [])
        for path, item in self.raw.get("paths", {}).items():
            for method in _HTTP_METHODS:
                op = item.get(method)
                if op is None:
                    continue
                op_id = op["operationId"]
                content = op.get("requestBody", {}).get("content", {})
                yield (
                    op_id,
                    Operation(
                        operation_id=op_id,
                        method=method.upper(),
                        path=path,
                        kind="rpc" if path.startswith("/rpc/") else "rest",
                        secured=bool(op.get("security", default_security)),
                        request_media_type=next(iter(content), None),
                        response_statuses=tuple(str(s) for s in op.get("responses", {})),
                        definition=op,
                    ),
                )

    def operation(self, operation_id: str) -> Operation:
        try:
            return self.operations[operation_id]
        except KeyError:
            known = ", ".join(sorted(self.operations))
            raise UsageError(f"unknown operation {operation_id!r}; the spec has: {known}") from None

    def _pointer(self, operation_id: str, *parts: str) -> str:
        op = self.operation(operation_id)
        escaped = op.path.replace("~", "~0").replace("/", "~1")
        tail = "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)
        return f"{_DOC_URI}#/paths/{escaped}/{op.method.lower()}/{tail}"

    def _compile(self, name: str, ref: str) -> SchemaValidator:
        if ref not in self._compiled:
            check = None
            if self._compiler is not None:
                schema = self._registry.resolver(_DOC_URI).lookup(ref).contents
                check = self._compiler(schema)
            self._compiled[ref] = SchemaValidator(name, {"$ref": ref}, self._registry, check)
        return self._compiled[ref]

    def request_validator(self, operation_id: str) -> SchemaValidator:
        """The validator of the operation's JSON request body."""
        if operation_id not in self._request:
            op = self.operation(operation_id)
            validator = None
            if op.request_media_type == "application/json":
                ref = self._pointer(operation_id, "requestBody", "content", "application/json", "schema")
                validator = self._compile(f"{operation_id} request", ref)
            self._request[operation_id] = validator
        found = self._request[operation_id]
        if found is None:
            raise UsageError(f"{operation_id} takes no JSON request body")
        return found

    def response_status_key(self, operation_id: str, status: int) -> str | None:
        """The `responses` key documenting an HTTP status: exact, then `4XX`-style, then `default`."""
        statuses = self.operation(operation_id).response_statuses
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in statuses:
                return key
        return None

    def response_validator(self, operation_id: str, status: int) -> SchemaValidator | None:
        """The validator of a JSON response body for `status`; None where that response is not JSON.

        Raises UsageError when the status is not documented for the operation at all.
        """
        key = self.response_status_key(operation_id, status)
        if key is None:
            raise UsageError(f"{operation_id} documents no HTTP {status} response")
        if (operation_id, key) not in self._response:
            pointer = self._pointer(operation_id, "responses", key)
            response = self._registry.resolver(_DOC_URI).lookup(pointer).contents
            while "$ref" in response:  # a shared response under components/responses
                pointer = _DOC_URI + response["$ref"]
                response = self._registry.resolver(_DOC_URI).lookup(pointer).contents
            validator = None
            if "application/json" in response.get("content", {}):
                schema_ref = f"{pointer}/content/application~1json/schema"
                validator = self._compile(f"{operation_id} response {key}", schema_ref)
            self._response[(operation_id, key)] = validator
        return self._response[(operation_id, key)]

    def compile_all(self) -> int:
        """Build every validator now (the first validation would otherwise pay for it).

        Returns the number of distinct validators: operations that share a response (the error
        envelopes) share its validator.
        """
        for op_id, op in self.operations.items():
            if op.request_media_type == "application/json":
                self.request_validator(op_id)
            for key in op.response_statuses:
                self.response_validator(op_id, int(key) if key.isdigit() else int(key[0]) * 100)
        for validator in self._compiled.values():
            validator.is_valid({})
        return len(self._compiled)


def read_document(path: Path) -> dict[str, Any]:
    """Parse a YAML or JSON OpenAPI document into a dict (libyaml's C loader when present)."""
    return _parse(path.read_bytes(), path)


def _parse(data: bytes, path: Path) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(data, Loader=loader)  # noqa: S506 - a safe loader either way
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not an OpenAPI document (top level is {type(document).__name__})")
    return document


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pytest-sequence-metadata"


def cached_document(path: Path) -> dict[str, Any]:
    """`read_document`, memoised on disk as JSON keyed by the file's content hash.

    Parsing the YAML spec costs most of a cold load (libyaml builds Python objects slowly); JSON
    parses in a few milliseconds. A document that does not survive a JSON round trip unchanged is never
    cached, and any problem with the cache falls back to parsing, so the cache cannot change meaning.
    Set SEQUENCE_SPEC_CACHE=0 to turn it off.
    """
    data = path.read_bytes()
    if os.environ.get("SEQUENCE_SPEC_CACHE", "1") == "0":
        return _parse(data, path)
    cached = _cache_dir() / f"{path.stem}-{hashlib.sha256(data).hexdigest()[:32]}.json"
    try:
        document = json.loads(cached.read_bytes())
        if isinstance(document, dict):
            return document
    except (OSError, ValueError):
        pass
    document = _parse(data, path)
    text = json.dumps(document, separators=(",", ":"))
    if json.loads(text) == document:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            scratch = cached.with_suffix(f".{os.getpid()}.tmp")
            scratch.write_text(text, encoding="utf-8")
            os.replace(scratch, cached)  # atomic: concurrent workers never read half a file
        except OSError:
            pass
    return document


@functools.cache
def _load(path: Path) -> Spec:
    return Spec(cached_document(path), path)


def load_spec(path: str | Path | None = None) -> Spec:
    """The bundled spec (or the document at `path`), loaded once per process."""
    return _load(Path(path).resolve() if path is not None else spec_path())
