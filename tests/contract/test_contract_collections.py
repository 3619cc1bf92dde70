"""Per-operation behaviour of the contract-collection RPCs (links of an on-chain contract to a collection)."""

from __future__ import annotations

import secrets

import pytest

from pytest_sequence_metadata.client.core import MetadataClient
from pytest_sequence_metadata.pytest.runtime import Target
from pytest_sequence_metadata.suite.helpers import World, expect_error

CHAIN = 80002  # Polygon Amoy, as in the public examples


def new_address() -> str:
    """A random contract address in mixed case, as a user might paste it."""
    raw = secrets.token_hex(20)
    return "0x" + "".join(c.upper() if i % 3 == 0 else c for i, c in enumerate(raw))


@pytest.mark.sequence_operation("CreateContractCollection", "GetContractCollection")
def test_create_links_a_contract_and_lowercases_the_address(
    world: World, owner: MetadataClient, sequence_target: Target
) -> None:
    collection_id = world.collection()["id"]
    address = new_address()
    link = {"chainId": CHAIN, "contractAddress": address, "collectionId": collection_id}
    created = owner.create_contract_collection(link)["contractCollection"]
    assert created["id"] > 0
    assert (created["chainId"], created["contractAddress"], created["collectionId"]) == (
        CHAIN,
        address.lower(),
        collection_id,
    )
    got = owner.get_contract_collection(CHAIN, address)["contractCollection"]
    assert got == created


@pytest.mark.sequence_operation("ListContractCollections")
def test_list_by_collection_returns_the_links_and_their_collections(
    world: World, owner: MetadataClient
) -> None:
    collection_id = world.collection()["id"]
    addresses = sorted(new_address().lower() for _ in range(2))
    for address in addresses:
        owner.create_contract_collection(
            {"chainId": CHAIN, "contractAddress": address, "collectionId": collection_id}
        )
    answer = owner.list_contract_collections(collection_id=collection_id)
    links = answer["contractCollections"] or []
    assert sorted(link["contractAddress"] for link in links) == addresses
    assert {c["id"] for c in answer["collections"] or []} == {collection_id}


@pytest.mark.sequence_operation("UpdateContractCollection")
def test_update_moves_the_link_to_another_collection(world: World, owner: MetadataClient) -> None:
    first, second = world.collection()["id"], world.collection()["id"]
    address = new_address().lower()
    owner.create_contract_collection({"chainId": CHAIN, "contractAddress": address, "collectionId": first})
    answer = owner.update_contract_collection(
        {"chainId": CHAIN, "contractAddress": address, "collectionId": second}
    )
    assert answer == {"ok": True}
    assert owner.get_contract_collection(CHAIN, address)["contractCollection"]["collectionId"] == second


@pytest.mark.sequence_operation("DeleteContractCollection", "GetContractCollection")
def test_delete_answers_ok_and_the_link_is_gone(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    address = new_address().lower()
    owner.create_contract_collection(
        {"chainId": CHAIN, "contractAddress": address, "collectionId": collection_id}
    )
    assert owner.delete_contract_collection(CHAIN, address) == {"ok": True}
    expect_error(lambda: owner.get_contract_collection(CHAIN, address), "NotFound")


@pytest.mark.sequence_operation("GetContractCollection", "DeleteContractCollection")
@pytest.mark.parametrize("operation", ["get", "delete"])
def test_unknown_link_is_not_found(owner: MetadataClient, operation: str) -> None:
    address = new_address().lower()
    call = owner.get_contract_collection if operation == "get" else owner.delete_contract_collection
    error = expect_error(lambda: call(CHAIN, address), "NotFound")
    assert error.http_status == 400


@pytest.mark.sequence_operation("CreateContractCollection")
@pytest.mark.parametrize(
    "address", ["0x1234", "not-an-address", "0x" + "g" * 40], ids=["short", "word", "not-hex"]
)
def test_create_rejects_malformed_addresses(world: World, owner: MetadataClient, address: str) -> None:
    collection_id = world.collection()["id"]
    link = {"chainId": CHAIN, "contractAddress": address, "collectionId": collection_id}
    expect_error(
        lambda: owner.create_contract_collection(link),
        "InvalidArgument",
        "ValidationFailed",
        "WebrpcBadRequest",
    )


@pytest.mark.sequence_operation("CreateContractCollection")
def test_get_contract_collection_needs_a_project_id(owner: MetadataClient) -> None:
    address = new_address().lower()
    expect_error(
        lambda: owner.get_contract_collection(CHAIN, address, project_id=None),
        "RequiredArgument",
        "InvalidArgument",
        "WebrpcBadRequest",
    )
