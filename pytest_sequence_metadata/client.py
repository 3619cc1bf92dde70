"""`MetadataClient`: an httpx client for the Collections API that checks every answer against the spec.

The operations are written once (`_Operations`) as descriptions of calls; `MetadataClient` runs them
synchronously and `AsyncMetadataClient` asynchronously, with the same decoding, validation, retries
and redaction.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Generic, Literal, TypeVar

import httpx
import tenacity

from pytest_sequence_metadata.contract.operations import RPC_PREFIX, operations
from pytest_sequence_metadata.contract.spec import Spec, load_spec
from pytest_sequence_metadata.errors import (
    BadResponseError,
    SchemaViolationError,
    UsageError,
    error_from_body,
)
from pytest_sequence_metadata.redaction import REDACTED, Secret, redact

__all__ = [
    "DEFAULT_BASE_URL",
    "AsyncMetadataClient",
    "Call",
    "ClientObserver",
    "FileResponse",
    "MetadataClient",
    "RetryPolicy",
]

DEFAULT_BASE_URL: Final = "https://metadata.sequence.app"
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

log = logging.getLogger("pytest_sequence_metadata.client")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()
ProjectArg = int | None | _Unset


@dataclass(frozen=True, slots=True)
class Call:
    """One request the client is about to make, independent of how it is sent."""

    operation_id: str
    method: str
    path: str
    json: Any = None
    files: Mapping[str, tuple[str, bytes, str]] | None = None
    authenticated: bool = True
    expect: Literal["json", "bytes"] = "json"
    content: bytes | None = None  # a raw body, sent as is (wire-level tests)
    headers: Mapping[str, str] | None = None  # extra headers, applied last

    @property
    def idempotent(self) -> bool:
        """Whether a retry cannot write twice (the operations registry says which ones can)."""
        found = operations().get(self.operation_id)
        return found is None or not found.retry_may_duplicate


@dataclass(frozen=True, slots=True)
class FileResponse:
    """A file served by the public or private file routes."""

    content: bytes
    content_type: str | None
    status: int
    headers: Mapping[str, str] = field(repr=False, default_factory=dict)


class ClientObserver:
    """Sees every call a client makes; the plugin uses it for the cleanup ledger, limits and stats.

    `before_send` runs before every attempt (it may sleep, or raise to refuse the request),
    `after_receive` after every attempt that got an answer, and `on_success` once with the decoded
    body of a successful call.
    """

    def before_send(self, call: Call, attempt: int) -> None:
        """Called before each attempt; raise to stop the request from being sent."""

    def after_receive(self, call: Call, response: httpx.Response, attempt: int) -> None:
        """Called after each attempt that received an HTTP answer."""

    def on_success(self, call: Call, body: Any) -> None:
        """Called once per successful call with its decoded body."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries: 429 (honouring Retry-After), 503 and connection errors, never a duplicate write."""

    attempts: int = 4
    initial_backoff: float = 0.2
    max_backoff: float = 5.0
    max_retry_after: float = 30.0

    def should_retry(self, call: Call, outcome: httpx.Response | BaseException) -> bool:
        if isinstance(outcome, httpx.Response):
            # A 429 is a refusal: nothing was written, so even a create may be repeated.
            return outcome.status_code == 429 or (outcome.status_code == 503 and call.idempotent)
        if isinstance(outcome, _NEVER_SENT):
            return True
        return call.idempotent and isinstance(outcome, httpx.TransportError)

    def delay(self, state: tenacity.RetryCallState) -> float:
        """Seconds to wait before the next attempt: the server's Retry-After, else jittered backoff."""
        outcome = _outcome(state)
        if isinstance(outcome, httpx.Response):
            after = retry_after_seconds(outcome.headers.get("retry-after"))
            if after is not None:
                return min(after, self.max_retry_after)
        backoff = tenacity.wait_exponential_jitter(
            multiplier=self.initial_backoff, max=self.max_backoff, jitter=self.initial_backoff
        )
        return float(backoff(state))


def _outcome(state: tenacity.RetryCallState) -> httpx.Response | BaseException | None:
    if state.outcome is None:
        return None
    if state.outcome.failed:
        return state.outcome.exception()
    result = state.outcome.result()
    return result if isinstance(result, httpx.Response) else None


def retry_after_seconds(value: str | None) -> float | None:
    """The delay a Retry-After header asks for: delta-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class _BearerAuth(httpx.Auth):
    def __init__(self, token: Secret, scheme: str) -> None:
        self._token = token
        self._scheme = scheme

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = f"{self._scheme} {self._token.reveal()}"
        yield request

    def __repr__(self) -> str:
        return f"_BearerAuth({REDACTED!r})"


def _quote(segment: str | int) -> str:
    from urllib.parse import quote

    return quote(str(segment), safe="")


def _token_id(token_id: str | int) -> str:
    if isinstance(token_id, bool):
        raise UsageError("token ids are decimal strings or integers, not booleans")
    return str(token_id)


J = TypeVar("J")
F = TypeVar("F")


class _Operations(Generic[J, F]):
    """The operations of the API as calls; subclasses decide how a call is sent."""

    project_id: int | None

    def _json(self, call: Call) -> J:
        raise NotImplementedError

    def _file(self, call: Call) -> F:
        raise NotImplementedError

    def _rpc(self, method: str, body: dict[str, Any], project_id: ProjectArg) -> J:
        project = self.project_id if isinstance(project_id, _Unset) else project_id
        payload = {"projectId": project, **body} if project is not None else body
        payload = {k: v for k, v in payload.items() if v is not None}
        return self._json(Call(method, "POST", RPC_PREFIX + method, json=payload))

    def _project_path(self, project_id: ProjectArg, collection_id: int) -> str:
        project = self.project_id if isinstance(project_id, _Unset) else project_id
        if project is None:
            raise UsageError(
                "this route has the project id in its path: pass project_id= or set it on the client"
            )
        return f"/projects/{_quote(project)}/collections/{_quote(collection_id)}"

    # Collections
    def create_collection(self, collection: Mapping[str, Any], *, project_id: ProjectArg = UNSET) -> J:
        return self._rpc("CreateCollection", {"collection": dict(collection)}, project_id)

    def get_collection(self, collection_id: int, *, project_id: ProjectArg = UNSET) -> J:
        return self._rpc("GetCollection", {"collectionId": collection_id}, project_id)

    def list_collections(self, *, page: Mapping[str, Any] | None = None, project_id: ProjectArg = UNSET) -> J:
        return self._rpc("ListCollections", {"page": dict(page) if page else None}, project_id)

    def update_collection(self, collection: Mapping[str, Any], *, project_id: ProjectArg = UNSET) -> J:
        return self._rpc("UpdateCollection", {"collection": dict(collection)}, project_id)

    def delete_collection(self, collection_id: int, *, project_id: ProjectArg = UNSET) -> J:
        return self._rpc("DeleteCollection", {"collectionId": collection_id}, project_id)

    def publish_collection(
        self, collection_id: int, *, recursive: bool | None = None, project_id: ProjectArg = UNSET
    ) -> J:
        return self._rpc(
            "PublishCollection", {"collectionId": collection_id, "recursive": recursive}, project_id
        )

    def unpublish_collection(self, collection_id: int, *, project_id: ProjectArg = UNSET) -> J:
        return self._rpc("UnpublishCollection", {"collectionId": collection_id}, project_id)

    # Contract collections
    def create_contract_collection(
        self, contract_collection: Mapping[str, Any], *, project_id: ProjectArg = UNSET
    ) -> J:
        return self._rpc(
            "CreateContractCollection", {"contractCollection": dict(contract_collection)}, project_id
        )

    def get_contract_collection(
        self, chain_id: int, contract_address: str, *, project_id: ProjectArg = UNSET
    ) -> J:
        body = {"chainId": chain_id, "contractAddress": contract_address}
        return self._rpc("GetContractCollection", body, project_id)

    def list_contract_collections(
        self,
        *,
        collection_id: int | None = None,
        page: Mapping[str, Any] | None = None,
        project_id: ProjectArg = UNSET,
    ) -> J:
        body = {"collectionId": collection_id, "page": dict(page) if page else None}
        return self._rpc("ListContractCollections", body, project_id)

    def update_contract_collection(
        self, contract_collection: Mapping[str, Any], *, project_id: ProjectArg = UNSET
    ) -> J:
        return self._rpc(
            "UpdateContractCollection", {"contractCollection": dict(contract_collection)}, project_id
        )

    def delete_contract_collection(
        self, chain_id: int, contract_address: str, *, project_id: ProjectArg = UNSET
    ) -> J:
        body = {"chainId": chain_id, "contractAddress": contract_address}
        return self._rpc("DeleteContractCollection", body, project_id)

    # Tokens
    def create_token(
        self,
        collection_id: int,
        token: Mapping[str, Any],
        *,
        private: bool | None = None,
        project_id: ProjectArg = UNSET,
    ) -> J:
        body = {"collectionId": collection_id, "token": dict(token), "private": private}
        return self._rpc("CreateToken", body, project_id)

    def get_token(self, collection_id: int, token_id: str | int, *, project_id: ProjectArg = UNSET) -> J:
        body = {"collectionId": collection_id, "tokenId": _token_id(token_id)}
        return self._rpc("GetToken", body, project_id)

    def list_tokens(
        self, collection_id: int, *, page: Mapping[str, Any] | None = None, project_id: ProjectArg = UNSET
    ) -> J:
        body = {"collectionId": collection_id, "page": dict(page) if page else None}
        return self._rpc("ListTokens", body, project_id)

    def update_token(
        self,
        collection_id: int,
        token_id: str | int,
        token: Mapping[str, Any] | None = None,
        *,
        private: bool | None = None,
        project_id: ProjectArg = UNSET,
    ) -> J:
        body = {
            "collectionId": collection_id,
            "tokenId": _token_id(token_id),
            "token": dict(token) if token is not None else None,
            "private": private,
        }
        return self._rpc("UpdateToken", body, project_id)

    def delete_token(self, collection_id: int, token_id: str | int, *, project_id: ProjectArg = UNSET) -> J:
        body = {"collectionId": collection_id, "tokenId": _token_id(token_id)}
        return self._rpc("DeleteToken", body, project_id)

    # Assets
    def create_asset(self, asset: Mapping[str, Any], *, project_id: ProjectArg = UNSET) -> J:
        return self._rpc("CreateAsset", {"asset": dict(asset)}, project_id)

    def get_asset(self, asset_id: int, *, project_id: ProjectArg = UNSET) -> J:
        return self._rpc("GetAsset", {"assetId": asset_id}, project_id)

    def update_asset(self, asset: Mapping[str, Any], *, project_id: ProjectArg = UNSET) -> J:
        return self._rpc("UpdateAsset", {"asset": dict(asset)}, project_id)

    def delete_asset(self, asset_id: int, *, project_id: ProjectArg = UNSET) -> J:
        return self._rpc("DeleteAsset", {"assetId": asset_id}, project_id)

    # REST routes
    def upload_asset(
        self,
        collection_id: int,
        asset_id: int,
        content: bytes,
        *,
        filename: str = "asset",
        content_type: str = "application/octet-stream",
        project_id: ProjectArg = UNSET,
    ) -> J:
        """Upload a file into an existing asset, addressed by asset id (multipart field `file`)."""
        path = f"{self._project_path(project_id, collection_id)}/assets/{_quote(asset_id)}/upload"
        files = {"file": (filename, content, content_type)}
        return self._json(Call("UploadAsset", "PUT", path, files=files))

    def upload_token_asset(
        self,
        collection_id: int,
        token_id: str | int,
        asset_ref: int | str,
        content: bytes,
        *,
        filename: str = "asset",
        content_type: str = "application/octet-stream",
        project_id: ProjectArg = UNSET,
    ) -> J:
        """Upload a file into a token's asset, addressed by asset id or asset type (e.g. `image`)."""
        base = self._project_path(project_id, collection_id)
        path = f"{base}/tokens/{_quote(_token_id(token_id))}/upload/{_quote(asset_ref)}"
        files = {"file": (filename, content, content_type)}
        return self._json(Call("UploadTokenAsset", "PUT", path, files=files))

    def public_collection_metadata(
        self, collection_id: int, *, json_suffix: bool = False, project_id: ProjectArg = UNSET
    ) -> J:
        """The public contract-level JSON (what `contractURI` serves); sent without credentials."""
        path = self._project_path(project_id, collection_id)
        op = "GetPublicCollectionMetadataJson" if json_suffix else "GetPublicCollectionMetadata"
        return self._json(Call(op, "GET", path + (".json" if json_suffix else ""), authenticated=False))

    def public_token_metadata(
        self,
        collection_id: int,
        token_id: str | int,
        *,
        json_suffix: bool = False,
        project_id: ProjectArg = UNSET,
    ) -> J:
        """The public token JSON (what a token URI serves); sent without credentials."""
        path = f"{self._project_path(project_id, collection_id)}/tokens/{_quote(_token_id(token_id))}"
        op = "GetPublicTokenMetadataJson" if json_suffix else "GetPublicTokenMetadata"
        return self._json(Call(op, "GET", path + (".json" if json_suffix else ""), authenticated=False))

    def public_file(
        self, collection_id: int, token_id: str | int, file_name: str, *, project_id: ProjectArg = UNSET
    ) -> F:
        """A token's public file, e.g. `image.png`; sent without credentials."""
        base = self._project_path(project_id, collection_id)
        path = f"{base}/tokens/{_quote(_token_id(token_id))}/{_quote(file_name)}"
        return self._file(Call("GetPublicTokenFile", "GET", path, authenticated=False, expect="bytes"))

    def private_asset(
        self, collection_id: int, token_id: str | int, asset_type: str, *, project_id: ProjectArg = UNSET
    ) -> F:
        """A token's asset file through the owner-only route (Bearer JWT), whatever its publish state."""
        base = self._project_path(project_id, collection_id)
        path = f"{base}/tokens/{_quote(_token_id(token_id))}/asset/{_quote(asset_type)}"
        return self._file(Call("GetPrivateTokenAsset", "GET", path, expect="bytes"))

    def rpc(self, method: str, body: Any = None) -> J:
        """Any Collections RPC by name with a body sent exactly as given (no projectId added)."""
        return self._json(Call(method, "POST", RPC_PREFIX + method, json={} if body is None else body))


class _Core:
    """What both clients share: configuration, request building, decoding and validation."""

    def __init__(
        self,
        base_url: str,
        *,
        jwt: str | None,
        project_id: int | None,
        timeout: float,
        retry: RetryPolicy | None,
        validate: bool,
        spec: Spec | None,
        observers: Sequence[ClientObserver],
        user_agent: str | None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise UsageError(f"base_url must be an http(s) URL, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.project_id = project_id
        self._jwt = Secret(jwt) if jwt else None
        self.timeout = timeout
        self.retry = retry if retry is not None else RetryPolicy()
        self.validate = validate
        self._spec = spec
        self.observers = list(observers)
        # The official JS and Go clients send `BEARER`; the docs' curl examples send `Bearer`.
        self.auth_scheme = "Bearer"
        from pytest_sequence_metadata import __version__

        self._headers = {"User-Agent": user_agent or f"pytest-sequence-metadata/{__version__}"}

    @property
    def authenticated(self) -> bool:
        return self._jwt is not None

    @property
    def spec(self) -> Spec:
        if self._spec is None:
            self._spec = load_spec()
        return self._spec

    def __repr__(self) -> str:
        auth = REDACTED if self._jwt else None
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, project_id={self.project_id!r}, jwt={auth!r})"
        )

    def _request(self, http: httpx.Client | httpx.AsyncClient, call: Call) -> httpx.Request:
        headers = dict(self._headers)
        content = call.content
        if call.json is not None:
            headers["Content-Type"] = "application/json"
            content = json.dumps(call.json).encode()
        headers.update(call.headers or {})
        if call.files is not None:
            return http.build_request(
                call.method, self.base_url + call.path, headers=headers, files=call.files
            )
        return http.build_request(call.method, self.base_url + call.path, headers=headers, content=content)

    def _auth(self, call: Call) -> httpx.Auth | None:
        if self._jwt is None or not call.authenticated:
            return None
        return _BearerAuth(self._jwt, self.auth_scheme)

    def _decode(self, call: Call, response: httpx.Response) -> Any:
        status = response.status_code
        content_type = response.headers.get("content-type")
        if status == 200 and call.expect == "bytes":
            return FileResponse(response.content, content_type, status, dict(response.headers))
        body = self._parse_json(call, response)
        if status != 200:
            if not (isinstance(body, dict) and "error" in body and "code" in body):
                raise self._bad_response(call, response)
            self._check(call, status, body)
            shown = {**body, "msg": redact(str(body.get("msg", "")))}
            if isinstance(body.get("cause"), str):
                shown["cause"] = redact(body["cause"])
            raise error_from_body(shown, operation=call.operation_id, http_status=status)
        self._check(call, status, body)
        return body

    def _parse_json(self, call: Call, response: httpx.Response) -> Any:
        mime = (response.headers.get("content-type") or "").split(";")[0].strip().lower()
        if mime != "application/json":
            raise self._bad_response(call, response)
        try:
            return response.json()
        except ValueError:
            raise self._bad_response(call, response) from None

    @staticmethod
    def _bad_response(call: Call, response: httpx.Response) -> BadResponseError:
        excerpt = redact(response.content[:200].decode("utf-8", "replace"))
        return BadResponseError(
            operation=call.operation_id,
            status=response.status_code,
            content_type=response.headers.get("content-type"),
            excerpt=excerpt,
        )

    def _check(self, call: Call, status: int, body: Any) -> None:
        if not self.validate or call.operation_id not in self.spec.operations:
            return
        try:
            validator = self.spec.response_validator(call.operation_id, status)
        except UsageError:
            raise SchemaViolationError(
                operation=call.operation_id,
                where=f"response {status}",
                path="$",
                value=status,
                rule="documented status",
                message=f"HTTP {status} is not a documented response of {call.operation_id}",
            ) from None
        if validator is None:
            return
        violations = validator.errors(body)
        if violations:
            first = violations[0]
            error = SchemaViolationError(
                operation=call.operation_id,
                where=f"response {status}",
                path=first.path,
                value=first.value,
                rule=first.rule,
                message=redact(first.message),
            )
            error.violations = violations  # type: ignore[attr-defined]
            raise error

    def _notify_success(self, call: Call, body: Any) -> None:
        for observer in self.observers:
            observer.on_success(call, body)

    def _before(self, call: Call, attempt: int) -> None:
        for observer in self.observers:
            observer.before_send(call, attempt)

    def _after(self, call: Call, response: httpx.Response, attempt: int) -> None:
        for observer in self.observers:
            observer.after_receive(call, response, attempt)


def _retrying_kwargs(policy: RetryPolicy, call: Call) -> dict[str, Any]:
    def should_retry(state: tenacity.RetryCallState) -> bool:
        outcome = _outcome(state)
        return outcome is not None and policy.should_retry(call, outcome)

    def give_up(state: tenacity.RetryCallState) -> Any:
        # Out of attempts on a retryable answer: hand back the last answer (or raise the last
        # exception), so it is decoded like any other.
        assert state.outcome is not None
        return state.outcome.result()

    return {
        "stop": tenacity.stop_after_attempt(max(1, policy.attempts)),
        "retry": should_retry,
        "wait": policy.delay,
        "retry_error_callback": give_up,
    }


class MetadataClient(_Core, _Operations[dict[str, Any], FileResponse]):
    """Synchronous client. Every method returns the decoded, validated response body.

    Errors raise the `WebrpcError` subclass of their code (`NotFoundError`, ...); a body that is not
    a webrpc envelope raises `BadResponseError`; a response that breaks the spec raises
    `SchemaViolationError`. The JWT is never shown in any repr, log line or exception.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        jwt: str | None = None,
        project_id: int | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        validate: bool = True,
        spec: Spec | None = None,
        observers: Sequence[ClientObserver] = (),
        user_agent: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        _http: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            base_url,
            jwt=jwt,
            project_id=project_id,
            timeout=timeout,
            retry=retry,
            validate=validate,
            spec=spec,
            observers=observers,
            user_agent=user_agent,
        )
        self._sleep = sleep
        # A shared client (`with_credentials`) is its owner's to close; building one here would also
        # build an SSL context (~10 ms) for nothing.
        self._owns_http = _http is None
        self.http = _http or httpx.Client(transport=transport, timeout=timeout, follow_redirects=False)

    def with_credentials(self, jwt: str | None, project_id: int | None) -> MetadataClient:
        """A client on the same transport, spec and observers but another identity."""
        clone = MetadataClient(
            self.base_url,
            jwt=jwt,
            project_id=project_id,
            timeout=self.timeout,
            retry=self.retry,
            validate=self.validate,
            spec=self._spec,
            observers=self.observers,
            sleep=self._sleep,
            _http=self.http,
        )
        clone.auth_scheme = self.auth_scheme
        return clone

    def with_auth_scheme(self, scheme: str) -> MetadataClient:
        """The same identity, sending `Authorization: <scheme> <jwt>` (official clients send `BEARER`)."""
        clone = self.with_credentials(self._jwt.reveal() if self._jwt else None, self.project_id)
        clone.auth_scheme = scheme
        return clone

    def send(self, call: Call) -> httpx.Response:
        """Send a call with auth, observers and retries; the raw response, whatever its status."""
        attempt = 0

        def once() -> httpx.Response:
            nonlocal attempt
            attempt += 1
            self._before(call, attempt)
            request = self._request(self.http, call)
            log.debug("%s %s (attempt %d)", call.method, call.path, attempt)
            response = self.http.send(request, auth=self._auth(call))
            self._after(call, response, attempt)
            return response

        retrying = tenacity.Retrying(sleep=self._sleep, **_retrying_kwargs(self.retry, call))
        response: httpx.Response = retrying(once)
        return response

    def _json(self, call: Call) -> dict[str, Any]:
        body = self._decode(call, self.send(call))
        self._notify_success(call, body)
        return body  # type: ignore[no-any-return]

    def _file(self, call: Call) -> FileResponse:
        result = self._decode(call, self.send(call))
        self._notify_success(call, result)
        return result  # type: ignore[no-any-return]

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> MetadataClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncMetadataClient(_Core, _Operations[Awaitable[dict[str, Any]], Awaitable[FileResponse]]):
    """The asynchronous twin of `MetadataClient`: the same methods, awaited."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        jwt: str | None = None,
        project_id: int | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        validate: bool = True,
        spec: Spec | None = None,
        observers: Sequence[ClientObserver] = (),
        user_agent: str | None = None,
    ) -> None:
        super().__init__(
            base_url,
            jwt=jwt,
            project_id=project_id,
            timeout=timeout,
            retry=retry,
            validate=validate,
            spec=spec,
            observers=observers,
            user_agent=user_agent,
        )
        self.http = httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False)

    async def send(self, call: Call) -> httpx.Response:
        """Send a call with auth, observers and retries; the raw response, whatever its status."""
        attempt = 0

        async def once() -> httpx.Response:
            nonlocal attempt
            attempt += 1
            self._before(call, attempt)
            request = self._request(self.http, call)
            response = await self.http.send(request, auth=self._auth(call))
            self._after(call, response, attempt)
            return response

        retrying = tenacity.AsyncRetrying(**_retrying_kwargs(self.retry, call))
        response: httpx.Response = await retrying(once)
        return response

    async def _json_async(self, call: Call) -> dict[str, Any]:
        body = self._decode(call, await self.send(call))
        self._notify_success(call, body)
        return body  # type: ignore[no-any-return]

    async def _file_async(self, call: Call) -> FileResponse:
        result = self._decode(call, await self.send(call))
        self._notify_success(call, result)
        return result  # type: ignore[no-any-return]

    def _json(self, call: Call) -> Awaitable[dict[str, Any]]:
        return self._json_async(call)

    def _file(self, call: Call) -> Awaitable[FileResponse]:
        return self._file_async(call)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncMetadataClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
