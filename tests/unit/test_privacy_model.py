"""The privacy model on hand-written sequences: what each identity must see after each."""

from __future__ import annotations

import pytest

from pytest_sequence_metadata.contract.assumptions import ASSUMPTIONS
from pytest_sequence_metadata.suite.privacy_model import (
    READS,
    SUPPORTED_ASSUMPTIONS,
    Expectation,
    PrivacyModel,
    Read,
    UndocumentedBehaviour,
)

C, PUBLIC, PRIVATE = 7, "101", "202"
PUBLIC_READS = (Read.PUBLIC_TOKEN, Read.PUBLIC_TOKEN_JSON)


def outcome(model: PrivacyModel, identity: str, read: Read, token_id: str | None = None) -> str:
    return model.expect(identity, read, C, token_id).outcome  # type: ignore[arg-type]


@pytest.fixture
def model() -> PrivacyModel:
    """A collection with a public and a private token, not published."""
    model = PrivacyModel()
    model.create_collection(C, "Collection")
    model.create_token(C, PUBLIC, "Public token", private=False)
    model.create_token(C, PRIVATE, "Private token", private=True)
    return model


def test_nothing_is_public_before_publishing(model: PrivacyModel) -> None:
    for identity in ("anonymous", "other"):
        assert outcome(model, identity, Read.PUBLIC_COLLECTION) == "hidden"
        for read in PUBLIC_READS:
            assert outcome(model, identity, read, PUBLIC) == "hidden"
    assert model.expect("owner", Read.GET_COLLECTION, C) == Expectation(
        "visible", {"collection.metadata.name": "Collection", "collection.private": True}
    )
    assert model.expect("owner", Read.LIST_TOKENS, C).token_ids == frozenset({PUBLIC, PRIVATE})


def test_publishing_shows_the_collection_and_only_its_non_private_tokens(model: PrivacyModel) -> None:
    model.publish(C)
    assert model.expect("anonymous", Read.PUBLIC_COLLECTION_JSON, C).fields == {"name": "Collection"}
    assert model.expect("other", Read.PUBLIC_TOKEN, C, PUBLIC) == Expectation(
        "visible", {"tokenId": PUBLIC, "name": "Public token"}
    )
    assert outcome(model, "anonymous", Read.PUBLIC_TOKEN, PRIVATE) == "hidden"
    assert model.expect("owner", Read.GET_COLLECTION, C).fields["collection.private"] is False

    model.update_token(C, PRIVATE, private=False, name="Revealed")
    assert model.expect("anonymous", Read.PUBLIC_TOKEN_JSON, C, PRIVATE).fields["name"] == "Revealed"


def test_unpublish_and_private_hide_again(model: PrivacyModel) -> None:
    model.publish(C)
    model.update_token(C, PUBLIC, private=True)
    assert outcome(model, "anonymous", Read.PUBLIC_TOKEN, PUBLIC) == "hidden"
    model.update_token(C, PUBLIC, private=False)
    model.unpublish(C)
    assert outcome(model, "anonymous", Read.PUBLIC_COLLECTION, None) == "hidden"
    assert outcome(model, "anonymous", Read.PUBLIC_TOKEN, PUBLIC) == "hidden"
    assert outcome(model, "owner", Read.GET_TOKEN, PUBLIC) == "visible"


def test_files_are_private_until_the_token_is_public(model: PrivacyModel) -> None:
    model.upload(C, PRIVATE, b"png-1", "image.png")
    # The owner reads the file through the JWT route whatever the publish state; nobody else does.
    assert model.expect("owner", Read.PRIVATE_ASSET, C, PRIVATE) == Expectation("visible", content=b"png-1")
    assert outcome(model, "anonymous", Read.PRIVATE_ASSET, PRIVATE) == "hidden"
    assert outcome(model, "other", Read.PRIVATE_ASSET, PRIVATE) == "hidden"
    model.publish(C)
    assert outcome(model, "anonymous", Read.PUBLIC_FILE, PRIVATE) == "hidden"
    model.update_token(C, PRIVATE, private=False)
    model.upload(C, PRIVATE, b"png-2", "image.png")
    assert model.expect("anonymous", Read.PUBLIC_FILE, C, PRIVATE).content == b"png-2"
    # A public token without a file: not found, but nothing is being hidden.
    assert outcome(model, "anonymous", Read.PUBLIC_FILE, PUBLIC) == "absent"
    assert outcome(model, "owner", Read.PRIVATE_ASSET, PUBLIC) == "absent"


def test_deleted_things_vanish_from_every_read(model: PrivacyModel) -> None:
    model.publish(C)
    model.upload(C, PUBLIC, b"png", "image.png")
    model.delete_token(C, PUBLIC)
    for read in (*PUBLIC_READS, Read.PUBLIC_FILE):
        assert outcome(model, "anonymous", read, PUBLIC) == "hidden"
    assert outcome(model, "owner", Read.GET_TOKEN, PUBLIC) == "absent"
    assert outcome(model, "owner", Read.PRIVATE_ASSET, PUBLIC) == "absent"
    assert model.expect("owner", Read.LIST_TOKENS, C).token_ids == frozenset({PRIVATE})

    model.delete_collection(C)
    assert outcome(model, "anonymous", Read.PUBLIC_COLLECTION) == "hidden"
    assert outcome(model, "owner", Read.GET_COLLECTION) == "absent"
    assert outcome(model, "owner", Read.LIST_TOKENS) == "absent"
    assert outcome(model, "owner", Read.GET_TOKEN, PRIVATE) == "absent"
    with pytest.raises(ValueError, match="does not exist"):
        model.publish(C)
    with pytest.raises(ValueError, match="does not exist"):
        model.update_token(C, PRIVATE, private=False)


def test_another_project_never_reads_the_owners_data_through_rpcs(model: PrivacyModel) -> None:
    model.publish(C)
    for read in (Read.GET_COLLECTION, Read.LIST_TOKENS):
        assert outcome(model, "other", read) == "hidden"
    assert outcome(model, "other", Read.GET_TOKEN, PUBLIC) == "hidden"


def test_observations_cover_every_read_of_every_identity(model: PrivacyModel) -> None:
    seen = list(model.observations())
    per_identity = {identity: len(reads) for identity, reads in READS.items()}
    collection_reads = {i: sum(1 for r in READS[i] if not r.per_token) for i in READS}
    expected = sum(collection_reads.values()) + 2 * sum(per_identity[i] - collection_reads[i] for i in READS)
    assert len(seen) == expected
    assert {(o.identity, o.read) for o in seen} == {(i, r) for i in READS for r in READS[i]}
    assert all(o.file_name == "image.png" for o in seen if o.read is Read.PUBLIC_FILE)


def test_undocumented_behaviour_needs_a_named_assumption(model: PrivacyModel) -> None:
    with pytest.raises(UndocumentedBehaviour, match="publish-recursive"):
        model.publish(C, recursive=True)
    with pytest.raises(UndocumentedBehaviour, match="token-default-private"):
        model.create_token(C, "303", "Default", private=None)

    assumed = PrivacyModel.assuming("publish-recursive", "token-default-private")
    assumed.create_collection(C, "Collection")
    assumed.create_token(C, PRIVATE, "Default", private=None)
    assumed.publish(C)
    assert outcome(assumed, "anonymous", Read.PUBLIC_TOKEN, PRIVATE) == "hidden"
    assumed.publish(C, recursive=True)
    assert outcome(assumed, "anonymous", Read.PUBLIC_TOKEN, PRIVATE) == "visible"


def test_supported_assumptions_are_registered() -> None:
    assert set(SUPPORTED_ASSUMPTIONS) <= set(ASSUMPTIONS)
    with pytest.raises(ValueError, match="knows no assumption"):
        PrivacyModel.assuming("collection-default-private")
