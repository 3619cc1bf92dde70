"""Rules of the backend, called directly (no HTTP)."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest

from pytest_sequence_metadata.emulator.backend import ZERO_TIME, ApiError, Backend, canonical_token_id

BASE = "http://emu.test"
RFC3339_MICRO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


@pytest.fixture
def backend() -> Backend:
    return Backend()


def new_collection(backend: Backend, project: int = 1, name: str = "Harbor", **metadata: Any) -> int:
    collection = {"metadata": {"name": name, **metadata}}
    cid: int = backend.create_collection(project, collection, base_url=BASE)["collection"]["id"]
    return cid


def error_of(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str | None]:
    with pytest.raises(ApiError) as caught:
        call(*args, **kwargs)
    return caught.value.kind.name, caught.value.cause


# --- collections ---------------------------------------------------------------------------------


def test_create_collection_shape_and_defaults(backend: Backend) -> None:
    body = backend.create_collection(
        1,
        {
            "private": False,
            "metadata": {"name": "Harbor", "external_link": "https://x", "properties": {"b": 1, "a": 2}},
        },
        base_url=BASE,
    )
    col = body["collection"]
    assert list(col) == ["id", "projectId", "metadata", "private", "createdAt", "updatedAt", "baseURIs"]
    assert col["private"] is True  # publishing is explicit, whatever `private` says
    assert col["metadata"] == {
        "name": "Harbor",
        "description": "",
        "external_link": "https://x",
        "properties": {"a": 2, "b": 1},
    }
    assert list(col["metadata"]["properties"]) == ["a", "b"]  # Go sorts map keys
    assert col["baseURIs"] == {
        "contractMetadataURI": f"{BASE}/projects/1/collections/{col['id']}.json",
        "tokenMetadataURI": f"{BASE}/projects/1/collections/{col['id']}/tokens/",
    }
    assert RFC3339_MICRO.match(col["createdAt"])
    assert col["createdAt"] == col["updatedAt"]


def test_get_and_list_carry_token_count(backend: Backend) -> None:
    cid = new_collection(backend)
    backend.create_token(1, cid, {"tokenId": "1", "name": "a"})
    col = backend.get_collection(1, cid, base_url=BASE)["collection"]
    assert col["tokenCount"] == 1
    assert "baseURIs" in col
    listed = backend.list_collections(1, base_url=BASE)
    assert listed["page"] == {"pageSize": 30, "more": False}
    assert listed["collections"][0]["tokenCount"] == 1


def test_ids_are_unique_and_increase_across_projects(backend: Backend) -> None:
    ids = [new_collection(backend, project=p) for p in (1, 2, 1, 3)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 4
    backend.reset()
    assert new_collection(backend) > ids[-1]  # never reused


@pytest.mark.parametrize(
    ("collection", "expected"),
    [
        (None, "RequiredArgument"),
        ({}, "RequiredArgument"),
        ({"metadata": {}}, "RequiredArgument"),
        ({"metadata": {"name": ""}}, "RequiredArgument"),
        ({"metadata": {"name": "   "}}, "InvalidArgument"),
    ],
)
def test_collection_name_rules(backend: Backend, collection: Any, expected: str) -> None:
    assert error_of(backend.create_collection, 1, collection, base_url=BASE)[0] == expected


def test_other_projects_ids_are_not_found(backend: Backend) -> None:
    cid = new_collection(backend, project=1)
    assert error_of(backend.get_collection, 2, cid, base_url=BASE)[0] == "NotFound"
    assert error_of(backend.delete_collection, 2, cid)[0] == "NotFound"
    assert backend.list_collections(2, base_url=BASE)["collections"] == []


def test_zero_id_is_a_missing_argument(backend: Backend) -> None:
    assert error_of(backend.get_collection, 1, 0, base_url=BASE) == (
        "RequiredArgument",
        "collectionId is required",
    )


def test_update_replaces_metadata_and_keeps_created_at(backend: Backend) -> None:
    cid = new_collection(backend, description="old", image="https://img")
    before = backend.get_collection(1, cid, base_url=BASE)["collection"]
    body = backend.update_collection(
        1, {"id": cid, "private": False, "metadata": {"name": "New", "description": "kept"}}, base_url=BASE
    )
    col = body["collection"]
    assert col["metadata"] == {"name": "New", "description": "kept"}  # image gone: whole replacement
    assert col["private"] is True  # not a way to publish
    assert col["createdAt"] == before["createdAt"]
    assert col["updatedAt"] >= before["updatedAt"]
    assert "tokenCount" not in col


def test_publish_unpublish_flip_private_without_computed_fields(backend: Backend) -> None:
    cid = new_collection(backend)
    published = backend.publish_collection(1, cid)["collection"]
    assert published["private"] is False
    assert "baseURIs" not in published
    assert "tokenCount" not in published
    assert backend.unpublish_collection(1, cid)["collection"]["private"] is True


def test_publish_recursive_clears_token_privacy(backend: Backend) -> None:
    cid = new_collection(backend)
    backend.create_token(1, cid, {"tokenId": "1", "name": "a"})
    backend.publish_collection(1, cid)
    assert error_of(backend.public_token, 1, cid, "1", base_url=BASE)[0] == "NotFound"
    backend.publish_collection(1, cid, recursive=True)
    assert backend.public_token(1, cid, "1", base_url=BASE)["tokenId"] == "1"


def test_delete_collection_cascades(backend: Backend) -> None:
    cid = new_collection(backend)
    backend.create_token(1, cid, {"tokenId": "1", "name": "a"}, private=False)
    asset = backend.create_asset(
        1, {"collectionId": cid, "tokenId": "1", "metadataField": "image"}, base_url=BASE
    )
    backend.create_contract_collection(
        1, {"chainId": 1, "contractAddress": "0x" + "a" * 40, "collectionId": cid}
    )
    backend.publish_collection(1, cid)
    assert backend.delete_collection(1, cid) == {"status": True}
    assert error_of(backend.get_asset, 1, asset["asset"]["id"], base_url=BASE)[0] == "NotFound"
    assert error_of(backend.public_collection, 1, cid, base_url=BASE)[0] == "NotFound"
    assert backend.list_contract_collections(1)["contractCollections"] == []
    assert backend.stats()["tokens"] == 0


# --- tokens --------------------------------------------------------------------------------------


def test_token_wire_shape(backend: Backend) -> None:
    cid = new_collection(backend)
    created = backend.create_token(
        1, cid, {"tokenId": "0042", "name": "L", "properties": {"z": 1, "a": {"y": 1, "b": 2}}, "decimals": 0}
    )
    assert created["assets"] is None
    token = created["token"]
    assert token["tokenId"] == "42"
    assert token["updatedAt"] == ZERO_TIME  # the echoed input struct, as upstream
    assert token["attributes"] is None
    assert token["queuedAt"] is None
    assert token["source"] == ""
    assert token["status"] == "NOT_AVAILABLE"
    assert list(token["properties"]) == ["a", "z"]
    assert list(token["properties"]["a"]) == ["b", "y"]
    assert token["decimals"] == 0
    got = backend.get_token(1, cid, "42", base_url=BASE)
    assert got["assets"] == []
    assert got["token"]["updatedAt"] != ZERO_TIME


@pytest.mark.parametrize(
    ("value", "expected"),
    [("7", "7"), ("007", "7"), ("0", "0"), (str(2**256 - 1), str(2**256 - 1)), (12, "12")],
)
def test_canonical_token_id(value: Any, expected: str) -> None:
    assert canonical_token_id(value) == expected


@pytest.mark.parametrize("value", ["abc", "-1", "0x10", "1.5", " 1", str(2**256), "1" * 200])
def test_bad_token_ids_are_invalid(value: str) -> None:
    with pytest.raises(ApiError) as caught:
        canonical_token_id(value)
    assert caught.value.kind.name == "InvalidArgument"


def test_duplicate_token_is_a_conflict(backend: Backend) -> None:
    cid = new_collection(backend)
    backend.create_token(1, cid, {"tokenId": "7", "name": "a"})
    assert error_of(backend.create_token, 1, cid, {"tokenId": "007", "name": "b"})[0] == "RequestConflict"


def test_tokens_are_private_unless_said_otherwise(backend: Backend) -> None:
    cid = new_collection(backend)
    backend.create_token(1, cid, {"tokenId": "1", "name": "a"})
    backend.create_token(1, cid, {"tokenId": "2", "name": "b"}, private=False)
    backend.publish_collection(1, cid)
    assert error_of(backend.public_token, 1, cid, "1", base_url=BASE)[0] == "NotFound"
    assert backend.public_token(1, cid, "2", base_url=BASE)["name"] == "b"


def test_update_token_renames_and_assets_follow(backend: Backend) -> None:
    cid = new_collection(backend)
    backend.create_token(1, cid, {"tokenId": "200", "name": "a"})
    backend.create_token(1, cid, {"tokenId": "300", "name": "c"})
    backend.create_asset(1, {"collectionId": cid, "tokenId": "200", "metadataField": "image"}, base_url=BASE)
    updated = backend.update_token(1, cid, "200", {"tokenId": "201", "name": "b"}, private=False)
    assert set(updated) == {"token"}
    assert updated["token"]["tokenId"] == "201"
    got = backend.get_token(1, cid, "201", base_url=BASE)
    assert got["assets"][0]["tokenId"] == "201"
    assert [t["tokenId"] for t in backend.list_tokens(1, cid)["tokens"]] == ["201", "300"]  # keeps its place
    assert error_of(backend.get_token, 1, cid, "200", base_url=BASE)[0] == "NotFound"
    assert (
        error_of(backend.update_token, 1, cid, "201", {"tokenId": "300", "name": "x"})[0] == "RequestConflict"
    )


def test_update_token_without_token_changes_only_private(backend: Backend) -> None:
    cid = new_collection(backend)
    backend.create_token(1, cid, {"tokenId": "1", "name": "keep", "description": "d"})
    backend.update_token(1, cid, "1", None, private=False)
    backend.publish_collection(1, cid)
    assert backend.public_token(1, cid, "1", base_url=BASE)["description"] == "d"


def test_update_token_replaces_metadata(backend: Backend) -> None:
    cid = new_collection(backend)
    backend.create_token(1, cid, {"tokenId": "1", "name": "a", "description": "gone"})
    backend.update_token(1, cid, "1", {"tokenId": "1", "name": "b"})
    assert backend.get_token(1, cid, "1", base_url=BASE)["token"]["description"] == ""


def test_delete_token(backend: Backend) -> None:
    cid = new_collection(backend)
    backend.create_token(1, cid, {"tokenId": "1", "name": "a"})
    assert backend.delete_token(1, cid, "1") == {"status": True}
    assert error_of(backend.delete_token, 1, cid, "1")[0] == "NotFound"


# --- assets --------------------------------------------------------------------------------------


def test_create_asset_ignores_client_fields(backend: Backend) -> None:
    cid = new_collection(backend)
    backend.create_token(1, cid, {"tokenId": "6", "name": "a"})
    asset = backend.create_asset(
        1,
        {
            "id": 4576570997,
            "collectionId": cid,
            "tokenId": "6",
            "metadataField": "image",
            "url": "https://x",
            "filename": "image.png",
            "filesize": 10,
            "mimeType": "image/png",
            "width": 1,
            "height": 1,
        },
        base_url=BASE,
    )["asset"]
    assert asset["id"] != 4576570997
    assert asset == {
        "id": asset["id"],
        "collectionId": cid,
        "tokenId": "6",
        "url": "",
        "metadataField": "image",
        "updatedAt": asset["updatedAt"],
    }


def test_collection_level_asset_has_null_token(backend: Backend) -> None:
    cid = new_collection(backend)
    asset = backend.create_asset(1, {"collectionId": cid, "metadataField": "image"}, base_url=BASE)["asset"]
    assert asset["tokenId"] is None


@pytest.mark.parametrize(
    ("asset", "expected"),
    [
        ({"tokenId": "99", "metadataField": "image"}, "NotFound"),
        ({"tokenId": "1", "metadataField": "thumbnail"}, "InvalidArgument"),
        ({"tokenId": "1"}, "RequiredArgument"),
        ({"tokenId": "1", "metadataField": "image"}, "RequestConflict"),  # the second one
    ],
)
def test_asset_rules(backend: Backend, asset: dict[str, Any], expected: str) -> None:
    cid = new_collection(backend)
    backend.create_token(1, cid, {"tokenId": "1", "name": "a"})
    backend.create_asset(1, {"collectionId": cid, "tokenId": "1", "metadataField": "image"}, base_url=BASE)
    assert error_of(backend.create_asset, 1, {"collectionId": cid, **asset}, base_url=BASE)[0] == expected


def test_update_and_delete_asset(backend: Backend) -> None:
    cid = new_collection(backend)
    aid = backend.create_asset(1, {"collectionId": cid, "metadataField": "image"}, base_url=BASE)["asset"][
        "id"
    ]
    updated = backend.update_asset(
        1, {"id": aid, "metadataField": "video", "filename": "My asset"}, base_url=BASE
    )
    assert updated["asset"]["metadataField"] == "video"
    assert updated["asset"]["filename"] == "My asset"
    assert error_of(backend.get_asset, 2, aid, base_url=BASE)[0] == "NotFound"
    assert backend.delete_asset(1, aid) == {"status": True}
    assert error_of(backend.get_asset, 1, aid, base_url=BASE)[0] == "NotFound"


# --- contract collections ------------------------------------------------------------------------


def test_contract_collection_lifecycle(backend: Backend) -> None:
    a, b = new_collection(backend, name="A"), new_collection(backend, name="B")
    address = "0x477566E9ADE2DFA69F066F909E36AD617A2ADEF7"
    link = backend.create_contract_collection(
        1, {"chainId": 80002, "contractAddress": address, "collectionId": a}
    )
    assert link["contractCollection"]["contractAddress"] == address.lower()
    got = backend.get_contract_collection(1, 80002, address)
    assert got == link
    listed = backend.list_contract_collections(1, collection_id=a)
    assert listed["contractCollections"] == [link["contractCollection"]]
    assert [c["id"] for c in listed["collections"]] == [a]
    assert "baseURIs" not in listed["collections"][0]
    assert listed["page"] == {"pageSize": 30, "more": False}
    again = {"chainId": 80002, "contractAddress": address, "collectionId": b}
    assert error_of(backend.create_contract_collection, 1, again)[0] == "RequestConflict"
    assert backend.update_contract_collection(1, again) == {"ok": True}
    assert backend.get_contract_collection(1, 80002, address)["contractCollection"]["collectionId"] == b
    assert backend.delete_contract_collection(1, 80002, address) == {"ok": True}
    assert error_of(backend.get_contract_collection, 1, 80002, address)[0] == "NotFound"


@pytest.mark.parametrize("address", ["0x123", "0x" + "g" * 40, "477566e9ade2dfa69f066f909e36ad617a2adef7"])
def test_contract_address_must_be_hex(backend: Backend, address: str) -> None:
    cid = new_collection(backend)
    raw = {"chainId": 1, "contractAddress": address, "collectionId": cid}
    assert error_of(backend.create_contract_collection, 1, raw)[0] == "InvalidArgument"


# --- pagination and concurrency --------------------------------------------------------------------


def test_numbered_pages_lose_and_repeat_nothing(backend: Backend) -> None:
    cid = new_collection(backend)
    for n in range(65):
        backend.create_token(1, cid, {"tokenId": str(n), "name": str(n)})
    seen: list[str] = []
    pages = []
    for number in (0, 1, 2):
        body = backend.list_tokens(1, cid, {"page": number, "pageSize": 30})
        pages.append(body["page"])
        seen += [t["tokenId"] for t in body["tokens"]]
    assert seen == [str(n) for n in range(65)]
    assert [p["more"] for p in pages] == [True, True, False]
    assert pages[0] == {"page": 0, "pageSize": 30, "more": True}


def test_page_size_is_capped(backend: Backend) -> None:
    cid = new_collection(backend)
    for n in range(120):
        backend.create_token(1, cid, {"tokenId": str(n), "name": str(n)})
    body = backend.list_tokens(1, cid, {"pageSize": 1000})
    assert body["page"] == {"pageSize": 100, "more": True}
    assert len(body["tokens"]) == 100


def test_concurrent_creates_lose_nothing(backend: Backend) -> None:
    cid = new_collection(backend)

    def work(worker: int) -> None:
        for n in range(50):
            backend.create_token(1, cid, {"tokenId": f"{worker}{n:03d}", "name": "x"})

    threads = [threading.Thread(target=work, args=(w + 1,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert backend.get_collection(1, cid, base_url=BASE)["collection"]["tokenCount"] == 400
