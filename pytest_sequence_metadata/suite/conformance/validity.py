"""What a request is, read the way the Go server decodes it, and whether it fits the spec.

Keys folded, unknown keys and nulls dropped, `2201.0` is not an integer (`contract.gowire`), then our
spec's validators: a request is valid or invalid on what is actually sent, not on schemathesis'
generation mode.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from jsonschema import Draft202012Validator
from schemathesis.core import NotSet

from pytest_sequence_metadata.client.core import Call
from pytest_sequence_metadata.contract.gowire import DecodeError, decode_request, is_blank
from pytest_sequence_metadata.contract.ids import MAX_UINT64
from pytest_sequence_metadata.contract.spec import Operation, Spec
from pytest_sequence_metadata.suite import webrpc


@dataclass(frozen=True, slots=True)
class Problem:
    """One way a request breaks the spec, and the webrpc error it alone calls for (if one does)."""

    text: str
    refusal: str | None = None

    def __str__(self) -> str:
        return self.text


_BAD_REQUEST: Final = "WebrpcBadRequest"
_REQUIRED: Final = "RequiredArgument"


@dataclass(slots=True)
class Prepared:
    """A case made sendable: the call, what it carries, and whether it addresses the sandbox."""

    call: Call
    body: Any  # the JSON body sent, NOT_SET for none
    form: dict[str, bytes] | None  # the multipart fields sent
    path: dict[str, str]  # path parameters as the server reads them
    sandboxed: bool
    problems: list[Problem] = field(default_factory=list)


def request_violations(spec: Spec, operation: Operation, prepared: Prepared) -> list[Problem]:
    """How the request as sent breaks the spec (empty when it fits), judged like the Go server."""
    problems: list[Problem] = []
    if prepared.call.method != operation.method:
        problems.append(Problem(f"method {prepared.call.method} is not {operation.method}"))
    problems.extend(Problem(text) for text in _path_violations(spec, operation, prepared.path))
    if operation.request_media_type == "application/json":
        if isinstance(prepared.body, NotSet):
            problems.append(Problem("the JSON request body is missing", _BAD_REQUEST))
        else:
            problems.extend(_body_violations(spec, operation.operation_id, prepared.body))
    elif operation.request_media_type == "multipart/form-data":
        form = prepared.form or {}
        if "file" not in form:
            problems.append(Problem("the multipart field `file` is missing"))
        elif not form["file"]:
            # Not in the schema: an empty upload is refused with InvalidArgument [A:upload-rules].
            problems.append(Problem("the uploaded file is empty (emulator assumption upload-rules)"))
    return problems


def expected_refusal(problems: list[Problem]) -> str | None:
    """The webrpc error an invalid request must get, where its problems leave no choice.

    A body Go cannot decode gets WebrpcBadRequest (generated webrpc code); a body whose only
    problems are missing required arguments gets RequiredArgument.
    """
    refusals = {problem.refusal for problem in problems}
    if _BAD_REQUEST in refusals:
        return _BAD_REQUEST
    return _REQUIRED if problems and refusals == {_REQUIRED} else None


def _body_violations(spec: Spec, operation_id: str, body: Any) -> Iterator[Problem]:
    # The body as the Go server reads it (keys folded, unknown keys and nulls dropped, big integers
    # as decimal strings), then checked against the request schema.
    try:
        args = decode_request(operation_id, json.dumps(body).encode())
    except DecodeError as error:
        yield Problem(f"the Go server cannot decode it: {error}", _BAD_REQUEST)
        return
    for violation in spec.request_validator(operation_id).errors(args):
        yield Problem(str(violation), _REQUIRED if violation.keyword == "required" else None)
    if operation_id in ("CreateCollection", "UpdateCollection"):
        name = ((args.get("collection") or {}).get("metadata") or {}).get("name")
        if isinstance(name, str) and name and is_blank(name):
            # Not in the schema (minLength 1 only): InvalidArgument [A:empty-collection-name].
            yield Problem("collection.metadata.name is blank (emulator assumption empty-collection-name)")


@functools.cache
def _path_schemas(spec: Spec, operation_id: str) -> dict[str, tuple[Mapping[str, Any], Draft202012Validator]]:
    found: dict[str, tuple[Mapping[str, Any], Draft202012Validator]] = {}
    for parameter in spec.operation(operation_id).definition.get("parameters", []):
        parameter = webrpc.resolve(spec.raw, parameter)
        if parameter.get("in") == "path":
            schema = webrpc.resolve(spec.raw, parameter["schema"])
            found[parameter["name"]] = (schema, Draft202012Validator(dict(schema)))
    return found


def _path_violations(spec: Spec, operation: Operation, path: Mapping[str, str]) -> Iterator[str]:
    for name, (schema, validator) in _path_schemas(spec, operation.operation_id).items():
        text = path.get(name)
        if text is None:
            yield f"path parameter {name} is missing"
        elif schema.get("type") == "integer":
            low, high = schema.get("minimum", 0), schema.get("maximum", MAX_UINT64)
            if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
                yield f"path parameter {name}={text!r} is not an integer in [{low}, {high}]"
        # JSON Schema's `$` does not match before a final newline; Python's does.
        elif "\n" in text or not validator.is_valid(text):
            yield f"path parameter {name}={text!r} does not match {json.dumps(dict(schema))[:80]}"


def integral_floats(value: Any) -> Any:
    """`2201.0` -> `2201`: Go reads integer fields from integer literals only."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: integral_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral_floats(v) for v in value]
    return value


def _part(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return json.dumps(value).encode()


def form_parts(body: Any) -> dict[str, bytes]:
    """The multipart fields of a generated form, one part per name (a repeated field sends its first)."""
    if isinstance(body, NotSet):
        return {}
    if not isinstance(body, dict):
        return {"value": _part(body)}
    form: dict[str, bytes] = {}
    for name, value in body.items():
        if isinstance(value, list):
            if not value:
                continue
            value = value[0]
        form[str(name)] = _part(value)
    return form
