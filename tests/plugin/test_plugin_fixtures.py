"""The contract of every fixture, against the embedded emulator and against a server reached over HTTP."""

from __future__ import annotations

import pytest
from plugin_support import Server

EMULATOR_CONTRACT = """
from __future__ import annotations

import httpx
import pytest

from pytest_sequence_metadata.client.core import MetadataClient
from pytest_sequence_metadata.client.errors import NotFoundError, UnauthorizedError
from pytest_sequence_metadata.pytest.fixtures import TemporaryAsset, TemporaryToken, tiny_png
from pytest_sequence_metadata.pytest.runtime import EmulatorHandle, Target, get_runtime
from pytest_sequence_metadata.contract.spec import Spec

SEEN = {}


def test_target(sequence_target):
    assert isinstance(sequence_target, Target)
    assert sequence_target.kind == "emulator" and sequence_target.is_emulator
    assert sequence_target.base_url == "http://sequence-metadata.emulator"
    assert (sequence_target.project_id, sequence_target.other_project_id) == (1, 2)
    assert sequence_target.profile == "quick"


def test_spec(sequence_spec):
    assert isinstance(sequence_spec, Spec)
    assert {"CreateCollection", "DeleteAsset", "ListTokens"} <= set(sequence_spec.operations)


def test_clients(sequence_client, sequence_anon_client, sequence_other_client):
    for client in (sequence_client, sequence_anon_client, sequence_other_client):
        assert isinstance(client, MetadataClient)
    assert sequence_client.authenticated and sequence_client.project_id == 1
    assert not sequence_anon_client.authenticated
    assert sequence_other_client.authenticated and sequence_other_client.project_id == 2
    mine = sequence_client.create_collection({"metadata": {"name": "made in the test"}})["collection"]
    SEEN["direct"] = mine["id"]
    assert sequence_client.get_collection(mine["id"])["collection"]["id"] == mine["id"]
    with pytest.raises(NotFoundError):
        sequence_other_client.get_collection(mine["id"])
    with pytest.raises(UnauthorizedError):
        sequence_anon_client.list_collections()


def test_clients_are_per_session(sequence_client, sequence_anon_client, sequence_other_client):
    SEEN.setdefault("clients", []).append((sequence_client, sequence_anon_client, sequence_other_client))


def test_clients_are_per_session_again(sequence_client, sequence_anon_client, sequence_other_client):
    [first] = SEEN["clients"]
    assert first == (sequence_client, sequence_anon_client, sequence_other_client)


def test_collection(sequence_collection, sequence_client, request):
    runtime = get_runtime(request.config)
    assert sequence_collection["private"] is True
    assert sequence_collection["projectId"] == 1
    metadata = sequence_collection["metadata"]
    assert metadata["name"] == f"pytest test_collection {runtime.run_id}-main-1"
    assert metadata["description"] == "Temporary collection of test_contract.py::test_collection"
    tag = metadata["properties"]["pytest-sequence-metadata"]
    assert tag["run"] == runtime.run_id and tag["worker"] == "main" and tag["createdAt"]
    assert sequence_client.get_collection(sequence_collection["id"])["collection"]["private"] is True
    SEEN["collection"] = sequence_collection["id"]


def test_factory(sequence_collection_factory, sequence_client):
    first = sequence_collection_factory()
    second = sequence_collection_factory({"name": "named by the test", "image": "https://example.com/a.png"})
    third = sequence_collection_factory({"properties": {"mine": 1}})
    assert len({first["id"], second["id"], third["id"]}) == 3
    assert len({first["metadata"]["name"], third["metadata"]["name"]}) == 2
    assert second["metadata"]["name"] == "named by the test"
    assert second["metadata"]["image"] == "https://example.com/a.png"
    assert third["metadata"]["properties"]["mine"] == 1
    assert "pytest-sequence-metadata" in third["metadata"]["properties"]
    assert [c["id"] for c in sequence_collection_factory.created] == [first["id"], second["id"], third["id"]]
    SEEN["factory"] = [first["id"], second["id"], third["id"]]


def test_token(sequence_token, sequence_client):
    assert isinstance(sequence_token, TemporaryToken)
    assert sequence_token.token_id == "1"
    assert sequence_token.token["name"] == "Token of test_token"
    assert sequence_token.collection["private"] is True
    got = sequence_client.get_token(sequence_token.collection_id, "1")["token"]
    assert got["attributes"] == [{"trait_type": "origin", "value": "pytest-sequence-metadata"}]
    SEEN["token"] = sequence_token.collection_id


def test_asset(sequence_asset, sequence_client):
    assert isinstance(sequence_asset, TemporaryAsset)
    assert sequence_asset.asset["metadataField"] == "image"
    assert sequence_asset.asset["mimeType"] == "image/png"
    assert (sequence_asset.asset["width"], sequence_asset.asset["height"]) == (3, 2)
    assert sequence_asset.content == tiny_png()
    served = sequence_client.private_asset(sequence_asset.collection_id, sequence_asset.token_id, "image")
    assert served.content == sequence_asset.content
    SEEN["asset"] = (sequence_asset.collection_id, sequence_asset.asset_id)


def test_everything_above_is_gone(sequence_client):
    ids = [SEEN["direct"], SEEN["collection"], *SEEN["factory"], SEEN["token"], SEEN["asset"][0]]
    for collection_id in ids:
        with pytest.raises(NotFoundError):
            sequence_client.get_collection(collection_id)
    with pytest.raises(NotFoundError):
        sequence_client.get_asset(SEEN["asset"][1])
    assert sequence_client.list_collections()["collections"] == []


def test_emulator(sequence_emulator, sequence_collection):
    assert isinstance(sequence_emulator, EmulatorHandle)
    url = sequence_emulator.url
    assert url.startswith("http://127.0.0.1:")
    # The HTTP server shares the state of the in-process emulator the clients use.
    headers = {"Authorization": f"Bearer {sequence_emulator.mint_jwt()}"}
    answer = httpx.post(f"{url}/rpc/Collections/ListCollections", json={"projectId": 1}, headers=headers)
    assert [c["id"] for c in answer.json()["collections"]] == [sequence_collection["id"]]
    other = {"Authorization": f"Bearer {sequence_emulator.mint_jwt(2)}"}
    answer = httpx.post(f"{url}/rpc/Collections/ListCollections", json={"projectId": 2}, headers=other)
    assert answer.json()["collections"] == []


def test_emulator_faults_and_reset(sequence_emulator, sequence_client):
    sequence_emulator.faults.server_error("ListCollections", status=500, times=1)
    with pytest.raises(Exception, match="HTTP 500"):
        sequence_client.list_collections()
    assert sequence_client.list_collections()["collections"] == []
    made = sequence_client.create_collection({"metadata": {"name": "to be forgotten"}})["collection"]
    sequence_emulator.reset()
    with pytest.raises(NotFoundError):
        sequence_client.get_collection(made["id"])
"""


def test_every_fixture_keeps_its_contract_on_the_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_contract=EMULATOR_CONTRACT)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=12)


LIVE_CONTRACT = """
from __future__ import annotations

import pytest

from pytest_sequence_metadata.client.errors import NotFoundError


def test_target(sequence_target):
    assert sequence_target.kind == "live" and not sequence_target.is_emulator
    assert sequence_target.base_url == "{url}"
    assert sequence_target.project_id == 1
    assert sequence_target.other_project_id == {other}


def test_fixtures(sequence_client, sequence_anon_client, sequence_collection, sequence_asset):
    assert sequence_client.base_url == "{url}"
    assert sequence_client.get_collection(sequence_collection["id"])["collection"]["projectId"] == 1
    with pytest.raises(NotFoundError):
        sequence_anon_client.public_collection_metadata(sequence_collection["id"])


def test_other(sequence_other_client, sequence_collection):
    assert sequence_other_client.project_id == 2
    with pytest.raises(NotFoundError):
        sequence_other_client.get_collection(sequence_collection["id"])


def test_emulator(sequence_emulator):
    pass
"""


def test_fixtures_against_a_live_target_without_a_second_project(
    pytester: pytest.Pytester, server: Server
) -> None:
    pytester.makepyfile(test_live=LIVE_CONTRACT.replace("{url}", server.url).replace("{other}", "None"))
    result = pytester.runpytest("-p", "no:cacheprovider", "-rsE", *server.args())
    result.assert_outcomes(passed=2, skipped=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "_* ERROR at setup of test_emulator _*",
            "sequence_emulator needs the embedded emulator, but the target is the live API at "
            f"{server.url} (--sequence-url); mark the test sequence_emulator_only",
            "SKIPPED [[]1[]] test_live.py:*: needs a second project: pass --sequence-other-jwt "
            "(or set SEQUENCE_OTHER_JWT) with a JWT of another project",
        ]
    )
    assert server.collections() == []


def test_second_project_comes_from_its_jwt(pytester: pytest.Pytester, server: Server) -> None:
    pytester.makepyfile(test_live=LIVE_CONTRACT.replace("{url}", server.url).replace("{other}", "2"))
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "-k", "not emulator", *server.args("--sequence-other-jwt", server.other_jwt)
    )
    result.assert_outcomes(passed=3, deselected=1)
    assert server.collections() == []
    assert server.stats()["assets"] == 0
