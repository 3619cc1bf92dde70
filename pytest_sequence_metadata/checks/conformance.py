"""Property-based conformance: schemathesis generates requests for every operation of our spec, the
plugin's `MetadataClient` sends them, and schemathesis' response checks plus the webrpc-aware ones
(`checks.webrpc`, registered with `@schemathesis.check`) judge the answers.

Only schemathesis' documented API is used: `schemathesis.openapi.from_dict`, `schema.parametrize()`
(`test_conformance` in tests/contract, one test per operation), the project config (phases, generation,
checks) and `case.validate_response`. The run's plan (target and profile) is applied to the schema
before the tests are collected (`fit_schema`, called from the contract suite's `pytest_configure`).

Sending through the plugin client is what makes a run careful on a live API: the target's JWT,
the rate limit, the request budget, and the cleanup ledger (everything a request creates is
deleted right after it). On top of that every request is *pinned*:

- `projectId` (body or path) is the target's project;
- a request that writes only ever addresses this run's sandbox (a published collection with a
  public token, an uploaded image asset and a contract link, all on the ledger) or an id that
  cannot exist, so a generated DeleteCollection never meets a real collection;
- whether a request addresses the sandbox is decided from its generated ids (half of them do), so
  updates, deletes and uploads also reach their success paths and response schemas.

Requests are judged valid or invalid on what is actually sent, read the way the Go server decodes
it (`contract.gowire`: keys folded, unknown keys and nulls dropped, `2201.0` is not an integer)
and checked with our spec's validators, not by schemathesis' generation mode.
"""

from __future__ import annotations

import contextvars
import copy
import functools
import hashlib
import json
import math
import re
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import unquote

import hypothesis
import pytest
import schemathesis
from jsonschema import Draft202012Validator
from schemathesis.core import NOT_SET, NotSet

from pytest_sequence_metadata.checks import webrpc
from pytest_sequence_metadata.checks.oracle import NEVER_COLLECTION_ID
from pytest_sequence_metadata.checks.profiles import Profile, active_profile
from pytest_sequence_metadata.checks.samples import tiny_png
from pytest_sequence_metadata.client import Call
from pytest_sequence_metadata.contract.gowire import DecodeError, decode_request, is_blank
from pytest_sequence_metadata.contract.spec import Operation, Spec, load_spec
from pytest_sequence_metadata.errors import MetadataError
from pytest_sequence_metadata.runtime import TAG_KEY, Runtime, Target, get_runtime
from pytest_sequence_metadata.traffic import RequestBudgetExceeded

if TYPE_CHECKING:
    import httpx
    from schemathesis import BaseSchema, Case, CheckContext, Response

    from pytest_sequence_metadata.client import MetadataClient

__all__ = [
    "SETTINGS",
    "Conformance",
    "Plan",
    "Problem",
    "Sandbox",
    "conformance_schema",
    "expected_refusal",
    "fit_schema",
    "request_violations",
]

_MAX_ID: Final = (1 << 64) - 1
# Ids at or above this cannot belong to a real resource (far beyond any auto-increment); a write
# that does not address the sandbox gets such an id.
_UNREACHABLE_ID: Final = NEVER_COLLECTION_ID
_TOKEN_ID = re.compile(r"[0-9]{1,78}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_DIGITS = re.compile(r"[0-9]{1,20}")
_SANDBOX_CHAIN: Final = 1
_SANDBOX_TOKEN: Final = "1"
# Schemathesis checks kept as they are: they know nothing of webrpc but nothing webrpc contradicts.
# `positive_data_acceptance` and `negative_data_rejection` are replaced by the webrpc checks (NotFound
# is HTTP 400; validity follows Go); `not_a_server_error` by `webrpc_not_server_error`; `ignored_auth`
# and the stateful checks re-send requests outside the plugin client, which a live run must not do.
_SCHEMATHESIS_CHECKS: Final = (
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "unsupported_method",
    "allow_header_conformance",
)
_WEBRPC_CHECKS: Final = (
    "webrpc_not_server_error",
    "webrpc_error_envelope",
    "webrpc_valid_request_accepted",
    "webrpc_invalid_request_rejected",
    "webrpc_declared_fields",
)
# Hypothesis settings of `test_conformance` that do not depend on the run (max_examples does: the plan).
SETTINGS: Final = hypothesis.settings(
    derandomize=True,  # the same cases on every run
    database=None,
    deadline=None,
    print_blob=False,
    verbosity=hypothesis.Verbosity.quiet,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink],
    # Every case is a request (a sandbox may come first): slow by hypothesis' standards. The one
    # function-scoped fixture discards the sandbox once per operation, as meant.
    suppress_health_check=[hypothesis.HealthCheck.too_slow, hypothesis.HealthCheck.function_scoped_fixture],
)


@dataclass(frozen=True, slots=True)
class Plan:
    """What a run does, from the target and the depth profile."""

    examples: int  # generated cases per operation and generation mode
    spec_examples: bool  # the spec's own examples (they name project 1 and its ids)
    coverage: bool  # schemathesis' deterministic boundary and type-confusion cases
    strict_negative: bool  # a request that breaks the spec must be refused

    @classmethod
    def for_target(cls, target: Target, profile: Profile) -> Plan:
        emulator = target.is_emulator
        return cls(
            examples=profile.schema_examples,
            spec_examples=emulator,
            # About 2,000 more requests (and 4x the time in-process): depth for nightly runs.
            coverage=profile.name == "nightly",
            # The Go server tolerates unknown or missing nested fields, so only the emulator (which
            # validates every body against the spec) is held to rejecting all invalid requests.
            strict_negative=emulator,
        )


class SandboxError(RuntimeError):
    """The sandbox could not be set up: the target failed a plain, valid request."""


class Sandbox:
    """Resources of this run that generated writes may touch, created lazily through the owner client.

    A published collection, a public token in it, an image asset with a PNG uploaded, and a contract
    link. Everything is on the cleanup ledger; `discard()` deletes it after a write changed it, so
    every request meets the same fresh sandbox (hypothesis replays stay deterministic).
    """

    def __init__(self, runtime: Runtime, client: MetadataClient) -> None:
        self.runtime = runtime
        # Same transport, auth and observers (ledger included), without response validation: a
        # response that breaks the spec is reported by the test of its own operation, not here.
        self.client = copy.copy(client)
        self.client.validate = False
        self._mark: int | None = None
        self._collection: int | None = None
        self._token: str | None = None
        self._asset: int | None = None
        self._file_name: str | None = None
        self._link: tuple[int, str] | None = None

    def _create(self, what: str, action: Callable[[], Any]) -> Any:
        if self._mark is None:
            self._mark = self.runtime.ledger.mark()
        try:
            return action()
        except RequestBudgetExceeded:
            self.discard()
            raise
        except (MetadataError, KeyError, TypeError, ValueError) as error:
            self.discard()  # half a sandbox would make the next case see different state
            raise SandboxError(f"could not create the sandbox {what}: {error!r}") from error

    @property
    def collection_id(self) -> int:
        if self._collection is None:
            metadata = {
                "name": self.runtime.unique_name("pytest conformance sandbox"),
                "description": "Sandbox of the property-based conformance checks",
                "properties": {TAG_KEY: self.runtime.run_tag()},
            }
            answer = self._create("collection", lambda: self.client.create_collection({"metadata": metadata}))
            collection_id = int(answer["collection"]["id"])
            self._create("publication", lambda: self.client.publish_collection(collection_id))
            self._collection = collection_id
        return self._collection

    @property
    def token_id(self) -> str:
        if self._token is None:
            collection_id = self.collection_id
            token = {"tokenId": _SANDBOX_TOKEN, "name": "Sandbox token", "description": "Conformance"}
            self._create("token", lambda: self.client.create_token(collection_id, token, private=False))
            self._token = _SANDBOX_TOKEN
        return self._token

    @property
    def asset_id(self) -> int:
        if self._asset is None:
            collection_id, token_id = self.collection_id, self.token_id
            asset = self._create(
                "asset",
                lambda: self.client.create_asset(
                    {"collectionId": collection_id, "tokenId": token_id, "metadataField": "image"}
                )["asset"],
            )
            uploaded = self._create(
                "upload",
                lambda: self.client.upload_asset(
                    collection_id, asset["id"], tiny_png(), filename="image.png", content_type="image/png"
                ),
            )
            self._asset = int(asset["id"])
            self._file_name = str(uploaded.get("url") or "image.png").rsplit("/", 1)[-1]
        return self._asset

    @property
    def file_name(self) -> str:
        self.asset_id  # noqa: B018 - the file exists once the asset is uploaded
        assert self._file_name is not None
        return self._file_name

    @property
    def link(self) -> tuple[int, str]:
        if self._link is None:
            collection_id = self.collection_id
            address = salted_address(self.runtime.run_id, f"sandbox-{collection_id}")
            body = {"chainId": _SANDBOX_CHAIN, "contractAddress": address, "collectionId": collection_id}
            self._create("contract link", lambda: self.client.create_contract_collection(body))
            self._link = (_SANDBOX_CHAIN, address)
        return self._link

    def discard(self) -> None:
        """Delete everything of the sandbox; the next request that needs it gets a fresh one."""
        if self._mark is not None:
            self.runtime.ledger.clean(since=self._mark)
        self._mark = self._collection = self._token = self._asset = self._file_name = self._link = None


def salted_address(run_id: str, value: str) -> str:
    """A contract address derived from `value` that no real contract link of the project has."""
    return "0x" + hashlib.sha256(f"{run_id}:{value.lower()}".encode()).hexdigest()[:40]


# --- what a request addresses -------------------------------------------------------------------

Kind = Literal["project", "collection", "token", "asset", "chain", "address", "file"]


@dataclass(slots=True)
class _Slot:
    """One place in a request that names a project or a resource."""

    container: dict[str, Any]
    key: str
    kind: Kind
    new: bool  # names the resource the request creates, not an existing one
    in_path: bool

    @property
    def value(self) -> Any:
        return self.container[self.key]

    def set(self, value: Any) -> None:
        self.container[self.key] = str(value) if self.in_path else value

    def valid(self) -> bool:
        """Whether the value can name something (invalid values address nothing and stay as they are)."""
        value = self.value
        if self.in_path:
            text = unquote(str(value))
            if self.kind == "file":
                return bool(text) and "/" not in text
            if self.kind == "token":
                return _TOKEN_ID.fullmatch(text) is not None
            return _DIGITS.fullmatch(text) is not None and 0 < int(text) <= _MAX_ID
        if self.kind == "address":
            return isinstance(value, str) and _ADDRESS.fullmatch(value) is not None
        if self.kind == "token":  # a big integer: Go takes a decimal string or a JSON integer
            if isinstance(value, str):
                return _TOKEN_ID.fullmatch(value) is not None
            return _is_int(value) and value >= 0
        return _is_int(value) and 0 < value <= _MAX_ID


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_BODY_KEYS: Final[dict[str, Kind]] = {
    "projectid": "project",
    "collectionid": "collection",
    "assetid": "asset",
    "tokenid": "token",
    "chainid": "chain",
    "contractaddress": "address",
}
# Objects whose keys also address resources, with the kind their own `id` names. (Not `token`:
# its tokenId is the token being written, never an existing one.)
_NESTED: Final[dict[str, Kind | None]] = {
    "collection": "collection",
    "asset": "asset",
    "contractcollection": None,  # its `id` is not read by the server
}
_PATH_KEYS: Final[dict[str, Kind]] = {
    "projectId": "project",
    "collectionId": "collection",
    "tokenId": "token",
    "assetId": "asset",
    "assetRef": "asset",
    "fileName": "file",
}


def _folded(key: Any) -> str:
    # Go's encoding/json matches keys case-insensitively (with Unicode simple folding).
    return str(key).casefold()


def _slots(operation: Operation, body: Any, path: dict[str, Any]) -> list[_Slot]:
    slots = [
        _Slot(path, name, kind, new=False, in_path=True)
        for name, kind in _PATH_KEYS.items()
        # assetRef is an asset id or an asset type (image, ...): only the id addresses anything
        if name in path and (name != "assetRef" or _DIGITS.fullmatch(unquote(str(path[name]))))
    ]
    if not isinstance(body, dict) or operation.kind != "rpc":
        return slots
    creates = operation.operation_id.startswith("Create")
    for key, value in body.items():
        folded = _folded(key)
        if folded in _BODY_KEYS:
            slots.append(_Slot(body, key, _BODY_KEYS[folded], new=False, in_path=False))
        elif folded in _NESTED and isinstance(value, dict):
            for inner in value:
                inner_folded = _folded(inner)
                kind: Kind | None = _NESTED[folded] if inner_folded == "id" else _BODY_KEYS.get(inner_folded)
                if kind is None:
                    continue
                # A create names its new resource by the object's own id (a new contract link by its
                # chain and address): never the sandbox's own.
                new = creates and (
                    inner_folded == "id" or (folded == "contractcollection" and kind in ("chain", "address"))
                )
                slots.append(_Slot(value, inner, kind, new=new, in_path=False))
    return slots


def _is_write(operation: Operation) -> bool:
    return operation.method != "GET" and not operation.operation_id.startswith(("Get", "List"))


# --- what a request is, and whether it fits the spec ---------------------------------------------


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
            low, high = schema.get("minimum", 0), schema.get("maximum", _MAX_ID)
            if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
                yield f"path parameter {name}={text!r} is not an integer in [{low}, {high}]"
        # JSON Schema's `$` does not match before a final newline; Python's does.
        elif "\n" in text or not validator.is_valid(text):
            yield f"path parameter {name}={text!r} does not match {json.dumps(dict(schema))[:80]}"


def _integral_floats(value: Any) -> Any:
    """`2201.0` -> `2201`: Go reads integer fields from integer literals only."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats(v) for v in value]
    return value


def _part(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return json.dumps(value).encode()


def _form(body: Any) -> dict[str, bytes]:
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


# --- the schema and the run -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Fit:
    base_url: str
    plan: Plan


# The plan of the pytest session being configured; applied to the schema when it is built (the
# conformance tests are collected) or right away if it already is (several sessions in one process).
_FIT: list[_Fit] = []


def conformance_schema() -> BaseSchema:
    """The schemathesis schema of our spec that `test_conformance` is parametrized with (one per process),
    fitted to the current run's plan (`fit_schema`)."""
    schema = _built_schema()
    if _FIT:
        _apply(schema, _FIT[-1])
    return schema


def fit_schema(config: pytest.Config) -> None:
    """Record this run's plan for `conformance_schema()`; schemathesis reads it when it builds the tests.

    Cheap: building the schema waits for the conformance tests to be collected.
    """
    runtime = get_runtime(config)
    _FIT[:] = [_Fit(runtime.target.base_url, Plan.for_target(runtime.target, active_profile(config)))]
    if _built_schema.cache_info().currsize:
        _apply(_built_schema(), _FIT[-1])


@functools.cache
def _built_schema() -> BaseSchema:
    # An explicit config: a schemathesis.toml in the working directory must not change the run.
    schema = schemathesis.openapi.from_dict(copy.deepcopy(load_spec().raw), config=schemathesis.Config())
    project = schema.config
    project.generation.update(
        modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
        with_security_parameters=False,  # the plugin client authenticates
    )
    project.checks.update(included_check_names=[*_SCHEMATHESIS_CHECKS, *_WEBRPC_CHECKS])
    # Reproductions keep `tokenId` readable: the default markers mask every key containing
    # "token". The Authorization header and keys like `revealKey` stay masked.
    sanitization = project.output.sanitization
    sanitization.sensitive_markers = (
        *(marker for marker in sanitization.sensitive_markers if marker != "token"),
        "_token",
        "token_",
        "jwt",
    )
    return schema


def _apply(schema: BaseSchema, fit: _Fit) -> None:
    # Positive and negative cases share `max_examples`, hence twice the profile's examples per mode.
    project = schema.config
    project.update(base_url=fit.base_url)
    project.generation.update(max_examples=fit.plan.examples * 2)
    phases = ["fuzzing"]
    if fit.plan.spec_examples:
        phases.append("examples")
    if fit.plan.coverage:
        phases.append("coverage")
    project.phases.update(phases=phases)


# --- the run --------------------------------------------------------------------------------------

_CONFORMANCE = pytest.StashKey["Conformance"]()


class Conformance:
    """The property-based conformance run of one pytest session against its target."""

    def __init__(self, runtime: Runtime, profile: Profile, spec: Spec | None = None) -> None:
        self.runtime = runtime
        self.target = runtime.target
        self.plan = Plan.for_target(self.target, profile)
        self.spec = spec or load_spec()
        self.client = runtime.client("owner")
        self.sandbox = Sandbox(runtime, self.client)
        self.operations = {f"{op.method} {op.path}": op for op in self.spec.operations.values()}

    @classmethod
    def of(cls, config: pytest.Config) -> Conformance:
        """The run of this pytest session (created on first use)."""
        if _CONFORMANCE not in config.stash:
            config.stash[_CONFORMANCE] = cls(get_runtime(config), active_profile(config))
        return config.stash[_CONFORMANCE]

    def check(self, case: Case[Any]) -> None:
        """Send one case through the plugin client and run every check on the answer."""
        operation = self.operations[case.operation.label]
        case = _copy(case)  # hypothesis hands the same object to every replay of an explicit example
        prepared = self.prepare(operation, case)
        if prepared is None:
            return
        ledger = self.runtime.ledger
        mark = ledger.mark()
        token = _JUDGED.set(self._judged(operation, prepared))
        try:
            response = self.client.send(prepared.call)
            _settle(response)  # the ledger's observer has recorded whatever the call created
            case.validate_response(response)  # the checks the schema's config enables (fit_schema)
        finally:
            _JUDGED.reset(token)
            # What the request created goes now, and a sandbox it wrote to too (even a refused
            # write can leave traces): every case meets the same state, as hypothesis replays need.
            ledger.clean(since=mark)
            if prepared.sandboxed and _is_write(operation):
                self.sandbox.discard()

    def prepare(self, operation: Operation, case: Case[Any]) -> Prepared | None:
        """Pin the case (in place) and build its call; None when the client cannot send it.

        Unsendable: schemathesis' header probes (the client sets Content-Type itself) and raw bodies
        that are not JSON values.
        """
        if case.headers:
            return None
        meta = case.meta
        if meta is not None and meta.generation.mode.is_positive:
            case.path_parameters = _integral_floats(case.path_parameters)
            case.body = _integral_floats(case.body)
        body, path = case.body, case.path_parameters
        if operation.operation_id == "CreateCollection":
            self._tag(body)
        sandboxed = self._pin(operation, body, path)
        case.body, case.path_parameters = body, path  # let schemathesis see the edits
        wire_path = {name: unquote(str(value)) for name, value in path.items()}
        call_path, secured = case.formatted_path, operation.secured
        if operation.request_media_type == "multipart/form-data":
            form = _form(body)
            media = (case.multipart_content_types or {}).get("file", "")
            content_type = media if media and "*" not in media else "application/octet-stream"
            files = {
                name: ("file" if name == "file" else "", data, content_type) for name, data in form.items()
            }
            call = Call(operation.operation_id, case.method, call_path, files=files, authenticated=secured)
            prepared = Prepared(call, NOT_SET, form, wire_path, sandboxed)
        else:
            # JSON null cannot be told from "no body" by the client: both go out without one.
            sent = NOT_SET if body is None else body
            if not isinstance(sent, NotSet):
                try:
                    json.dumps(sent, allow_nan=False)
                except (TypeError, ValueError):
                    return None
            payload = None if isinstance(sent, NotSet) else sent
            call = Call(operation.operation_id, case.method, call_path, json=payload, authenticated=secured)
            prepared = Prepared(call, sent, None, wire_path, sandboxed)
        prepared.problems = request_violations(self.spec, operation, prepared)
        return prepared

    def _tag(self, body: Any) -> None:
        # A generated collection carries the run tag like the fixtures' ones, so that a sweep finds
        # it should the run die before the ledger deletes it.
        collection = body.get("collection") if isinstance(body, dict) else None
        metadata = collection.get("metadata") if isinstance(collection, dict) else None
        if isinstance(metadata, dict) and isinstance(metadata.get("properties", {}), dict):
            metadata["properties"] = {**metadata.get("properties", {}), TAG_KEY: self.runtime.run_tag()}

    def _pin(self, operation: Operation, body: Any, path: dict[str, Any]) -> bool:
        """Pin projectId, and point the request at the sandbox or at nothing; True for the sandbox."""
        slots = [slot for slot in _slots(operation, body, path) if slot.valid()]
        addressing = [slot for slot in slots if slot.kind != "project" and not slot.new]
        # Half of the requests go to the sandbox, chosen by their generated ids (stable on replay).
        key = json.dumps([[slot.kind, str(slot.value)] for slot in addressing])
        sandboxed = bool(addressing) and zlib.crc32(key.encode()) % 2 == 0
        write = _is_write(operation)
        for slot in slots:
            if slot.kind == "project":
                slot.set(self.target.project_id)
            elif slot.new or (write and not sandboxed):
                self._unreachable(slot)
            elif sandboxed:
                self._to_sandbox(slot)
        return sandboxed

    def _unreachable(self, slot: _Slot) -> None:
        if slot.kind == "address":
            slot.set(salted_address(self.runtime.run_id, str(slot.value)))
        elif slot.kind in ("collection", "asset") and int(unquote(str(slot.value))) < _UNREACHABLE_ID:
            slot.set(_UNREACHABLE_ID)

    def _to_sandbox(self, slot: _Slot) -> None:
        sandbox = self.sandbox
        if slot.kind == "collection":
            slot.set(sandbox.collection_id)
        elif slot.kind == "token":
            slot.set(sandbox.token_id if isinstance(slot.value, str) else int(sandbox.token_id))
        elif slot.kind == "asset":
            slot.set(sandbox.asset_id)
        elif slot.kind == "file":
            slot.set(sandbox.file_name)
        elif slot.kind in ("chain", "address"):
            chain, address = sandbox.link
            slot.set(chain if slot.kind == "chain" else address)

    def _judged(self, operation: Operation, prepared: Prepared) -> _Judged:
        return _Judged(
            spec=self.spec,
            operation=operation,
            violations=[str(problem) for problem in prepared.problems],
            refusal=expected_refusal(prepared.problems),
            strict=self.plan.strict_negative,
            described=f"{prepared.call.method} {prepared.call.path}",
        )


@dataclass(frozen=True, slots=True)
class _Judged:
    """What the webrpc checks need to know about the request being judged."""

    spec: Spec
    operation: Operation
    violations: list[str]
    refusal: str | None
    strict: bool
    described: str


# Set by `Conformance.check` while schemathesis runs the checks of one of its cases. The checks are
# registered globally (that is schemathesis' API): outside a conformance case they do nothing.
_JUDGED: contextvars.ContextVar[_Judged | None] = contextvars.ContextVar("conformance_case", default=None)


@schemathesis.check
def webrpc_not_server_error(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
    if _JUDGED.get() is not None:
        webrpc.check_not_server_error(response)


@schemathesis.check
def webrpc_error_envelope(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
    if (judged := _JUDGED.get()) is not None:
        webrpc.check_error_envelope(response, judged.operation)


@schemathesis.check
def webrpc_valid_request_accepted(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
    if (judged := _JUDGED.get()) is not None and not judged.violations:
        webrpc.check_valid_request_accepted(response, request=judged.described)


@schemathesis.check
def webrpc_invalid_request_rejected(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
    if (judged := _JUDGED.get()) is not None and judged.strict and judged.violations:
        webrpc.check_invalid_request_rejected(response, judged.violations, judged.refusal)


@schemathesis.check
def webrpc_declared_fields(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
    if (judged := _JUDGED.get()) is not None:
        webrpc.check_declared_fields(response, judged.spec, judged.operation)


def _copy(case: Case[Any]) -> Case[Any]:
    """A case with its own containers and metadata (pinning edits them)."""
    copied: Case[Any] = schemathesis.Case(
        case.operation,
        case.method,
        case.path,
        path_parameters=copy.deepcopy(case.path_parameters),
        headers=case.headers.copy(),
        cookies=copy.deepcopy(case.cookies),
        query=copy.deepcopy(case.query),
        body=case.body if isinstance(case.body, NotSet) else copy.deepcopy(case.body),
        media_type=case.media_type,
        multipart_content_types=case.multipart_content_types,
        meta=copy.deepcopy(case.meta),
    )
    return copied


def _settle(response: httpx.Response) -> None:
    """Make the exchange readable for schemathesis, which reads `elapsed` and the request body."""
    import httpx

    try:
        response.elapsed  # noqa: B018
    except RuntimeError:  # httpx leaves it unset for bodies an in-process transport built
        response.elapsed = timedelta(0)
    try:
        response.request.content  # noqa: B018
    except httpx.RequestNotRead:  # a multipart upload went out streamed; its parts are in memory
        response.request.read()
