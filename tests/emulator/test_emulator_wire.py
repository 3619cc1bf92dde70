"""webrpc wire behaviour, in-process and over a real server alike (the `api` fixture runs both)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from emulator_support import Api, png_bytes

from pytest_sequence_metadata.contract.spec import load_spec
from pytest_sequence_metadata.emulator.app import WEBRPC_HEADER


def envelope(response: Any) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/json", response.text
    body: dict[str, Any] = response.json()
    assert set(body) <= {"error", "code", "msg", "cause", "status"}
    assert body["status"] == response.status_code or response.status_code == 404
    return body


def test_success_is_json_with_the_webrpc_header(api: Api) -> None:
    response = api.rpc("ListCollections", {})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["webrpc"] == WEBRPC_HEADER


@pytest.mark.parametrize(
    "path",
    ["/nope", "/rpc/Collections/Nope", "/rpc/Metadata/GetTokenMetadata", "/rpc/collections/getcollection"],
)
def test_unknown_path_is_bad_route(api: Api, path: str) -> None:
    response = api.client.post(path, json={}, headers=api.auth())
    assert response.status_code == 404
    body = envelope(response)
    assert (body["error"], body["code"]) == ("WebrpcBadRoute", -2)
    assert body["cause"] == f"no handler for path {json.dumps(path)}"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_non_post_is_bad_method_with_allow(api: Api, method: str) -> None:
    response = api.client.request(method, "/rpc/Collections/GetCollection", headers=api.auth())
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert envelope(response)["error"] == "WebrpcBadMethod"


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/jsonx"]
)
def test_wrong_content_type_is_bad_request(api: Api, content_type: str | None) -> None:
    headers = api.auth()
    if content_type:
        headers["Content-Type"] = content_type
    response = api.client.post("/rpc/Collections/ListCollections", content=b"{}", headers=headers)
    assert response.status_code == 400
    assert envelope(response)["error"] == "WebrpcBadRequest"


def test_content_type_parameters_and_case_are_ignored(api: Api) -> None:
    headers = {**api.auth(), "Content-Type": "Application/JSON; charset=utf-8"}
    assert (
        api.client.post("/rpc/Collections/ListCollections", content=b"{}", headers=headers).status_code == 200
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   ",
        b"{",
        b"{'a': 1}",
        b"[]",
        b'"text"',
        b'{"collectionId": NaN}',
        b'{"collectionId": "5"}',
        b'{"collectionId": 5.0}',
        b'{"collectionId": 5e2}',
        b'{"collectionId": -5}',
        b'{"collectionId": 18446744073709551616}',
        b'{"collectionId": true}',
        b'{"collectionId": {}}',
        b'{"collectionId": [1]}',
    ],
)
def test_bodies_that_do_not_fit_are_bad_request(api: Api, raw: bytes) -> None:
    response = api.client.post(
        "/rpc/Collections/GetCollection",
        content=raw,
        headers={**api.auth(), "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    body = envelope(response)
    assert body["error"] == "WebrpcBadRequest"
    assert body["cause"].startswith("failed to unmarshal request data: ")


def test_json_null_is_absent(api: Api) -> None:
    cid = api.collection()
    body = api.call("GetCollection", {"projectId": None, "collectionId": cid})
    assert body["collection"]["id"] == cid
    listed = api.call("ListTokens", {"projectId": None, "collectionId": cid, "page": None})
    assert listed["page"] == {"pageSize": 30, "more": False}
    assert (
        api.call("PublishCollection", {"collectionId": cid, "recursive": None})["collection"]["private"]
        is False
    )


def test_body_null_means_no_arguments(api: Api) -> None:
    response = api.client.post(
        "/rpc/Collections/GetCollection",
        content=b"null",
        headers={**api.auth(), "Content-Type": "application/json"},
    )
    assert envelope(response)["error"] == "RequiredArgument"


def test_unknown_keys_are_ignored(api: Api) -> None:
    body = api.call(
        "CreateCollection", {"bogus": 1, "collection": {"metadata": {"name": "x", "extra": [1]}, "zzz": None}}
    )
    assert "extra" not in body["collection"]["metadata"]


def test_keys_match_case_insensitively_also_nested(api: Api) -> None:
    created = api.call(
        "CreateCollection",
        {"COLLECTION": {"MetaData": {"NAME": "Loud", "DESCRIPTION": "d", "EXTERNAL_LINK": "https://x"}}},
    )
    col = created["collection"]
    assert col["metadata"] == {"name": "Loud", "description": "d", "external_link": "https://x"}
    cid = col["id"]
    api.call("CreateToken", {"collectionID": cid, "Token": {"TokenId": "7", "NAME": "t"}, "PRIVATE": False})
    got = api.call("GetToken", {"projectID": 1, "collectionID": cid, "tokenID": "7"})
    assert got["token"]["name"] == "t"


def test_underscores_are_not_folded(api: Api) -> None:
    col = api.call(
        "CreateCollection", {"collection": {"metadata": {"name": "x", "externalLink": "https://x"}}}
    )["collection"]
    assert "external_link" not in col["metadata"]
    assert "externalLink" not in col["metadata"]


def test_later_duplicate_key_wins(api: Api) -> None:
    raw = b'{"collection": {"metadata": {"name": "first", "NAME": "second"}}}'
    response = api.client.post(
        "/rpc/Collections/CreateCollection",
        content=raw,
        headers={**api.auth(), "Content-Type": "application/json"},
    )
    assert response.json()["collection"]["metadata"]["name"] == "second"


@pytest.mark.parametrize(
    ("method", "body", "error"),
    [
        ("GetCollection", {}, "RequiredArgument"),
        ("GetCollection", {"collectionId": 0}, "RequiredArgument"),
        ("CreateCollection", {"collection": {"metadata": {"name": ""}}}, "RequiredArgument"),
        ("CreateCollection", {"collection": {"metadata": {"name": "  "}}}, "InvalidArgument"),
        ("GetToken", {"collectionId": 1, "tokenId": "abc"}, "InvalidArgument"),
        ("GetToken", {"collectionId": 1, "tokenId": ""}, "RequiredArgument"),
        ("CreateAsset", {"asset": {"collectionId": 1, "metadataField": "thumbnail"}}, "InvalidArgument"),
        ("GetContractCollection", {"chainId": 1, "contractAddress": "0x" + "a" * 40}, "RequiredArgument"),
        (
            "GetContractCollection",
            {"projectId": 1, "chainId": 1, "contractAddress": "0x12"},
            "InvalidArgument",
        ),
        ("GetCollection", {"collectionId": 999999}, "NotFound"),
    ],
)
def test_argument_errors(api: Api, method: str, body: dict[str, Any], error: str) -> None:
    response = api.rpc(method, body)
    payload = envelope(response)
    assert payload["error"] == error, payload
    assert response.status_code == 400  # NotFound too: webrpc says 400


def test_unpaired_surrogates_do_not_break_the_server(api: Api) -> None:
    raw = b'{"collection": {"metadata": {"name": "a\\ud800b", "properties": {"\\udfff": "\\ud800"}}}}'
    response = api.client.post(
        "/rpc/Collections/CreateCollection",
        content=raw,
        headers={**api.auth(), "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json()["collection"]["metadata"]["name"] == "a\ufffdb"


def test_big_token_ids_survive(api: Api) -> None:
    cid = api.collection()
    big = "457657099779485875855215293997335918990635014431"
    assert api.token(cid, big)["tokenId"] == big
    asset = api.call(
        "CreateAsset", {"asset": {"collectionId": cid, "tokenId": big, "metadataField": "image"}}
    )
    assert asset["asset"]["tokenId"] == big


def test_every_answer_matches_the_spec(api: Api) -> None:
    """A tour of the RPCs and the REST routes; each answer must validate against the bundled spec."""
    spec = load_spec()
    seen: set[str] = set()

    def check(operation: str, response: Any) -> Any:
        validator = spec.response_validator(operation, response.status_code)
        if validator is not None:
            assert validator.errors(response.json()) == [], (operation, response.text)
        seen.add(operation)
        return response

    def rpc(method: str, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = check(method, api.rpc(method, body)).json()
        return result

    cid = rpc("CreateCollection", {"collection": {"metadata": {"name": "Tour", "properties": {"a": 1}}}})[
        "collection"
    ]["id"]
    other = rpc("CreateCollection", {"collection": {"metadata": {"name": "Other"}}})["collection"]["id"]
    rpc("GetCollection", {"collectionId": cid})
    rpc("ListCollections", {"page": {"page": 1, "pageSize": 1}})
    rpc(
        "UpdateCollection",
        {"collection": {"id": cid, "metadata": {"name": "Tour 2", "external_link": "https://x"}}},
    )
    rpc(
        "CreateToken",
        {
            "collectionId": cid,
            "token": {"tokenId": "1", "name": "one", "attributes": [{"a": 1}]},
            "private": False,
        },
    )
    rpc("CreateToken", {"collectionId": cid, "token": {"tokenId": "2", "name": "two"}})
    rpc("GetToken", {"collectionId": cid, "tokenId": "1"})
    rpc("ListTokens", {"collectionId": cid, "page": {"pageSize": 1}})
    rpc(
        "UpdateToken",
        {"collectionId": cid, "tokenId": "2", "token": {"tokenId": "3", "name": "three"}, "private": True},
    )
    asset = rpc("CreateAsset", {"asset": {"collectionId": cid, "tokenId": "1", "metadataField": "image"}})[
        "asset"
    ]
    rpc("GetAsset", {"assetId": asset["id"]})
    rpc(
        "UpdateAsset",
        {"asset": {"id": asset["id"], "collectionId": cid, "metadataField": "image", "filename": "f"}},
    )
    collection_asset = rpc("CreateAsset", {"asset": {"collectionId": cid, "metadataField": "image"}})["asset"]
    check(
        "UploadTokenAsset",
        api.upload(f"/projects/1/collections/{cid}/tokens/1/upload/{asset['id']}", png_bytes(2, 2)),
    )
    check(
        "UploadAsset",
        api.upload(f"/projects/1/collections/{cid}/assets/{collection_asset['id']}/upload", png_bytes(4, 4)),
    )
    address = "0x" + "ab" * 20
    link = {"chainId": 80002, "contractAddress": address, "collectionId": cid}
    rpc("CreateContractCollection", {"projectId": 1, "contractCollection": link})
    rpc("GetContractCollection", {"projectId": 1, "chainId": 80002, "contractAddress": address})
    rpc("ListContractCollections", {"projectId": 1})
    rpc("UpdateContractCollection", {"projectId": 1, "contractCollection": {**link, "collectionId": other}})
    rpc("PublishCollection", {"collectionId": cid})
    root = f"/projects/1/collections/{cid}"
    check("GetPublicCollectionMetadata", api.get(root))
    check("GetPublicCollectionMetadataJson", api.get(f"{root}.json"))
    check("GetPublicTokenMetadata", api.get(f"{root}/tokens/1"))
    check("GetPublicTokenMetadataJson", api.get(f"{root}/tokens/3.json"))  # private: the 404 envelope
    check("GetPublicTokenFile", api.get(f"{root}/tokens/1/image.png"))
    check("GetPublicCollectionFile", api.get(f"{root}/image.png"))
    check("GetPrivateTokenAsset", api.get(f"{root}/tokens/1/asset/image", project=1))
    rpc("UnpublishCollection", {"collectionId": cid})
    rpc("DeleteContractCollection", {"projectId": 1, "chainId": 80002, "contractAddress": address})
    rpc("DeleteAsset", {"assetId": asset["id"]})
    rpc("DeleteToken", {"collectionId": cid, "tokenId": "1"})
    rpc("DeleteCollection", {"collectionId": cid})
    check("GetCollection", api.rpc("GetCollection", {"collectionId": cid}))  # the NotFound envelope
    # Every operation the tour reaches answered per the spec; conformance covers each one generically.
    assert seen <= set(spec.operations)
    assert len(seen) >= 30


@pytest.mark.parametrize("depth", [99, 101, 500, 990, 5000])
def test_deep_free_form_values_are_bounded(api: Api, depth: int) -> None:
    nested = '{"a": ' * depth + "1" + "}" * depth
    raw = f'{{"collection": {{"metadata": {{"name": "x", "properties": {nested}}}}}}}'.encode()
    response = api.client.post(
        "/rpc/Collections/CreateCollection",
        content=raw,
        headers={**api.auth(), "Content-Type": "application/json"},
    )
    if depth < 100:
        assert response.status_code == 200
        cid = response.json()["collection"]["id"]
        assert api.rpc("GetCollection", {"collectionId": cid}).status_code == 200
    else:
        assert response.status_code == 400
        assert envelope(response)["error"] == "WebrpcBadRequest"
