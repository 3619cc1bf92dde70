"""All 21 RPCs with every body shaped exactly as the official Go client sends it.

The Go client marshals request structs: every field without `omitempty` goes on the wire, with its zero
value when unset (`"id": 0`, `"url": ""`, `"status": "NOT_AVAILABLE"`, the zero time), and every nil
pointer argument as `null` (`"projectId": null`). Each test builds the arguments a Go user would set,
turns them into that body with the contract's Go wire rules, sends it as is and checks the values
round-trip. Everything is created through the owner client, so the cleanup ledger removes it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any, Final

import pytest

from pytest_sequence_metadata.checks.helpers import expect_error, new_token_id
from pytest_sequence_metadata.client import MetadataClient
from pytest_sequence_metadata.contract.gowire import ZERO_TIME, decode_request, go_value
from pytest_sequence_metadata.fixtures import CollectionFactory
from pytest_sequence_metadata.runtime import TAG_KEY, Target

CHAIN: Final = 80002  # Polygon Amoy, as in the public examples


def go_body(method: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The body the official Go client sends for a request struct holding `arguments`."""
    return go_value(method, decode_request(method, json.dumps(arguments).encode()))


class GoCaller:
    """Sends RPCs through the owner client, each body as Go's json.Marshal writes it."""

    def __init__(self, client: MetadataClient, factory: CollectionFactory) -> None:
        self.client = client
        self.factory = factory
        self.sent: dict[str, Any] = {}  # the last body sent

    def __call__(self, method: str, **arguments: Any) -> dict[str, Any]:
        self.sent = go_body(method, arguments)
        return self.client.rpc(method, self.sent)

    def collection(self, **metadata: Any) -> dict[str, Any]:
        """A private collection, named and tagged as the plugin's collections are (for --sequence-sweep)."""
        runtime = self.factory.runtime
        body = {
            "name": runtime.unique_name("pytest go client"),
            "description": "Temporary collection created with Go client bodies",
            **metadata,
        }
        body["properties"] = {**body.get("properties", {}), TAG_KEY: runtime.run_tag()}
        created: dict[str, Any] = self("CreateCollection", collection={"metadata": body, "private": True})[
            "collection"
        ]
        return created


@pytest.fixture
def go(owner: MetadataClient, sequence_collection_factory: CollectionFactory) -> GoCaller:
    return GoCaller(owner, sequence_collection_factory)


def new_address() -> str:
    """A random contract address in mixed case, as a user might paste it."""
    raw = secrets.token_hex(20)
    return "0x" + "".join(c.upper() if i % 3 == 0 else c for i, c in enumerate(raw))


@pytest.mark.sequence_operation(
    "CreateCollection",
    "GetCollection",
    "ListCollections",
    "UpdateCollection",
    "PublishCollection",
    "UnpublishCollection",
    "DeleteCollection",
)
def test_collection_rpcs_with_go_bodies(go: GoCaller, sequence_target: Target) -> None:
    metadata = {
        "description": "Lighthouses of the coast",
        "image": "https://example.com/c.png",
        "external_link": "https://example.com/lights",
        "properties": {"rarity": "gold", "level": 3},
        "attributes": [{"trait_type": "kind", "value": "beacon"}],
    }
    created = go.collection(**metadata)
    collection_id = created["id"]
    assert (go.sent["projectId"], go.sent["collection"]["private"]) == (None, True)
    assert collection_id > 0
    assert created["projectId"] == sequence_target.project_id
    for key, value in metadata.items():
        if key == "properties":
            assert {k: created["metadata"]["properties"][k] for k in value} == value
        else:
            assert created["metadata"][key] == value, key

    got = go("GetCollection", collectionId=collection_id)["collection"]
    assert (got["id"], got["metadata"]["name"]) == (collection_id, created["metadata"]["name"])

    seen: list[int] = []
    page = 0  # numbered pages count from 0 [A:page-numbering]
    while True:
        answer = go("ListCollections", page={"page": page, "pageSize": 50})
        seen.extend(c["id"] for c in answer["collections"] or [])
        if collection_id in seen or not answer["page"].get("more"):
            break
        page += 1
        assert page < 1_000
    assert collection_id in seen

    renamed = {**created["metadata"], "name": created["metadata"]["name"] + " renamed", "description": "New"}
    updated = go("UpdateCollection", collection={"id": collection_id, "metadata": renamed, "private": True})
    assert updated["collection"]["id"] == collection_id
    stored = go("GetCollection", collectionId=collection_id)["collection"]["metadata"]
    assert (stored["name"], stored["description"]) == (renamed["name"], "New")

    published = go("PublishCollection", collectionId=collection_id)["collection"]
    assert (published["id"], published["private"]) == (collection_id, False)
    unpublished = go("UnpublishCollection", collectionId=collection_id)["collection"]
    assert (unpublished["id"], unpublished["private"]) == (collection_id, True)

    assert go("DeleteCollection", collectionId=collection_id) == {"status": True}
    expect_error(lambda: go("GetCollection", collectionId=collection_id), "NotFound")


@pytest.mark.sequence_operation("CreateToken", "GetToken", "ListTokens", "UpdateToken", "DeleteToken")
def test_token_rpcs_with_go_bodies(go: GoCaller) -> None:
    collection_id = go.collection()["id"]
    full: dict[str, Any] = {
        "tokenId": new_token_id(),
        "name": "Go token",
        "description": "made as Go makes it",
        "image": "https://example.com/t.png",
        "external_url": "https://example.com/t",
        "properties": {"power": 9, "tags": ["a", "b"]},
        "attributes": [{"trait_type": "Power", "value": 9}],
        "decimals": 0,
    }
    bare = {"tokenId": new_token_id(), "name": "Bare Go token"}  # Go sends null properties/attributes
    created = go("CreateToken", collectionId=collection_id, token=full, private=True)["token"]
    for key, value in full.items():
        assert created[key] == value, key
    plain = go("CreateToken", collectionId=collection_id, token=bare, private=True)["token"]
    sent = go.sent["token"]
    assert (sent["status"], sent["source"], sent["updatedAt"]) == ("NOT_AVAILABLE", "", ZERO_TIME)
    assert (sent["properties"], sent["attributes"], sent["queuedAt"]) == (None, None, None)
    assert (plain["tokenId"], plain["name"]) == (bare["tokenId"], bare["name"])
    assert not plain["properties"]
    assert not plain["attributes"]

    got = go("GetToken", collectionId=collection_id, tokenId=full["tokenId"])["token"]
    for key, value in full.items():
        assert got[key] == value, key

    listed = go("ListTokens", collectionId=collection_id, page={"page": 0, "pageSize": 10})
    assert sorted(t["tokenId"] for t in listed["tokens"] or []) == sorted([full["tokenId"], bare["tokenId"]])

    change = {
        "tokenId": full["tokenId"],
        "name": "Go token after",
        "description": "after",
        "attributes": [{"v": 1}],
    }
    updated = go(
        "UpdateToken", collectionId=collection_id, tokenId=full["tokenId"], token=change, private=True
    )
    assert updated["token"]["name"] == "Go token after"
    got = go("GetToken", collectionId=collection_id, tokenId=full["tokenId"])["token"]
    assert (got["name"], got["description"], got["attributes"]) == ("Go token after", "after", [{"v": 1}])

    assert go("DeleteToken", collectionId=collection_id, tokenId=bare["tokenId"]) == {"status": True}
    expect_error(lambda: go("GetToken", collectionId=collection_id, tokenId=bare["tokenId"]), "NotFound")


@pytest.mark.sequence_operation("CreateAsset", "GetAsset", "UpdateAsset", "DeleteAsset")
def test_asset_rpcs_with_go_bodies(go: GoCaller) -> None:
    collection_id = go.collection()["id"]
    token_id = go(
        "CreateToken",
        collectionId=collection_id,
        token={"tokenId": new_token_id(), "name": "T"},
        private=True,
    )["token"]["tokenId"]

    # A fresh metadata.Asset: "id": 0, "url": "" and the zero updatedAt go on the wire.
    asset = go(
        "CreateAsset", asset={"collectionId": collection_id, "tokenId": token_id, "metadataField": "image"}
    )["asset"]
    assert (go.sent["projectId"], go.sent["asset"]["id"], go.sent["asset"]["url"]) == (None, 0, "")
    assert go.sent["asset"]["updatedAt"] == ZERO_TIME
    assert asset["id"] > 0
    assert (asset["collectionId"], asset["tokenId"], asset["metadataField"], asset["url"]) == (
        collection_id,
        token_id,
        "image",
        "",
    )
    # A collection-level asset: the nil *BigInt goes as "tokenId": null.
    level = go("CreateAsset", asset={"collectionId": collection_id, "metadataField": "image"})["asset"]
    assert go.sent["asset"]["tokenId"] is None
    assert (level["collectionId"], level["tokenId"]) == (collection_id, None)

    got = go("GetAsset", assetId=asset["id"])["asset"]
    assert (got["id"], got["collectionId"], got["tokenId"], got["metadataField"]) == (
        asset["id"],
        collection_id,
        token_id,
        "image",
    )

    change = {
        "id": asset["id"],
        "collectionId": collection_id,
        "tokenId": token_id,
        "metadataField": "animation_url",
    }
    updated = go("UpdateAsset", asset=change)["asset"]
    assert (updated["id"], updated["metadataField"]) == (asset["id"], "animation_url")
    assert go("GetAsset", assetId=asset["id"])["asset"]["metadataField"] == "animation_url"

    assert go("DeleteAsset", assetId=asset["id"]) == {"status": True}
    expect_error(lambda: go("GetAsset", assetId=asset["id"]), "NotFound")


@pytest.mark.sequence_operation(
    "CreateContractCollection",
    "GetContractCollection",
    "ListContractCollections",
    "UpdateContractCollection",
    "DeleteContractCollection",
)
def test_contract_collection_rpcs_with_go_bodies(go: GoCaller, sequence_target: Target) -> None:
    first, second = go.collection()["id"], go.collection()["id"]
    project = sequence_target.project_id  # a plain uint64 in these four methods: Go sends what it is given
    address = new_address()
    link = {"chainId": CHAIN, "contractAddress": address, "collectionId": first}
    created = go("CreateContractCollection", projectId=project, contractCollection=link)["contractCollection"]
    assert created["id"] > 0
    assert (created["chainId"], created["contractAddress"], created["collectionId"]) == (
        CHAIN,
        address.lower(),
        first,
    )

    where = {"projectId": project, "chainId": CHAIN, "contractAddress": address}
    assert go("GetContractCollection", **where)["contractCollection"] == created

    listed = go("ListContractCollections", projectId=project, collectionId=first)  # page: null
    assert [c["contractAddress"] for c in listed["contractCollections"] or []] == [address.lower()]

    moved = {**link, "collectionId": second}
    assert go("UpdateContractCollection", projectId=project, contractCollection=moved) == {"ok": True}
    assert go("GetContractCollection", **where)["contractCollection"]["collectionId"] == second

    assert go("DeleteContractCollection", **where) == {"ok": True}
    expect_error(lambda: go("GetContractCollection", **where), "NotFound")
