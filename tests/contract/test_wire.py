"""The webrpc wire: routes, methods, content types, JSON decoding and the error envelope."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from pytest_sequence_metadata.client.core import Call, MetadataClient
from pytest_sequence_metadata.contract.errors import ERRORS_BY_NAME

pytestmark = pytest.mark.sequence_operation("GetCollection")


def send(
    client: MetadataClient,
    path: str,
    *,
    method: str = "POST",
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return client.send(Call("GetCollection", method, path, content=content, headers=headers))


def envelope(response: httpx.Response, name: str) -> dict[str, Any]:
    """The response must be the named webrpc error, with the table's code and status everywhere."""
    kind = ERRORS_BY_NAME[name]
    assert response.status_code == kind.status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert (body["error"], body["code"], body["status"]) == (kind.name, kind.code, kind.status)
    assert isinstance(body["msg"], str)
    return body


def test_unknown_rpc_path_is_bad_route(owner: MetadataClient) -> None:
    body = envelope(
        send(
            owner,
            "/rpc/Collections/NoSuchMethod",
            content=b"{}",
            headers={"Content-Type": "application/json"},
        ),
        "WebrpcBadRoute",
    )
    assert "NoSuchMethod" in body.get("cause", "")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_on_an_rpc_path_are_bad_method_with_allow_post(
    owner: MetadataClient, method: str
) -> None:
    response = send(owner, "/rpc/Collections/GetCollection", method=method)
    envelope(response, "WebrpcBadMethod")
    assert response.headers["allow"].upper() == "POST"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_declared_json_is_bad_request(
    owner: MetadataClient, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    envelope(
        send(owner, "/rpc/Collections/GetCollection", content=b'{"collectionId": 1}', headers=headers),
        "WebrpcBadRequest",
    )


def test_content_type_parameters_and_case_are_ignored(
    owner: MetadataClient, sequence_collection: dict[str, Any]
) -> None:
    body = json.dumps({"collectionId": sequence_collection["id"]}).encode()
    response = send(
        owner,
        "/rpc/Collections/GetCollection",
        content=body,
        headers={"Content-Type": "Application/JSON; charset=utf-8"},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "content",
    [
        b"{",
        b"",
        b"[1, 2]",
        b'"text"',
        b'{"collectionId": "7"}',
        b'{"collectionId": -3}',
        b'{"collectionId": 2.5}',
        # Go's uint64 takes integer literals only: an integral float or an exponent is refused too.
        b'{"collectionId": 1.0}',
        b'{"collectionId": 1e0}',
        b'{"collectionId": 1E+0}',
        b'{"collectionId": -0}',
        b'{"collectionId": 18446744073709551616}',
        b'{"collectionId": 1' + b"0" * 5000 + b"}",
        b'{"collectionId": true}',
    ],
    ids=[
        "truncated",
        "empty",
        "array",
        "string",
        "id-as-string",
        "negative-id",
        "fraction",
        "integral-float",
        "exponent",
        "upper-exponent",
        "negative-zero",
        "uint64-overflow",
        "5000-digits",
        "bool",
    ],
)
# Its own mark: a body read unlike Go reads it fails GetCollection in the report (the module's mark
# only says what the tests exercise).
@pytest.mark.sequence_operation("GetCollection")
def test_undecodable_bodies_are_bad_request(owner: MetadataClient, content: bytes) -> None:
    response = send(
        owner, "/rpc/Collections/GetCollection", content=content, headers={"Content-Type": "application/json"}
    )
    envelope(response, "WebrpcBadRequest")


def test_null_is_treated_as_absent(owner: MetadataClient, sequence_collection: dict[str, Any]) -> None:
    # The Go client sends unset optional arguments as null.
    answer = owner.rpc("GetCollection", {"projectId": None, "collectionId": sequence_collection["id"]})
    assert answer["collection"]["id"] == sequence_collection["id"]


def test_unknown_keys_are_ignored(owner: MetadataClient, sequence_collection: dict[str, Any]) -> None:
    answer = owner.rpc("GetCollection", {"collectionId": sequence_collection["id"], "somethingElse": [1, 2]})
    assert answer["collection"]["id"] == sequence_collection["id"]


def test_request_keys_match_case_insensitively(
    owner: MetadataClient, sequence_collection: dict[str, Any]
) -> None:
    # An older public demo sends `projectID` and `collectionID`.
    body = {"projectID": owner.project_id, "collectionID": sequence_collection["id"]}
    assert owner.rpc("GetCollection", body)["collection"]["id"] == sequence_collection["id"]


def test_success_is_json_and_errors_are_always_json(owner: MetadataClient) -> None:
    ok = send(
        owner, "/rpc/Collections/ListCollections", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith("application/json")
    missing = send(
        owner,
        "/rpc/Collections/GetCollection",
        content=b'{"collectionId": 9007199254740000}',
        headers={"Content-Type": "application/json"},
    )
    envelope(missing, "NotFound")
