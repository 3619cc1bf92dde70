"""Authentication and project isolation on every RPC: no token, a bad token, another project's token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pytest_sequence_metadata.client.core import MetadataClient
from pytest_sequence_metadata.contract.operations import rpc_methods
from pytest_sequence_metadata.contract.spec import load_spec
from pytest_sequence_metadata.pytest.runtime import Target
from pytest_sequence_metadata.suite.helpers import World, expect_error

CHAIN = 80002
ADDRESS = "0x" + "ab" * 20


def example(operation: str) -> Any:
    """The first request example the spec gives for the operation (every RPC has one)."""
    content = load_spec().operation(operation).definition["requestBody"]["content"]["application/json"]
    return next(iter(content["examples"].values()))["value"]


def rebind(value: Any, ids: dict[str, Any], parent: str = "") -> Any:
    """The example with its ids pointing at the owner's resources, and its names a stranger's."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            folded = key.lower()
            if folded == "id" and parent in ("collection", "asset"):
                out[key] = ids[f"{parent}id"]
            elif folded in ids and not isinstance(item, dict | list):
                out[key] = ids[folded]
            elif folded == "name" and isinstance(item, str):
                out[key] = "changed by a stranger"
            else:
                out[key] = rebind(item, ids, folded)
        return out
    if isinstance(value, list):
        return [rebind(item, ids, parent) for item in value]
    return value


# Every RPC of the registry: adding one to the spec (with its request example) adds it here. Each
# case names its RPC, so a report (and the self-check) blames the operation that let a caller in.
OPERATIONS = rpc_methods()
EACH_RPC = [pytest.param(op, marks=pytest.mark.sequence_operation(op)) for op in OPERATIONS]


@pytest.fixture
def owned(world: World, owner: MetadataClient, sequence_target: Target) -> Callable[[str], dict[str, Any]]:
    """The owner's collection, token and asset, and a body builder for an operation on them."""
    collection_id = world.collection()["id"]
    token = world.token(collection_id, private=True)
    asset = owner.create_asset(
        {"collectionId": collection_id, "tokenId": token["tokenId"], "metadataField": "image"}
    )
    owner.create_contract_collection(
        {"chainId": CHAIN, "contractAddress": ADDRESS, "collectionId": collection_id}
    )
    ids = {
        "projectid": sequence_target.project_id,
        "collectionid": collection_id,
        "tokenid": token["tokenId"],
        "assetid": asset["asset"]["id"],
        "chainid": CHAIN,
        "contractaddress": ADDRESS,
    }

    def body(operation: str) -> dict[str, Any]:
        bound: dict[str, Any] = rebind(example(operation), ids)
        return {**bound, "projectId": sequence_target.project_id}

    return body


def test_every_rpc_has_a_request_example_to_probe_with() -> None:
    assert len(OPERATIONS) >= 21
    for operation in OPERATIONS:
        assert isinstance(example(operation), dict), operation


@pytest.mark.parametrize("operation", EACH_RPC)
def test_without_a_token_every_rpc_is_unauthorized(
    operation: str, anon: MetadataClient, owned: Callable[[str], dict[str, Any]]
) -> None:
    error = expect_error(lambda: anon.rpc(operation, owned(operation)), "Unauthorized")
    assert (error.code, error.http_status) == (1000, 401)


@pytest.mark.parametrize("operation", EACH_RPC)
def test_with_a_forged_token_every_rpc_is_unauthorized(
    operation: str, owner: MetadataClient, owned: Callable[[str], dict[str, Any]]
) -> None:
    forged = owner.with_credentials(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJwcm9qZWN0IjoxfQ.Zm9yZ2VkLXNpZ25hdHVyZS1vZi1hLXRva2Vu",
        owner.project_id,
    )
    error = expect_error(lambda: forged.rpc(operation, owned(operation)), "Unauthorized")
    assert error.http_status == 401


@pytest.mark.parametrize("operation", EACH_RPC)
def test_another_projects_token_cannot_act_on_the_owners_project(
    operation: str, other: MetadataClient, owner: MetadataClient, owned: Callable[[str], dict[str, Any]]
) -> None:
    body = owned(operation)
    error = expect_error(lambda: other.rpc(operation, body), "PermissionDenied", "Unauthorized")
    assert error.http_status in (401, 403)
    if "collectionId" in body:
        # Nothing changed: the owner still sees the collection under its own name.
        name = owner.get_collection(body["collectionId"])["collection"]["metadata"]["name"]
        assert name != "changed by a stranger"


@pytest.mark.parametrize("scheme", ["Bearer", "BEARER", "bearer"])
def test_the_bearer_scheme_is_matched_case_insensitively(
    scheme: str, owner: MetadataClient, sequence_collection: dict[str, Any]
) -> None:
    client = owner.with_auth_scheme(scheme)
    got = client.get_collection(sequence_collection["id"])["collection"]
    assert got["id"] == sequence_collection["id"]
