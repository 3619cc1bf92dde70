"""Helpers for contract tests: build resources through a client, expect webrpc errors.

Importable by any project's tests (the contract suite's conftest provides them as fixtures).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx
import pytest

from pytest_sequence_metadata.checks.oracle import same_as_missing
from pytest_sequence_metadata.checks.samples import tiny_png
from pytest_sequence_metadata.client import MetadataClient
from pytest_sequence_metadata.contract.types import Asset, Collection, TokenMetadata
from pytest_sequence_metadata.errors import WebrpcError

PNG = tiny_png(4, 3)


class MakesCollections(Protocol):
    """What the suite needs of `sequence_collection_factory`: a collection made and recorded."""

    def __call__(self, metadata: Mapping[str, Any] | None = None, **collection: Any) -> Collection: ...


def new_token_id() -> str:
    """A token id like the guide's: 20 random bytes as a decimal string (uint256, above 2^64)."""
    return str(int.from_bytes(secrets.token_bytes(20), "big") | (1 << 159))


def expect_error(action: Callable[[], Any], *names: str) -> WebrpcError:
    """Run `action`, which must fail with a webrpc error named one of `names`."""
    with pytest.raises(WebrpcError) as info:
        action()
    assert info.value.error in names, f"expected {' or '.join(names)}, got {info.value}"
    return info.value


class World:
    """Builds collections, tokens and assets for a test through the owner client (all on the ledger)."""

    def __init__(self, factory: MakesCollections, client: MetadataClient) -> None:
        self.factory = factory
        self.client = client

    def collection(self, **metadata: Any) -> Collection:
        return self.factory(metadata or None)

    def token(
        self, collection_id: int, *, private: bool, token_id: str | None = None, **fields: Any
    ) -> TokenMetadata:
        token = {"tokenId": token_id or new_token_id(), "name": "Contract token", **fields}
        return self.client.create_token(collection_id, token, private=private)["token"]

    def image(self, collection_id: int, token_id: str, content: bytes = PNG) -> Asset:
        """An `image` asset on the token with `content` uploaded; returns the uploaded asset."""
        asset = self.client.create_asset(
            {"collectionId": collection_id, "tokenId": token_id, "metadataField": "image"}
        )["asset"]
        return self.client.upload_asset(
            collection_id, asset["id"], content, filename="image.png", content_type="image/png"
        )

    def published(self, *, token_private: bool = False) -> tuple[Collection, TokenMetadata]:
        """A published collection holding one token with the given privacy."""
        collection = self.collection()
        token = self.token(collection["id"], private=token_private)
        self.client.publish_collection(collection["id"])
        return collection, token


def file_name_of(asset: dict[str, Any]) -> str:
    """The public file name an uploaded asset is served under: the last segment of its `url`."""
    url = str(asset["url"])
    assert url, f"asset {asset['id']} has no url after upload"
    return url.rsplit("/", 1)[-1]


def assert_hidden(hidden: httpx.Response, missing: httpx.Response, *ids: str | int) -> None:
    """The privacy oracle as an assertion: `hidden` answers exactly like a resource that never existed."""
    __tracebackhide__ = True
    problem = same_as_missing(hidden, missing, ids)
    assert problem is None, problem
