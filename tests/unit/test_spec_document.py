"""The bundled contract document (specs/sequence-metadata.yaml) checked on its own terms.

These tests read only the YAML file and `errors.ERROR_TABLE`; they do not depend on the upstream
document or on the rest of the package.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from pytest_sequence_metadata.contract.errors import ERROR_TABLE, ErrorKind
from pytest_sequence_metadata.contract.gowire import go_types
from pytest_sequence_metadata.contract.operations import rpc_methods

SPEC_PATH = Path(__file__).resolve().parents[2] / "specs" / "sequence-metadata.yaml"
DOC_URI = "urn:test:sequence-metadata"

# The RPCs as the operations registry reads them from the spec; what they must look like is below.
RPC_METHODS = rpc_methods()
# projectId is a plain uint64 (not a pointer) in these, so the Go server needs it in the body.
CONTRACT_COLLECTION_METHODS = {
    method
    for method in RPC_METHODS
    if go_types().request(method).by_key["projectId"].type == go_types().parse("uint64")
}
_BASE = "/projects/{projectId}/collections/{collectionId}"
# operationId -> (method, path, secured)
REST_ROUTES = {
    "UploadTokenAsset": ("put", _BASE + "/tokens/{tokenId}/upload/{assetRef}", True),
    "UploadAsset": ("put", _BASE + "/assets/{assetId}/upload", True),
    "GetPublicCollectionMetadata": ("get", _BASE, False),
    "GetPublicCollectionMetadataJson": ("get", _BASE + ".json", False),
    "GetPublicTokenMetadata": ("get", _BASE + "/tokens/{tokenId}", False),
    "GetPublicTokenMetadataJson": ("get", _BASE + "/tokens/{tokenId}.json", False),
    "GetPublicTokenFile": ("get", _BASE + "/tokens/{tokenId}/{fileName}", False),
    "GetPublicCollectionFile": ("get", _BASE + "/{fileName}", False),
    "GetPrivateTokenAsset": ("get", _BASE + "/tokens/{tokenId}/asset/{assetType}", True),
}
RPC_ERROR_STATUSES = {400, 401, 403, 404, 405, 408, 409, 429, 451, 500}
DEVIATION_KINDS = {
    "wire-name",
    "type",
    "required",
    "nullable",
    "enum",
    "error",
    "added-operation",
    "removed",
    "security",
    "other",
}
CAMEL_CASE_WIRE_NAMES = {"externalLink", "imageData", "externalUrl", "backgroundColor", "animationUrl"}
UINT64_MAX = 2**64 - 1


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    loaded = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def registry(doc: dict[str, Any]) -> Registry[Any]:
    return Registry().with_resource(DOC_URI, Resource(contents=doc, specification=DRAFT202012))


def _validator(registry: Registry[Any], schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def _component(registry: Registry[Any], name: str) -> Draft202012Validator:
    return _validator(registry, {"$ref": f"{DOC_URI}#/components/schemas/{name}"})


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = _pointer(doc, node["$ref"].removeprefix("#"))
    return node


def _pointer(doc: Any, pointer: str) -> Any:
    node = doc
    if pointer == "":
        return node
    assert pointer.startswith("/"), pointer
    for raw in pointer[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in {"get", "put", "post", "delete", "patch", "head", "options"}:
                yield path, method, op


def _operation_pointer(method: str, path: str) -> str:
    return "/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def _error_branches(doc: dict[str, Any], status: int) -> list[str]:
    schema = doc["components"]["responses"][f"Error{status}"]["content"]["application/json"]["schema"]
    return [branch["$ref"].rsplit("/", 1)[1] for branch in schema["oneOf"]]


# ---------------------------------------------------------------------------------------------------
# The document as a whole
# ---------------------------------------------------------------------------------------------------


def test_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    assert doc["openapi"] == "3.1.0"
    validate_openapi(doc)  # raises on any structural error


def test_info_and_servers(doc: dict[str, Any]) -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", doc["info"]["version"])
    assert doc["info"]["version"] == "1.0.0"
    assert doc["info"]["x-upstream"]["revision"] == "2e7df854"
    assert doc["servers"] == [{"url": "https://metadata.sequence.app", "description": "Production"}]
    assert not doc["servers"][0]["url"].endswith("/")


# ---------------------------------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------------------------------


def test_exactly_the_rpc_and_rest_operations_exist(doc: dict[str, Any]) -> None:
    found = {op["operationId"]: (method, path) for path, method, op in _operations(doc)}
    expected = {m: ("post", f"/rpc/Collections/{m}") for m in RPC_METHODS}
    expected |= {op_id: (method, path) for op_id, (method, path, _) in REST_ROUTES.items()}
    assert found == expected
    assert len(list(_operations(doc))) == len(expected)


@pytest.mark.parametrize("method", RPC_METHODS)
def test_rpc_operation_shape(doc: dict[str, Any], method: str) -> None:
    op = doc["paths"][f"/rpc/Collections/{method}"]["post"]
    assert op["tags"] == ["Collections"]
    assert op["security"] == [{"BearerAuth": []}]
    body = op["requestBody"]
    assert body["required"] is True
    assert list(body["content"]) == ["application/json"]
    assert body["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{method}Request"}
    ok = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": f"#/components/schemas/{method}Response"}
    statuses = {int(s) for s in op["responses"] if s != "200"}
    assert statuses == RPC_ERROR_STATUSES
    for status in RPC_ERROR_STATUSES:
        assert op["responses"][str(status)] == {"$ref": f"#/components/responses/Error{status}"}


@pytest.mark.parametrize("method", RPC_METHODS)
def test_project_id_is_optional_except_for_contract_links(doc: dict[str, Any], method: str) -> None:
    request = doc["components"]["schemas"][f"{method}Request"]
    assert "projectId" in request["properties"]
    required = set(request.get("required", []))
    assert ("projectId" in required) == (method in CONTRACT_COLLECTION_METHODS)


@pytest.mark.parametrize(
    ("method", "body", "valid"),
    [
        ("GetCollection", {}, False),
        ("GetCollection", {"collectionId": 1}, True),
        ("GetCollection", {"collectionId": 0}, False),
        ("GetCollection", {"collectionId": 1.5}, False),
        ("GetCollection", {"collectionId": -1}, False),
        ("GetCollection", {"collectionId": "1"}, False),
        ("GetCollection", {"collectionId": UINT64_MAX}, True),
        ("GetCollection", {"collectionId": UINT64_MAX + 1}, False),
        ("ListCollections", {}, True),
        ("ListCollections", {"page": {"page": 2, "pageSize": 2**32}}, False),
        ("ListCollections", {"page": {"after": "cursor", "before": 17}}, False),  # [A:page-cursor-refused]
        ("CreateCollection", {"collection": {"metadata": {"name": "A"}}}, True),
        ("CreateCollection", {"collection": {"metadata": {"name": ""}}}, False),
        ("CreateCollection", {"collection": {"metadata": {"name": "A", "properties": {"k": "v"}}}}, True),
        ("UpdateCollection", {"collection": {"metadata": {"name": "A"}}}, False),
        ("UpdateCollection", {"collection": {"id": 1, "metadata": {"name": "A"}}}, True),
        (
            "GetToken",
            {"collectionId": 1, "tokenId": "457657099779485875855215293997335918990635014431"},
            True,
        ),
        ("GetToken", {"collectionId": 1, "tokenId": "abc"}, False),
        ("GetToken", {"collectionId": 1, "tokenId": "0x1f"}, False),
        ("GetToken", {"collectionId": 1, "tokenId": "1" * 79}, False),
        ("GetToken", {"collectionId": 1, "tokenId": 7}, False),
        ("CreateToken", {"collectionId": 1, "token": {"tokenId": "1", "name": "x"}}, True),
        (
            "CreateToken",
            {"collectionId": 1, "token": {"tokenId": "1", "name": "x", "attributes": None}},
            True,
        ),
        ("CreateToken", {"collectionId": 1, "token": {"name": "x"}}, False),
        # [A:update-token-partial]: a nil token (Go: *TokenMetadata) changes only `private`.
        ("UpdateToken", {"collectionId": 1, "tokenId": "1", "token": None, "private": False}, True),
        # The server's BigInt misreads a bare number: only a quoted decimal or null is in the contract.
        ("CreateAsset", {"asset": {"collectionId": 1, "metadataField": "image", "tokenId": 7}}, False),
        ("CreateAsset", {"asset": {"collectionId": 1, "metadataField": "image", "tokenId": None}}, True),
        # What the official Go client sends for a fresh Asset: zero values of its non-pointer fields.
        (
            "CreateAsset",
            {
                "projectId": None,
                "asset": {
                    "id": 0,
                    "collectionId": 1,
                    "tokenId": None,
                    "url": "",
                    "metadataField": "image",
                    "updatedAt": "0001-01-01T00:00:00Z",
                },
            },
            True,
        ),
        ("CreateAsset", {"asset": {"collectionId": 1, "metadataField": "image", "tokenId": "7"}}, True),
        ("CreateAsset", {"asset": {"collectionId": 1, "metadataField": "image", "tokenId": -7}}, False),
        ("CreateAsset", {"asset": {"collectionId": 1, "metadataField": "thumbnail"}}, False),
        ("UpdateAsset", {"asset": {"collectionId": 1, "metadataField": "image"}}, False),
        (
            "CreateContractCollection",
            {"contractCollection": {"chainId": 1, "contractAddress": "0x" + "Ab" * 20}},
            False,
        ),
        (
            "CreateContractCollection",
            {
                "projectId": 1,
                "contractCollection": {"chainId": 1, "contractAddress": "0x" + "Ab" * 20, "collectionId": 1},
            },
            True,
        ),
        ("GetContractCollection", {"projectId": 1, "chainId": 1, "contractAddress": "0x12"}, False),
    ],
)
def test_request_schemas_accept_and_reject(
    registry: Registry[Any], method: str, body: dict[str, Any], valid: bool
) -> None:
    assert _component(registry, f"{method}Request").is_valid(body) is valid


def test_return_keys_differ_per_method(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    for method in ("DeleteCollection", "DeleteToken", "DeleteAsset"):
        assert set(schemas[f"{method}Response"]["properties"]) == {"status"}
        assert schemas[f"{method}Response"]["required"] == ["status"]
    for method in ("UpdateContractCollection", "DeleteContractCollection"):
        assert set(schemas[f"{method}Response"]["properties"]) == {"ok"}
    assert set(schemas["UpdateTokenResponse"]["properties"]) == {"token"}
    assert set(schemas["GetTokenResponse"]["properties"]) == {"token", "assets"}


def test_request_and_response_schemas_are_distinct(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    assert "id" in schemas["Collection"]["required"]
    assert "id" not in schemas["CollectionInput"].get("required", [])
    assert "id" not in schemas["AssetInput"].get("required", [])
    assert "id" not in schemas["ContractCollectionInput"].get("required", [])
    assert "status" not in schemas["TokenMetadataInput"].get("required", [])
    assert "status" in schemas["TokenMetadata"]["required"]
    request_refs = {
        branch
        for method in RPC_METHODS
        for prop in schemas[f"{method}Request"]["properties"].values()
        for branch in [prop.get("$ref", "")]
    }
    for response_only in ("Collection", "Asset", "TokenMetadata", "ContractCollection"):
        assert f"#/components/schemas/{response_only}" not in request_refs


def test_nulls_the_server_emits_are_allowed(registry: Registry[Any]) -> None:
    token = {
        "tokenId": "7",
        "name": "n",
        "description": "",
        "image": "",
        "properties": None,
        "attributes": None,
        "updatedAt": "0001-01-01T00:00:00Z",
        "status": "REFRESHING",
        "queuedAt": None,
        "source": "",
    }
    assert _component(registry, "CreateTokenResponse").is_valid({"token": token, "assets": None})
    page = {"pageSize": 30, "more": False}
    assert _component(registry, "ListTokensResponse").is_valid({"page": page, "tokens": None})
    assert _component(registry, "ListCollectionsResponse").is_valid({"page": page, "collections": None})
    assert _component(registry, "ListCollectionsResponse").is_valid({"page": None, "collections": []})
    asset = {
        "id": 1,
        "collectionId": 1,
        "tokenId": None,
        "url": "",
        "metadataField": "image",
        "updatedAt": "2026-01-01T00:00:00.123456789Z",
    }
    assert _component(registry, "GetAssetResponse").is_valid({"asset": asset})
    # The upstream enum value is gone, and tokens missing an always-written field are caught.
    assert not _component(registry, "TokenMetadata").is_valid(dict(token, status="STALE"))
    assert not _component(registry, "TokenMetadata").is_valid(
        {k: v for k, v in token.items() if k != "attributes"}
    )
    assert not _component(registry, "Asset").is_valid(dict(asset, tokenId="abc"))


def test_free_form_maps_take_any_value(registry: Registry[Any]) -> None:
    meta = {"name": "n", "description": "", "properties": {"rarity": "gold", "n": 3, "ok": True, "xs": [1]}}
    meta["attributes"] = [{"trait_type": "Era", "value": 1890}]
    assert _component(registry, "CollectionMetadata").is_valid(meta)
    assert not _component(registry, "CollectionMetadata").is_valid(dict(meta, properties=["not", "a", "map"]))


def test_timestamps_are_rfc3339(registry: Registry[Any]) -> None:
    asset = {"id": 1, "collectionId": 1, "tokenId": "1", "url": "", "metadataField": "image"}
    assert _component(registry, "Asset").is_valid(dict(asset, updatedAt="2024-10-23T07:10:45.118089375Z"))
    assert not _component(registry, "Asset").is_valid(dict(asset, updatedAt="yesterday"))


def test_page_has_no_sort_and_the_current_enums(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    assert set(schemas["Page"]["properties"]) == {"page", "column", "before", "after", "pageSize", "more"}
    assert schemas["ResourceStatus"]["enum"] == ["NOT_AVAILABLE", "REFRESHING", "AVAILABLE"]


# ---------------------------------------------------------------------------------------------------
# REST routes
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("operation_id", sorted(REST_ROUTES))
def test_rest_route(doc: dict[str, Any], operation_id: str) -> None:
    method, path, secured = REST_ROUTES[operation_id]
    op = doc["paths"][path][method]
    assert op["operationId"] == operation_id
    assert op["security"] == ([{"BearerAuth": []}] if secured else [])
    params = {_resolve(doc, p)["name"]: _resolve(doc, p) for p in op["parameters"]}
    assert set(params) == set(re.findall(r"\{(\w+)\}", path))
    for param in params.values():
        assert param["in"] == "path"
        assert param["required"] is True
    for name in ("projectId", "collectionId", "assetId"):
        if name in params:
            assert params[name]["schema"] == {"$ref": "#/components/schemas/Id"}
    if "tokenId" in params:
        assert params["tokenId"]["schema"] == {"$ref": "#/components/schemas/TokenId"}
    statuses = set(op["responses"])
    assert "200" in statuses
    assert "404" in statuses
    assert {"401", "403"} <= statuses if secured else not {"401", "403"} & statuses


@pytest.mark.parametrize("operation_id", ["UploadTokenAsset", "UploadAsset"])
def test_uploads_are_multipart_and_answer_a_bare_asset(doc: dict[str, Any], operation_id: str) -> None:
    method, path, _ = REST_ROUTES[operation_id]
    op = doc["paths"][path][method]
    assert op["requestBody"]["required"] is True
    form = _resolve(doc, op["requestBody"]["content"]["multipart/form-data"]["schema"])
    assert form["required"] == ["file"]
    assert form["properties"]["file"]["type"] == "string"
    assert form["properties"]["file"]["contentMediaType"] == "application/octet-stream"
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Asset"
    }


@pytest.mark.parametrize(
    "operation_id", ["GetPublicTokenFile", "GetPublicCollectionFile", "GetPrivateTokenAsset"]
)
def test_file_routes_answer_bytes(doc: dict[str, Any], operation_id: str) -> None:
    method, path, _ = REST_ROUTES[operation_id]
    content = doc["paths"][path][method]["responses"]["200"]["content"]
    assert "application/json" not in content
    (media,) = content.values()
    assert media["schema"]["type"] == "string"


def test_asset_ref_path_parameter(doc: dict[str, Any]) -> None:
    method, path, _ = REST_ROUTES["UploadTokenAsset"]
    (param,) = [
        _resolve(doc, p)
        for p in doc["paths"][path][method]["parameters"]
        if _resolve(doc, p)["name"] == "assetRef"
    ]
    pattern = re.compile(param["schema"]["pattern"])
    for ok in ("image", "animation_url", "audio", "video", "10", "4576570997"):
        assert pattern.search(ok)
    for bad in ("0", "thumbnail", "-1", "image.png", ""):
        assert not pattern.search(bad)


def test_public_bodies_exclude_private_fields(registry: Registry[Any]) -> None:
    token = {"tokenId": "7", "name": "n", "properties": None, "attributes": [{"trait_type": "a", "value": 1}]}
    assert _component(registry, "PublicTokenMetadata").is_valid(token)
    assert not _component(registry, "PublicTokenMetadata").is_valid(dict(token, private=True))
    collection = {"name": "n", "external_link": "https://example.com"}
    assert _component(registry, "PublicCollectionMetadata").is_valid(collection)
    assert not _component(registry, "PublicCollectionMetadata").is_valid(dict(collection, revealKey="k"))


# ---------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------


def test_error_schemas_agree_with_the_error_table(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    error_schemas = {name for name in schemas if name.startswith("Error")}
    assert error_schemas == {f"Error{kind.name}" for kind in ERROR_TABLE}
    for kind in ERROR_TABLE:
        schema = schemas[f"Error{kind.name}"]
        assert schema["properties"]["error"] == {"const": kind.name}
        assert schema["properties"]["code"] == {"const": kind.code}
        assert schema["properties"]["status"] == {"const": kind.status}
        assert schema["properties"]["msg"]["type"] == "string"
        assert schema["properties"]["cause"] == {"type": "string"}
        assert set(schema["required"]) == {"error", "code", "msg", "status"}


def test_error_responses_group_the_table_by_status(doc: dict[str, Any]) -> None:
    for status in RPC_ERROR_STATUSES:
        expected = {f"Error{kind.name}" for kind in ERROR_TABLE if kind.status == status}
        assert set(_error_branches(doc, status)) == expected, status
    referenced = {b for s in RPC_ERROR_STATUSES for b in _error_branches(doc, s)}
    assert "ErrorWebrpcStreamFinished" not in referenced  # status 200: never an error response
    assert doc["components"]["schemas"]["ErrorFail"]["properties"]["status"] == {"const": 400}


@pytest.mark.parametrize("kind", [k for k in ERROR_TABLE if k.status != 200], ids=lambda k: k.name)
def test_each_error_body_matches_exactly_one_schema(
    doc: dict[str, Any], registry: Registry[Any], kind: ErrorKind
) -> None:
    for body in (kind.body(), kind.body(cause="some cause", msg="custom text")):
        matching = [
            name for name in _error_branches(doc, kind.status) if _component(registry, name).is_valid(body)
        ]
        assert matching == [f"Error{kind.name}"]
        for status in RPC_ERROR_STATUSES:
            response = _validator(
                registry,
                {"$ref": f"{DOC_URI}#/components/responses/Error{status}/content/application~1json/schema"},
            )
            assert response.is_valid(body) is (status == kind.status), status
    # A body whose status disagrees with the table matches nothing.
    wrong = dict(kind.body(), status=599)
    assert not any(_component(registry, name).is_valid(wrong) for name in _error_branches(doc, kind.status))


# ---------------------------------------------------------------------------------------------------
# Examples
# ---------------------------------------------------------------------------------------------------


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _media_examples(doc: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(where, JSON pointer of the schema, example value) for every example in the document.

    Covers media types of request bodies and responses (inline and in components) and parameters.
    """

    def media(base: str, content: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
        for media_type, obj in content.items():
            schema_at = f"{base}/content/{_escape(media_type)}/schema"
            if "example" in obj:
                yield f"{base} example", schema_at, obj["example"]
            for name, example in obj.get("examples", {}).items():
                yield f"{base} examples/{name}", schema_at, _resolve(doc, example)["value"]

    for path, method, op in _operations(doc):
        base = f"/paths/{_escape(path)}/{method}"
        if "requestBody" in op:
            assert "$ref" not in op["requestBody"]
            yield from media(f"{base}/requestBody", op["requestBody"]["content"])
        for status, response in op["responses"].items():
            if "$ref" not in response:
                yield from media(f"{base}/responses/{status}", response.get("content", {}))
    for name, response in doc["components"]["responses"].items():
        yield from media(f"/components/responses/{name}", response.get("content", {}))
    for name, param in doc["components"]["parameters"].items():
        if "example" in param:
            yield (
                f"/components/parameters/{name} example",
                f"/components/parameters/{name}/schema",
                param["example"],
            )


def test_every_example_validates_against_its_schema(doc: dict[str, Any], registry: Registry[Any]) -> None:
    examples = list(_media_examples(doc))
    assert len(examples) >= 50
    failures = []
    for where, schema_at, value in examples:
        validator = _validator(registry, {"$ref": f"{DOC_URI}#{schema_at}"})
        failures += [f"{where}: {e.message}" for e in validator.iter_errors(value)]
    assert failures == []


def test_the_example_check_catches_a_bad_example(doc: dict[str, Any], registry: Registry[Any]) -> None:
    where, schema_at, value = next(e for e in _media_examples(doc) if "GetToken/post/responses/200" in e[0])
    broken = dict(value, token=dict(value["token"], tokenId="seven"))
    assert not _validator(registry, {"$ref": f"{DOC_URI}#{schema_at}"}).is_valid(broken), where


@pytest.mark.parametrize(
    "operation_id",
    [
        "CreateCollection",
        "GetCollection",
        "ListCollections",
        "CreateToken",
        "GetToken",
        "UpdateToken",
        "CreateAsset",
        "UploadTokenAsset",
        "UploadAsset",
        "GetPublicTokenMetadata",
    ],
)
def test_main_operations_have_examples(doc: dict[str, Any], operation_id: str) -> None:
    (op,) = [op for _, _, op in _operations(doc) if op["operationId"] == operation_id]
    if "requestBody" in op and "application/json" in op["requestBody"]["content"]:
        assert op["requestBody"]["content"]["application/json"].get("examples")
    assert op["responses"]["200"]["content"]["application/json"].get("examples")


def test_examples_use_project_1_only(doc: dict[str, Any]) -> None:
    seen: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "projectId":
                    seen.append(value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for _, _, value in _media_examples(doc):
        walk(value)
        for url in re.findall(r"/projects/(\d+)/", str(value)):
            seen.append(int(url))
    assert seen
    assert set(seen) == {1}


def test_examples_tell_one_consistent_story(doc: dict[str, Any]) -> None:
    def example(method: str, part: str) -> Any:
        op = doc["paths"][f"/rpc/Collections/{method}"]["post"]
        content = op["requestBody"] if part == "request" else op["responses"]["200"]
        (first, *_) = content["content"]["application/json"]["examples"].values()
        return first["value"]

    created = example("CreateCollection", "response")["collection"]
    assert example("GetCollection", "request")["collectionId"] == created["id"]
    assert example("GetCollection", "response")["collection"]["id"] == created["id"]
    token = example("CreateToken", "response")["token"]
    assert example("CreateToken", "request")["collectionId"] == created["id"]
    assert example("GetToken", "request")["tokenId"] == token["tokenId"]
    asset = example("CreateAsset", "response")["asset"]
    assert asset["tokenId"] == token["tokenId"]
    assert example("GetAsset", "request")["assetId"] == asset["id"]
    assert example("GetToken", "response")["assets"][0]["id"] == asset["id"]


# ---------------------------------------------------------------------------------------------------
# Wire names and security
# ---------------------------------------------------------------------------------------------------


def _property_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.get("properties", {}).items():
            yield key
            yield from _property_names(value)
        for key, value in node.items():
            if key != "properties":
                yield from _property_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _property_names(value)


def test_wire_names_are_used(doc: dict[str, Any]) -> None:
    names = set(_property_names(doc["components"]["schemas"]))
    assert not names & CAMEL_CASE_WIRE_NAMES
    schemas = doc["components"]["schemas"]
    assert "external_link" in schemas["CollectionMetadata"]["properties"]
    assert "external_link" in schemas["CollectionMetadataInput"]["properties"]
    for name in ("image_data", "external_url", "background_color", "animation_url", "source"):
        assert name in schemas["TokenMetadata"]["properties"], name
    assert "filename" in schemas["Asset"]["properties"]


def test_security_requirements_hold_no_credentials(doc: dict[str, Any]) -> None:
    assert doc["components"]["securitySchemes"] == {
        "BearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": doc["components"]["securitySchemes"]["BearerAuth"]["description"],
        }
    }
    requirements = list(doc.get("security", []))
    for _, _, op in _operations(doc):
        requirements += op.get("security", [])
    assert requirements
    for requirement in requirements:
        assert requirement == {"BearerAuth": []}
    text = SPEC_PATH.read_text(encoding="utf-8")
    assert not re.search(r"eyJ[A-Za-z0-9_-]{8,}", text), "something that looks like a JWT"
    schemes = doc["components"]["securitySchemes"].values()
    assert all(scheme["type"] != "apiKey" for scheme in schemes)


def test_public_routes_opt_out_of_security(doc: dict[str, Any]) -> None:
    for _, _, op in _operations(doc):
        secured = bool(op.get("security", doc.get("security", [])))
        if op["operationId"] in REST_ROUTES:
            assert secured is REST_ROUTES[op["operationId"]][2]
        else:
            assert secured


# ---------------------------------------------------------------------------------------------------
# Deviations
# ---------------------------------------------------------------------------------------------------


def _places(deviation: dict[str, Any]) -> list[str]:
    """A deviation's `where`: one JSON pointer, or a list of them for the same change in several places."""
    where = deviation["where"]
    return where if isinstance(where, list) else [where]


def test_deviations_are_well_formed(doc: dict[str, Any]) -> None:
    deviations = doc["x-deviations"]
    assert len(deviations) >= 50
    ids = [d["id"] for d in deviations]
    assert len(ids) == len(set(ids)), "duplicate deviation ids"
    # One change made in several places is one deviation listing them all in `where`.
    seen: dict[str, str] = {}
    for deviation in deviations:
        same = json.dumps([deviation[k] for k in ("kind", "upstream", "ours", "reason")], sort_keys=True)
        assert same not in seen, f"{deviation['id']} repeats {seen[same]}: add its place to that `where`"
        seen[same] = deviation["id"]
    for deviation in deviations:
        assert set(deviation) == {"id", "kind", "where", "upstream", "ours", "reason"}, deviation
        assert re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*", deviation["id"]), deviation["id"]
        assert deviation["kind"] in DEVIATION_KINDS, deviation
        assert deviation["reason"].strip()
        places = _places(deviation)
        assert places, deviation
        assert places == sorted(set(places)), f"{deviation['id']}: list each place once, sorted"
        for where in places:
            assert where.startswith("/")
            if deviation["kind"] != "removed":
                _pointer(doc, where)  # KeyError when it does not resolve


def test_wire_name_deviations_point_at_the_wire_property(doc: dict[str, Any]) -> None:
    wire = [d for d in doc["x-deviations"] if d["kind"] == "wire-name"]
    assert {d["upstream"] for d in wire} == CAMEL_CASE_WIRE_NAMES
    for deviation in wire:
        assert deviation["where"].rsplit("/", 1)[1] == deviation["ours"]


def test_key_deviations_are_recorded(doc: dict[str, Any]) -> None:
    by_id = {d["id"]: d for d in doc["x-deviations"]}
    assert by_id["error-fail-status"]["ours"] == 400
    assert by_id["error-client-aborted-renamed"]["ours"]["error"] == "WebrpcClientAborted"
    assert by_id["metadata-service-removed"]["kind"] == "removed"
    assert by_id["servers-url"]["ours"] == doc["servers"][0]["url"]
    assert by_id["info-version"]["ours"] == doc["info"]["version"]
    assert by_id["enum-ResourceStatus"]["ours"] == doc["components"]["schemas"]["ResourceStatus"]["enum"]
    added = {d["where"] for d in doc["x-deviations"] if d["kind"] == "added-operation"}
    added_rpcs = {m for m in RPC_METHODS if _operation_pointer("post", f"/rpc/Collections/{m}") in added}
    expected = {_operation_pointer(method, path) for method, path, _ in REST_ROUTES.values()}
    expected |= {_operation_pointer("post", f"/rpc/Collections/{m}") for m in added_rpcs}
    assert added == expected
    # Every id-typed argument of an upstream RPC has its number -> integer deviation (an added RPC has
    # no upstream schema to differ from).
    id_arguments = set(_places(by_id["type-uint64-id-arguments"]))
    assert by_id["type-uint64-id-arguments"]["ours"] == "integer 1..2^64-1"
    for method in (m for m in RPC_METHODS if m not in added_rpcs):
        for prop, schema in doc["components"]["schemas"][f"{method}Request"]["properties"].items():
            if schema.get("$ref") == "#/components/schemas/Id":
                assert f"/components/schemas/{method}Request/properties/{prop}" in id_arguments
