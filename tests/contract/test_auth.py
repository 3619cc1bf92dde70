"""Authentication and project isolation on every RPC: no token, a bad token, another project's token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pytest_sequence_metadata.checks.helpers import World, expect_error, new_token_id
from pytest_sequence_metadata.client import MetadataClient
from pytest_sequence_metadata.runtime import Target

CHAIN = 80002
ADDRESS = "0x" + "ab" * 20


def bodies(collection_id: int, token_id: str, asset_id: int) -> dict[str, dict[str, Any]]:
    """A well-formed body per RPC, naming real resources of the owner, so only the credentials differ."""
    link = {"chainId": CHAIN, "contractAddress": ADDRESS, "collectionId": collection_id}
    stranger = {"name": "changed by a stranger"}
    return {
        "CreateCollection": {"collection": {"metadata": {"name": "auth probe"}}},
        "GetCollection": {"collectionId": collection_id},
        "ListCollections": {},
        "UpdateCollection": {"collection": {"id": collection_id, "metadata": stranger}},
        "DeleteCollection": {"collectionId": collection_id},
        "PublishCollection": {"collectionId": collection_id},
        "UnpublishCollection": {"collectionId": collection_id},
        "CreateContractCollection": {"contractCollection": link},
        "GetContractCollection": {"chainId": CHAIN, "contractAddress": ADDRESS},
        "ListContractCollections": {"collectionId": collection_id},
        "UpdateContractCollection": {"contractCollection": link},
        "DeleteContractCollection": {"chainId": CHAIN, "contractAddress": ADDRESS},
        "CreateToken": {"collectionId": collection_id, "token": {"tokenId": new_token_id(), "name": "probe"}},
        "GetToken": {"collectionId": collection_id, "tokenId": token_id},
        "ListTokens": {"collectionId": collection_id},
        "UpdateToken": {
            "collectionId": collection_id,
            "tokenId": token_id,
            "token": {"tokenId": token_id, "name": "changed by a stranger"},
        },
        "DeleteToken": {"collectionId": collection_id, "tokenId": token_id},
        "CreateAsset": {
            "asset": {"collectionId": collection_id, "tokenId": token_id, "metadataField": "audio"}
        },
        "GetAsset": {"assetId": asset_id},
        "UpdateAsset": {"asset": {"id": asset_id, "collectionId": collection_id, "metadataField": "video"}},
        "DeleteAsset": {"assetId": asset_id},
    }


OPERATIONS = sorted(bodies(1, "1", 1))


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
    table = bodies(collection_id, token["tokenId"], asset["asset"]["id"])

    def body(operation: str) -> dict[str, Any]:
        return {"projectId": sequence_target.project_id, **table[operation]}

    return body


def test_all_twenty_one_operations_are_covered(sequence_spec: Any) -> None:
    rpc = sorted(op for op, info in sequence_spec.operations.items() if info.kind == "rpc")
    assert rpc == OPERATIONS


@pytest.mark.parametrize("operation", OPERATIONS)
def test_without_a_token_every_rpc_is_unauthorized(
    operation: str, anon: MetadataClient, owned: Callable[[str], dict[str, Any]]
) -> None:
    error = expect_error(lambda: anon.rpc(operation, owned(operation)), "Unauthorized")
    assert (error.code, error.http_status) == (1000, 401)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_with_a_forged_token_every_rpc_is_unauthorized(
    operation: str, owner: MetadataClient, owned: Callable[[str], dict[str, Any]]
) -> None:
    forged = owner.with_credentials(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJwcm9qZWN0IjoxfQ.Zm9yZ2VkLXNpZ25hdHVyZS1vZi1hLXRva2Vu",
        owner.project_id,
    )
    error = expect_error(lambda: forged.rpc(operation, owned(operation)), "Unauthorized")
    assert error.http_status == 401


@pytest.mark.parametrize("operation", OPERATIONS)
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
