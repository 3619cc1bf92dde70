"""Per-operation behaviour of the asset RPCs and both upload routes."""

from __future__ import annotations

import pytest

from pytest_sequence_metadata.checks.helpers import PNG, World, expect_error
from pytest_sequence_metadata.checks.oracle import PublicView
from pytest_sequence_metadata.client import MetadataClient
from pytest_sequence_metadata.fixtures import tiny_png

INVALID = ("InvalidArgument", "RequiredArgument", "ValidationFailed", "WebrpcBadRequest")
NEVER_ASSET_ID = 9_007_199_254_740_000


@pytest.mark.sequence_operation("CreateAsset")
def test_create_asset_assigns_an_id_and_has_no_file_yet(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    token = world.token(collection_id, private=True)
    asset = owner.create_asset(
        {"collectionId": collection_id, "tokenId": token["tokenId"], "metadataField": "image"}
    )["asset"]
    assert isinstance(asset["id"], int)
    assert asset["id"] > 0
    assert (asset["collectionId"], asset["tokenId"], asset["metadataField"]) == (
        collection_id,
        token["tokenId"],
        "image",
    )
    assert asset["url"] == ""


@pytest.mark.sequence_operation("CreateAsset")
def test_collection_level_asset_has_a_null_token_id(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    asset = owner.create_asset({"collectionId": collection_id, "metadataField": "image"})["asset"]
    assert asset["tokenId"] is None


@pytest.mark.sequence_operation("CreateAsset")
def test_create_asset_takes_what_the_go_client_sends(world: World, owner: MetadataClient) -> None:
    # A fresh metadata.Asset in Go: every non-omitempty field with its zero value, and a nil projectId.
    collection_id = world.collection()["id"]
    world.token(collection_id, private=True, token_id="12")
    body = {
        "projectId": None,
        "asset": {
            "id": 0,
            "collectionId": collection_id,
            "tokenId": "12",
            "url": "",
            "metadataField": "image",
            "updatedAt": "0001-01-01T00:00:00Z",
        },
    }
    asset = owner.rpc("CreateAsset", body)["asset"]
    assert (asset["tokenId"], asset["metadataField"], asset["url"]) == ("12", "image", "")
    assert asset["id"] > 0


@pytest.mark.sequence_operation("CreateAsset")
def test_create_asset_rejects_an_unknown_metadata_field(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    expect_error(
        lambda: owner.create_asset({"collectionId": collection_id, "metadataField": "poster"}), *INVALID
    )


@pytest.mark.sequence_operation("GetAsset", "UpdateAsset", "DeleteAsset")
def test_get_update_and_delete_an_asset(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    token = world.token(collection_id, private=True)
    created = owner.create_asset(
        {"collectionId": collection_id, "tokenId": token["tokenId"], "metadataField": "image"}
    )["asset"]
    got = owner.get_asset(created["id"])["asset"]
    assert (got["id"], got["collectionId"], got["metadataField"]) == (created["id"], collection_id, "image")

    change = {
        "id": created["id"],
        "collectionId": collection_id,
        "tokenId": token["tokenId"],
        "metadataField": "animation_url",
    }
    updated = owner.update_asset(change)["asset"]
    assert (updated["id"], updated["metadataField"]) == (created["id"], "animation_url")
    assert owner.get_asset(created["id"])["asset"] == updated

    assert owner.delete_asset(created["id"]) == {"status": True}
    expect_error(lambda: owner.get_asset(created["id"]), "NotFound")
    assert not owner.get_token(collection_id, token["tokenId"])["assets"]


@pytest.mark.sequence_operation("GetAsset", "DeleteAsset")
@pytest.mark.parametrize("operation", ["get", "delete"])
def test_unknown_asset_is_not_found(owner: MetadataClient, operation: str) -> None:
    call = owner.get_asset if operation == "get" else owner.delete_asset
    error = expect_error(lambda: call(NEVER_ASSET_ID), "NotFound")
    assert error.http_status == 400


@pytest.mark.sequence_operation("UploadAsset")
def test_upload_by_asset_id_answers_the_bare_asset_with_detected_media(
    world: World, owner: MetadataClient
) -> None:
    collection_id = world.collection()["id"]
    token = world.token(collection_id, private=True)
    asset = owner.create_asset(
        {"collectionId": collection_id, "tokenId": token["tokenId"], "metadataField": "image"}
    )["asset"]
    image = tiny_png(5, 2)
    uploaded = owner.upload_asset(collection_id, asset["id"], image, filename="whatever.bin")
    assert "asset" not in uploaded, "the upload answers the Asset itself, not a wrapper"
    assert uploaded["id"] == asset["id"]
    assert (uploaded["mimeType"], uploaded["filesize"]) == ("image/png", len(image))
    assert (uploaded["width"], uploaded["height"]) == (5, 2)
    assert uploaded["url"]
    assert owner.get_asset(asset["id"])["asset"]["url"] == uploaded["url"]


@pytest.mark.sequence_operation("UploadTokenAsset")
@pytest.mark.parametrize("by", ["asset-id", "asset-type"])
def test_upload_by_token_and_asset_id_or_type(world: World, owner: MetadataClient, by: str) -> None:
    collection_id = world.collection()["id"]
    token = world.token(collection_id, private=True)
    asset = owner.create_asset(
        {"collectionId": collection_id, "tokenId": token["tokenId"], "metadataField": "image"}
    )["asset"]
    ref = asset["id"] if by == "asset-id" else "image"
    uploaded = owner.upload_token_asset(collection_id, token["tokenId"], ref, PNG, content_type="image/png")
    assert uploaded["id"] == asset["id"]
    assert uploaded["filesize"] == len(PNG)


@pytest.mark.sequence_operation("UploadAsset")
def test_upload_to_an_unknown_asset_is_refused(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    expect_error(lambda: owner.upload_asset(collection_id, NEVER_ASSET_ID, PNG), "NotFound")


@pytest.mark.sequence_operation("UploadAsset", "GetPrivateTokenAsset")
def test_a_second_upload_replaces_the_file(
    world: World, owner: MetadataClient, owner_view: PublicView
) -> None:
    collection_id = world.collection()["id"]
    token = world.token(collection_id, private=True)
    first = world.image(collection_id, token["tokenId"], tiny_png(2, 2))
    second = tiny_png(7, 7)
    replaced = owner.upload_asset(collection_id, first["id"], second)
    assert (replaced["width"], replaced["filesize"]) == (7, len(second))
    assert owner_view.private_asset(collection_id, token["tokenId"], "image").content == second


@pytest.mark.sequence_operation("GetPrivateTokenAsset", "GetPublicTokenFile")
def test_files_are_served_byte_for_byte_with_their_content_type(
    world: World, owner: MetadataClient, public: PublicView, owner_view: PublicView
) -> None:
    collection, token = world.published(token_private=False)
    image = tiny_png(9, 4)
    uploaded = world.image(collection["id"], token["tokenId"], image)
    for response in (
        public.url(uploaded["url"]),
        owner_view.private_asset(collection["id"], token["tokenId"], "image"),
    ):
        assert response.status_code == 200
        assert response.content == image
        assert response.headers["content-type"].split(";")[0] == "image/png"
