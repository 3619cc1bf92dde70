"""The schemathesis runner of the conformance suite: schemathesis generates requests for every operation
of our spec, the plugin's `MetadataClient` sends them, and schemathesis' response checks plus the
webrpc-aware ones (`suite.webrpc`, registered here with `@schemathesis.check`) judge the answers.

Only schemathesis' documented API is used: `schemathesis.openapi.from_dict`, `schema.parametrize()`
(`test_conformance` in tests/contract, one test per operation), the project config (phases, generation,
checks) and `case.validate_response`. The run's plan (target and profile) is applied to the schema
before the tests are collected (`fit_schema`, called from the contract suite's `pytest_configure`).

Sending through the plugin client is what makes a run careful on a live API: the target's JWT, the
rate limit, the request budget, and the cleanup ledger (everything a request creates is deleted right
after it). Each case is pinned first (`pinning`), to the project and to this run's `sandbox` or to
nothing, and judged valid or invalid as Go reads it (`validity`).
"""

from __future__ import annotations

import contextvars
import copy
import functools
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote

import hypothesis
import pytest
import schemathesis
from schemathesis.core import NOT_SET, NotSet

from pytest_sequence_metadata.client.core import Call
from pytest_sequence_metadata.contract.spec import Operation, Spec, load_spec
from pytest_sequence_metadata.pytest.runtime import TAG_KEY, Runtime, Target, get_runtime
from pytest_sequence_metadata.suite import webrpc
from pytest_sequence_metadata.suite.conformance.pinning import is_write, pin
from pytest_sequence_metadata.suite.conformance.sandbox import Sandbox
from pytest_sequence_metadata.suite.conformance.validity import (
    Prepared,
    expected_refusal,
    form_parts,
    integral_floats,
    request_violations,
)
from pytest_sequence_metadata.suite.profiles import Profile, active_profile

if TYPE_CHECKING:
    import httpx
    from schemathesis import BaseSchema, Case, CheckContext, Response

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
            if prepared.sandboxed and is_write(operation):
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
            case.path_parameters = integral_floats(case.path_parameters)
            case.body = integral_floats(case.body)
        body, path = case.body, case.path_parameters
        if operation.operation_id == "CreateCollection":
            self._tag(body)
        sandboxed = pin(operation, body, path, project_id=self.target.project_id, sandbox=self.sandbox)
        case.body, case.path_parameters = body, path  # let schemathesis see the edits
        wire_path = {name: unquote(str(value)) for name, value in path.items()}
        call_path, secured = case.formatted_path, operation.secured
        if operation.request_media_type == "multipart/form-data":
            form = form_parts(body)
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
