"""`MetadataClient`: an httpx client for the Collections API that checks every answer against the spec.

The operations are written once (`_Operations`) as descriptions of calls; `MetadataClient` runs them
synchronously and `AsyncMetadataClient` asynchronously, with the same decoding, validation, retries
and redaction.
"""

from __future__ import annotations

import email.utils
import functools
import inspect
import json
import logging
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Concatenate, Final, Generic, Literal, ParamSpec, TypeVar, overload

import anyio
import anyio.to_thread
import httpx
import tenacity

from pytest_sequence_metadata.claims import ClaimError, project_claim
from pytest_sequence_metadata.contract.operations import RPC_PREFIX, operations
from pytest_sequence_metadata.contract.spec import Spec, load_spec
from pytest_sequence_metadata.contract.types import (
    Asset,
    CreateAssetResponse,
    CreateCollectionResponse,
    CreateContractCollectionResponse,
    CreateTokenResponse,
    DeleteAssetResponse,
    DeleteCollectionResponse,
    DeleteContractCollectionResponse,
    DeleteTokenResponse,
    GetAssetResponse,
    GetCollectionResponse,
    GetContractCollectionResponse,
    GetTokenResponse,
    ListCollectionsResponse,
    ListContractCollectionsResponse,
    ListTokensResponse,
    PublicCollectionMetadata,
    PublicTokenMetadata,
    PublishCollectionResponse,
    UnpublishCollectionResponse,
    UpdateAssetResponse,
    UpdateCollectionResponse,
    UpdateContractCollectionResponse,
    UpdateTokenResponse,
)
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
    "ThreadedTransport",
]

DEFAULT_BASE_URL: Final = "https://metadata.sequence.app"
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

log = logging.getLogger("pytest_sequence_metadata.client")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()
ProjectArg = int | None | _Unset
R = TypeVar("R")
P = ParamSpec("P")


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
        """Whether an attempt's answer (or exception) is worth another attempt."""
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


class _Operation(Generic[P, R]):
    """One operation of the API, written once as a function that describes its call.

    Read from a `MetadataClient` it is a method returning `R`; from an `AsyncMetadataClient`, the same
    method returning an awaitable of `R`. The parameters, docstring and answer type are the
    describing function's, so IDEs and mypy see each method with its own signature and answer.
    """

    def __init__(self, build: Callable[Concatenate[Any, P], Call], answer: type[R]) -> None:
        self.build = build
        self.answer = answer  # what the answer decodes to: a TypedDict of `types`, or FileResponse
        functools.update_wrapper(self, build)  # type: ignore[arg-type]
        described = inspect.signature(build)
        # What help() and IDEs show for the bound method: no `self`, the answer type as return.
        self.signature = described.replace(
            parameters=list(described.parameters.values())[1:], return_annotation=answer.__name__
        )

    @overload
    def __get__(self, client: None, owner: type[Any]) -> _Operation[P, R]: ...
    @overload
    def __get__(self, client: MetadataClient, owner: type[Any] | None = None) -> Callable[P, R]: ...
    @overload
    def __get__(
        self, client: AsyncMetadataClient, owner: type[Any] | None = None
    ) -> Callable[P, Coroutine[Any, Any, R]]: ...
    def __get__(self, client: Any, owner: type[Any] | None = None) -> Any:
        if client is None:
            return self
        build = self.build
        execute = client._execute
        if inspect.iscoroutinefunction(execute):

            async def run_async(*args: P.args, **kwargs: P.kwargs) -> R:
                return await execute(build(client, *args, **kwargs))  # type: ignore[no-any-return]

            functools.update_wrapper(run_async, build)
            run_async.__signature__ = self.signature  # type: ignore[attr-defined]
            return run_async

        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            return execute(build(client, *args, **kwargs))  # type: ignore[no-any-return]

        functools.update_wrapper(run, build)
        run.__signature__ = self.signature  # type: ignore[attr-defined]
        return run


def _answers(answer: type[R]) -> Callable[[Callable[Concatenate[Any, P], Call]], _Operation[P, R]]:
    """Make a describing function an operation whose answer is of type `answer`."""
    return lambda build: _Operation(build, answer)


class _Operations:
    """The operations of the API as calls; the client classes decide how a call is sent."""

    project_id: int | None

    def _rpc(self, method: str, body: dict[str, Any], project_id: ProjectArg) -> Call:
        project = self.project_id if isinstance(project_id, _Unset) else project_id
        payload = {"projectId": project, **body} if project is not None else body
        payload = {k: v for k, v in payload.items() if v is not None}
        return Call(method, "POST", RPC_PREFIX + method, json=payload)

    def _project_path(self, project_id: ProjectArg, collection_id: int) -> str:
        project = self.project_id if isinstance(project_id, _Unset) else project_id
        if project is None:
            raise UsageError(
                "this route has the project id in its path: pass project_id= or give the client a JWT "
                "with a 'project' claim"
            )
        return f"/projects/{_quote(project)}/collections/{_quote(collection_id)}"

    # Collections
    @_answers(CreateCollectionResponse)
    def create_collection(self, collection: Mapping[str, Any], *, project_id: ProjectArg = UNSET) -> Call:
        """Create a collection (private until published) from `{"metadata": {"name": ...}, ...}`."""
        return self._rpc("CreateCollection", {"collection": dict(collection)}, project_id)

    @_answers(GetCollectionResponse)
    def get_collection(self, collection_id: int, *, project_id: ProjectArg = UNSET) -> Call:
        """One collection of the project, with its `tokenCount`."""
        return self._rpc("GetCollection", {"collectionId": collection_id}, project_id)

    @_answers(ListCollectionsResponse)
    def list_collections(
        self, *, page: Mapping[str, Any] | None = None, project_id: ProjectArg = UNSET
    ) -> Call:
        """A page of the project's collections (`page`: e.g. `{"page": 2, "pageSize": 10}`)."""
        return self._rpc("ListCollections", {"page": dict(page) if page else None}, project_id)

    @_answers(UpdateCollectionResponse)
    def update_collection(self, collection: Mapping[str, Any], *, project_id: ProjectArg = UNSET) -> Call:
        """Replace a collection's metadata; `collection["id"]` names it."""
        return self._rpc("UpdateCollection", {"collection": dict(collection)}, project_id)

    @_answers(DeleteCollectionResponse)
    def delete_collection(self, collection_id: int, *, project_id: ProjectArg = UNSET) -> Call:
        """Delete a collection with its tokens and assets."""
        return self._rpc("DeleteCollection", {"collectionId": collection_id}, project_id)

    @_answers(PublishCollectionResponse)
    def publish_collection(
        self, collection_id: int, *, recursive: bool | None = None, project_id: ProjectArg = UNSET
    ) -> Call:
        """Make a collection public (`recursive=True`: its tokens too)."""
        return self._rpc(
            "PublishCollection", {"collectionId": collection_id, "recursive": recursive}, project_id
        )

    @_answers(UnpublishCollectionResponse)
    def unpublish_collection(self, collection_id: int, *, project_id: ProjectArg = UNSET) -> Call:
        """Make a collection private again."""
        return self._rpc("UnpublishCollection", {"collectionId": collection_id}, project_id)

    # Contract collections
    @_answers(CreateContractCollectionResponse)
    def create_contract_collection(
        self, contract_collection: Mapping[str, Any], *, project_id: ProjectArg = UNSET
    ) -> Call:
        """Link a contract (`chainId`, `contractAddress`) to a collection (`collectionId`)."""
        return self._rpc(
            "CreateContractCollection", {"contractCollection": dict(contract_collection)}, project_id
        )

    @_answers(GetContractCollectionResponse)
    def get_contract_collection(
        self, chain_id: int, contract_address: str, *, project_id: ProjectArg = UNSET
    ) -> Call:
        """The link of a contract."""
        body = {"chainId": chain_id, "contractAddress": contract_address}
        return self._rpc("GetContractCollection", body, project_id)

    @_answers(ListContractCollectionsResponse)
    def list_contract_collections(
        self,
        *,
        collection_id: int | None = None,
        page: Mapping[str, Any] | None = None,
        project_id: ProjectArg = UNSET,
    ) -> Call:
        """A page of the project's contract links (of one collection when `collection_id` is given)."""
        body = {"collectionId": collection_id, "page": dict(page) if page else None}
        return self._rpc("ListContractCollections", body, project_id)

    @_answers(UpdateContractCollectionResponse)
    def update_contract_collection(
        self, contract_collection: Mapping[str, Any], *, project_id: ProjectArg = UNSET
    ) -> Call:
        """Move a contract's link to another collection of the project."""
        return self._rpc(
            "UpdateContractCollection", {"contractCollection": dict(contract_collection)}, project_id
        )

    @_answers(DeleteContractCollectionResponse)
    def delete_contract_collection(
        self, chain_id: int, contract_address: str, *, project_id: ProjectArg = UNSET
    ) -> Call:
        """Remove a contract's link."""
        body = {"chainId": chain_id, "contractAddress": contract_address}
        return self._rpc("DeleteContractCollection", body, project_id)

    # Tokens
    @_answers(CreateTokenResponse)
    def create_token(
        self,
        collection_id: int,
        token: Mapping[str, Any],
        *,
        private: bool | None = None,
        project_id: ProjectArg = UNSET,
    ) -> Call:
        """Create a token (`{"tokenId": "1", "name": ...}`) in a collection."""
        body = {"collectionId": collection_id, "token": dict(token), "private": private}
        return self._rpc("CreateToken", body, project_id)

    @_answers(GetTokenResponse)
    def get_token(self, collection_id: int, token_id: str | int, *, project_id: ProjectArg = UNSET) -> Call:
        """One token of a collection, with its assets."""
        body = {"collectionId": collection_id, "tokenId": _token_id(token_id)}
        return self._rpc("GetToken", body, project_id)

    @_answers(ListTokensResponse)
    def list_tokens(
        self, collection_id: int, *, page: Mapping[str, Any] | None = None, project_id: ProjectArg = UNSET
    ) -> Call:
        """A page of a collection's tokens."""
        body = {"collectionId": collection_id, "page": dict(page) if page else None}
        return self._rpc("ListTokens", body, project_id)

    @_answers(UpdateTokenResponse)
    def update_token(
        self,
        collection_id: int,
        token_id: str | int,
        token: Mapping[str, Any] | None = None,
        *,
        private: bool | None = None,
        project_id: ProjectArg = UNSET,
    ) -> Call:
        """Replace a token's metadata and/or set its `private` flag."""
        body = {
            "collectionId": collection_id,
            "tokenId": _token_id(token_id),
            "token": dict(token) if token is not None else None,
            "private": private,
        }
        return self._rpc("UpdateToken", body, project_id)

    @_answers(DeleteTokenResponse)
    def delete_token(
        self, collection_id: int, token_id: str | int, *, project_id: ProjectArg = UNSET
    ) -> Call:
        """Delete a token with its assets."""
        body = {"collectionId": collection_id, "tokenId": _token_id(token_id)}
        return self._rpc("DeleteToken", body, project_id)

    # Assets
    @_answers(CreateAssetResponse)
    def create_asset(self, asset: Mapping[str, Any], *, project_id: ProjectArg = UNSET) -> Call:
        """Create an asset slot (`collectionId`, `tokenId`, `metadataField`); upload its file next."""
        return self._rpc("CreateAsset", {"asset": dict(asset)}, project_id)

    @_answers(GetAssetResponse)
    def get_asset(self, asset_id: int, *, project_id: ProjectArg = UNSET) -> Call:
        """One asset."""
        return self._rpc("GetAsset", {"assetId": asset_id}, project_id)

    @_answers(UpdateAssetResponse)
    def update_asset(self, asset: Mapping[str, Any], *, project_id: ProjectArg = UNSET) -> Call:
        """Change an asset; `asset["id"]` names it."""
        return self._rpc("UpdateAsset", {"asset": dict(asset)}, project_id)

    @_answers(DeleteAssetResponse)
    def delete_asset(self, asset_id: int, *, project_id: ProjectArg = UNSET) -> Call:
        """Delete an asset and its file."""
        return self._rpc("DeleteAsset", {"assetId": asset_id}, project_id)

    # REST routes
    @_answers(Asset)
    def upload_asset(
        self,
        collection_id: int,
        asset_id: int,
        content: bytes,
        *,
        filename: str = "asset",
        content_type: str = "application/octet-stream",
        project_id: ProjectArg = UNSET,
    ) -> Call:
        """Upload a file into an existing asset, addressed by asset id (multipart field `file`)."""
        path = f"{self._project_path(project_id, collection_id)}/assets/{_quote(asset_id)}/upload"
        files = {"file": (filename, content, content_type)}
        return Call("UploadAsset", "PUT", path, files=files)

    @_answers(Asset)
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
    ) -> Call:
        """Upload a file into a token's asset, addressed by asset id or asset type (e.g. `image`)."""
        base = self._project_path(project_id, collection_id)
        path = f"{base}/tokens/{_quote(_token_id(token_id))}/upload/{_quote(asset_ref)}"
        files = {"file": (filename, content, content_type)}
        return Call("UploadTokenAsset", "PUT", path, files=files)

    @_answers(PublicCollectionMetadata)
    def public_collection_metadata(
        self, collection_id: int, *, json_suffix: bool = False, project_id: ProjectArg = UNSET
    ) -> Call:
        """The public contract-level JSON (what `contractURI` serves); sent without credentials."""
        path = self._project_path(project_id, collection_id)
        op = "GetPublicCollectionMetadataJson" if json_suffix else "GetPublicCollectionMetadata"
        return Call(op, "GET", path + (".json" if json_suffix else ""), authenticated=False)

    @_answers(PublicTokenMetadata)
    def public_token_metadata(
        self,
        collection_id: int,
        token_id: str | int,
        *,
        json_suffix: bool = False,
        project_id: ProjectArg = UNSET,
    ) -> Call:
        """The public token JSON (what a token URI serves); sent without credentials."""
        path = f"{self._project_path(project_id, collection_id)}/tokens/{_quote(_token_id(token_id))}"
        op = "GetPublicTokenMetadataJson" if json_suffix else "GetPublicTokenMetadata"
        return Call(op, "GET", path + (".json" if json_suffix else ""), authenticated=False)

    @_answers(FileResponse)
    def public_file(
        self, collection_id: int, token_id: str | int, file_name: str, *, project_id: ProjectArg = UNSET
    ) -> Call:
        """A token's public file, e.g. `image.png`; sent without credentials."""
        base = self._project_path(project_id, collection_id)
        path = f"{base}/tokens/{_quote(_token_id(token_id))}/{_quote(file_name)}"
        return Call("GetPublicTokenFile", "GET", path, authenticated=False, expect="bytes")

    @_answers(FileResponse)
    def private_asset(
        self, collection_id: int, token_id: str | int, asset_type: str, *, project_id: ProjectArg = UNSET
    ) -> Call:
        """A token's asset file through the owner-only route (Bearer JWT), whatever its publish state."""
        base = self._project_path(project_id, collection_id)
        path = f"{base}/tokens/{_quote(_token_id(token_id))}/asset/{_quote(asset_type)}"
        return Call("GetPrivateTokenAsset", "GET", path, expect="bytes")

    @_answers(dict)
    def rpc(self, method: str, body: Any = None) -> Call:
        """Any Collections RPC by name with a body sent exactly as given (no projectId added)."""
        return Call(method, "POST", RPC_PREFIX + method, json={} if body is None else body)


def _project_of(jwt: str | None) -> int | None:
    """The project a JWT names, as the plugin reads it; None when there is none to read.

    A token that is not a JWT is still sent as given: the server's answer (Unauthorized) is what a
    test of a bad token wants to see, so the client does not refuse it.
    """
    if not jwt:
        return None
    try:
        return project_claim(jwt)
    except ClaimError:
        return None


class _Core:
    """What both clients share: configuration, request building, decoding and validation."""

    def __init__(
        self,
        base_url: str,
        *,
        jwt: str | None,
        project_id: ProjectArg,
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
        self.project_id = _project_of(jwt) if isinstance(project_id, _Unset) else project_id
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
        """Whether requests carry a JWT."""
        return self._jwt is not None

    @property
    def spec(self) -> Spec:
        """The spec answers are validated against (the bundled one unless given)."""
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


class MetadataClient(_Core, _Operations):
    """Synchronous client of the Collections API. Every method returns the decoded, validated answer.

    Answers are typed (`pytest_sequence_metadata.contract.types`): `get_collection(7)["collection"]` is a
    `Collection`. Errors raise the `WebrpcError` subclass of their code (`NotFoundError`, ...); a body
    that is not a webrpc envelope raises `BadResponseError`; a response that breaks the spec raises
    `SchemaViolationError`. The JWT is never shown in any repr, log line or exception.

    `project_id` defaults to the JWT's `project` claim (read without verifying it, as the plugin
    does); pass `project_id=None` to send RPCs without one (the server then takes the JWT's).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        jwt: str | None = None,
        project_id: ProjectArg = UNSET,
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

    def with_credentials(self, jwt: str | None, project_id: ProjectArg = UNSET) -> MetadataClient:
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

    def _execute(self, call: Call) -> Any:
        result = self._decode(call, self.send(call))
        self._notify_success(call, result)
        return result

    def close(self) -> None:
        """Close the connections (not those of a client this one was cloned from)."""
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> MetadataClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncMetadataClient(_Core, _Operations):
    """The asynchronous twin of `MetadataClient`: the same methods and answers, awaited.

    Works under asyncio and trio (through anyio). Observers' `before_send` may block (a rate limiter
    waits there), so it runs in a worker thread, never on the event loop.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        jwt: str | None = None,
        project_id: ProjectArg = UNSET,
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
            await anyio.to_thread.run_sync(self._before, call, attempt)
            request = self._request(self.http, call)
            log.debug("%s %s (attempt %d)", call.method, call.path, attempt)
            response = await self.http.send(request, auth=self._auth(call))
            self._after(call, response, attempt)
            return response

        retrying = tenacity.AsyncRetrying(sleep=anyio.sleep, **_retrying_kwargs(self.retry, call))
        response: httpx.Response = await retrying(once)
        return response

    async def _execute(self, call: Call) -> Any:
        result = self._decode(call, await self.send(call))
        self._notify_success(call, result)
        return result

    async def aclose(self) -> None:
        """Close the connections."""
        await self.http.aclose()

    async def __aenter__(self) -> AsyncMetadataClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class ThreadedTransport(httpx.AsyncBaseTransport):
    """An async transport that sends through a sync `httpx.Client` in worker threads.

    It holds no state tied to an event loop, so one `AsyncMetadataClient` on it serves every loop of
    a test session (pytest-asyncio gives each test its own; anyio may run trio): the plugin's async
    fixtures use it for live targets. The sync client brings what a sync client honours (proxy and
    certificate settings from the environment); closing the transport closes it.
    """

    def __init__(self, http: httpx.Client | None = None) -> None:
        self.http = http if http is not None else httpx.Client(follow_redirects=False)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` through the sync client in a worker thread; the answer fully read."""
        await request.aread()
        return await anyio.to_thread.run_sync(self._send, request)

    def _send(self, request: httpx.Request) -> httpx.Response:
        # The raw bytes, read in full here (the stream is sync): the async client decodes them once,
        # as its `content-encoding` header says.
        response = self.http.send(request, stream=True)
        try:
            stream = response.stream
            assert isinstance(stream, httpx.SyncByteStream)  # a sync client's
            raw = b"".join(stream)
        finally:
            response.close()
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=raw,
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        """Close the sync client's connections (callable without an event loop)."""
        self.http.close()

    async def aclose(self) -> None:
        """The same as `close()`."""
        self.close()
