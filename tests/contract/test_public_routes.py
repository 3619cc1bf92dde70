"""The REST routes that serve hosted metadata and files publicly, and the owner-only asset route."""

from __future__ import annotations

import pytest

from pytest_sequence_metadata.client.core import MetadataClient
from pytest_sequence_metadata.suite.helpers import World
from pytest_sequence_metadata.suite.oracle import PublicView

# Keys that would leak the owner's side of a resource into public JSON.
PRIVATE_KEYS = {"private", "revealKey", "projectId", "deletedAt", "status", "queuedAt", "lastFetched"}


@pytest.mark.sequence_operation("GetPublicCollectionMetadata", "GetPublicCollectionMetadataJson")
def test_published_collection_json_is_the_same_with_and_without_json_suffix(
    world: World, public: PublicView
) -> None:
    collection = world.collection(description="public collection", external_link="https://example.com/c")
    world.client.publish_collection(collection["id"])
    plain, suffixed = (
        public.collection(collection["id"]),
        public.collection(collection["id"], json_suffix=True),
    )
    assert plain.status_code == suffixed.status_code == 200
    assert plain.headers["content-type"].startswith("application/json")
    assert plain.json() == suffixed.json()
    body = plain.json()
    assert body["name"] == collection["metadata"]["name"]
    assert body["description"] == "public collection"
    assert body["external_link"] == "https://example.com/c"


@pytest.mark.sequence_operation("GetPublicTokenMetadata", "GetPublicTokenMetadataJson")
def test_public_token_json_is_the_same_with_and_without_json_suffix(world: World, public: PublicView) -> None:
    collection = world.collection()
    token = world.token(
        collection["id"],
        private=False,
        description="visible",
        attributes=[{"trait_type": "Hat", "value": "red"}],
    )
    world.client.publish_collection(collection["id"])
    plain = public.token(collection["id"], token["tokenId"])
    suffixed = public.token(collection["id"], token["tokenId"], json_suffix=True)
    assert plain.status_code == suffixed.status_code == 200
    assert plain.json() == suffixed.json()
    body = plain.json()
    assert (body["name"], body["description"]) == (token["name"], "visible")
    assert body["attributes"] == [{"trait_type": "Hat", "value": "red"}]


@pytest.mark.sequence_privacy("public-json-has-no-private-fields")
@pytest.mark.sequence_operation("GetPublicCollectionMetadata", "GetPublicTokenMetadata")
def test_public_json_carries_no_private_fields(world: World, public: PublicView) -> None:
    collection, token = world.published(token_private=False)
    collection_json = public.collection(collection["id"]).json()
    token_json = public.token(collection["id"], token["tokenId"]).json()
    assert not PRIVATE_KEYS & set(collection_json), sorted(PRIVATE_KEYS & set(collection_json))
    assert not PRIVATE_KEYS & set(token_json), sorted(PRIVATE_KEYS & set(token_json))


@pytest.mark.sequence_operation("GetPublicTokenMetadata")
def test_uploaded_image_is_the_public_tokens_image(world: World, public: PublicView) -> None:
    collection, token = world.published(token_private=False)
    uploaded = world.image(collection["id"], token["tokenId"])
    body = public.token(collection["id"], token["tokenId"]).json()
    assert body["image"] == uploaded["url"]


@pytest.mark.sequence_privacy("private-asset-owner-only")
@pytest.mark.sequence_operation("GetPrivateTokenAsset")
def test_private_asset_route_serves_the_owner_whatever_the_publish_state(
    world: World, owner: MetadataClient, owner_view: PublicView
) -> None:
    collection_id = world.collection()["id"]
    token = world.token(collection_id, private=True)
    uploaded = world.image(collection_id, token["tokenId"])
    response = owner_view.private_asset(collection_id, token["tokenId"], "image")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(uploaded["mimeType"])
    owner.publish_collection(collection_id)
    assert owner_view.private_asset(collection_id, token["tokenId"], "image").status_code == 200


@pytest.mark.sequence_privacy("private-asset-owner-only")
@pytest.mark.sequence_operation("GetPrivateTokenAsset")
@pytest.mark.parametrize("who", ["anonymous", "other project"])
def test_private_asset_route_serves_nobody_else(
    world: World, public: PublicView, other_view: PublicView, owner_view: PublicView, who: str
) -> None:
    collection, token = world.published(token_private=True)
    world.image(collection["id"], token["tokenId"])
    view = public if who == "anonymous" else other_view
    response = view.private_asset(collection["id"], token["tokenId"], "image")
    assert response.status_code in (401, 403, 404), response.status_code
    assert response.headers["content-type"].startswith("application/json")
    assert response.content != owner_view.private_asset(collection["id"], token["tokenId"], "image").content
