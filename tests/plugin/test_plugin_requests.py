"""A downstream test asserts on what its own code sent (`sequence_emulator.requests`), and loads state."""

from __future__ import annotations

import pytest

DOWNSTREAM = """
from __future__ import annotations

import httpx
import pytest


def mint_badge(base_url, jwt, collection_id, player):
    # "Their" code: plain httpx against the emulator's URL, as a game backend would call it.
    body = {"collectionId": collection_id, "token": {"tokenId": str(player), "name": f"Badge {player}"}}
    headers = {"Authorization": f"Bearer {jwt}"}
    httpx.post(f"{base_url}/rpc/Collections/CreateToken", json=body, headers=headers).raise_for_status()


def test_mint_sends_one_create_token(sequence_emulator, sequence_collection):
    mint_badge(sequence_emulator.url, sequence_emulator.mint_jwt(), sequence_collection["id"], 42)
    [call] = sequence_emulator.requests.assert_called("CreateToken", times=1)
    assert call.body["token"] == {"tokenId": "42", "name": "Badge 42"}
    assert call.project == sequence_emulator.owner_project_id
    assert call.status == 200 and call.error is None
    assert sequence_emulator.requests.calls("CreateToken", project=None) == []


def test_journal_is_per_test(sequence_emulator):
    assert sequence_emulator.requests.calls("CreateToken") == []


def test_a_wrong_expectation_says_what_was_called(sequence_emulator, sequence_collection):
    mint_badge(sequence_emulator.url, sequence_emulator.mint_jwt(), sequence_collection["id"], 7)
    with pytest.raises(AssertionError) as failure:
        sequence_emulator.requests.assert_called("CreateToken", times=2)
    message = str(failure.value)
    assert "expected CreateToken to be called 2 times, it was called 1 time" in message
    assert "CreateCollection (POST /rpc/Collections/CreateCollection -> 200)" in message


def test_load_state(sequence_emulator, sequence_client):
    sequence_emulator.load({
        "format": "pytest-sequence-metadata/state",
        "version": 1,
        "projects": {str(sequence_emulator.owner_project_id): {"collections": [
            {"id": 900, "metadata": {"name": "Seeded"}, "private": False,
             "tokens": [{"tokenId": "1", "metadata": {"name": "One"}}]},
        ]}},
    })
    assert sequence_client.get_collection(900)["collection"]["metadata"]["name"] == "Seeded"
    created = sequence_client.create_collection({"metadata": {"name": "After"}})
    assert created["collection"]["id"] > 900  # ids keep counting past the loaded ones
    sequence_emulator.reset()
"""


def test_downstream_asserts_on_what_its_code_sent(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_downstream=DOWNSTREAM)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
