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
