"""The wire layer: webrpc RPCs, the REST routes and the /_emulator/ control routes.

`App.dispatch(Request) -> Response` is framework-free and synchronous; the ASGI adapter (uvicorn)
and the httpx transport (in-process, sync and async) are thin shells around it, so every way of
running the emulator answers byte-for-byte alike. Latency faults come back as `Response.delay` and
are slept by the adapter (asyncio or time.sleep).
"""

from __future__ import annotations

import inspect
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_sequence_metadata.contract.errors import (
    BAD_METHOD,
    BAD_REQUEST,
    BAD_ROUTE,
    ERRORS_BY_NAME,
    INTERNAL_ERROR,
    INVALID_ARGUMENT,
    NOT_FOUND,
    PERMISSION_DENIED,
    RATE_LIMITED,
    REQUIRED_ARGUMENT,
    SERVER_PANIC,
    UNAUTHORIZED,
    ErrorKind,
)
from pytest_sequence_metadata.contract.gowire import decode_request, is_pointer_like
from pytest_sequence_metadata.contract.media import JSON as JSON_TYPE
from pytest_sequence_metadata.contract.media import media_type
from pytest_sequence_metadata.contract.operations import RPC_PREFIX, operations, snake_case

from .auth import Authenticator, Claims, bearer_token
from .backend import ApiError, Backend, StoredFile
from .control import answer_control
from .cors import CorsPolicy
from .faults import FaultRule, Faults
from .journal import MAX_KEPT_BODY_BYTES, Journal, file_summary
from .json_text import compact_bytes
from .limits import DEFAULT_LIMITS, TOO_LARGE, Limits, check_value_sizes, unmarshal_error
from .upload_form import UploadForm, read_upload
from .validation import Validator, load_request_validators

if TYPE_CHECKING:
    from .persistence import Store

log = logging.getLogger(__name__)

# What the Go server sends in its `Webrpc` header: the generator versions of schema v0.4.0.
WEBRPC_HEADER = "webrpc@v0.31.0;gen-golang@v0.23.1;sequence-metadata@v0.4.0"

CONTROL_PREFIX = "/_emulator/"

# What every JSON answer starts with (the ASGI adapter keeps them encoded).
JSON_HEADERS: tuple[tuple[str, str], ...] = (("content-type", JSON_TYPE), ("webrpc", WEBRPC_HEADER))

# The REST routes answer NotFound with HTTP 404 (and say so in the envelope) [A:public-hidden-as-not-found].
REST_NOT_FOUND = ErrorKind(NOT_FOUND.name, NOT_FOUND.code, NOT_FOUND.msg, 404)

# Stored files are served so that a browser never runs them as pages of the emulator's origin: no
# sniffing, a CSP that forbids everything (and sandboxes), and a download for all but plain media.
FILE_HEADERS: tuple[tuple[str, str], ...] = (
    ("x-content-type-options", "nosniff"),
    ("content-security-policy", "default-src 'none'; sandbox"),
)
_INLINE_FILE_TYPES = ("image/", "video/", "audio/", "model/gltf-binary", "application/json")
_ACTIVE_IMAGE_TYPES = frozenset({"image/svg+xml"})

_BAD_REQUEST_KEYWORDS = frozenset({"type", "maximum", "exclusiveMaximum", "multipleOf", "format"})


@dataclass(slots=True)
class Request:
    """An HTTP request as the core sees it: header names lower-cased, the path percent-decoded."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    base_url: str
    query: str = ""
    # An upload's multipart body, parsed while it arrived (then `body` is empty); ASGI adapter only.
    form: UploadForm | None = None
    # What the journal records instead of the body (an upload's file summary), set while answering.
    journal_body: Any = None


@dataclass(slots=True)
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    delay: float = 0.0  # latency fault: the adapter sleeps this long before answering
    operation: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class RpcHandler:
    """A backend method found by the RPC's name, and the arguments it takes by name."""

    method: str
    name: str  # the Backend method, looked up on the instance (where an overlay may wrap it)
    parameters: tuple[tuple[str, str], ...]  # (JSON key, parameter name)
    takes_base_url: bool
    # Backend's own method, and the JSON keys in the order of its positional parameters when those are
    # exactly the RPC's arguments: it is then called with them by position (a cheaper call). An
    # overlay on the instance may take them in another order, so it is called by name.
    function: Callable[..., Any] | None = field(default=None, repr=False, compare=False)
    positional_keys: tuple[str, ...] | None = field(default=None, repr=False, compare=False)

    def __call__(
        self, backend: Backend, project: int, args: Mapping[str, Any], base_url: str
    ) -> dict[str, Any]:
        method = getattr(backend, self.name)
        answer: dict[str, Any]
        if self.positional_keys is not None and getattr(method, "__func__", None) is self.function:
            values = map(args.get, self.positional_keys)
            answer = (
                method(project, *values, base_url=base_url)
                if self.takes_base_url
                else method(project, *values)
            )
            return answer
        kwargs = {name: args.get(key) for key, name in self.parameters}
        if self.takes_base_url:
            kwargs["base_url"] = base_url
        answer = method(project, **kwargs)
        return answer


def _handlers() -> dict[str, RpcHandler]:
    """Dispatch by name, as moto does: `CreateToken` is `Backend.create_token`, and each argument is
    the parameter of the same name (`collectionId` -> `collection_id`)."""
    found: dict[str, RpcHandler] = {}
    for op in operations().values():
        if op.kind != "rpc":
            continue
        function = getattr(Backend, op.handler)
        signature = inspect.signature(function).parameters
        parameters = tuple((key, snake_case(key)) for key in op.arguments if key != "projectId")
        missing = [name for _, name in parameters if name not in signature]
        if missing:
            raise TypeError(f"Backend.{op.handler} takes no {', '.join(missing)} for the {op.id} arguments")
        positional = [
            item.name
            for item in list(signature.values())[2:]  # after self and project
            if item.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        ]
        key_of = {name: key for key, name in parameters}
        keys = tuple(key_of[name] for name in positional) if set(positional) == set(key_of) else None
        found[op.id] = RpcHandler(op.id, op.handler, parameters, "base_url" in signature, function, keys)
    return found


RPC_HANDLERS: dict[str, RpcHandler] = _handlers()

# projectId is a plain uint64 (not a pointer) in some methods, so the server needs it in the body.
# The operations that change state: persistence saves the caller's project after each one that succeeds.
WRITES = frozenset(
    op.id for op in operations().values() if not op.id.startswith(("Get", "List")) and op.id in RPC_HANDLERS
) | {"UploadTokenAsset", "UploadAsset"}

PROJECT_REQUIRED = frozenset(
    op.id
    for op in operations().values()
    if op.request is not None
    and "projectId" in op.request.by_key
    and not is_pointer_like(op.request.by_key["projectId"].type)
)


_REQUIRED_PROPERTY = re.compile(r"'(.+)' is a required property")


def _violation_error(violation: Any) -> ApiError:
    """The error the Go server gives for input the spec rejects."""
    keyword, value = violation.keyword, violation.value
    where = violation.path.removeprefix("$").removeprefix(".") or "the body"
    if keyword in _BAD_REQUEST_KEYWORDS or (keyword == "minimum" and isinstance(value, int) and value < 0):
        # Go's decoder already fails on these (wrong JSON type, out of the uint range, fraction).
        return ApiError(BAD_REQUEST, f"failed to unmarshal request data: {where}: {violation.message}")
    if keyword == "required":
        missing = _REQUIRED_PROPERTY.fullmatch(violation.message)
        name = missing[1] if missing else "an argument"
        return ApiError(
            REQUIRED_ARGUMENT,
            f"{where}.{name} is required" if violation.path != "$" else f"{name} is required",
        )
    if keyword in ("anyOf", "oneOf"):
        # Alternatives of which none was sent (UpdateToken: `token` or `private`).
        missing = re.search(r"'([^']+)' is a required property\)$", violation.message)
        if missing:
            return ApiError(REQUIRED_ARGUMENT, f"{missing[1]} is required")
    zero = value == "" or (type(value) is int and value == 0)
    if zero and keyword in ("minimum", "exclusiveMinimum", "minLength", "pattern"):
        return ApiError(REQUIRED_ARGUMENT, f"{where} is required")  # [A:zero-value-is-missing]
    return ApiError(INVALID_ARGUMENT, f"{where}: {violation.message}")


def _rank(violation: Any) -> int:
    error = _violation_error(violation)
    return {BAD_REQUEST.code: 0, REQUIRED_ARGUMENT.code: 1}.get(error.kind.code, 2)


_SEGMENT = "([^/]+)"
_COLLECTION = f"/projects/{_SEGMENT}/collections/{_SEGMENT}"
# Tried in order; the first full match wins (".json" forms before the bare ones).
REST_ROUTES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), operation)
    for pattern, operation in (
        (rf"{_COLLECTION}\.json", "GetPublicCollectionMetadataJson"),
        (_COLLECTION, "GetPublicCollectionMetadata"),
        (rf"{_COLLECTION}/tokens/{_SEGMENT}\.json", "GetPublicTokenMetadataJson"),
        (rf"{_COLLECTION}/tokens/{_SEGMENT}", "GetPublicTokenMetadata"),
        (rf"{_COLLECTION}/tokens/{_SEGMENT}/asset/{_SEGMENT}", "GetPrivateTokenAsset"),
        (rf"{_COLLECTION}/tokens/{_SEGMENT}/upload/{_SEGMENT}", "UploadTokenAsset"),
        (rf"{_COLLECTION}/tokens/{_SEGMENT}/{_SEGMENT}", "GetPublicTokenFile"),
        (rf"{_COLLECTION}/assets/{_SEGMENT}/upload", "UploadAsset"),
        # [A:collection-asset-file-route]; not in the spec's route table
        (rf"{_COLLECTION}/(?!tokens$){_SEGMENT}", "GetPublicCollectionFile"),
    )
)
# operationId -> (HTTP method, needs the owner's Bearer JWT)
REST_OPERATIONS: dict[str, tuple[str, bool]] = {
    "GetPublicCollectionMetadata": ("GET", False),
    "GetPublicCollectionMetadataJson": ("GET", False),
    "GetPublicTokenMetadata": ("GET", False),
    "GetPublicTokenMetadataJson": ("GET", False),
    "GetPublicTokenFile": ("GET", False),
    "GetPublicCollectionFile": ("GET", False),
    "GetPrivateTokenAsset": ("GET", True),
    "UploadTokenAsset": ("PUT", True),
    "UploadAsset": ("PUT", True),
}


def _match_rest(path: str) -> tuple[re.Match[str], str]:
    for pattern, operation in REST_ROUTES:
        match = pattern.fullmatch(path)
        if match is not None:
            return match, operation
    raise ApiError(BAD_ROUTE, f"no handler for path {json.dumps(path)}")


def _positive_id(text: str) -> int | None:
    """A path segment as a uint64 id, or None (which the routes answer as NotFound)."""
    if not text.isdigit() or not text.isascii() or len(text) > 20:
        return None
    value = int(text)
    return value if 0 < value < 1 << 64 else None


class App:
    """Routes requests to the backend. One per Emulator; safe to call from many threads."""

    def __init__(
        self,
        backend: Backend,
        authenticator: Authenticator,
        faults: Faults,
        *,
        base_url: str | None = None,
        validators: Mapping[str, Validator] | None = None,
        on_reset: Callable[[], None] | None = None,
        control_token: str = "",
        limits: Limits = DEFAULT_LIMITS,
        journal: Journal | None = None,
        store: Store | None = None,
        cors: CorsPolicy | None = None,
        health_details: Mapping[str, Any] | None = None,
    ) -> None:
        self.backend = backend
        self.auth = authenticator
        self.faults = faults
        # Facts the health route adds to its own (the facade's: which injected bugs are on).
        self.health_details: Mapping[str, Any] = health_details or {}
        self.base_url = base_url.rstrip("/") if base_url else None
        self.validators = (
            dict(validators) if validators is not None else load_request_validators(list(RPC_HANDLERS))
        )
        self._on_reset = on_reset or backend.reset
        # An empty token opens nothing (an App built without one has no usable control routes).
        self.control_token = control_token
        self.limits = limits
        # The request journal (None: nothing recorded) and the write-through store (None: in memory).
        self.journal = journal
        self.store = store
        if journal is not None:
            journal.caller = self.caller_project
        self.cors = cors  # None: no CORS headers, and OPTIONS answers WebrpcBadMethod

    # --- responses -------------------------------------------------------------------------------

    @staticmethod
    def json_answer(status: int, value: Any, headers: list[tuple[str, str]] | None = None) -> Response:
        answer_headers = [*JSON_HEADERS, *headers] if headers else list(JSON_HEADERS)
        return Response(status, answer_headers, compact_bytes(value))

    def error(self, exc: ApiError, headers: list[tuple[str, str]] | None = None) -> Response:
        return self.json_answer(exc.kind.status, exc.body(), headers)

    def _fault_response(self, rule: FaultRule) -> Response:
        if rule.kind == "rate_limit":
            return self.error(
                ApiError(RATE_LIMITED, "injected fault"), [("retry-after", str(rule.retry_after))]
            )
        # A 5xx with a JSON envelope; the HTTP status is the configured one (500/502/503/504).
        return self.json_answer(rule.status, INTERNAL_ERROR.body("injected fault"))

    # --- entry point -----------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        """Answer one request. Never raises: unexpected errors become a JSON WebrpcServerPanic.

        Every answer but those of the control routes goes into the journal: one tuple of what is at
        hand (decoding waits until someone reads it).
        """
        journal = self.journal
        if journal is None or request.path.startswith(CONTROL_PREFIX):
            return self._answer(request)
        wall, started = time.time(), time.perf_counter()
        response = self._answer(request)
        elapsed = time.perf_counter() - started
        body: Any = request.journal_body
        if body is None:
            body = request.body
            if len(body) > MAX_KEPT_BODY_BYTES or (body and request.method == "PUT"):
                body = {"body": file_summary(body)}  # a refused upload, or a huge body
        journal.record(
            (
                wall,
                response.operation,
                request.method,
                request.path,
                request.headers.get("authorization"),
                body,
                response.status,
                response.body if response.status >= 400 else None,
                elapsed,
            )
        )
        return response

    def _answer(self, request: Request) -> Response:
        try:
            response = self._route(request)
        except ApiError as exc:
            response = self.error(exc)
        except Exception:
            log.exception("emulator bug while answering %s %s", request.method, request.path)
            response = self.json_answer(500, SERVER_PANIC.body("unexpected emulator error"))
        # Errors too: a browser app must be able to read why its call failed.
        origin = request.headers.get("origin")
        if (
            origin is not None
            and self.cors is not None
            and request.method != "OPTIONS"
            and not request.path.startswith(CONTROL_PREFIX)
        ):
            response.headers.extend(self.cors.headers(origin))
        return response

    def caller_project(self, authorization: str | None) -> int | None:
        """The project of a Bearer JWT this emulator signed (expired or not), else None."""
        token = bearer_token(authorization)
        if token is None:
            return None
        try:
            return self.auth.signed(token).project
        except ApiError:
            return None

    def _route(self, request: Request) -> Response:
        path = request.path
        limit = self.limits.body_limit(path)
        if len(request.body) > limit or (
            request.form is not None and request.form.size > limit
        ):  # the ASGI adapter refuses this from Content-Length already
            raise ApiError(TOO_LARGE, f"the request body is larger than {limit} bytes")
        if path.startswith(RPC_PREFIX):
            return self._rpc(request, path[len(RPC_PREFIX) :])
        if path.startswith("/projects/"):
            return self._rest(request)
        if path.startswith(CONTROL_PREFIX):
            return answer_control(self, request, path[len(CONTROL_PREFIX) :])
        raise ApiError(BAD_ROUTE, f"no handler for path {json.dumps(path)}")

    def _base_url(self, request: Request) -> str:
        return self.base_url or request.base_url

    def _with_faults(
        self, operation: str, answer: Callable[..., Response], *args: Any, rest: bool = False
    ) -> Response:
        """`answer(*args)`, or the failure a fault rule picks; ApiErrors become error answers."""
        failure, delay = self.faults.pick(operation)
        try:
            response = self._fault_response(failure) if failure is not None else answer(*args)
        except ApiError as exc:
            if rest and exc.kind is NOT_FOUND:
                exc = ApiError(REST_NOT_FOUND, exc.cause)
            response = self.error(exc)
        response.delay = delay
        response.operation = operation
        return response

    def _preflight(self, request: Request, methods: str) -> Response:
        """A CORS preflight: 204, and the Access-Control-* headers when the origin is allowed."""
        assert self.cors is not None
        return Response(204, self.cors.preflight_headers(request.headers.get("origin"), methods), b"")

    # --- RPC -------------------------------------------------------------------------------------

    def _rpc(self, request: Request, method: str) -> Response:
        handler = RPC_HANDLERS.get(method)
        if handler is None:
            raise ApiError(BAD_ROUTE, f"no handler for path {json.dumps(request.path)}")
        if request.method == "OPTIONS" and self.cors is not None:
            return self._preflight(request, "POST")
        if request.method != "POST":
            cause = f"unsupported method {request.method}"
            return self.error(ApiError(BAD_METHOD, cause), [("allow", "POST")])
        return self._with_faults(method, self._rpc_call, request, method, handler)

    def _claims(self, request: Request) -> Claims:
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            raise ApiError(UNAUTHORIZED, "missing Bearer JWT in the Authorization header")
        return self.auth.claims(token)

    def _rpc_call(self, request: Request, method: str, handler: RpcHandler) -> Response:
        claims = self._claims(request)  # [A:check-order]
        content_type = request.headers.get("content-type", "")
        if content_type != JSON_TYPE and media_type(content_type) != JSON_TYPE:
            raise ApiError(BAD_REQUEST, f"unsupported Content-Type: {json.dumps(content_type[:100])}")
        body = request.body
        try:
            args = self.decode(method, body)
        except ValueError as exc:  # a DecodeError, or an integer over Python's 4,300-digit limit
            raise unmarshal_error(exc) from None
        if len(body) > self.limits.smallest_oversize_body:  # else no value can be too large
            check_value_sizes(args, self.limits)
        validator = self.validators.get(method)
        if validator is not None and not validator.is_valid(args):
            violations = validator.errors(args)
            if violations:  # the spec's own validator has the last word
                raise _violation_error(min(violations, key=_rank))
        project = self._project(method, args, claims)
        answer = handler(self.backend, project, args, self.base_url or request.base_url)
        if self.store is not None and method in WRITES:
            self.store.save_project(self.backend, project)
        return self.json_answer(200, answer)

    def decode(self, method: str, body: bytes) -> dict[str, Any]:
        """The RPC's arguments as the Go server reads the body."""
        return decode_request(method, body)

    @staticmethod
    def refuse(error: str, cause: str) -> None:
        """Answer the current request with the named webrpc error."""
        raise ApiError(ERRORS_BY_NAME[error], cause)

    def _project(self, method: str, args: Mapping[str, Any], claims: Claims) -> int:
        """The project the call acts on [A:cross-project-ids]."""
        sent = args.get("projectId")
        if not sent and method in PROJECT_REQUIRED:
            raise ApiError(REQUIRED_ARGUMENT, "projectId is required")
        if sent is not None and sent != claims.project:
            raise ApiError(PERMISSION_DENIED, "projectId does not match the project of the JWT")
        return claims.project

    # --- REST ------------------------------------------------------------------------------------

    def _rest(self, request: Request) -> Response:
        match, operation = _match_rest(request.path)
        http_method, secured = REST_OPERATIONS[operation]
        if request.method == "OPTIONS" and self.cors is not None:
            return self._preflight(request, http_method)
        if request.method != http_method:
            cause = f"unsupported method {request.method}"
            return self.error(ApiError(BAD_METHOD, cause), [("allow", http_method)])
        project, collection = _positive_id(match[1]), _positive_id(match[2])
        params = match.groups()[2:]
        return self._with_faults(
            operation, self._rest_call, operation, request, secured, project, collection, params, rest=True
        )

    def _rest_call(
        self,
        operation: str,
        request: Request,
        secured: bool,
        project: int | None,
        collection: int | None,
        params: tuple[str, ...],
    ) -> Response:
        if secured and self._claims(request).project != project:  # [A:private-asset-route]
            raise ApiError(PERMISSION_DENIED, "the JWT belongs to another project")
        if project is None or collection is None:
            raise ApiError(NOT_FOUND)  # ids that cannot exist answer like hidden ones
        b, base = self.backend, self._base_url(request)
        if operation in ("GetPublicCollectionMetadata", "GetPublicCollectionMetadataJson"):
            return self.json_answer(200, b.public_collection(project, collection, base_url=base))
        if operation in ("GetPublicTokenMetadata", "GetPublicTokenMetadataJson"):
            return self.json_answer(200, b.public_token(project, collection, params[0], base_url=base))
        if operation == "GetPublicTokenFile":
            return self.file_response(b.public_token_file(project, collection, params[0], params[1]))
        if operation == "GetPublicCollectionFile":
            return self.file_response(b.public_collection_file(project, collection, params[0]))
        if operation == "GetPrivateTokenAsset":
            return self.file_response(b.private_token_asset(project, collection, params[0], params[1]))
        if request.form is not None:
            data = request.form.file()
        else:
            data = read_upload(request.headers.get("content-type", ""), request.body)
        if self.journal is not None:
            request.journal_body = {"file": file_summary(data)}
        if operation == "UploadTokenAsset":
            asset = b.upload_token_asset(project, collection, params[0], params[1], data, base_url=base)
        else:
            asset = b.upload_asset(project, collection, _positive_id(params[0]), data, base_url=base)
        if self.store is not None:
            self.store.save_project(self.backend, project)
        return self.json_answer(200, asset)

    def file_response(self, stored: StoredFile) -> Response:
        headers = [("content-type", stored.mime_type), ("webrpc", WEBRPC_HEADER), *FILE_HEADERS]
        mime = stored.mime_type
        if not mime.startswith(_INLINE_FILE_TYPES) or mime in _ACTIVE_IMAGE_TYPES:
            headers.append(("content-disposition", "attachment"))
        return Response(200, headers, stored.data)

    def reset(self) -> None:
        self._on_reset()

    def restore(self, document: Any) -> None:
        """Replace all state with a state document (state.py), saved when persistent."""
        from . import state

        state.load(self.backend, document)
        if self.store is not None:
            self.store.save_all(self.backend)
