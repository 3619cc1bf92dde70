"""The fixtures of the plugin (registered through `plugin.py`).

Everything created through these fixtures, or through a plugin client inside a test, is recorded in
the cleanup ledger the moment it exists and deleted when the fixture (or the test) ends.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from pytest_sequence_metadata.checks.samples import tiny_png
from pytest_sequence_metadata.runtime import TAG_KEY, EmulatorHandle, Runtime, Target, get_runtime

if TYPE_CHECKING:
    from pytest_sequence_metadata.client import AsyncMetadataClient, MetadataClient
    from pytest_sequence_metadata.contract.spec import Spec
    from pytest_sequence_metadata.contract.types import Asset, Collection, TokenMetadata


def _runtime(request: pytest.FixtureRequest) -> Runtime:
    return get_runtime(request.config)


@pytest.fixture(scope="session")
def sequence_target(request: pytest.FixtureRequest) -> Target:
    """The resolved target: kind (emulator or live), base URL and project ids."""
    return _runtime(request).target


@pytest.fixture(scope="session")
def sequence_spec() -> Spec:
    """The bundled spec, with a validator per operation request and response."""
    from pytest_sequence_metadata.contract.spec import load_spec

    return load_spec()


@pytest.fixture(scope="session")
def sequence_client(request: pytest.FixtureRequest) -> MetadataClient:
    """A `MetadataClient` authenticated as the owner project."""
    return _runtime(request).client("owner")


@pytest.fixture(scope="session")
def sequence_anon_client(request: pytest.FixtureRequest) -> MetadataClient:
    """A `MetadataClient` with no credentials: what the public sees."""
    return _runtime(request).client("anonymous")


def _second_project(request: pytest.FixtureRequest) -> Runtime:
    runtime = _runtime(request)
    if not runtime.has_identity("other"):
        pytest.skip(
            "needs a second project: pass --sequence-other-jwt (or set SEQUENCE_OTHER_JWT) "
            "with a JWT of another project"
        )
    return runtime


@pytest.fixture(scope="session")
def sequence_other_client(request: pytest.FixtureRequest) -> MetadataClient:
    """A `MetadataClient` authenticated as a second project (isolation checks)."""
    return _second_project(request).client("other")


# The async clients are given by sync fixtures: they need neither pytest-asyncio nor anyio's plugin
# (nor stop the sync fixtures from working without them), and one client serves every event loop.
@pytest.fixture(scope="session")
def sequence_async_client(request: pytest.FixtureRequest) -> AsyncMetadataClient:
    """An `AsyncMetadataClient` authenticated as the owner project; what it creates goes at teardown."""
    return _runtime(request).async_client("owner")


@pytest.fixture(scope="session")
def sequence_async_anon_client(request: pytest.FixtureRequest) -> AsyncMetadataClient:
    """An `AsyncMetadataClient` with no credentials: what the public sees."""
    return _runtime(request).async_client("anonymous")


@pytest.fixture(scope="session")
def sequence_async_other_client(request: pytest.FixtureRequest) -> AsyncMetadataClient:
    """An `AsyncMetadataClient` authenticated as a second project (isolation checks)."""
    return _second_project(request).async_client("other")


@pytest.fixture(scope="session")
def sequence_emulator(request: pytest.FixtureRequest) -> EmulatorHandle:
    """The embedded emulator: `url`, `mint_jwt(project)`, `reset()`, `faults`."""
    runtime = _runtime(request)
    if runtime.settings.kind != "emulator":
        pytest.fail(
            f"sequence_emulator needs the embedded emulator, but the target is the live API at "
            f"{runtime.settings.base_url} (--sequence-url); mark the test sequence_emulator_only",
            pytrace=False,
        )
    return runtime.emulator()


class CollectionFactory:
    """Makes temporary collections (private until published), each carrying the run tag."""

    def __init__(self, runtime: Runtime, client: MetadataClient, request: pytest.FixtureRequest) -> None:
        self.runtime = runtime
        self.client = client
        self.request = request
        self.created: list[Collection] = []

    def __call__(self, metadata: Mapping[str, Any] | None = None, **collection: Any) -> Collection:
        """Create a collection; `metadata` entries override the defaults, `collection` adds top-level keys."""
        body: dict[str, Any] = {
            "name": self.runtime.unique_name(_label(self.request)),
            "description": f"Temporary collection of {self.request.node.nodeid}",
        }
        body.update(metadata or {})
        tag = self.runtime.run_tag()
        body["properties"] = {**(body.get("properties") or {}), TAG_KEY: tag}
        self.request.config.hook.pytest_sequence_collection_metadata(metadata=body, request=self.request)
        # A hook may rewrite the metadata, but without the tag --sequence-sweep could never find it.
        properties = body.get("properties")
        body["properties"] = {**(properties if isinstance(properties, Mapping) else {}), TAG_KEY: tag}
        created = self.client.create_collection({**collection, "metadata": body})["collection"]
        self.created.append(created)
        return created


def _label(request: pytest.FixtureRequest) -> str:
    return f"pytest {request.node.name}"[:60]


@pytest.fixture
def sequence_collection_factory(request: pytest.FixtureRequest) -> Iterator[CollectionFactory]:
    """Makes any number of temporary collections; all are deleted at teardown."""
    runtime = _runtime(request)
    client = runtime.client("owner")
    mark = runtime.ledger.mark()
    try:
        yield CollectionFactory(runtime, client, request)
    finally:
        runtime.ledger.clean(since=mark)


@pytest.fixture
def sequence_collection(sequence_collection_factory: CollectionFactory) -> Collection:
    """A fresh private collection (the `collection` object of CreateCollection), deleted at teardown."""
    return sequence_collection_factory()


@dataclass(frozen=True, slots=True)
class TemporaryToken:
    """A token in a fresh collection (the `sequence_token` fixture)."""

    collection: Collection
    token: TokenMetadata

    @property
    def collection_id(self) -> int:
        """The id of the collection the token is in."""
        return int(self.collection["id"])

    @property
    def token_id(self) -> str:
        """The token's id (a decimal string)."""
        return str(self.token["tokenId"])


@dataclass(frozen=True, slots=True)
class TemporaryAsset(TemporaryToken):
    """An image asset of a token, with a file uploaded into it (the `sequence_asset` fixture)."""

    asset: Asset
    content: bytes

    @property
    def asset_id(self) -> int:
        """The asset's id."""
        return int(self.asset["id"])


@pytest.fixture
def sequence_token(
    request: pytest.FixtureRequest, sequence_collection_factory: CollectionFactory
) -> TemporaryToken:
    """A token (private, as created by default) in a fresh collection."""
    collection = sequence_collection_factory()
    token: dict[str, Any] = {
        "tokenId": "1",
        "name": f"Token of {request.node.name}"[:60],
        "description": "Temporary token",
        "attributes": [{"trait_type": "origin", "value": "pytest-sequence-metadata"}],
    }
    request.config.hook.pytest_sequence_token_metadata(token=token, request=request)
    client = sequence_collection_factory.client
    created = client.create_token(collection["id"], token)["token"]
    return TemporaryToken(collection, created)


@pytest.fixture
def sequence_asset(sequence_token: TemporaryToken, sequence_client: MetadataClient) -> TemporaryAsset:
    """An `image` asset on a token, with a small PNG uploaded into it."""
    asset = sequence_client.create_asset(
        {
            "collectionId": sequence_token.collection_id,
            "tokenId": sequence_token.token_id,
            "metadataField": "image",
        }
    )["asset"]
    content = tiny_png()
    uploaded = sequence_client.upload_asset(
        sequence_token.collection_id, asset["id"], content, filename="image.png", content_type="image/png"
    )
    return TemporaryAsset(sequence_token.collection, sequence_token.token, uploaded, content)
