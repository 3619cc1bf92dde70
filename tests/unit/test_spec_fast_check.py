"""The spec's validators take "valid" from a compiled check (jsonschema_rs) only where jsonschema, the
authority, agrees: on the emulator's real answers and on small changes of them (a float without a
fraction where an integer belongs, a wrong type, a missing or unknown key, a malformed date)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_sequence_metadata.contract.spec import SchemaValidator, Spec, load_spec
from pytest_sequence_metadata.emulator import Emulator

SPEC = load_spec()
PROJECT = 1


def _answers() -> list[tuple[str, SchemaValidator, Any]]:
    """(label, the response's validator, body) of a run through collections, tokens and assets."""
    found: list[tuple[str, SchemaValidator, Any]] = []
    emulator = Emulator()
    with emulator.client(PROJECT) as client:

        def call(method: str, body: dict[str, Any]) -> Any:
            answer = client.post(f"/rpc/Collections/{method}", json=body)
            validator = SPEC.response_validator(method, answer.status_code)
            assert validator is not None
            found.append((f"{method} {answer.status_code}", validator, answer.json()))
            return answer.json()

        meta = {"name": "n", "description": "d", "properties": {"k": [1, "a"]}, "attributes": [{"a": 1}]}
        cid = call("CreateCollection", {"collection": {"metadata": meta}})["collection"]["id"]
        call("GetCollection", {"collectionId": cid})
        call("ListCollections", {"page": {"pageSize": 5}})
        token = {"tokenId": "7", "name": "t", "properties": {"x": 1.5}, "attributes": [{"trait": "a"}]}
        call("CreateToken", {"collectionId": cid, "token": token})
        call("GetToken", {"collectionId": cid, "tokenId": "7"})
        call("ListTokens", {"collectionId": cid})
        call("CreateAsset", {"asset": {"collectionId": cid, "tokenId": "7", "metadataField": "image"}})
        call("PublishCollection", {"collectionId": cid})
        call("GetCollection", {"collectionId": cid + 1000})  # an error envelope
    return found


ANSWERS = _answers()

CHANGES = st.sampled_from(
    [1.0, 0.0, 2.5, "x", "", None, True, [], {}, -1, 2**70, "2026-13-01T00:00:00Z", "2026-12-01t00:00:00z"]
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


@st.composite
def _changed(draw: st.DrawFn) -> tuple[str, SchemaValidator, Any]:
    label, validator, body = draw(st.sampled_from(ANSWERS))
    body = copy.deepcopy(body)
    for _ in range(draw(st.integers(0, 2))):
        path = draw(st.sampled_from(_paths(body)))
        if not path:
            continue
        parent = body
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(CHANGES)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent["unknownKey"] = draw(CHANGES)
    return label, validator, body


def test_what_the_compiled_check_cannot_read_goes_to_jsonschema() -> None:
    validator = SPEC.response_validator("GetCollection", 200)
    assert validator is not None
    assert validator.errors({1: "a key that is not a string"})  # jsonschema's verdict, not an exception


def test_the_compiled_check_is_there() -> None:
    pytest.importorskip("jsonschema_rs")
    assert all(validator._check is not None for _, validator, _ in ANSWERS)


@settings(max_examples=300, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(_changed())
def test_the_compiled_check_agrees_with_jsonschema(case: tuple[str, SchemaValidator, Any]) -> None:
    label, validator, body = case
    authority = validator.authority_is_valid(body)
    assert validator.is_valid(body) == authority, (label, body)
    assert (validator.errors(body) == []) == authority, (label, body)


def test_a_schema_the_compiler_cannot_read_is_checked_by_jsonschema_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    jsonschema_rs = pytest.importorskip("jsonschema_rs")

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("int too big to convert")  # what jsonschema_rs before 0.35 says of the spec

    monkeypatch.setattr(jsonschema_rs, "Draft202012Validator", refuse)
    spec = Spec(SPEC.raw, SPEC.source)
    validator = spec.response_validator("GetCollection", 200)
    assert validator is not None
    assert validator._check is None
    _, _, body = next(answer for answer in ANSWERS if answer[0] == "GetCollection 200")
    assert validator.is_valid(body)
    assert validator.errors({"collection": {"id": 1.0}})
