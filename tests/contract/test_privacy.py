"""The privacy rules, each a named check, seen by three identities: owner, anonymous, another project.

The oracle for "hidden": the answer is indistinguishable from the answer for a resource that never
existed (same status, media type and body with ids masked).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from pytest_sequence_metadata.checks.helpers import World, assert_hidden, expect_error
from pytest_sequence_metadata.checks.oracle import NEVER_COLLECTION_ID, PublicView, never_token_id
from pytest_sequence_metadata.client import MetadataClient
from pytest_sequence_metadata.contract.privacy import PRIVACY_RULES
from pytest_sequence_metadata.runtime import Target

NEVER = NEVER_COLLECTION_ID


def hidden_collection(view: PublicView, collection_id: int) -> None:
    __tracebackhide__ = True
    for suffix in (False, True):
        assert_hidden(
            view.collection(collection_id, json_suffix=suffix),
            view.collection(NEVER, json_suffix=suffix),
            collection_id,
            NEVER,
        )


def hidden_token(view: PublicView, collection_id: int, token_id: str) -> None:
    __tracebackhide__ = True
    never = never_token_id()
    for suffix in (False, True):
        assert_hidden(
            view.token(collection_id, token_id, json_suffix=suffix),
            view.token(collection_id, never, json_suffix=suffix),
            token_id,
            never,
        )


def visible_token(view: PublicView, collection_id: int, token_id: str) -> dict[str, Any]:
    __tracebackhide__ = True
    response = view.token(collection_id, token_id)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def stranger_public(sequence_other_client: MetadataClient, sequence_target: Target) -> PublicView:
    """The owner's public routes fetched by another project's client (it sends no credentials there)."""
    return PublicView(sequence_other_client, sequence_target.project_id)


@pytest.mark.sequence_privacy("private-until-published")
@pytest.mark.sequence_operation("GetPublicCollectionMetadata", "GetPublicTokenMetadata", "PublishCollection")
def test_a_collection_is_private_until_published(
    world: World, owner: MetadataClient, public: PublicView, stranger_public: PublicView
) -> None:
    collection = world.collection()
    token = world.token(collection["id"], private=False)
    for view in (public, stranger_public):
        hidden_collection(view, collection["id"])
        hidden_token(view, collection["id"], token["tokenId"])
    owner.publish_collection(collection["id"])
    for view in (public, stranger_public):
        assert view.collection(collection["id"]).status_code == 200
        assert visible_token(view, collection["id"], token["tokenId"])["tokenId"] == token["tokenId"]


@pytest.mark.sequence_privacy("private-token-hidden-in-published-collection")
@pytest.mark.sequence_operation("GetPublicTokenMetadata", "GetPublicTokenFile")
def test_private_tokens_stay_hidden_inside_a_published_collection(
    world: World, public: PublicView, stranger_public: PublicView
) -> None:
    collection, hidden = world.published(token_private=True)
    shown = world.token(collection["id"], private=False)
    uploaded = world.image(collection["id"], hidden["tokenId"])
    for view in (public, stranger_public):
        hidden_token(view, collection["id"], hidden["tokenId"])
        assert visible_token(view, collection["id"], shown["tokenId"])["name"] == shown["name"]
        assert view.url(uploaded["url"]).status_code != 200


@pytest.mark.sequence_privacy("unprivate-token-visible-once-published")
@pytest.mark.sequence_operation("UpdateToken", "GetPublicTokenMetadata")
def test_a_token_made_non_private_shows_only_once_published(
    world: World, owner: MetadataClient, public: PublicView
) -> None:
    collection = world.collection()
    token = world.token(collection["id"], private=True)
    owner.update_token(
        collection["id"], token["tokenId"], {"tokenId": token["tokenId"], "name": "now public"}, private=False
    )
    hidden_token(public, collection["id"], token["tokenId"])
    owner.publish_collection(collection["id"])
    assert visible_token(public, collection["id"], token["tokenId"])["name"] == "now public"
    owner.update_token(
        collection["id"],
        token["tokenId"],
        {"tokenId": token["tokenId"], "name": "hidden again"},
        private=True,
    )
    hidden_token(public, collection["id"], token["tokenId"])


@pytest.mark.sequence_privacy("unpublish-hides-again")
@pytest.mark.sequence_operation(
    "UnpublishCollection", "GetPublicCollectionMetadata", "GetPublicTokenMetadata"
)
def test_unpublishing_hides_the_collection_and_its_tokens_from_everyone(
    world: World, owner: MetadataClient, public: PublicView, stranger_public: PublicView
) -> None:
    collection, token = world.published(token_private=False)
    uploaded = world.image(collection["id"], token["tokenId"])
    assert public.url(uploaded["url"]).status_code == 200
    owner.unpublish_collection(collection["id"])
    for view in (public, stranger_public):
        hidden_collection(view, collection["id"])
        hidden_token(view, collection["id"], token["tokenId"])
        assert view.url(uploaded["url"]).status_code != 200


@pytest.mark.sequence_privacy("deleted-vanish")
@pytest.mark.sequence_operation("DeleteCollection", "DeleteToken", "GetPublicTokenMetadata")
def test_deleted_collections_and_tokens_vanish_from_every_public_route(
    world: World, owner: MetadataClient, public: PublicView
) -> None:
    collection, token = world.published(token_private=False)
    second = world.token(collection["id"], private=False)
    owner.delete_token(collection["id"], token["tokenId"])
    hidden_token(public, collection["id"], token["tokenId"])
    assert public.collection(collection["id"]).status_code == 200
    owner.delete_collection(collection["id"])
    hidden_collection(public, collection["id"])
    hidden_token(public, collection["id"], second["tokenId"])


@pytest.mark.sequence_privacy("projects-are-isolated")
@pytest.mark.sequence_operation("GetCollection", "ListCollections", "GetToken", "ListTokens", "GetAsset")
def test_another_project_cannot_read_the_owners_data_by_guessing_ids(
    world: World, other: MetadataClient, sequence_target: Target
) -> None:
    collection_id = world.collection()["id"]
    token = world.token(collection_id, private=False)
    uploaded = world.image(collection_id, token["tokenId"])
    # Its own project id, the owner's ids: the owner's resources must look like they do not exist.
    for read in (
        lambda: other.get_collection(collection_id),
        lambda: other.get_token(collection_id, token["tokenId"]),
        lambda: other.list_tokens(collection_id),
        lambda: other.get_asset(uploaded["id"]),
    ):
        expect_error(read, "NotFound", "PermissionDenied")
    listed = other.list_collections()["collections"] or []
    assert collection_id not in {c["id"] for c in listed}
    # The owner's project id with its own token: refused outright.
    expect_error(
        lambda: other.get_collection(collection_id, project_id=sequence_target.project_id),
        "PermissionDenied",
        "Unauthorized",
    )


@pytest.mark.sequence_privacy("projects-are-isolated")
@pytest.mark.sequence_operation(
    "UpdateCollection", "DeleteCollection", "PublishCollection", "UpdateToken", "DeleteToken", "DeleteAsset"
)
def test_another_project_cannot_change_the_owners_data_by_guessing_ids(
    world: World, owner: MetadataClient, other: MetadataClient, public: PublicView
) -> None:
    collection = world.collection()
    token = world.token(collection["id"], private=True)
    uploaded = world.image(collection["id"], token["tokenId"])
    cid, tid = collection["id"], token["tokenId"]
    for change in (
        lambda: other.update_collection({"id": cid, "metadata": {"name": "taken over"}}),
        lambda: other.publish_collection(cid),
        lambda: other.update_token(cid, tid, {"tokenId": tid, "name": "taken over"}, private=False),
        lambda: other.delete_asset(uploaded["id"]),
        lambda: other.delete_token(cid, tid),
        lambda: other.delete_collection(cid),
    ):
        expect_error(change, "NotFound", "PermissionDenied")
    # Everything is as the owner left it.
    assert owner.get_collection(cid)["collection"]["metadata"]["name"] == collection["metadata"]["name"]
    assert owner.get_collection(cid)["collection"]["private"] is True
    assert owner.get_token(cid, tid)["token"]["name"] == token["name"]
    assert owner.get_asset(uploaded["id"])["asset"]["url"] == uploaded["url"]
    hidden_collection(public, cid)


def _privacy_marks(marked: object) -> set[str]:
    marks = getattr(marked, "pytestmark", [])
    marks = marks if isinstance(marks, list) else [marks]
    return {str(m.args[0]) for m in (getattr(m, "mark", m) for m in marks) if m.name == "sequence_privacy"}


def test_every_privacy_rule_in_the_registry_has_a_test() -> None:
    # Every module of the suite, whichever of them this run selected (pytest imports each under its
    # file name: this folder is on sys.path).
    tested: set[str] = set()
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        try:
            module = importlib.import_module(path.stem)
        except pytest.skip.Exception:  # a module that needs an extra that is not installed
            continue
        tests = [obj for name, obj in vars(module).items() if name.startswith("test_") and callable(obj)]
        tested |= {rule for test in tests for rule in _privacy_marks(test)}
        if tests:
            tested |= _privacy_marks(module)
    assert set(PRIVACY_RULES) <= tested, f"untested: {sorted(set(PRIVACY_RULES) - tested)}"
