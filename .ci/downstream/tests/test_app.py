"""A downstream project's tests: the default install's fixtures, markers and clients."""

from __future__ import annotations

import pytest

from pytest_sequence_metadata.errors import WebrpcError


def test_new_collections_are_private(sequence_collection):
    assert sequence_collection["private"] is True


@pytest.mark.sequence_operation("GetToken")
def test_a_token_reads_back(sequence_client, sequence_token):
    got = sequence_client.get_token(sequence_token.collection_id, sequence_token.token_id)
    assert got["token"]["name"] == sequence_token.token["name"]


def test_the_public_cannot_read_a_private_collection(sequence_anon_client, sequence_collection):
    with pytest.raises(WebrpcError):
        sequence_anon_client.get_collection(sequence_collection["id"])


def test_factory_cleans_up(sequence_collection_factory, sequence_client):
    made = [sequence_collection_factory()["id"] for _ in range(2)]
    listed = {c["id"] for c in sequence_client.list_collections()["collections"]}
    assert set(made) <= listed


@pytest.mark.sequence_emulator_only
def test_an_app_outside_the_process_reaches_the_emulator_over_http(sequence_emulator, sequence_collection):
    # README, "Pointing your app at the emulator": the default install serves it on loopback.
    import httpx

    answer = httpx.post(
        f"{sequence_emulator.url}/rpc/Collections/GetCollection",
        headers={"Authorization": f"Bearer {sequence_emulator.mint_jwt()}"},
        json={"collectionId": sequence_collection["id"]},
        trust_env=False,  # loopback, whatever proxy the shell names
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["collection"]["id"] == sequence_collection["id"]
