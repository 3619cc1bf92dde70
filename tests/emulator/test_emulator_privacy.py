"""Visibility through three identities: the owner (JWT of the project), anonymous, another project."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from emulator_support import Api, png_bytes

PRIVATE_KEYS = {
    "private",
    "revealKey",
    "status",
    "source",
    "updatedAt",
    "createdAt",
    "queuedAt",
    "projectId",
    "id",
}


def same_answer(first: httpx.Response, second: httpx.Response) -> None:
    """Hidden must be indistinguishable from nonexistent: status, headers that matter, exact bytes."""
    assert first.status_code == second.status_code == 404
    for header in ("content-type", "content-length", "webrpc", "allow", "retry-after"):
        assert first.headers.get(header) == second.headers.get(header), header
    assert first.content == second.content


def public_paths(cid: int, token: str, project: int = 1) -> list[str]:
    root = f"/projects/{project}/collections/{cid}"
    return [
        root,
        f"{root}.json",
        f"{root}/tokens/{token}",
        f"{root}/tokens/{token}.json",
        f"{root}/tokens/{token}/image.png",
        f"{root}/tokens/{token}/image",
    ]


@pytest.fixture
def world(api: Api) -> dict[str, Any]:
    """Project 1 owns a collection with a public token (7, with an image) and a private one (8)."""
    cid = api.collection(project=1)
    api.token(cid, "7", private=False)
    api.token(cid, "8")
    api.image(cid, "7")
    api.image(cid, "8")
    return {"cid": cid}


def test_unpublished_collection_is_hidden_from_anonymous(api: Api, world: dict[str, Any]) -> None:
    cid = world["cid"]
    for hidden, missing in zip(public_paths(cid, "7"), public_paths(999_999, "7"), strict=True):
        same_answer(api.get(hidden), api.get(missing))
    # The owner's JWT changes nothing on the public routes.
    same_answer(
        api.get(f"/projects/1/collections/{cid}", project=1), api.get("/projects/1/collections/999999")
    )


def test_owner_sees_everything_over_rpc_before_publishing(api: Api, world: dict[str, Any]) -> None:
    cid = world["cid"]
    assert api.call("GetCollection", {"collectionId": cid})["collection"]["private"] is True
    assert [t["tokenId"] for t in api.call("ListTokens", {"collectionId": cid})["tokens"]] == ["7", "8"]
    assert api.get(f"/projects/1/collections/{cid}/tokens/8/asset/image", project=1).content == png_bytes(
        3, 2
    )


def test_other_project_sees_nothing(api: Api, world: dict[str, Any]) -> None:
    cid = world["cid"]
    api.call("PublishCollection", {"collectionId": cid})
    for method, body in [
        ("GetCollection", {"collectionId": cid}),
        ("ListTokens", {"collectionId": cid}),
        ("GetToken", {"collectionId": cid, "tokenId": "7"}),
        ("DeleteCollection", {"collectionId": cid}),
    ]:
        assert api.rpc(method, body, project=2).json()["error"] == "NotFound"
        assert api.rpc(method, {**body, "projectId": 1}, project=2).json()["error"] == "PermissionDenied"
    assert api.call("ListCollections", {}, project=2)["collections"] == []
    assert api.get(f"/projects/1/collections/{cid}/tokens/8/asset/image", project=2).status_code == 403
    # The data survived the other project's delete attempts.
    assert api.call("GetCollection", {"collectionId": cid})["collection"]["id"] == cid


def test_publish_shows_collection_and_public_tokens_only(api: Api, world: dict[str, Any]) -> None:
    cid = world["cid"]
    api.call("PublishCollection", {"collectionId": cid})
    root = f"/projects/1/collections/{cid}"
    collection = api.get(root)
    assert collection.status_code == 200
    assert collection.json()["name"] == "Harbor Lights"
    assert api.get(f"{root}.json").content == collection.content
    token = api.get(f"{root}/tokens/7")
    assert token.status_code == 200
    assert token.json()["tokenId"] == "7"
    assert api.get(f"{root}/tokens/7.json").content == token.content
    assert api.get(f"{root}/tokens/7/image.png").content == png_bytes(3, 2)
    for hidden, missing in zip(public_paths(cid, "8")[2:], public_paths(cid, "9")[2:], strict=True):
        same_answer(api.get(hidden), api.get(missing))


def test_public_json_has_no_private_fields(api: Api, world: dict[str, Any]) -> None:
    cid = world["cid"]
    api.call("PublishCollection", {"collectionId": cid})
    collection = api.get(f"/projects/1/collections/{cid}").json()
    token = api.get(f"/projects/1/collections/{cid}/tokens/7").json()
    assert not PRIVATE_KEYS & set(collection)
    assert not (PRIVATE_KEYS - {"id"}) & set(token)
    assert token["image"].endswith(f"/projects/1/collections/{cid}/tokens/7/image.png")


def test_unpublish_hides_everything_again(api: Api, world: dict[str, Any]) -> None:
    cid = world["cid"]
    api.call("PublishCollection", {"collectionId": cid, "recursive": True})
    assert api.get(f"/projects/1/collections/{cid}/tokens/8").status_code == 200  # recursive made it public
    api.call("UnpublishCollection", {"collectionId": cid})
    for hidden, missing in zip(public_paths(cid, "7"), public_paths(999_999, "7"), strict=True):
        same_answer(api.get(hidden), api.get(missing))


def test_making_a_token_private_hides_it(api: Api, world: dict[str, Any]) -> None:
    cid = world["cid"]
    api.call("PublishCollection", {"collectionId": cid})
    api.call(
        "UpdateToken",
        {"collectionId": cid, "tokenId": "7", "token": {"tokenId": "7", "name": "x"}, "private": True},
    )
    same_answer(
        api.get(f"/projects/1/collections/{cid}/tokens/7"), api.get(f"/projects/1/collections/{cid}/tokens/9")
    )


def test_deleted_things_vanish_everywhere(api: Api, world: dict[str, Any]) -> None:
    cid = world["cid"]
    api.call("PublishCollection", {"collectionId": cid})
    root = f"/projects/1/collections/{cid}"
    api.call("DeleteToken", {"collectionId": cid, "tokenId": "7"})
    for path in public_paths(cid, "7")[2:]:
        same_answer(api.get(path), api.get(path.replace("/tokens/7", "/tokens/9")))
    assert api.get(f"{root}/tokens/7/asset/image", project=1).status_code == 404
    api.call("DeleteCollection", {"collectionId": cid})
    same_answer(api.get(root), api.get("/projects/1/collections/999999"))
    assert api.rpc("GetCollection", {"collectionId": cid}).json()["error"] == "NotFound"


def test_ids_that_cannot_exist_answer_like_hidden(api: Api, world: dict[str, Any]) -> None:
    reference = api.get("/projects/1/collections/999999")
    for path in [
        "/projects/abc/collections/1",
        "/projects/1/collections/0",
        "/projects/1/collections/-1.json",
        f"/projects/1/collections/{world['cid']}/tokens/abc",
        "/projects/99999999999999999999999/collections/1",
    ]:
        same_answer(api.get(path), reference)


def test_base_uris_are_fetchable(api: Api, world: dict[str, Any]) -> None:
    """The computed URIs point at the emulator itself, as the client reached it."""
    cid = world["cid"]
    uris = api.call("GetCollection", {"collectionId": cid})["collection"]["baseURIs"]
    api.call("PublishCollection", {"collectionId": cid})
    assert api.client.get(uris["contractMetadataURI"]).json()["name"] == "Harbor Lights"
    assert api.client.get(uris["tokenMetadataURI"] + "7").json()["tokenId"] == "7"
    image = api.call("GetToken", {"collectionId": cid, "tokenId": "7"})["assets"][0]["url"]
    assert api.client.get(image).content == png_bytes(3, 2)
