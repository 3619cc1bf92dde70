"""Tests of the emulator's assumptions: what it chose where the docs are silent.

Each test names its assumption with `@pytest.mark.sequence_assumption(id)`, so a run against a live
API reports which assumptions held (`-m sequence_assumption` runs only these). None of these checks
documented behaviour; a failure against staging means the assumption is wrong, not the server.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from typing import Any

import pytest

from pytest_sequence_metadata.checks.helpers import PNG, World, expect_error, new_token_id
from pytest_sequence_metadata.checks.oracle import NEVER_COLLECTION_ID, PublicView, never_token_id
from pytest_sequence_metadata.client import Call, MetadataClient
from pytest_sequence_metadata.contract.assumptions import ASSUMPTIONS
from pytest_sequence_metadata.fixtures import tiny_png
from pytest_sequence_metadata.runtime import Target

assumption = pytest.mark.sequence_assumption
ADDRESS = "0x" + "cd" * 20


@assumption("collection-default-private")
def test_collection_default_private(world: World, public: PublicView) -> None:
    created = world.factory(private=False)  # even when asked otherwise
    assert created["private"] is True
    assert public.collection(created["id"]).status_code != 200


@assumption("update-collection-private-ignored")
def test_update_collection_private_ignored(world: World, owner: MetadataClient) -> None:
    collection = world.collection()
    updated = owner.update_collection(
        {"id": collection["id"], "metadata": collection["metadata"], "private": False}
    )
    assert updated["collection"]["private"] is True


@assumption("token-default-private")
def test_token_default_private(world: World, owner: MetadataClient, public: PublicView) -> None:
    collection = world.collection()
    token = owner.create_token(collection["id"], {"tokenId": new_token_id(), "name": "default"})["token"]
    owner.publish_collection(collection["id"])
    assert public.token(collection["id"], token["tokenId"]).status_code != 200


@assumption("publish-recursive")
def test_publish_recursive(world: World, owner: MetadataClient, public: PublicView) -> None:
    collection = world.collection()
    token = world.token(collection["id"], private=True)
    owner.publish_collection(collection["id"], recursive=True)
    assert public.token(collection["id"], token["tokenId"]).status_code == 200


@assumption("public-hidden-as-not-found")
def test_public_hidden_as_not_found(world: World, public: PublicView) -> None:
    collection = world.collection()
    response = public.collection(collection["id"])
    assert response.status_code == 404
    assert response.json() == {"error": "NotFound", "code": 3000, "msg": "Resource not found", "status": 404}


@assumption("public-collection-json")
def test_public_collection_json(world: World, owner: MetadataClient, public: PublicView) -> None:
    collection = world.collection(image="https://example.com/c.png", external_link="https://example.com")
    owner.publish_collection(collection["id"])
    body = public.collection(collection["id"]).json()
    assert {"name", "description", "image", "external_link"} <= set(body)
    assert not {"id", "projectId", "private", "createdAt", "updatedAt"} & set(body)


@assumption("public-token-json")
def test_public_token_json(world: World, public: PublicView) -> None:
    collection, token = world.published(token_private=False)
    body = public.token(collection["id"], token["tokenId"]).json()
    assert body["tokenId"] == token["tokenId"]
    assert {"name", "description", "image", "properties", "attributes"} <= set(body)
    assert body["attributes"] is None
    assert not {"private", "status", "source", "updatedAt"} & set(body)


@assumption("public-file-names")
def test_public_file_names(world: World, public: PublicView) -> None:
    collection, token = world.published(token_private=False)
    uploaded = world.image(collection["id"], token["tokenId"])
    assert uploaded["url"].endswith(f"/tokens/{token['tokenId']}/image.png")
    for name in ("image.png", "image"):
        assert public.file(collection["id"], token["tokenId"], name).content == PNG


@assumption("collection-asset-file-route")
def test_collection_asset_file_route(world: World, owner: MetadataClient, public: PublicView) -> None:
    collection = world.collection()
    asset = owner.create_asset({"collectionId": collection["id"], "metadataField": "image"})["asset"]
    uploaded = owner.upload_asset(collection["id"], asset["id"], PNG)
    assert uploaded["url"].endswith(f"/collections/{collection['id']}/image.png")
    assert public.url(uploaded["url"]).status_code != 200
    owner.publish_collection(collection["id"])
    assert public.url(uploaded["url"]).content == PNG


@assumption("private-asset-route")
def test_private_asset_route(world: World, public: PublicView, other_view: PublicView) -> None:
    collection = world.collection()
    token = world.token(collection["id"], private=True)
    world.image(collection["id"], token["tokenId"])
    assert public.private_asset(collection["id"], token["tokenId"], "image").json()["error"] == "Unauthorized"
    assert (
        other_view.private_asset(collection["id"], token["tokenId"], "image").json()["error"]
        == "PermissionDenied"
    )


@assumption("cross-project-ids")
def test_cross_project_ids(world: World, other: MetadataClient, sequence_target: Target) -> None:
    collection_id = world.collection()["id"]
    expect_error(
        lambda: other.get_collection(collection_id, project_id=sequence_target.project_id), "PermissionDenied"
    )
    expect_error(lambda: other.get_collection(collection_id), "NotFound")


@assumption("projects-implicit")
def test_projects_implicit(other: MetadataClient) -> None:
    assert other.list_collections()["page"]["more"] is False


@assumption("jwt-claims")
@pytest.mark.sequence_emulator_only
def test_jwt_claims(
    sequence_emulator: Any, owner: MetadataClient, sequence_collection: dict[str, Any]
) -> None:
    import jwt

    secret = sequence_emulator.emulator.jwt_secret
    token = jwt.encode({"project": owner.project_id, "account": "0xabc", "iat": 1}, secret, algorithm="HS256")
    assert owner.with_credentials(token, owner.project_id).get_collection(sequence_collection["id"])
    # The real claim is a JSON integer: a decimal string is not a project.
    as_text = jwt.encode({"project": str(owner.project_id), "iat": 1}, secret, algorithm="HS256")
    expect_error(lambda: owner.with_credentials(as_text, owner.project_id).list_collections(), "Unauthorized")
    expired = sequence_emulator.mint_jwt(owner.project_id, expires_in=-60)
    expect_error(
        lambda: owner.with_credentials(expired, owner.project_id).list_collections(), "SessionExpired"
    )


@assumption("check-order")
def test_check_order(anon: MetadataClient) -> None:
    # No credentials and a broken body: the credentials are judged first.
    response = anon.send(
        Call(
            "GetCollection",
            "POST",
            "/rpc/Collections/GetCollection",
            content=b"{",
            headers={"Content-Type": "x"},
        )
    )
    assert response.json()["error"] == "Unauthorized"


@assumption("zero-value-is-missing")
def test_zero_value_is_missing(owner: MetadataClient) -> None:
    expect_error(lambda: owner.rpc("GetCollection", {"collectionId": 0}), "RequiredArgument")


@assumption("empty-collection-name")
def test_empty_collection_name(owner: MetadataClient) -> None:
    expect_error(lambda: owner.create_collection({"metadata": {"name": ""}}), "RequiredArgument")
    expect_error(lambda: owner.create_collection({"metadata": {"name": "   "}}), "InvalidArgument")


@assumption("token-id-decimal")
def test_token_id_decimal(world: World) -> None:
    collection = world.collection()
    assert world.token(collection["id"], private=True, token_id="007")["tokenId"] == "7"
    expect_error(lambda: world.token(collection["id"], private=True, token_id="0x1f"), "InvalidArgument")


@assumption("duplicate-token-id")
def test_duplicate_token_id(world: World) -> None:
    collection = world.collection()
    token = world.token(collection["id"], private=True)
    error = expect_error(
        lambda: world.token(collection["id"], private=True, token_id=token["tokenId"]), "RequestConflict"
    )
    assert error.http_status == 409


@assumption("contract-collection-rules")
def test_contract_collection_rules(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    link = {"chainId": 80002, "contractAddress": ADDRESS, "collectionId": collection_id}
    owner.create_contract_collection(link)
    expect_error(lambda: owner.create_contract_collection(link), "RequestConflict")
    expect_error(
        lambda: owner.create_contract_collection({**link, "chainId": 1, "collectionId": NEVER_COLLECTION_ID}),
        "NotFound",
    )


@assumption("update-replaces-metadata")
def test_update_replaces_metadata(world: World, owner: MetadataClient) -> None:
    collection = world.collection(description="will be dropped")
    updated = owner.update_collection({"id": collection["id"], "metadata": {"name": "only a name"}})
    assert updated["collection"]["metadata"]["description"] == ""


@assumption("update-token-partial")
def test_update_token_partial(world: World, owner: MetadataClient) -> None:
    collection = world.collection()
    token = world.token(collection["id"], private=True)
    body = {"collectionId": collection["id"], "tokenId": token["tokenId"], "token": None, "private": False}
    answer = owner.rpc("UpdateToken", body)  # what the Go client sends to change only the visibility
    assert answer["token"]["name"] == token["name"]
    published = owner.publish_collection(collection["id"])["collection"]
    assert published["private"] is False
    neither = {"collectionId": collection["id"], "tokenId": token["tokenId"], "token": None, "private": None}
    expect_error(lambda: owner.rpc("UpdateToken", neither), "RequiredArgument")


@assumption("update-token-id-change")
def test_update_token_id_change(world: World, owner: MetadataClient) -> None:
    collection = world.collection()
    token = world.token(collection["id"], private=True)
    renamed = str(int(token["tokenId"]) + 1)
    answer = owner.update_token(
        collection["id"], token["tokenId"], {"tokenId": renamed, "name": "renamed"}, private=True
    )
    assert answer["token"]["tokenId"] == renamed
    assert owner.get_token(collection["id"], renamed)["token"]["name"] == "renamed"
    expect_error(lambda: owner.get_token(collection["id"], token["tokenId"]), "NotFound")


@assumption("token-write-updatedat-zero")
def test_token_write_updatedat_zero(world: World, owner: MetadataClient) -> None:
    collection = world.collection()
    token = world.token(collection["id"], private=True)
    assert token["updatedAt"] == "0001-01-01T00:00:00Z"
    assert owner.get_token(collection["id"], token["tokenId"])["token"]["updatedAt"] != "0001-01-01T00:00:00Z"


@assumption("token-server-fields")
def test_token_server_fields(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    token = world.token(collection_id, private=True)
    assert (token["source"], token["status"], token["queuedAt"]) == ("", "NOT_AVAILABLE", None)
    sent = {"tokenId": new_token_id(), "name": "sent status", "status": "AVAILABLE"}
    created = owner.create_token(collection_id, sent, private=True)["token"]
    assert created["status"] == "NOT_AVAILABLE"
    assert owner.get_token(collection_id, created["tokenId"])["token"]["status"] == "NOT_AVAILABLE"


@assumption("client-asset-id")
def test_client_asset_id(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    chosen = 4_576_570_997
    asset = owner.create_asset({"id": chosen, "collectionId": collection_id, "metadataField": "image"})[
        "asset"
    ]
    assert asset["id"] != chosen


@assumption("asset-fields")
def test_asset_fields(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    token = world.token(collection_id, private=True)
    asset = {"collectionId": collection_id, "tokenId": token["tokenId"], "metadataField": "audio"}
    owner.create_asset(asset)
    expect_error(lambda: owner.create_asset(asset), "RequestConflict")
    expect_error(lambda: owner.create_asset({**asset, "tokenId": never_token_id()}), "NotFound")


@assumption("upload-by-type-creates-asset")
def test_upload_by_type_creates_asset(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    token = world.token(collection_id, private=True)
    uploaded = owner.upload_token_asset(collection_id, token["tokenId"], "image", PNG)
    assert owner.get_asset(uploaded["id"])["asset"]["metadataField"] == "image"


@assumption("upload-rules")
def test_upload_rules(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    token = world.token(collection_id, private=True)
    asset = owner.create_asset(
        {"collectionId": collection_id, "tokenId": token["tokenId"], "metadataField": "image"}
    )
    uploaded = owner.upload_asset(collection_id, asset["asset"]["id"], tiny_png(), filename="photo.bin")
    assert uploaded["filename"] == "image.png"
    expect_error(lambda: owner.upload_asset(collection_id, asset["asset"]["id"], b""), "InvalidArgument")


@assumption("delete-cascade")
def test_delete_cascade(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    token = world.token(collection_id, private=True)
    uploaded = world.image(collection_id, token["tokenId"])
    owner.delete_token(collection_id, token["tokenId"])
    expect_error(lambda: owner.get_asset(uploaded["id"]), "NotFound")


@assumption("page-numbering")
def test_page_numbering(world: World, owner: MetadataClient) -> None:
    world.collection()
    world.collection()
    first = owner.list_collections(page={"page": 0, "pageSize": 1})
    second = owner.list_collections(page={"page": 1, "pageSize": 1})
    assert first["page"] == {"page": 0, "pageSize": 1, "more": True}
    assert first["collections"] != second["collections"]  # page 0 and page 1 are never the same page
    assert owner.list_collections(page={"pageSize": 1})["collections"] == first["collections"]
    assert "page" not in owner.list_collections()["page"]


@assumption("page-cursor-refused")
def test_page_cursor_refused(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    for cursor in ({"column": "id"}, {"after": 1}, {"before": 1}):
        body = {"collectionId": collection_id, "page": cursor}
        expect_error(lambda body=body: owner.rpc("ListTokens", body), "InvalidArgument")


@assumption("embedded-assets-omitted")
def test_embedded_assets_omitted(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    token = world.token(collection_id, private=True)
    uploaded = world.image(collection_id, token["tokenId"])
    answer = owner.get_token(collection_id, token["tokenId"])
    assert "assets" not in answer["token"]
    assert [asset["id"] for asset in answer["assets"]] == [uploaded["id"]]
    assert "assets" not in owner.get_collection(collection_id)["collection"]


@assumption("bigint-quoted-decimal")
def test_bigint_quoted_decimal(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    token = world.token(collection_id, private=True)
    for token_id in (int(token["tokenId"]), "0x1f", "seven"):
        body = {"asset": {"collectionId": collection_id, "tokenId": token_id, "metadataField": "audio"}}
        expect_error(lambda body=body: owner.rpc("CreateAsset", body), "WebrpcBadRequest")


@assumption("page-size-cap")
def test_page_size_cap(owner: MetadataClient) -> None:
    assert owner.list_collections(page={"page": 1, "pageSize": 5000})["page"]["pageSize"] == 100


@assumption("list-order")
def test_list_order(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    made = [world.token(collection_id, private=True, token_id=str(n))["tokenId"] for n in (30, 2, 100)]
    assert [t["tokenId"] for t in owner.list_tokens(collection_id)["tokens"]] == made


@assumption("empty-list-json")
def test_empty_list_json(world: World, owner: MetadataClient) -> None:
    collection_id = world.collection()["id"]
    assert owner.list_tokens(collection_id)["tokens"] == []
    assert world.token(collection_id, private=True) is not None
    created = owner.create_token(collection_id, {"tokenId": new_token_id(), "name": "n"}, private=True)
    assert created["assets"] is None


@assumption("collection-response-shapes")
def test_collection_response_shapes(world: World, owner: MetadataClient) -> None:
    collection = world.collection()
    assert "baseURIs" in collection
    got = owner.get_collection(collection["id"])["collection"]
    assert {"tokenCount", "baseURIs"} <= set(got)
    published = owner.publish_collection(collection["id"])["collection"]
    assert not {"tokenCount", "baseURIs"} & set(published)


RFC3339_MICRO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")


@assumption("timestamp-format")
def test_timestamp_format(sequence_collection: dict[str, Any]) -> None:
    for key in ("createdAt", "updatedAt"):
        value = sequence_collection[key]
        match = RFC3339_MICRO.match(value)
        assert match, value
        assert not (match.group(1) or "").endswith("0"), f"{value}: trailing zeros are trimmed"
        datetime.fromisoformat(value.replace("Z", "+00:00"))


@assumption("json-nesting-limit")
def test_json_nesting_limit(owner: MetadataClient) -> None:
    deep: dict[str, Any] = {}
    for _ in range(150):
        deep = {"x": deep}
    expect_error(
        lambda: owner.create_collection({"metadata": {"name": "deep", "properties": deep}}),
        "WebrpcBadRequest",
    )


@assumption("map-key-order")
def test_map_key_order(world: World, owner: MetadataClient) -> None:
    collection = world.collection(properties={"zeta": 1, "alpha": 2, "mid": 3})
    raw = owner.send(
        Call(
            "GetCollection", "POST", "/rpc/Collections/GetCollection", json={"collectionId": collection["id"]}
        )
    )
    text = raw.text
    assert text.index('"alpha"') < text.index('"mid"') < text.index('"zeta"')


BROWSER_ORIGIN = "https://app.example.test"


@assumption("cors")
def test_cors(owner: MetadataClient, world: World, public: PublicView) -> None:
    ask = {
        "Origin": BROWSER_ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    path = "/rpc/Collections/ListCollections"
    preflight = owner.send(Call("CorsPreflight", "OPTIONS", path, authenticated=False, headers=ask))
    assert 200 <= preflight.status_code < 300, preflight.status_code
    assert preflight.headers.get("access-control-allow-origin") == "*"
    methods = preflight.headers.get("access-control-allow-methods", "").upper()
    assert "POST" in methods or methods == "*"
    headers = {
        h.strip().lower() for h in preflight.headers.get("access-control-allow-headers", "").split(",")
    }
    assert {"authorization", "content-type"} <= headers or "*" in headers
    answer = owner.send(Call("ListCollections", "POST", path, json={}, headers={"Origin": BROWSER_ORIGIN}))
    assert answer.status_code == 200
    assert answer.headers.get("access-control-allow-origin") == "*"
    assert "access-control-allow-credentials" not in answer.headers
    collection, token = world.published(token_private=False)
    route = f"/projects/{public.project_id}/collections/{collection['id']}/tokens/{token['tokenId']}.json"
    anonymous = Call(
        "GetPublicTokenMetadataJson", "GET", route, authenticated=False, headers={"Origin": BROWSER_ORIGIN}
    )
    fetched = owner.send(anonymous)
    assert fetched.status_code == 200
    assert fetched.headers.get("access-control-allow-origin") == "*"


def test_every_assumption_in_the_registry_has_a_test() -> None:
    module = sys.modules[__name__]
    tested = {
        mark.args[0]
        for name in dir(module)
        if name.startswith("test_")
        for mark in getattr(getattr(module, name), "pytestmark", [])
        if mark.name == "sequence_assumption"
    }
    assert tested == set(ASSUMPTIONS), f"untested: {sorted(set(ASSUMPTIONS) - tested)}"
