"""The sandbox of a conformance run: resources of this run that generated writes may touch.

Created lazily through the owner client, all on the cleanup ledger, discarded after every write that
reached them, so each case meets the same fresh state (hypothesis replays stay deterministic).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from pytest_sequence_metadata.client.errors import MetadataError
from pytest_sequence_metadata.pytest.runtime import TAG_KEY, Runtime
from pytest_sequence_metadata.pytest.traffic import RequestBudgetExceeded
from pytest_sequence_metadata.suite.samples import tiny_png

if TYPE_CHECKING:
    from pytest_sequence_metadata.client.core import MetadataClient

_SANDBOX_CHAIN: Final = 1
_SANDBOX_TOKEN: Final = "1"


class SandboxError(RuntimeError):
    """The sandbox could not be set up: the target failed a plain, valid request."""


class Sandbox:
    """Resources of this run that generated writes may touch, created lazily through the owner client.

    A published collection, a public token in it, an image asset with a PNG uploaded, and a contract
    link. Everything is on the cleanup ledger; `discard()` deletes it after a write changed it, so
    every request meets the same fresh sandbox (hypothesis replays stay deterministic).
    """

    def __init__(self, runtime: Runtime, client: MetadataClient) -> None:
        self.runtime = runtime
        # Same transport, auth and observers (ledger included), without response validation: a
        # response that breaks the spec is reported by the test of its own operation, not here.
        self.client = client.clone(validate=False)
        self._mark: int | None = None
        self._collection: int | None = None
        self._token: str | None = None
        self._asset: int | None = None
        self._file_name: str | None = None
        self._link: tuple[int, str] | None = None

    def _create(self, what: str, action: Callable[[], Any]) -> Any:
        if self._mark is None:
            self._mark = self.runtime.ledger.mark()
        try:
            return action()
        except RequestBudgetExceeded:
            self.discard()
            raise
        except (MetadataError, KeyError, TypeError, ValueError) as error:
            self.discard()  # half a sandbox would make the next case see different state
            raise SandboxError(f"could not create the sandbox {what}: {error!r}") from error

    @property
    def collection_id(self) -> int:
        if self._collection is None:
            metadata = {
                "name": self.runtime.unique_name("pytest conformance sandbox"),
                "description": "Sandbox of the property-based conformance checks",
                "properties": {TAG_KEY: self.runtime.run_tag()},
            }
            answer = self._create("collection", lambda: self.client.create_collection({"metadata": metadata}))
            collection_id = int(answer["collection"]["id"])
            self._create("publication", lambda: self.client.publish_collection(collection_id))
            self._collection = collection_id
        return self._collection

    @property
    def token_id(self) -> str:
        if self._token is None:
            collection_id = self.collection_id
            token = {"tokenId": _SANDBOX_TOKEN, "name": "Sandbox token", "description": "Conformance"}
            self._create("token", lambda: self.client.create_token(collection_id, token, private=False))
            self._token = _SANDBOX_TOKEN
        return self._token

    @property
    def asset_id(self) -> int:
        if self._asset is None:
            collection_id, token_id = self.collection_id, self.token_id
            asset = self._create(
                "asset",
                lambda: self.client.create_asset(
                    {"collectionId": collection_id, "tokenId": token_id, "metadataField": "image"}
                )["asset"],
            )
            uploaded = self._create(
                "upload",
                lambda: self.client.upload_asset(
                    collection_id, asset["id"], tiny_png(), filename="image.png", content_type="image/png"
                ),
            )
            self._asset = int(asset["id"])
            self._file_name = str(uploaded.get("url") or "image.png").rsplit("/", 1)[-1]
        return self._asset

    @property
    def file_name(self) -> str:
        self.asset_id  # noqa: B018 - the file exists once the asset is uploaded
        assert self._file_name is not None
        return self._file_name

    @property
    def link(self) -> tuple[int, str]:
        if self._link is None:
            collection_id = self.collection_id
            address = salted_address(self.runtime.run_id, f"sandbox-{collection_id}")
            body = {"chainId": _SANDBOX_CHAIN, "contractAddress": address, "collectionId": collection_id}
            self._create("contract link", lambda: self.client.create_contract_collection(body))
            self._link = (_SANDBOX_CHAIN, address)
        return self._link

    def discard(self) -> None:
        """Delete everything of the sandbox; the next request that needs it gets a fresh one."""
        if self._mark is not None:
            self.runtime.ledger.clean(since=self._mark)
        self._mark = self._collection = self._token = self._asset = self._file_name = self._link = None


def salted_address(run_id: str, value: str) -> str:
    """A contract address derived from `value` that no real contract link of the project has."""
    return "0x" + hashlib.sha256(f"{run_id}:{value.lower()}".encode()).hexdigest()[:40]
