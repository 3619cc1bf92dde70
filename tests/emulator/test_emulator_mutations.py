"""Every injected bug must change what a client observes (else the suite's self-check means nothing)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from emulator_support import Api, png_bytes

from pytest_sequence_metadata.contract.operations import operations
from pytest_sequence_metadata.emulator import IN_PROCESS_URL, Emulator
from pytest_sequence_metadata.emulator.mutations import MUTATIONS, Mutation, check_mutations
from pytest_sequence_metadata.emulator.mutations.base import registry

Scenario = Callable[[Api], Any]


def _published_with_tokens(api: Api) -> int:
    cid = api.collection(publish=True)
    api.token(cid, "7", private=False)
    api.token(cid, "8")
    return cid


def _public_private_token(api: Api) -> Any:
    cid = _published_with_tokens(api)
    return api.get(f"/projects/1/collections/{cid}/tokens/8").status_code


def _unpublished_collection(api: Api) -> Any:
    return api.get(f"/projects/1/collections/{api.collection()}").status_code


def _unpublish(api: Api) -> Any:
    cid = _published_with_tokens(api)
    api.call("UnpublishCollection", {"collectionId": cid})
    return api.get(f"/projects/1/collections/{cid}/tokens/7").status_code


def _deleted_token(api: Api) -> Any:
    cid = _published_with_tokens(api)
    api.call("DeleteToken", {"collectionId": cid, "tokenId": "7"})
    return api.get(f"/projects/1/collections/{cid}/tokens/7").status_code


def _cross_project(api: Api) -> Any:
    cid = api.collection(project=1)
    return api.rpc("GetCollection", {"collectionId": cid}, project=2).status_code


def _anonymous_asset(api: Api) -> Any:
    cid = api.collection()
    api.token(cid, "7")
    api.image(cid, "7")
    return api.get(f"/projects/1/collections/{cid}/tokens/7/asset/image").status_code


def _default_token_privacy(api: Api) -> Any:
    cid = api.collection(publish=True)
    api.token(cid, "7")
    return api.get(f"/projects/1/collections/{cid}/tokens/7").status_code


def _missing_token(api: Api) -> Any:
    return api.rpc("ListCollections", {}, project=None).status_code


def _expired_token(api: Api) -> Any:
    headers = {"Authorization": f"Bearer {api.jwt(1, expires_in=-60)}"}
    return api.rpc("ListCollections", {}, project=None, headers=headers).status_code


def _project_mismatch(api: Api) -> Any:
    return api.rpc("ListCollections", {"projectId": 1}, project=2).status_code


def _not_found_status(api: Api) -> Any:
    return api.rpc("GetCollection", {"collectionId": 987654}).status_code


def _error_content_type(api: Api) -> Any:
    return api.rpc("GetCollection", {"collectionId": 987654}).headers["content-type"]


def _missing_argument(api: Api) -> Any:
    return api.rpc("GetCollection", {}).json()["error"]


def _bad_json(api: Api) -> Any:
    headers = {**api.auth(), "Content-Type": "application/json"}
    return api.client.post("/rpc/Collections/GetCollection", content=b"{", headers=headers).status_code


def _update_description(api: Api) -> Any:
    cid = api.collection()
    body = {"collection": {"id": cid, "metadata": {"name": "n", "description": "kept"}}}
    api.call("UpdateCollection", body)
    return api.call("GetCollection", {"collectionId": cid})["collection"]["metadata"]["description"]


def _concurrent_creates(api: Api) -> Any:
    cid = api.collection()
    jwt = api.jwt(1)

    def work(worker: int) -> None:
        with httpx.Client(transport=api.emulator.transport(), base_url=IN_PROCESS_URL) as client:
            for n in range(10):
                body = {"collectionId": cid, "token": {"tokenId": f"{worker}{n:02d}", "name": "x"}}
                client.post(
                    "/rpc/Collections/CreateToken", json=body, headers={"Authorization": f"Bearer {jwt}"}
                )

    threads = [threading.Thread(target=work, args=(w + 1,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return api.call("GetCollection", {"collectionId": cid})["collection"]["tokenCount"]


def _pages(api: Api) -> Any:
    cid = api.collection()
    for n in range(5):
        api.token(cid, str(n))
    seen = []
    for number in (1, 2, 3):
        page = {"page": number, "pageSize": 2}
        seen += [t["tokenId"] for t in api.call("ListTokens", {"collectionId": cid, "page": page})["tokens"]]
    return seen


def _metadata_keys(api: Api) -> Any:
    body = {"collection": {"metadata": {"name": "n", "external_link": "https://x"}}}
    return sorted(api.call("CreateCollection", body)["collection"]["metadata"])


def _token_id_type(api: Api) -> Any:
    return type(api.token(api.collection(), "7")["tokenId"]).__name__


def _recursive_publish(api: Api) -> Any:
    cid = api.collection()
    api.token(cid, "7")
    api.call("PublishCollection", {"collectionId": cid, "recursive": True})
    return api.get(f"/projects/1/collections/{cid}/tokens/7").status_code


def _upload_details(api: Api) -> Any:
    cid = api.collection()
    api.token(cid, "7")
    asset = api.image(cid, "7", data=png_bytes(5, 3))
    return asset["mimeType"], asset["width"], asset["height"]


def _served_bytes(api: Api) -> Any:
    cid = api.collection(publish=True)
    api.token(cid, "7", private=False)
    asset = api.image(cid, "7")
    return api.client.get(asset["url"]).content


def _integral_float_id(api: Api) -> Any:
    cid = api.collection()
    response = api.client.post(
        "/rpc/Collections/GetCollection",
        content=f'{{"collectionId": {cid}.0}}'.encode(),
        headers={**api.auth(), "content-type": "application/json"},
    )
    return response.json().get("error")


def _go_client_asset(api: Api) -> Any:
    cid = api.collection()
    body = {"asset": {"id": 0, "collectionId": cid, "tokenId": None, "url": "", "metadataField": "image"}}
    return api.rpc("CreateAsset", body).status_code


def _null_pointer_argument(api: Api) -> Any:
    return api.rpc("ListCollections", {"projectId": None, "page": None}).status_code


SCENARIOS: dict[str, Scenario] = {
    "public-leaks-private-token": _public_private_token,
    "public-before-publish": _unpublished_collection,
    "unpublish-keeps-public": _unpublish,
    "deleted-token-still-public": _deleted_token,
    "cross-project-read": _cross_project,
    "private-asset-anonymous": _anonymous_asset,
    "token-public-by-default": _default_token_privacy,
    "auth-missing-token-accepted": _missing_token,
    "auth-expired-token-accepted": _expired_token,
    "auth-project-mismatch-accepted": _project_mismatch,
    "notfound-http-404": _not_found_status,
    "error-body-not-json": _error_content_type,
    "wrong-error-code": _missing_argument,
    "bad-json-server-error": _bad_json,
    "update-drops-description": _update_description,
    "lost-write": _concurrent_creates,
    "pagination-drops-item": _pages,
    "external-link-camelcase": _metadata_keys,
    "token-id-number": _token_id_type,
    "publish-recursive-ignored": _recursive_publish,
    "upload-wrong-mime": _upload_details,
    "upload-swapped-dimensions": _upload_details,
    "upload-truncated": _served_bytes,
    "uint-accepts-integral-float": _integral_float_id,
    "asset-id-zero-refused": _go_client_asset,
    "null-pointer-argument-refused": _null_pointer_argument,
}


def run(scenario: Scenario, mutations: list[str]) -> Any:
    emulator = Emulator(mutations=mutations)
    with httpx.Client(transport=emulator.transport(), base_url=IN_PROCESS_URL) as client:
        return scenario(Api(emulator, client, "inprocess"))


def test_registry() -> None:
    assert len(MUTATIONS) >= 15
    assert set(SCENARIOS) == set(MUTATIONS)
    categories = {"privacy", "auth", "errors", "data", "uploads", "wire"}
    assert {m.category for m in MUTATIONS.values()} == categories
    for mutation in MUTATIONS.values():
        assert mutation.summary.endswith(".")


def test_each_mutation_declares_what_it_breaks() -> None:
    # Operation ids are checked here; privacy rules and assumptions (kebab-case) by the self-check,
    # against the report of a clean run, which lists every one the suite exercises.
    for mutation in MUTATIONS.values():
        assert mutation.breaks, mutation.id
        for name in mutation.breaks:
            if name[0].isupper():
                assert name in operations(), (mutation.id, name)
            else:
                assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), (mutation.id, name)


def test_each_mutation_lives_in_the_module_of_its_category() -> None:
    for mutation in MUTATIONS.values():
        assert mutation.overlay.__module__.endswith(f".mutations.{mutation.category}"), mutation.id


def test_duplicate_mutation_ids_are_refused() -> None:
    def overlay(app: Any) -> None:
        pass

    with pytest.raises(ValueError, match="duplicate mutation id 'x'"):
        registry(
            Mutation("x", "data", "One.", ("CreateToken",), overlay),
            Mutation("x", "data", "Two.", (), overlay),
        )


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutation_changes_behaviour(name: str) -> None:
    scenario = SCENARIOS[name]
    assert run(scenario, []) != run(scenario, [name])


def test_unknown_mutation_names_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"unknown emulator mutation.*nope.*valid names: .*lost-write"):
        Emulator(mutations=["nope"])
    with pytest.raises(TypeError):
        check_mutations("lost-write")


def test_health_lists_active_mutations() -> None:
    emulator = Emulator(mutations=["lost-write", "token-id-number"])
    with emulator.client() as client:
        assert client.get("/_emulator/health").json()["mutations"] == ["lost-write", "token-id-number"]
