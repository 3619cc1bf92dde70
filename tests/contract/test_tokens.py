"""Per-operation behaviour of the token RPCs: uint256 ids as decimal strings, wire names, pagination."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_sequence_metadata.checks.helpers import World, expect_error, new_token_id
from pytest_sequence_metadata.checks.oracle import NEVER_COLLECTION_ID, never_token_id
from pytest_sequence_metadata.client import MetadataClient

INVALID = ("InvalidArgument", "RequiredArgument", "ValidationFailed", "WebrpcBadRequest")
GUIDE_TOKEN_ID = "457657099779485875855215293997335918990635014431"  # 159 bits, from the guide
MAX_UINT256 = str(2**256 - 1)


@pytest.mark.sequence_operation("CreateToken")
def test_create_token_echoes_fields_with_wire_names(world: World, owner: MetadataClient) -> None:
    collection = world.collection()
    token = {
        "tokenId": new_token_id(),
        "name": "Wire names",
        "description": "every optional field",
        "image": "https://example.com/t.png",
        "decimals": 0,
        "properties": {"power": 9, "element": "fire"},
        "attributes": [{"trait_type": "Eyes", "value": "green"}],
        "external_url": "https://example.com/t",
        "animation_url": "https://example.com/t.mp4",
        "background_color": "ffffff",
        "image_data": "<svg/>",
    }
    created = owner.create_token(collection["id"], token, private=True)["token"]
    for key, value in token.items():
        assert created[key] == value, key
    for camel in ("externalUrl", "animationUrl", "backgroundColor", "imageData"):
        assert camel not in created


@pytest.mark.sequence_operation("CreateToken", "GetToken")
@pytest.mark.parametrize(
    "token_id", ["0", "1", GUIDE_TOKEN_ID, MAX_UINT256], ids=["zero", "one", "guide", "max"]
)
def test_token_ids_round_trip_as_exact_decimal_strings(
    world: World, owner: MetadataClient, token_id: str
) -> None:
    collection = world.collection()
    created = world.token(collection["id"], private=True, token_id=token_id)
    assert created["tokenId"] == token_id
    got = owner.get_token(collection["id"], token_id)["token"]
    assert got["tokenId"] == token_id
    assert isinstance(got["tokenId"], str)


@pytest.mark.sequence_operation("CreateToken")
@pytest.mark.parametrize(
    "token_id",
    ["abc", "0x1f", "-1", "1.5", " 7", "", str(2**256)],
    ids=["word", "hex", "negative", "fraction", "space", "empty", "above-uint256"],
)
def test_create_token_rejects_ids_that_are_not_uint256_decimals(
    world: World, owner: MetadataClient, token_id: str
) -> None:
    collection = world.collection()
    error = expect_error(
        lambda: owner.create_token(collection["id"], {"tokenId": token_id, "name": "bad"}, private=True),
        *INVALID,
    )
    assert error.http_status == 400


@pytest.mark.sequence_operation("CreateToken")
def test_create_token_in_an_unknown_collection_is_not_found(owner: MetadataClient) -> None:
    expect_error(
        lambda: owner.create_token(NEVER_COLLECTION_ID, {"tokenId": "1", "name": "x"}, private=True),
        "NotFound",
    )


@pytest.mark.sequence_operation("CreateToken")
def test_a_duplicate_token_id_is_refused(world: World, owner: MetadataClient) -> None:
    collection = world.collection()
    token = world.token(collection["id"], private=True)
    error = expect_error(
        lambda: owner.create_token(
            collection["id"], {"tokenId": token["tokenId"], "name": "again"}, private=True
        ),
        "RequestConflict",
        "QueryFailed",
        "InvalidArgument",
    )
    assert 400 <= error.http_status < 500
    listed = owner.list_tokens(collection["id"])["tokens"] or []
    assert [t["tokenId"] for t in listed].count(token["tokenId"]) == 1


@pytest.mark.sequence_operation("GetToken")
def test_get_token_returns_the_token_and_its_assets(world: World, owner: MetadataClient) -> None:
    collection = world.collection()
    token = world.token(collection["id"], private=True)
    assert not owner.get_token(collection["id"], token["tokenId"])["assets"]
    uploaded = world.image(collection["id"], token["tokenId"])
    answer = owner.get_token(collection["id"], token["tokenId"])
    assert answer["token"]["name"] == token["name"]
    assert [a["id"] for a in answer["assets"]] == [uploaded["id"]]


@pytest.mark.sequence_operation("GetToken", "UpdateToken", "DeleteToken")
@pytest.mark.parametrize("operation", ["get", "update", "delete"])
def test_unknown_token_is_not_found(world: World, owner: MetadataClient, operation: str) -> None:
    collection_id = world.collection()["id"]
    never = never_token_id()
    calls = {
        "get": lambda: owner.get_token(collection_id, never),
        "update": lambda: owner.update_token(
            collection_id, never, {"tokenId": never, "name": "x"}, private=True
        ),
        "delete": lambda: owner.delete_token(collection_id, never),
    }
    error = expect_error(calls[operation], "NotFound")
    assert error.http_status == 400


@pytest.mark.sequence_operation("ListTokens")
def test_list_tokens_pages_lose_and_repeat_nothing(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    created = {world.token(collection_id, private=i % 2 == 0)["tokenId"] for i in range(7)}
    seen: list[str] = []
    page = 0  # numbered pages count from 0 [A:page-numbering]
    while True:
        answer = owner.list_tokens(collection_id, page={"page": page, "pageSize": 3})
        batch = answer["tokens"] or []
        assert len(batch) <= 3
        seen.extend(t["tokenId"] for t in batch)
        if not answer["page"].get("more"):
            break
        assert len(batch) == 3, "a page that says `more` must be full"
        page += 1
        assert page < 100
    assert sorted(seen) == sorted(created), "pages must hold every token exactly once"


@pytest.mark.sequence_operation("ListTokens")
def test_list_tokens_of_an_empty_collection_is_empty(world: World, owner: MetadataClient) -> None:
    answer = owner.list_tokens(world.collection()["id"])
    assert not answer["tokens"]
    assert answer["page"]["more"] is False


@pytest.mark.sequence_operation("UpdateToken", "GetToken")
def test_update_token_changes_what_get_returns(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    token = world.token(collection_id, private=True, description="before")
    change = {"tokenId": token["tokenId"], "name": "After", "description": "after", "attributes": [{"v": 1}]}
    answer = owner.update_token(collection_id, token["tokenId"], change, private=True)
    assert set(answer) == {"token"}, "UpdateToken answers only the token"
    assert answer["token"]["name"] == "After"
    got = owner.get_token(collection_id, token["tokenId"])["token"]
    assert (got["name"], got["description"], got["attributes"]) == ("After", "after", [{"v": 1}])


@pytest.mark.sequence_operation("DeleteToken", "ListTokens")
def test_delete_token_answers_status_true_and_leaves_the_others(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    keep = world.token(collection_id, private=True)
    drop = world.token(collection_id, private=True)
    assert owner.delete_token(collection_id, drop["tokenId"]) == {"status": True}
    listed = [t["tokenId"] for t in owner.list_tokens(collection_id)["tokens"] or []]
    assert listed == [keep["tokenId"]]


@pytest.mark.sequence_operation("CreateToken")
@pytest.mark.parametrize(
    "token",
    [
        pytest.param({"name": "no id"}, id="no-token-id"),
        pytest.param({"tokenId": 5, "name": "number id"}, id="token-id-number"),
        pytest.param({"tokenId": "1", "name": ""}, id="empty-name"),
    ],
)
def test_create_token_rejects_invalid_tokens(
    world: World, owner: MetadataClient, token: dict[str, Any]
) -> None:
    collection_id = world.collection()["id"]
    expect_error(lambda: owner.create_token(collection_id, token, private=True), *INVALID)


@pytest.mark.sequence_operation("CreateToken", "ListTokens")
def test_concurrent_creates_in_one_collection_lose_nothing(world: World, owner: MetadataClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    collection_id = world.collection()["id"]
    wanted = [new_token_id() for _ in range(24)]

    def create(token_id: str) -> str:
        created: str = owner.create_token(
            collection_id, {"tokenId": token_id, "name": "parallel"}, private=True
        )["token"]["tokenId"]
        return created

    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(create, wanted))
    assert created == wanted
    listed: list[str] = []
    page = 0  # numbered pages count from 0 [A:page-numbering]
    while True:
        answer = owner.list_tokens(collection_id, page={"page": page, "pageSize": 10})
        listed.extend(t["tokenId"] for t in answer["tokens"] or [])
        if not answer["page"].get("more"):
            break
        page += 1
    assert sorted(listed) == sorted(wanted)
