"""Data bugs: what is stored, listed or written back is not what was sent."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .base import Group

if TYPE_CHECKING:
    from pytest_sequence_metadata.emulator.app import App
    from pytest_sequence_metadata.emulator.backend import _Token

mutation = Group("data")


@mutation(
    "update-drops-description",
    "UpdateCollection stores an empty description whatever was sent.",
    breaks=("UpdateCollection",),
)
def _update_drops_description(app: App) -> None:
    backend = app.backend
    update = backend.update_collection

    def blank_description(
        project: int, collection: Mapping[str, Any] | None, *, base_url: str
    ) -> dict[str, Any]:
        if isinstance(collection, Mapping) and isinstance(collection.get("metadata"), Mapping):
            collection = {**collection, "metadata": {**collection["metadata"], "description": ""}}
        return update(project, collection, base_url=base_url)

    backend.update_collection = blank_description  # type: ignore[method-assign]


@mutation(
    "lost-write",
    "CreateToken copies the token table outside the lock, so concurrent creates lose tokens.",
    breaks=("CreateToken", "ListTokens"),
)
def _lost_write(app: App) -> None:
    backend = app.backend
    create = backend.create_token

    def read_modify_write(
        project: int,
        collection_id: int | None,
        token: Mapping[str, Any] | None,
        private: bool | None = None,
    ) -> dict[str, Any]:
        col = backend._collections.get(collection_id or 0)
        with backend._lock:
            stale: dict[str, _Token] = dict(col.tokens) if col is not None else {}
        answer = create(project, collection_id, token, private)
        if col is None:  # created since the lookup
            return answer
        time.sleep(0.002)  # outside the lock: other creates write their tables meanwhile
        token_id = str(answer["token"]["tokenId"])
        written = col.tokens.get(token_id)
        if written is not None:
            stale[token_id] = written
        col.tokens = stale  # overwrites the tokens the others created since the copy
        return answer

    backend.create_token = read_modify_write  # type: ignore[method-assign]


@mutation(
    "pagination-drops-item",
    "ListTokens skips the first item of every page after the first.",
    breaks=("ListTokens",),
)
def _pagination_drops_item(app: App) -> None:
    backend = app.backend
    list_tokens = backend.list_tokens

    def skipping(
        project: int, collection_id: int | None, page: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        answer = list_tokens(project, collection_id, page)
        if ((page or {}).get("page") or 0) > 0:
            answer["tokens"] = answer["tokens"][1:]
        return answer

    backend.list_tokens = skipping  # type: ignore[method-assign]


@mutation(
    "external-link-camelcase",
    "Collection metadata is emitted with `externalLink` instead of the wire name `external_link`.",
    breaks=("CreateCollection", "GetCollection"),
)
def _external_link_camelcase(app: App) -> None:
    backend = app.backend
    metadata_wire = backend._metadata_wire

    def camel_case(metadata: Mapping[str, Any]) -> dict[str, Any]:
        wire = metadata_wire(metadata)
        return {("externalLink" if key == "external_link" else key): value for key, value in wire.items()}

    backend._metadata_wire = camel_case  # type: ignore[method-assign]


@mutation(
    "token-id-number",
    "TokenMetadata.tokenId is emitted as a JSON number instead of a decimal string.",
    breaks=("CreateToken", "GetToken", "ListTokens"),
)
def _token_id_number(app: App) -> None:
    backend = app.backend
    token_wire = backend._token_wire

    def as_number(tok: _Token, *, updated_at: str | None = None) -> dict[str, Any]:
        wire = token_wire(tok, updated_at=updated_at)
        wire["tokenId"] = int(wire["tokenId"])
        return wire

    backend._token_wire = as_number  # type: ignore[method-assign]


@mutation(
    "publish-recursive-ignored",
    "PublishCollection ignores `recursive: true` (private tokens stay hidden).",
    breaks=("publish-recursive", "PublishCollection"),
)
def _publish_recursive_ignored(app: App) -> None:
    backend = app.backend
    publish = backend.publish_collection

    def not_recursive(
        project: int, collection_id: int | None, recursive: bool | None = None
    ) -> dict[str, Any]:
        return publish(project, collection_id, False)

    backend.publish_collection = not_recursive  # type: ignore[method-assign]
