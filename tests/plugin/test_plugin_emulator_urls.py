"""The URLs in the embedded emulator's answers work: once `sequence_emulator.url` serves HTTP, any HTTP
client fetches them, whether the resource was made before the server started or after."""

from __future__ import annotations

import pytest

FETCHES = """
from __future__ import annotations

import httpx
import pytest


def fetch_everything(asset, client):
    client.publish_collection(asset.collection_id, recursive=True)
    collection = client.get_collection(asset.collection_id)["collection"]
    assert httpx.get(asset.asset["url"]).content == asset.content
    contract = httpx.get(collection["baseURIs"]["contractMetadataURI"])
    assert contract.json()["name"] == collection["metadata"]["name"]
    token = httpx.get(collection["baseURIs"]["tokenMetadataURI"] + asset.token_id)
    assert httpx.get(token.json()["image"]).content == asset.content


def test_made_before_the_server_started(sequence_asset, sequence_emulator, sequence_client):
    with pytest.raises(httpx.ConnectError):  # nothing serves it yet: refused, not hanging
        httpx.get(sequence_asset.asset["url"], timeout=2)
    assert sequence_asset.asset["url"].startswith(sequence_emulator.url + "/")
    fetch_everything(sequence_asset, sequence_client)


def test_made_after_the_server_started(request, sequence_emulator, sequence_client):
    served = sequence_emulator.url
    asset = request.getfixturevalue("sequence_asset")
    assert asset.asset["url"].startswith(served + "/")
    fetch_everything(asset, sequence_client)
"""


@pytest.mark.parametrize("order", ["made-before", "made-after"])
def test_urls_in_answers_can_be_fetched_once_the_emulator_serves(
    pytester: pytest.Pytester, order: str
) -> None:
    pytester.makepyfile(FETCHES)
    which = "before" if order == "made-before" else "after"
    result = pytester.runpytest("-k", which, "-p", "no:randomly")
    result.assert_outcomes(passed=1)
