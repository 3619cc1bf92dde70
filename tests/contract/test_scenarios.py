"""Named end-to-end scenarios: the guide's eight steps, then the reverse flows and what each does."""

from __future__ import annotations

import pytest

from pytest_sequence_metadata.checks.helpers import PNG, World, assert_hidden, expect_error, new_token_id
from pytest_sequence_metadata.checks.oracle import NEVER_COLLECTION_ID, PublicView, never_token_id
from pytest_sequence_metadata.client import MetadataClient
from pytest_sequence_metadata.fixtures import CollectionFactory
from pytest_sequence_metadata.runtime import Target

pytestmark = pytest.mark.sequence_operation(
    "CreateCollection",
    "CreateToken",
    "CreateAsset",
    "UploadTokenAsset",
    "UpdateToken",
    "PublishCollection",
    "GetPublicTokenMetadata",
    "GetPublicTokenFile",
    "GetPrivateTokenAsset",
)


# What the guide's flow shows about privacy: nothing public before publishing, the token made
# non-private shown once published, the owner's private file route before and after.
@pytest.mark.sequence_privacy("private-until-published")
@pytest.mark.sequence_privacy("unprivate-token-visible-once-published")
@pytest.mark.sequence_privacy("private-asset-owner-only")
def test_the_guides_eight_steps(
    sequence_collection_factory: CollectionFactory,
    owner: MetadataClient,
    public: PublicView,
    owner_view: PublicView,
    sequence_target: Target,
) -> None:
    # Step 2: create the collection (the JWT is step 1).
    collection = sequence_collection_factory(
        {"description": "guide flow", "external_link": "https://example.com/guide"}
    )
    collection_id = collection["id"]
    assert collection["projectId"] == sequence_target.project_id
    assert collection["metadata"]["external_link"] == "https://example.com/guide"

    # Step 3: a token with a 160-bit id, given as a decimal string.
    token_id = new_token_id()
    attributes = [{"trait_type": "Power", "value": 9}]
    token = owner.create_token(
        collection_id,
        {
            "tokenId": token_id,
            "name": "Guide token",
            "description": "made by the guide",
            "decimals": 0,
            "attributes": attributes,
        },
        private=True,
    )["token"]
    assert token["tokenId"] == token_id
    assert token["attributes"] == attributes

    # Step 4: an `image` asset for the token; the server assigns its id.
    asset = owner.create_asset(
        {"collectionId": collection_id, "tokenId": token_id, "metadataField": "image"}
    )["asset"]
    assert asset["tokenId"] == token_id
    assert asset["metadataField"] == "image"

    # Step 5: upload the image through the token route; the answer is the bare Asset.
    uploaded = owner.upload_token_asset(collection_id, token_id, asset["id"], PNG, content_type="image/png")
    assert uploaded["id"] == asset["id"]
    assert uploaded["mimeType"] == "image/png"
    assert uploaded["filesize"] == len(PNG)
    assert uploaded["url"]

    # Before publishing nothing is public, but the owner reads the file privately.
    never = never_token_id()
    assert_hidden(public.token(collection_id, token_id), public.token(collection_id, never), token_id, never)
    private_file = owner_view.private_asset(collection_id, token_id, "image")
    assert private_file.status_code == 200
    assert private_file.content == PNG

    # Step 6: make the token non-private.
    owner.update_token(collection_id, token_id, {"tokenId": token_id, "name": "Guide token"}, private=False)

    # Step 7: publish.
    assert owner.publish_collection(collection_id)["collection"]["private"] is False

    # Step 8: the token metadata and its file are public, without any credentials.
    metadata = public.token(collection_id, token_id)
    assert metadata.status_code == 200, metadata.text
    assert metadata.json()["name"] == "Guide token"
    served = public.url(uploaded["url"])
    assert served.status_code == 200
    assert served.content == PNG
    assert served.headers["content-type"].startswith("image/png")

    # "Render privately": the JWT route keeps working after publishing too.
    assert owner_view.private_asset(collection_id, token_id, "image").content == PNG


@pytest.mark.sequence_privacy("unpublish-hides-again")
def test_unpublish_hides_what_publishing_showed(
    world: World, owner: MetadataClient, public: PublicView
) -> None:
    collection, token = world.published(token_private=False)
    collection_id, token_id = collection["id"], token["tokenId"]
    assert public.collection(collection_id).status_code == 200
    assert public.token(collection_id, token_id).status_code == 200

    assert owner.unpublish_collection(collection_id)["collection"]["private"] is True
    never = NEVER_COLLECTION_ID
    assert_hidden(public.collection(collection_id), public.collection(never), collection_id, never)
    never_token = never_token_id()
    assert_hidden(
        public.token(collection_id, token_id), public.token(collection_id, never_token), token_id, never_token
    )
    # The owner still reads everything through the RPCs.
    assert owner.get_token(collection_id, token_id)["token"]["tokenId"] == token_id


@pytest.mark.sequence_privacy("deleted-vanish")
@pytest.mark.sequence_operation("DeleteToken", "GetToken", "ListTokens")
def test_deleting_a_token_removes_it_from_every_read(
    world: World, owner: MetadataClient, public: PublicView
) -> None:
    collection, token = world.published(token_private=False)
    collection_id, token_id = collection["id"], token["tokenId"]
    uploaded = world.image(collection_id, token_id)
    assert public.token(collection_id, token_id).status_code == 200
    assert public.url(uploaded["url"]).status_code == 200

    assert owner.delete_token(collection_id, token_id) == {"status": True}

    expect_error(lambda: owner.get_token(collection_id, token_id), "NotFound")
    listed = owner.list_tokens(collection_id)["tokens"] or []
    assert token_id not in {t["tokenId"] for t in listed}
    never = never_token_id()
    assert_hidden(public.token(collection_id, token_id), public.token(collection_id, never), token_id, never)
    assert public.url(uploaded["url"]).status_code != 200


@pytest.mark.sequence_privacy("deleted-vanish")
@pytest.mark.sequence_operation("DeleteCollection", "GetCollection", "ListCollections")
def test_deleting_a_collection_removes_it_and_its_tokens(
    world: World, owner: MetadataClient, public: PublicView
) -> None:
    collection, token = world.published(token_private=False)
    collection_id, token_id = collection["id"], token["tokenId"]
    assert public.collection(collection_id).status_code == 200

    assert owner.delete_collection(collection_id) == {"status": True}

    expect_error(lambda: owner.get_collection(collection_id), "NotFound")
    expect_error(lambda: owner.get_token(collection_id, token_id), "NotFound")
    expect_error(lambda: owner.delete_collection(collection_id), "NotFound")
    never = NEVER_COLLECTION_ID
    assert_hidden(public.collection(collection_id), public.collection(never), collection_id, never)
    assert_hidden(public.token(collection_id, token_id), public.token(never, token_id), collection_id, never)
