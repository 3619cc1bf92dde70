"""Response checks that understand webrpc: the error envelope, its code-to-status table, and which
rejections a well-formed request may get.

The functions take any response with `status_code`, `headers` and `content` (an `httpx.Response`
or schemathesis' own) and raise `WebrpcViolation` (an AssertionError) with a title and a sentence
saying what is wrong. They import nothing from schemathesis: `conformance.py` adapts them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

from pytest_sequence_metadata.contract.errors import ERRORS_BY_NAME, ErrorKind
from pytest_sequence_metadata.contract.media import JSON as _JSON
from pytest_sequence_metadata.contract.media import media_type
from pytest_sequence_metadata.contract.spec import is_integer

if TYPE_CHECKING:
    from pytest_sequence_metadata.contract.spec import Operation, Spec

__all__ = [
    "INPUT_ERRORS",
    "STATE_ERRORS",
    "Answer",
    "WebrpcViolation",
    "check_declared_fields",
    "check_error_envelope",
    "check_invalid_request_rejected",
    "check_not_server_error",
    "check_valid_request_accepted",
    "resolve",
    "undeclared_fields",
]

# What a well-formed request may still be refused with: the state of the service (an unknown or
# foreign id, a duplicate), not the shape of the request. NotFound travels with HTTP 400.
STATE_ERRORS: Final = frozenset(
    {"NotFound", "ProjectNotFound", "ChainNotFound", "PermissionDenied", "RequestConflict", "RateLimited"}
)
# Refusals that blame the request itself: a schema-valid request must never get one.
INPUT_ERRORS: Final = frozenset(
    {"WebrpcBadRequest", "RequiredArgument", "InvalidArgument", "ValidationFailed", "WebrpcBadRoute"}
)


class WebrpcViolation(AssertionError):
    """A response breaks a webrpc rule; `title` names the rule, `message` says how."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(f"{title}: {message}")
        self.title = title
        self.message = message


class _ResponseLike(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def content(self) -> bytes: ...

    @property
    def headers(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class Answer:
    """What a response says, reduced to what a caller can observe: status, media type, body (and its JSON).

    The webrpc checks read it, and the privacy oracle compares two of them (with ids masked).
    """

    status: int
    media_type: str
    content: bytes

    @classmethod
    def of(cls, response: _ResponseLike | Answer) -> Answer:
        if isinstance(response, Answer):
            return response
        return cls(
            response.status_code, media_type(response.headers.get("content-type")), bytes(response.content)
        )

    @property
    def visible(self) -> bool:
        return self.status == 200

    def describe(self) -> str:
        excerpt = self.content[:160].decode("utf-8", "replace")
        return f"HTTP {self.status} {self.media_type or '(no content type)'} {excerpt!r}"

    def json(self) -> Any:
        """The decoded body, or None when it is not JSON."""
        try:
            return json.loads(self.content)
        except ValueError:
            return None

    def envelope(self) -> dict[str, Any] | None:
        """The error envelope when the body is a JSON object with a string `error`, else None."""
        body = self.json() if self.media_type == _JSON else None
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            return body
        return None

    def excerpt(self, limit: int = 160) -> str:
        text = self.content[:limit].decode("utf-8", "replace")
        return repr(text) + ("..." if len(self.content) > limit else "")


def _describe(envelope: Mapping[str, Any]) -> str:
    text = f"{envelope.get('error')} (code {envelope.get('code')})"
    cause = envelope.get("cause") or envelope.get("msg")
    return f"{text}: {str(cause)[:200]}" if cause else text


def check_not_server_error(response: _ResponseLike | Answer) -> None:
    """No request, valid or not, may make the service fail with a 5xx."""
    answer = Answer.of(response)
    if answer.status < 500:
        return
    envelope = answer.envelope()
    said = _describe(envelope) if envelope else f"body {answer.excerpt()}"
    raise WebrpcViolation("Server error", f"HTTP {answer.status}, {said}")


def _expected_status(kind: ErrorKind, operation: Operation | None, status: int) -> bool:
    if status == kind.status:
        return True
    # The REST routes document their own 404 envelope for unknown and hidden resources.
    return operation is not None and operation.kind == "rest" and kind.name == "NotFound" and status == 404


def check_error_envelope(response: _ResponseLike | Answer, operation: Operation | None = None) -> None:
    """Every error answer is a JSON webrpc envelope whose name, code and status agree with the table.

    `operation` (optional) says whether the route is a REST one, where NotFound may come with 404.
    """
    answer = Answer.of(response)
    if answer.status < 400:
        return
    title = "Webrpc error envelope"
    if answer.media_type != _JSON:
        raise WebrpcViolation(
            title,
            f"HTTP {answer.status} error answered with Content-Type {answer.media_type or '(none)'} "
            f"instead of a JSON envelope: {answer.excerpt()}",
        )
    body = answer.json()
    if not isinstance(body, dict):
        raise WebrpcViolation(
            title, f"HTTP {answer.status} error body is not a JSON object: {answer.excerpt()}"
        )
    problems = list(_envelope_problems(body, answer.status, operation))
    if problems:
        raise WebrpcViolation(title, f"HTTP {answer.status} {_describe(body)}: " + "; ".join(problems))


def _envelope_problems(body: Mapping[str, Any], status: int, operation: Operation | None) -> Iterator[str]:
    for key in ("error", "msg"):
        if not isinstance(body.get(key), str):
            yield f"`{key}` must be a string, got {body.get(key)!r}"
    for key in ("code", "status"):
        if not is_integer(body.get(key)):
            yield f"`{key}` must be an integer, got {body.get(key)!r}"
    if "cause" in body and not isinstance(body["cause"], str):
        yield f"`cause` must be a string when present, got {body['cause']!r}"
    name, code, said = body.get("error"), body.get("code"), body.get("status")
    if is_integer(said) and said != status:
        yield f"the envelope says status {said} but the answer is HTTP {status}"
    if not isinstance(name, str):
        return
    kind = ERRORS_BY_NAME.get(name)
    if kind is None:
        yield f"{name!r} is not an error of the webrpc table"
        return
    if is_integer(code) and code != kind.code:
        yield f"{kind.name} has code {kind.code} in the table, not {code}"
    if not _expected_status(kind, operation, status):
        yield f"{kind.name} travels with HTTP {kind.status} in the table, not {status}"


def check_valid_request_accepted(response: _ResponseLike | Answer, *, request: str = "") -> None:
    """A schema-valid request may only be refused because of state (NotFound, PermissionDenied, ...).

    `request` describes the request in the message. 5xx and non-envelope bodies are left to the
    server-error and envelope checks.
    """
    answer = Answer.of(response)
    if not 400 <= answer.status < 500:
        return
    envelope = answer.envelope()
    if envelope is None or envelope["error"] in STATE_ERRORS:
        return
    where = f" ({request})" if request else ""
    raise WebrpcViolation(
        "Schema-valid request rejected",
        f"HTTP {answer.status} {_describe(envelope)}{where}; a request that fits the spec may only be "
        f"refused with {', '.join(sorted(STATE_ERRORS))}",
    )


def check_invalid_request_rejected(
    response: _ResponseLike | Answer, violations: Sequence[str], refusal: str | None = None
) -> None:
    """A request that breaks the spec must get a 4xx, and `refusal` (e.g. RequiredArgument) when given.

    Held on the emulator only: the Go server tolerates some invalid input (missing nested fields).
    """
    answer = Answer.of(response)
    if not violations or answer.status >= 500:
        return
    shown = "; ".join(violations[:3]) + (f"; and {len(violations) - 3} more" if len(violations) > 3 else "")
    if not 400 <= answer.status < 500:
        raise WebrpcViolation(
            "Schema-invalid request accepted",
            f"HTTP {answer.status} for a request that breaks the spec: {shown}",
        )
    envelope = answer.envelope()
    if refusal is not None and envelope is not None and envelope["error"] != refusal:
        raise WebrpcViolation(
            "Wrong error for an invalid request",
            f"HTTP {answer.status} {_describe(envelope)} for a request that must get {refusal}: {shown}",
        )


def check_declared_fields(response: _ResponseLike | Answer, spec: Spec, operation: Operation) -> None:
    """An RPC answer carries only the fields the spec declares.

    The Go server encodes structs, so an undeclared key is a wire-name drift (`externalLink` for
    `external_link`); objects declared free-form (`additionalProperties`) are not looked into.
    """
    answer = Answer.of(response)
    if operation.kind != "rpc" or answer.status != 200 or answer.media_type != _JSON:
        return
    found = undeclared_fields(spec, operation, answer.json())
    if found:
        raise WebrpcViolation(
            "Undeclared response field",
            f"{operation.operation_id} answered with fields the spec does not declare: "
            + ", ".join(found[:5]),
        )


def undeclared_fields(spec: Spec, operation: Operation, body: Any) -> list[str]:
    """JSON paths of keys in `body` that the 200 response schema of `operation` does not declare."""
    try:
        schema = operation.definition["responses"]["200"]["content"][_JSON]["schema"]
    except KeyError:
        return []
    found: list[str] = []
    _walk(spec.raw, schema, body, "$", found, depth=0)
    return found


def resolve(document: Mapping[str, Any], schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """`schema` with its local `$ref`s followed (`#/components/...`)."""
    while "$ref" in schema:
        node: Any = document
        for part in str(schema["$ref"]).removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        schema = node
    return schema


def _walk(
    document: Mapping[str, Any],
    schema: Mapping[str, Any],
    value: Any,
    path: str,
    found: list[str],
    depth: int,
) -> None:
    schema = resolve(document, schema)
    if depth > 32 or any(key in schema for key in ("oneOf", "anyOf", "allOf")):
        return  # composed schemas are the error envelopes: the schema check covers them
    if isinstance(value, dict):
        properties = schema.get("properties")
        if not isinstance(properties, dict):
            return
        for key, item in value.items():
            if key in properties:
                _walk(document, properties[key], item, f"{path}.{key}", found, depth + 1)
            elif schema.get("additionalProperties", False) is False:  # absent or closed
                found.append(f"{path}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _walk(document, schema["items"], item, f"{path}[{index}]", found, depth + 1)
