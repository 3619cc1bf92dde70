"""Per-operation behaviour of the collection RPCs: shapes, echoed values, errors, pagination."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_sequence_metadata.checks.helpers import World, expect_error
from pytest_sequence_metadata.checks.oracle import NEVER_COLLECTION_ID
from pytest_sequence_metadata.client import MetadataClient
from pytest_sequence_metadata.fixtures import CollectionFactory
from pytest_sequence_metadata.runtime import Target

INVALID = ("InvalidArgument", "RequiredArgument", "ValidationFailed", "WebrpcBadRequest")


@pytest.mark.sequence_operation("CreateCollection")
def test_create_collection_echoes_metadata_on_the_wire_names(
    sequence_collection_factory: CollectionFactory, sequence_target: Target
) -> None:
    metadata = {
        "description": "all the fields",
        "image": "https://example.com/c.png",
        "external_link": "https://example.com",
        "properties": {"rarity": "gold", "level": 3, "tags": ["a", "b"], "nested": {"x": 1}},
        "attributes": [{"trait_type": "kind", "value": "dragon"}],
    }
    created = sequence_collection_factory(metadata)
    assert isinstance(created["id"], int)
    assert created["id"] > 0
    assert created["projectId"] == sequence_target.project_id
    for key, value in metadata.items():
        if key == "properties":
            assert {k: created["metadata"]["properties"][k] for k in value} == value
        else:
            assert created["metadata"][key] == value, key
    assert "externalLink" not in created["metadata"]


@pytest.mark.sequence_operation("CreateCollection", "GetCollection")
def test_base_uris_point_at_the_collection(
    sequence_collection: dict[str, Any], sequence_target: Target
) -> None:
    base = sequence_collection["baseURIs"]
    prefix = f"/projects/{sequence_target.project_id}/collections/{sequence_collection['id']}"
    assert base["contractMetadataURI"].endswith(prefix + ".json")
    assert base["tokenMetadataURI"].endswith(prefix + "/tokens/")


@pytest.mark.sequence_operation("CreateCollection")
def test_explicitly_private_collection_is_created_private(
    sequence_collection_factory: CollectionFactory,
) -> None:
    assert sequence_collection_factory(private=True)["private"] is True


@pytest.mark.sequence_operation("CreateCollection")
@pytest.mark.parametrize(
    "collection",
    [
        pytest.param({}, id="no-metadata"),
        pytest.param({"metadata": {"description": "no name"}}, id="no-name"),
        pytest.param({"metadata": {"name": ""}}, id="empty-name"),
        pytest.param({"metadata": {"name": 42}}, id="name-not-a-string"),
        pytest.param({"metadata": "just text"}, id="metadata-not-an-object"),
    ],
)
def test_create_collection_rejects_invalid_input(owner: MetadataClient, collection: dict[str, Any]) -> None:
    error = expect_error(lambda: owner.create_collection(collection), *INVALID)
    assert error.http_status == 400


@pytest.mark.sequence_operation("GetCollection")
def test_get_collection_returns_what_was_created(
    owner: MetadataClient, sequence_collection: dict[str, Any]
) -> None:
    got = owner.get_collection(sequence_collection["id"])["collection"]
    for key in ("id", "projectId", "metadata", "private", "createdAt"):
        assert got[key] == sequence_collection[key], key


@pytest.mark.sequence_operation("GetCollection")
def test_get_collection_counts_tokens(world: World, owner: MetadataClient) -> None:
    collection = world.collection()
    for _ in range(3):
        world.token(collection["id"], private=True)
    got = owner.get_collection(collection["id"])["collection"]
    if "tokenCount" in got:
        assert got["tokenCount"] == 3


@pytest.mark.sequence_operation(
    "GetCollection", "UpdateCollection", "DeleteCollection", "PublishCollection", "UnpublishCollection"
)
@pytest.mark.parametrize("operation", ["get", "update", "delete", "publish", "unpublish"])
def test_unknown_collection_is_not_found_with_http_400(owner: MetadataClient, operation: str) -> None:
    never = NEVER_COLLECTION_ID
    calls = {
        "get": lambda: owner.get_collection(never),
        "update": lambda: owner.update_collection({"id": never, "metadata": {"name": "x"}}),
        "delete": lambda: owner.delete_collection(never),
        "publish": lambda: owner.publish_collection(never),
        "unpublish": lambda: owner.unpublish_collection(never),
    }
    error = expect_error(calls[operation], "NotFound")
    assert (error.code, error.http_status, error.status) == (3000, 400, 400)


@pytest.mark.sequence_operation("GetCollection")
@pytest.mark.parametrize("collection_id", [0, -1, 1.5, "7", None])
def test_get_collection_rejects_ids_that_are_not_positive_integers(
    owner: MetadataClient, collection_id: Any
) -> None:
    body = {"collectionId": collection_id} if collection_id is not None else {}
    error = expect_error(lambda: owner.rpc("GetCollection", body), *INVALID)
    assert error.http_status == 400


@pytest.mark.sequence_operation("ListCollections")
def test_list_collections_without_page_uses_the_default_page_size(owner: MetadataClient) -> None:
    answer = owner.list_collections()
    assert answer["page"]["pageSize"] == 30
    assert len(answer["collections"] or []) <= 30


@pytest.mark.sequence_operation("ListCollections")
def test_list_collections_pages_lose_and_repeat_nothing(
    sequence_collection_factory: CollectionFactory, owner: MetadataClient
) -> None:
    mine = {sequence_collection_factory()["id"] for _ in range(5)}
    seen: list[int] = []
    page, pages = 0, 0  # numbered pages count from 0 [A:page-numbering]
    while True:
        answer = owner.list_collections(page={"page": page, "pageSize": 2})
        batch = answer["collections"] or []
        assert len(batch) <= 2
        seen.extend(c["id"] for c in batch)
        pages += 1
        if not answer["page"].get("more"):
            break
        assert len(batch) == 2, "a page that says `more` must be full"
        page += 1
        assert pages < 10_000
    assert len(seen) == len(set(seen)), "an item was repeated across pages"
    assert mine <= set(seen), f"missing from the listing: {sorted(mine - set(seen))}"


@pytest.mark.sequence_operation("UpdateCollection", "GetCollection")
def test_update_collection_replaces_metadata(
    owner: MetadataClient, sequence_collection: dict[str, Any]
) -> None:
    collection_id = sequence_collection["id"]
    metadata = {
        **sequence_collection["metadata"],
        "name": sequence_collection["metadata"]["name"] + " renamed",
        "description": "updated description",
        "external_link": "https://example.com/updated",
    }
    updated = owner.update_collection({"id": collection_id, "metadata": metadata})["collection"]
    assert updated["id"] == collection_id
    for key in ("name", "description", "external_link"):
        assert updated["metadata"][key] == metadata[key], key
    stored = owner.get_collection(collection_id)["collection"]["metadata"]
    for key in ("name", "description", "external_link"):
        assert stored[key] == metadata[key], key


@pytest.mark.sequence_operation("DeleteCollection")
def test_delete_collection_answers_status_true(
    owner: MetadataClient, sequence_collection: dict[str, Any]
) -> None:
    assert owner.delete_collection(sequence_collection["id"]) == {"status": True}
    expect_error(lambda: owner.get_collection(sequence_collection["id"]), "NotFound")


@pytest.mark.sequence_operation("PublishCollection", "UnpublishCollection")
def test_publish_and_unpublish_flip_the_private_flag(
    owner: MetadataClient, sequence_collection: dict[str, Any]
) -> None:
    collection_id = sequence_collection["id"]
    published = owner.publish_collection(collection_id)["collection"]
    assert (published["id"], published["private"]) == (collection_id, False)
    assert owner.get_collection(collection_id)["collection"]["private"] is False
    unpublished = owner.unpublish_collection(collection_id)["collection"]
    assert (unpublished["id"], unpublished["private"]) == (collection_id, True)
    assert owner.get_collection(collection_id)["collection"]["private"] is True


@pytest.mark.sequence_operation("PublishCollection")
def test_publishing_twice_is_harmless(owner: MetadataClient, sequence_collection: dict[str, Any]) -> None:
    owner.publish_collection(sequence_collection["id"])
    assert owner.publish_collection(sequence_collection["id"])["collection"]["private"] is False
