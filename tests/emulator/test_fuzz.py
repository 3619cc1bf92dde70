"""schemathesis over every operation of our spec, in-process: positive and negative data, fixed seed.

The emulator must never answer 5xx, every error must be a JSON envelope, and every answer must match
the spec (status, content type, body schema). Deselect with `-m "not emulator_fuzz"`.
"""

from __future__ import annotations

import json
from typing import Any

import hypothesis
import pytest
import schemathesis
from emulator_support import png_bytes
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pytest_sequence_metadata.contract.spec import load_spec
from pytest_sequence_metadata.emulator import Emulator

pytestmark = pytest.mark.emulator_fuzz

PROJECT = 1
TOKENS = ("0", "1", "7")  # 7 is private
CHAIN, ADDRESS = 137, "0x" + "ab" * 20  # a seeded contract link


class CurrentEmulator:
    """The ASGI app schemathesis calls; each operation gets a fresh emulator, so seeded ids are 1, 2, 3."""

    def __init__(self) -> None:
        self.emulator = Emulator()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.emulator.asgi_app(scope, receive, send)


CURRENT = CurrentEmulator()
JWT = CURRENT.emulator.mint_jwt(PROJECT, expires_in=None)  # every emulator shares the default secret
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SEEDED: dict[str, list[int]] = {"collections": [], "assets": []}

schema = schemathesis.openapi.from_dict(load_spec().raw)
schema.app = CURRENT  # before any operation is built (they cache app and base URL)
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=30)


def _seed() -> None:
    """Fresh data for each operation: 3 published collections, tokens 0/1/7, an image on token 1."""
    CURRENT.emulator = Emulator()
    SEEDED["collections"].clear()
    SEEDED["assets"].clear()
    with CURRENT.emulator.client(PROJECT) as client:
        for n in range(3):
            cid = client.post(
                "/rpc/Collections/CreateCollection", json={"collection": {"metadata": {"name": f"fuzz {n}"}}}
            ).json()["collection"]["id"]
            SEEDED["collections"].append(cid)
            for token in TOKENS:
                body = {
                    "collectionId": cid,
                    "token": {"tokenId": token, "name": "t"},
                    "private": token == "7",
                }
                client.post("/rpc/Collections/CreateToken", json=body)
            root = f"/projects/{PROJECT}/collections/{cid}"
            client.put(f"{root}/tokens/1/upload/image", files={"file": ("a", png_bytes(2, 2))})
            asset = client.post(
                "/rpc/Collections/CreateAsset",
                json={"asset": {"collectionId": cid, "metadataField": "image"}},
            )
            SEEDED["assets"].append(asset.json()["asset"]["id"])
            if n == 0:
                link = {"chainId": CHAIN, "contractAddress": ADDRESS, "collectionId": cid}
                client.post(
                    "/rpc/Collections/CreateContractCollection",
                    json={"projectId": PROJECT, "contractCollection": link},
                )
            client.post("/rpc/Collections/PublishCollection", json={"collectionId": cid})


@pytest.fixture(autouse=True)
def seeded() -> None:
    _seed()


def _steer(
    ids: dict[str, Any], *, id_pool: str | None = None, token_ids: bool = True, addresses: bool = True
) -> None:
    """Point generated ids at the seeded data, so that calls reach the handlers' happy paths too.

    Values of the wrong type are left alone: those are the negative cases.
    """
    if isinstance(ids.get("projectId"), int):
        ids["projectId"] = PROJECT  # else nearly every call stops at PermissionDenied
    for key, pool in (("collectionId", "collections"), ("assetId", "assets"), ("id", id_pool)):
        if pool is not None and isinstance(ids.get(key), int):
            ids[key] = SEEDED[pool][ids[key] % len(SEEDED[pool])]
    if isinstance(ids.get("chainId"), int):
        ids["chainId"] = CHAIN
    if (
        addresses
        and isinstance(ids.get("contractAddress"), str)
        and len(ids["contractAddress"]) == len(ADDRESS)
    ):
        ids["contractAddress"] = ADDRESS
    token = ids.get("tokenId")
    if token_ids and isinstance(token, str) and token.isdigit():
        ids["tokenId"] = TOKENS[int(token[-1]) % len(TOKENS)]
    name = ids.get("fileName")
    if isinstance(name, str) and len(name) % 3 != 0:
        ids["fileName"] = "image.png"


@schema.hook
def map_body(context: Any, body: Any) -> Any:
    if isinstance(body, dict):
        # A new link keeps its generated address (steering it would only conflict).
        addresses = not context.operation.label.endswith("/CreateContractCollection")
        _steer(body, addresses=addresses)
        # A new token keeps its generated id (steering it would only produce conflicts).
        for nested, pool in (
            ("token", None),
            ("asset", "assets"),
            ("contractCollection", None),
            ("collection", "collections"),
        ):
            if isinstance(body.get(nested), dict):
                _steer(body[nested], id_pool=pool, token_ids=nested != "token", addresses=addresses)
    return body


@schema.hook
def map_path_parameters(context: Any, path_parameters: Any) -> Any:
    """Path parameters come as text: steer the decimal ones like the body's integers."""
    if isinstance(path_parameters, dict):
        numbers = {
            key: int(value)
            for key, value in path_parameters.items()
            if key in ("projectId", "collectionId", "assetId") and isinstance(value, str) and value.isdigit()
        }
        _steer(numbers)
        _steer(path_parameters)
        path_parameters.update({key: str(value) for key, value in numbers.items()})
    return path_parameters


@schema.parametrize()
@hypothesis.settings(deadline=None, derandomize=True, suppress_health_check=list(hypothesis.HealthCheck))
def test_no_server_errors_and_every_answer_matches_the_spec(case: Any) -> None:
    response = case.call(headers={"Authorization": f"Bearer {JWT}"})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers.get("content-type") == ["application/json"], response.text  # lists of values
        body = response.json()
        assert {"error", "code", "msg", "status"} <= set(body), body
    try:
        case.validate_response(response, checks=CHECKS)
    except FailureGroup as group:  # a BaseExceptionGroup: turn it into a plain assertion for hypothesis
        details = "; ".join(f"{failure.title}: {failure}" for failure in group.exceptions)
        raise AssertionError(f"{case.operation.label}: {details}") from None


RPC_OPERATIONS = [op for op in load_spec().operations.values() if op.kind == "rpc"]


@pytest.mark.parametrize("operation", RPC_OPERATIONS, ids=lambda op: op.operation_id)
def test_compiled_check_never_accepts_what_the_spec_rejects(operation: Any) -> None:
    """The fast path may only say "valid" when the spec's own validator agrees."""
    from pytest_sequence_metadata.contract.gowire import DecodeError, decode_request

    validator = CURRENT.emulator.app.validators[operation.operation_id]
    if validator._check is None:
        pytest.skip("jsonschema_rs is not installed: no compiled fast path")
    strategies = [
        schema[operation.path][operation.method].as_strategy(generation_mode=mode) for mode in GenerationMode
    ]

    @hypothesis.given(case=hypothesis.strategies.one_of(strategies))
    @hypothesis.settings(max_examples=15, deadline=None, derandomize=True, database=None)
    def check(case: Any) -> None:
        try:
            args = decode_request(operation.operation_id, json.dumps(case.body).encode())
        except (DecodeError, TypeError, ValueError):
            return
        if validator.is_valid(args):
            assert validator.authority_is_valid(args), args

    check()


_JSON = hypothesis.strategies.recursive(
    hypothesis.strategies.none()
    | hypothesis.strategies.booleans()
    | hypothesis.strategies.integers(min_value=-(2**70), max_value=2**70)
    | hypothesis.strategies.floats(allow_nan=False)
    | hypothesis.strategies.text(max_size=12),
    lambda children: (
        hypothesis.strategies.lists(children, max_size=4)
        | hypothesis.strategies.dictionaries(hypothesis.strategies.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def _field_names() -> list[str]:
    """Every JSON key of every Go struct the spec declares, as written and upper-cased."""
    from pytest_sequence_metadata.contract.gowire import go_types

    return sorted(
        {
            name
            for struct in go_types().structs.values()
            for f in struct.fields
            for name in (f.key, f.key.upper())
        }
    )


@hypothesis.given(
    method=hypothesis.strategies.sampled_from(sorted(load_spec().operations)),
    body=hypothesis.strategies.dictionaries(
        hypothesis.strategies.sampled_from(_field_names()),
        _JSON
        | hypothesis.strategies.dictionaries(
            hypothesis.strategies.sampled_from(_field_names()), _JSON, max_size=5
        ),
        max_size=6,
    ),
)
@hypothesis.settings(max_examples=150, deadline=None, derandomize=True, database=None)
def test_arbitrary_json_never_breaks_an_rpc(method: str, body: dict[str, Any]) -> None:
    from pytest_sequence_metadata.emulator.app import Request

    headers = {"authorization": f"Bearer {JWT}", "content-type": "application/json"}
    raw = json.dumps(body).encode()
    answer = CURRENT.emulator.dispatch(
        Request("POST", f"/rpc/Collections/{method}", headers, raw, "http://x")
    )
    assert answer.status < 500, answer.body
    if answer.status >= 400:
        assert json.loads(answer.body)["error"]


_SEGMENT = hypothesis.strategies.sampled_from(
    ["1", "0", "7", "image", "image.png", "x.json", "-1", "upload", "asset"]
) | (hypothesis.strategies.text(min_size=1, max_size=10).filter(lambda text: "/" not in text))


@hypothesis.given(
    segments=hypothesis.strategies.lists(_SEGMENT, min_size=1, max_size=6),
    method=hypothesis.strategies.sampled_from(["GET", "PUT", "POST", "DELETE"]),
    body=hypothesis.strategies.binary(max_size=64),
    content_type=hypothesis.strategies.sampled_from(
        ["multipart/form-data; boundary=x", "multipart/form-data", "application/json", ""]
    ),
)
@hypothesis.settings(max_examples=150, deadline=None, derandomize=True, database=None)
def test_arbitrary_rest_paths_never_break(
    segments: list[str], method: str, body: bytes, content_type: str
) -> None:
    from pytest_sequence_metadata.emulator.app import Request

    path = "/projects/1/collections/" + "/".join(["1", "tokens", *segments][: len(segments) + 1])
    headers = {"authorization": f"Bearer {JWT}", "content-type": content_type}
    answer = CURRENT.emulator.dispatch(Request(method, path, headers, body, "http://x"))
    assert answer.status < 500, (path, answer.body)
    if answer.status >= 400:
        assert json.loads(answer.body)["error"]
