"""State and rules of the Collections service, with no HTTP.

Methods take the calling project (already authenticated) and plain, already-decoded Python values,
and return dicts shaped exactly like the server's JSON answers (wire names, Go's `omitempty` rules,
nulls where Go emits them). Failures raise `ApiError(kind, cause)` with a row of the webrpc table.
One re-entrant lock guards all state, so the emulator is safe to call from many threads.
Choices the docs leave open cite their id in `assumptions.py`, e.g. [A:publish-recursive].
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from pytest_sequence_metadata.contract.errors import (
    INVALID_ARGUMENT,
    NOT_FOUND,
    REQUEST_CONFLICT,
    REQUIRED_ARGUMENT,
    ErrorKind,
)
from pytest_sequence_metadata.contract.gowire import is_blank
from pytest_sequence_metadata.contract.ids import is_address, is_decimal, is_token_id

from . import media
from .json_text import compact_text
from .overview import AssetView, CollectionView, ProjectView, TokenView

if TYPE_CHECKING:
    from .limits import Limits


DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 100  # [A:page-size-cap]
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # [A:upload-rules]
ZERO_TIME = "0001-01-01T00:00:00Z"  # Go's time.Time{} [A:token-write-updatedat-zero]
ASSET_FIELDS = ("image", "animation_url", "audio", "video")  # [A:asset-fields]
_TOKEN_TEXT_FIELDS = ("name", "description", "image", "video", "audio")
_TOKEN_OPENSEA_FIELDS = ("image_data", "external_url", "background_color", "animation_url")

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class ApiError(Exception):
    """A webrpc error the server answers with: a row of the error table plus an optional cause."""

    def __init__(self, kind: ErrorKind, cause: str | None = None) -> None:
        super().__init__(f"{kind.name}: {cause}" if cause else kind.name)
        self.kind = kind
        self.cause = cause

    def body(self) -> dict[str, Any]:
        return self.kind.body(self.cause)


def now_rfc3339() -> str:
    """UTC now, microseconds, trailing zeros trimmed like Go's RFC3339Nano [A:timestamp-format]."""
    text = datetime.now(UTC).isoformat(timespec="microseconds")[:-6]  # drop "+00:00"
    return text.rstrip("0").rstrip(".") + "Z"


def _go_sorted(value: Any) -> Any:
    """Maps with sorted keys, recursively, as Go marshals map[string]interface{} [A:map-key-order]."""
    if isinstance(value, dict):
        return {key: _go_sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_go_sorted(item) for item in value]
    return value


@dataclass(slots=True)
class StoredFile:
    data: bytes
    mime_type: str


@dataclass(slots=True)
class _Token:
    token_id: str
    metadata: dict[str, Any]
    private: bool
    updated_at: str


@dataclass(slots=True)
class _Asset:
    id: int
    collection_id: int
    token_id: str | None
    metadata_field: str
    updated_at: str
    filename: str = ""
    data: bytes | None = None
    mime_type: str = ""
    extension: str = ""
    width: int | None = None
    height: int | None = None


@dataclass(slots=True)
class _Collection:
    id: int
    project_id: int
    metadata: dict[str, Any]
    created_at: str
    updated_at: str
    private: bool = True
    tokens: dict[str, _Token] = field(default_factory=dict)
    assets: dict[int, _Asset] = field(default_factory=dict)


@dataclass(slots=True)
class _ContractCollection:
    id: int
    chain_id: int
    contract_address: str
    collection_id: int

    def wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "chainId": self.chain_id,
            "contractAddress": self.contract_address,
            "collectionId": self.collection_id,
        }


@dataclass(slots=True)
class _Project:
    collections: dict[int, _Collection] = field(default_factory=dict)
    contracts: dict[int, _ContractCollection] = field(default_factory=dict)
    # What the project holds, kept up to date by every write (checked against `Limits`).
    tokens: int = 0
    assets: int = 0
    metadata_bytes: int = 0
    file_bytes: int = 0


class IdCounter:
    """`next()` gives 1, 2, 3, ...; unlike itertools.count, the next value can be read and moved on
    (state.py dumps it and loads past it)."""

    __slots__ = ("next_value",)

    def __init__(self, start: int = 1) -> None:
        self.next_value = start

    def __next__(self) -> int:
        value = self.next_value
        self.next_value += 1
        return value


def _stored_size(metadata: Mapping[str, Any]) -> int:
    """What metadata costs against `Limits.metadata_bytes`: its JSON length."""
    return len(compact_text(metadata))


def _locked(method: Callable[Concatenate[Backend, P], R]) -> Callable[Concatenate[Backend, P], R]:
    @functools.wraps(method)
    def wrapper(self: Backend, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


def _required_id(value: int | None, name: str) -> int:
    if not value:  # [A:zero-value-is-missing]
        raise ApiError(REQUIRED_ARGUMENT, f"{name} is required")
    return value


def _required_mapping(value: Mapping[str, Any] | None, name: str) -> Mapping[str, Any]:
    if value is None:
        raise ApiError(REQUIRED_ARGUMENT, f"{name} is required")
    return value


def canonical_token_id(value: str | int | None, name: str = "tokenId") -> str:
    """A decimal uint256 without leading zeros, or ApiError [A:token-id-decimal]."""
    if value is None or value == "":
        raise ApiError(REQUIRED_ARGUMENT, f"{name} is required")
    text = str(value)
    if not is_decimal(text):
        raise ApiError(INVALID_ARGUMENT, f"{name} must be a decimal integer string")
    if not is_token_id(text):
        raise ApiError(INVALID_ARGUMENT, f"{name} is out of the uint256 range")
    return text.lstrip("0") or "0"


def _page_window(items: Sequence[T], page: Mapping[str, Any] | None) -> tuple[Sequence[T], dict[str, Any]]:
    """Numbered pagination [A:page-numbering]: the slice and the response's page object."""
    page = page or {}
    cursor = [name for name in ("column", "before", "after") if page.get(name) is not None]
    if cursor:  # [A:page-cursor-refused]
        raise ApiError(
            INVALID_ARGUMENT,
            f"page.{', page.'.join(cursor)}: cursor paging is not served; use page and pageSize",
        )
    size = min(page.get("pageSize") or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    number = page.get("page") or 0  # counted from 0, as Go documents it
    offset = number * size
    answer: dict[str, Any] = {"page": number} if page.get("page") is not None else {}
    answer["pageSize"] = size
    answer["more"] = offset + size < len(items)
    return items[offset : offset + size], answer


def _token_metadata_fields(md: dict[str, Any]) -> dict[str, Any]:
    """The metadata fields of a token in Go's field order, as both the RPCs and the public JSON emit
    them: name, description and image always; properties and attributes always (null when unset);
    the media and OpenSea fields and decimals only when set."""
    wire: dict[str, Any] = {
        "name": md.get("name", ""),
        "description": md.get("description", ""),
        "image": md.get("image", ""),
    }
    for key in ("video", "audio"):
        if md.get(key):
            wire[key] = md[key]
    wire["properties"] = md.get("properties")
    wire["attributes"] = md.get("attributes")
    for key in _TOKEN_OPENSEA_FIELDS:
        if md.get(key):
            wire[key] = md[key]
    if "decimals" in md:
        wire["decimals"] = md["decimals"]
    return wire


class Backend:
    """All collections, tokens, assets and files of every project."""

    def __init__(self, *, limits: Limits | None = None) -> None:
        from .limits import DEFAULT_LIMITS

        self._lock = threading.RLock()
        self.limits: Limits = limits or DEFAULT_LIMITS
        # Ids are unique and increasing across projects, and never reused, even after reset().
        self._collection_ids = IdCounter()
        self._asset_ids = IdCounter()
        self._contract_ids = IdCounter()
        self._projects: dict[int, _Project] = {}
        self._collections: dict[int, _Collection] = {}
        self._asset_owner: dict[int, _Collection] = {}

    @_locked
    def reset(self) -> None:
        """Forget everything (ids keep counting up, so stale ids never point at new data)."""
        self._projects.clear()
        self._collections.clear()
        self._asset_owner.clear()

    @_locked
    def stats(self) -> dict[str, int]:
        return {
            "projects": len(self._projects),
            "collections": len(self._collections),
            "tokens": sum(len(c.tokens) for c in self._collections.values()),
            "assets": len(self._asset_owner),
        }

    # --- lookups ---------------------------------------------------------------------------------

    def _project(self, project: int) -> _Project:
        found = self._projects.get(project)
        if found is None:  # [A:projects-implicit]
            found = self._projects[project] = _Project()
        return found

    def _collection(self, project: int, collection_id: int | None) -> _Collection:
        cid = _required_id(collection_id, "collectionId")
        found = self._collections.get(cid)
        if found is None or found.project_id != project:  # [A:cross-project-ids]
            raise ApiError(NOT_FOUND, f"collection {cid} not found")
        return found

    @staticmethod
    def _token(collection: _Collection, token_id: str | None) -> _Token:
        tid = canonical_token_id(token_id)
        found = collection.tokens.get(tid)
        if found is None:
            raise ApiError(NOT_FOUND, f"token {tid} not found in collection {collection.id}")
        return found

    def _asset(self, project: int, asset_id: int | None) -> tuple[_Collection, _Asset]:
        aid = _required_id(asset_id, "assetId")
        owner = self._asset_owner.get(aid)
        if owner is None or owner.project_id != project:
            raise ApiError(NOT_FOUND, f"asset {aid} not found")
        return owner, owner.assets[aid]

    # --- state limits ----------------------------------------------------------------------------

    def _charge(self, project: int, delta: int, *, apply: bool = True) -> None:
        """Count `delta` metadata bytes against the project (before the write: a refusal changes
        nothing); `apply=False` only checks."""
        owner = self._project(project)
        if delta > 0 and owner.metadata_bytes + delta > self.limits.metadata_bytes:
            raise self.limits.state_error(f"{self.limits.metadata_bytes} bytes of metadata")
        if apply:
            owner.metadata_bytes += delta

    def _charge_files(self, project: int, delta: int, *, apply: bool = True) -> None:
        owner = self._project(project)
        if delta > 0 and owner.file_bytes + delta > self.limits.file_bytes:
            raise self.limits.state_error(f"{self.limits.file_bytes} bytes of files")
        if apply:
            owner.file_bytes += delta

    # --- wire shapes -----------------------------------------------------------------------------

    def _metadata_wire(self, metadata: Mapping[str, Any]) -> dict[str, Any]:
        return dict(metadata)

    def _collection_wire(
        self, col: _Collection, *, base_url: str | None = None, token_count: bool = False
    ) -> dict[str, Any]:
        """Go's Collection struct; computed fields per response [A:collection-response-shapes]."""
        wire: dict[str, Any] = {
            "id": col.id,
            "projectId": col.project_id,
            "metadata": self._metadata_wire(col.metadata),
            "private": col.private,
        }
        if token_count:
            wire["tokenCount"] = len(col.tokens)
        wire["createdAt"] = col.created_at
        wire["updatedAt"] = col.updated_at
        if base_url is not None:
            root = f"{base_url}/projects/{col.project_id}/collections/{col.id}"
            wire["baseURIs"] = {"contractMetadataURI": f"{root}.json", "tokenMetadataURI": f"{root}/tokens/"}
        return wire

    def _token_wire(self, tok: _Token, *, updated_at: str | None = None) -> dict[str, Any]:
        """Go's TokenMetadata struct: no omitempty on name..image, properties, attributes, queuedAt."""
        md = tok.metadata
        wire: dict[str, Any] = {
            "tokenId": tok.token_id,
            "source": "",  # [A:token-server-fields]
            **_token_metadata_fields(md),
        }
        wire["updatedAt"] = updated_at or tok.updated_at
        wire["status"] = "NOT_AVAILABLE"  # `assets` is never embedded [A:embedded-assets-omitted]
        wire["queuedAt"] = None
        return wire

    @staticmethod
    def _stored_name(asset: _Asset) -> str:
        return f"{asset.metadata_field}.{asset.extension}"  # [A:upload-rules]

    def _asset_url(self, col: _Collection, asset: _Asset, base_url: str) -> str:
        if asset.data is None:
            return ""
        root = f"{base_url}/projects/{col.project_id}/collections/{col.id}"
        if asset.token_id is None:
            return f"{root}/{self._stored_name(asset)}"
        return f"{root}/tokens/{asset.token_id}/{self._stored_name(asset)}"

    def _asset_wire(self, col: _Collection, asset: _Asset, base_url: str) -> dict[str, Any]:
        """Go's Asset struct: url and updatedAt always, the file details only once known."""
        wire: dict[str, Any] = {
            "id": asset.id,
            "collectionId": asset.collection_id,
            "tokenId": asset.token_id,
            "url": self._asset_url(col, asset, base_url),
            "metadataField": asset.metadata_field,
        }
        if asset.filename:
            wire["filename"] = asset.filename
        if asset.data is not None:
            wire["filesize"] = len(asset.data)
            wire["mimeType"] = asset.mime_type
            if asset.width is not None and asset.height is not None:
                wire["width"] = asset.width
                wire["height"] = asset.height
        wire["updatedAt"] = asset.updated_at
        return wire

    # --- input normalisation ---------------------------------------------------------------------

    @staticmethod
    def _collection_metadata(raw: Mapping[str, Any] | None) -> dict[str, Any]:
        """CollectionMetadata as Go stores it: name/description always, the rest omitempty."""
        raw = _required_mapping(raw, "collection.metadata")
        name = raw.get("name") or ""
        if not name:  # [A:empty-collection-name]
            raise ApiError(REQUIRED_ARGUMENT, "collection.metadata.name is required")
        if is_blank(name):  # blank as Go's strings.TrimSpace sees it, not Python's str.strip
            raise ApiError(INVALID_ARGUMENT, "collection.metadata.name must not be blank")
        metadata: dict[str, Any] = {"name": name, "description": raw.get("description") or ""}
        for key in ("image", "external_link", "properties", "attributes"):
            if raw.get(key):
                metadata[key] = _go_sorted(raw[key])
        return metadata

    @staticmethod
    def _token_metadata(raw: Mapping[str, Any]) -> dict[str, Any]:
        metadata: dict[str, Any] = {}
        for key in (*_TOKEN_TEXT_FIELDS, *_TOKEN_OPENSEA_FIELDS):
            if raw.get(key):
                metadata[key] = raw[key]
        for key in ("properties", "attributes"):
            if raw.get(key) is not None:
                metadata[key] = _go_sorted(raw[key])
        if raw.get("decimals") is not None:
            metadata["decimals"] = raw["decimals"]
        return metadata  # a sent `status` is server-managed and ignored [A:token-server-fields]

    # --- collections -----------------------------------------------------------------------------

    @_locked
    def create_collection(
        self, project: int, collection: Mapping[str, Any] | None, *, base_url: str
    ) -> dict[str, Any]:
        collection = _required_mapping(collection, "collection")
        metadata = self._collection_metadata(collection.get("metadata"))
        if len(self._project(project).collections) >= self.limits.collections:
            raise self.limits.state_error(f"{self.limits.collections} collections")
        self._charge(project, _stored_size(metadata))
        stamp = now_rfc3339()
        # [A:collection-default-private]: `collection.private` is ignored, publishing is explicit.
        col = _Collection(next(self._collection_ids), project, metadata, stamp, stamp)
        self._project(project).collections[col.id] = col
        self._collections[col.id] = col
        return {"collection": self._collection_wire(col, base_url=base_url)}

    @_locked
    def get_collection(self, project: int, collection_id: int | None, *, base_url: str) -> dict[str, Any]:
        col = self._collection(project, collection_id)
        return {"collection": self._collection_wire(col, base_url=base_url, token_count=True)}

    @_locked
    def list_collections(
        self, project: int, page: Mapping[str, Any] | None = None, *, base_url: str
    ) -> dict[str, Any]:
        owned = list(self._project(project).collections.values())  # ascending ids [A:list-order]
        window, answer = _page_window(owned, page)
        return {
            "page": answer,
            "collections": [self._collection_wire(c, base_url=base_url, token_count=True) for c in window],
        }

    @_locked
    def update_collection(
        self, project: int, collection: Mapping[str, Any] | None, *, base_url: str
    ) -> dict[str, Any]:
        collection = _required_mapping(collection, "collection")
        col = self._collection(project, collection.get("id"))
        metadata = self._collection_metadata(collection.get("metadata"))  # [A:update-replaces-metadata]
        self._charge(project, _stored_size(metadata) - _stored_size(col.metadata))
        col.metadata = metadata
        col.updated_at = now_rfc3339()  # [A:update-collection-private-ignored]
        return {"collection": self._collection_wire(col, base_url=base_url)}

    @_locked
    def delete_collection(self, project: int, collection_id: int | None) -> dict[str, Any]:
        col = self._collection(project, collection_id)
        owner = self._project(project)
        del owner.collections[col.id]
        del self._collections[col.id]
        owner.tokens -= len(col.tokens)
        owner.assets -= len(col.assets)
        files = sum(len(a.data or b"") for a in col.assets.values())
        tokens = sum(_stored_size(t.metadata) for t in col.tokens.values())
        owner.metadata_bytes -= _stored_size(col.metadata) + tokens
        owner.file_bytes -= files
        for asset_id in col.assets:  # [A:delete-cascade]
            self._asset_owner.pop(asset_id, None)
        for link_id in [k for k, v in owner.contracts.items() if v.collection_id == col.id]:
            del owner.contracts[link_id]
        return {"status": True}

    @_locked
    def publish_collection(
        self, project: int, collection_id: int | None, recursive: bool | None = None
    ) -> dict[str, Any]:
        col = self._collection(project, collection_id)
        col.private = False
        if recursive:  # [A:publish-recursive]
            for tok in col.tokens.values():
                tok.private = False
        return {"collection": self._collection_wire(col)}

    @_locked
    def unpublish_collection(self, project: int, collection_id: int | None) -> dict[str, Any]:
        col = self._collection(project, collection_id)
        col.private = True
        return {"collection": self._collection_wire(col)}

    # --- contract collections ---------------------------------------------------------------------

    @staticmethod
    def _address(value: str | None) -> str:
        if not value:
            raise ApiError(REQUIRED_ARGUMENT, "contractAddress is required")
        address = value.lower()  # prototyp.Hash lower-cases on input
        if not is_address(address):  # [A:contract-collection-rules]
            raise ApiError(INVALID_ARGUMENT, "contractAddress must be 0x followed by 40 hex digits")
        return address

    def _link(self, project: int, chain_id: int | None, address: str | None) -> _ContractCollection:
        chain = _required_id(chain_id, "chainId")
        wanted = self._address(address)
        for link in self._project(project).contracts.values():
            if link.chain_id == chain and link.contract_address == wanted:
                return link
        raise ApiError(NOT_FOUND, f"contract collection {wanted} on chain {chain} not found")

    @_locked
    def create_contract_collection(
        self, project: int, contract_collection: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        raw = _required_mapping(contract_collection, "contractCollection")
        chain = _required_id(raw.get("chainId"), "contractCollection.chainId")
        address = self._address(raw.get("contractAddress"))
        col = self._collection(project, raw.get("collectionId"))
        owner = self._project(project)
        if any(v.chain_id == chain and v.contract_address == address for v in owner.contracts.values()):
            raise ApiError(REQUEST_CONFLICT, f"contract {address} on chain {chain} is already linked")
        if len(owner.contracts) >= self.limits.collections:
            raise self.limits.state_error(f"{self.limits.collections} contract collections")
        link = _ContractCollection(next(self._contract_ids), chain, address, col.id)
        owner.contracts[link.id] = link
        return {"contractCollection": link.wire()}

    @_locked
    def get_contract_collection(
        self, project: int, chain_id: int | None, contract_address: str | None
    ) -> dict[str, Any]:
        return {"contractCollection": self._link(project, chain_id, contract_address).wire()}

    @_locked
    def list_contract_collections(
        self, project: int, collection_id: int | None = None, page: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        links = list(self._project(project).contracts.values())
        if collection_id:
            col = self._collection(project, collection_id)
            links = [link for link in links if link.collection_id == col.id]
        window, answer = _page_window(links, page)
        referenced = sorted({link.collection_id for link in window})
        return {
            "contractCollections": [link.wire() for link in window],
            "collections": [self._collection_wire(self._collections[cid]) for cid in referenced],
            "page": answer,
        }

    @_locked
    def update_contract_collection(
        self, project: int, contract_collection: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        raw = _required_mapping(contract_collection, "contractCollection")
        link = self._link(project, raw.get("chainId"), raw.get("contractAddress"))  # `id` is not used
        col = self._collection(project, raw.get("collectionId"))
        link.collection_id = col.id
        return {"ok": True}

    @_locked
    def delete_contract_collection(
        self, project: int, chain_id: int | None, contract_address: str | None
    ) -> dict[str, Any]:
        link = self._link(project, chain_id, contract_address)
        del self._project(project).contracts[link.id]
        return {"ok": True}

    # --- tokens ----------------------------------------------------------------------------------

    @_locked
    def create_token(
        self,
        project: int,
        collection_id: int | None,
        token: Mapping[str, Any] | None,
        private: bool | None = None,
    ) -> dict[str, Any]:
        col = self._collection(project, collection_id)
        raw = _required_mapping(token, "token")
        tid = canonical_token_id(raw.get("tokenId"), "token.tokenId")
        if tid in col.tokens:  # [A:duplicate-token-id]
            raise ApiError(REQUEST_CONFLICT, f"token {tid} already exists in collection {col.id}")
        if private is None:  # [A:token-default-private]
            private = True
        tok = _Token(tid, self._token_metadata(raw), private, now_rfc3339())
        owner = self._project(project)
        if owner.tokens >= self.limits.tokens:
            raise self.limits.state_error(f"{self.limits.tokens} tokens")
        self._charge(project, _stored_size(tok.metadata))
        owner.tokens += 1
        col.tokens[tid] = tok
        # [A:token-write-updatedat-zero], [A:empty-list-json]: a new token has no assets -> null
        return {"token": self._token_wire(tok, updated_at=ZERO_TIME), "assets": None}

    @_locked
    def get_token(
        self, project: int, collection_id: int | None, token_id: str | None, *, base_url: str
    ) -> dict[str, Any]:
        col = self._collection(project, collection_id)
        tok = self._token(col, token_id)
        assets = [
            self._asset_wire(col, a, base_url) for a in col.assets.values() if a.token_id == tok.token_id
        ]
        return {"token": self._token_wire(tok), "assets": assets}

    @_locked
    def list_tokens(
        self, project: int, collection_id: int | None, page: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        col = self._collection(project, collection_id)
        window, answer = _page_window(list(col.tokens.values()), page)
        return {"page": answer, "tokens": [self._token_wire(t) for t in window]}

    @_locked
    def update_token(
        self,
        project: int,
        collection_id: int | None,
        token_id: str | None,
        token: Mapping[str, Any] | None = None,
        private: bool | None = None,
    ) -> dict[str, Any]:
        col = self._collection(project, collection_id)
        tok = self._token(col, token_id)
        if token is None and private is None:  # [A:update-token-partial]
            raise ApiError(REQUIRED_ARGUMENT, "token is required (or private, to change only the visibility)")
        if token is not None:
            metadata = self._token_metadata(token)  # [A:update-replaces-metadata]
            grown = _stored_size(metadata) - _stored_size(tok.metadata)
            self._charge(project, grown, apply=False)
            new_id = tok.token_id
            if token.get("tokenId"):
                new_id = canonical_token_id(token["tokenId"], "token.tokenId")
            if new_id != tok.token_id:  # [A:update-token-id-change]
                if new_id in col.tokens:
                    raise ApiError(REQUEST_CONFLICT, f"token {new_id} already exists in collection {col.id}")
                col.tokens = {(new_id if k == tok.token_id else k): v for k, v in col.tokens.items()}
                for asset in col.assets.values():
                    if asset.token_id == tok.token_id:
                        asset.token_id = new_id
                tok.token_id = new_id
            self._charge(project, grown)
            tok.metadata = metadata
        if private is not None:
            tok.private = private
        tok.updated_at = now_rfc3339()
        return {"token": self._token_wire(tok, updated_at=ZERO_TIME)}

    @_locked
    def delete_token(self, project: int, collection_id: int | None, token_id: str | None) -> dict[str, Any]:
        col = self._collection(project, collection_id)
        tok = self._token(col, token_id)
        owner = self._project(project)
        owner.metadata_bytes -= _stored_size(tok.metadata)
        owner.file_bytes -= sum(len(a.data or b"") for a in col.assets.values() if a.token_id == tok.token_id)
        owner.tokens -= 1
        del col.tokens[tok.token_id]
        for asset_id in [k for k, a in col.assets.items() if a.token_id == tok.token_id]:
            del col.assets[asset_id]  # [A:delete-cascade]
            self._asset_owner.pop(asset_id, None)
            owner.assets -= 1
        return {"status": True}

    # --- assets ----------------------------------------------------------------------------------

    @staticmethod
    def _metadata_field(value: str | None) -> str:
        if not value:
            raise ApiError(REQUIRED_ARGUMENT, "asset.metadataField is required")
        if value not in ASSET_FIELDS:  # [A:asset-fields]
            raise ApiError(INVALID_ARGUMENT, f"asset.metadataField must be one of {', '.join(ASSET_FIELDS)}")
        return value

    @staticmethod
    def _check_unique_field(col: _Collection, token_id: str | None, metadata_field: str, skip: int) -> None:
        for other in col.assets.values():
            if other.id != skip and other.token_id == token_id and other.metadata_field == metadata_field:
                owner = f"token {token_id}" if token_id is not None else "the collection"
                raise ApiError(
                    REQUEST_CONFLICT, f"{owner} already has a {metadata_field} asset (id {other.id})"
                )

    def _new_asset(self, col: _Collection, token_id: str | None, metadata_field: str) -> _Asset:
        self._check_unique_field(col, token_id, metadata_field, skip=0)
        owner = self._project(col.project_id)
        if owner.assets >= self.limits.assets:
            raise self.limits.state_error(f"{self.limits.assets} assets")
        owner.assets += 1
        asset = _Asset(next(self._asset_ids), col.id, token_id, metadata_field, now_rfc3339())
        col.assets[asset.id] = asset
        self._asset_owner[asset.id] = col
        return asset

    @_locked
    def create_asset(self, project: int, asset: Mapping[str, Any] | None, *, base_url: str) -> dict[str, Any]:
        raw = _required_mapping(asset, "asset")
        col = self._collection(project, raw.get("collectionId"))
        token_id = None
        if raw.get("tokenId") is not None:
            token_id = self._token(col, raw["tokenId"]).token_id
        metadata_field = self._metadata_field(raw.get("metadataField"))
        created = self._new_asset(col, token_id, metadata_field)  # [A:client-asset-id]
        return {"asset": self._asset_wire(col, created, base_url)}

    @_locked
    def get_asset(self, project: int, asset_id: int | None, *, base_url: str) -> dict[str, Any]:
        col, found = self._asset(project, asset_id)
        return {"asset": self._asset_wire(col, found, base_url)}

    @_locked
    def update_asset(self, project: int, asset: Mapping[str, Any] | None, *, base_url: str) -> dict[str, Any]:
        raw = _required_mapping(asset, "asset")
        col, found = self._asset(project, raw.get("id"))
        if raw.get("metadataField"):
            metadata_field = self._metadata_field(raw["metadataField"])
            self._check_unique_field(col, found.token_id, metadata_field, skip=found.id)
            found.metadata_field = metadata_field
        if raw.get("filename"):
            found.filename = raw["filename"]
        found.updated_at = now_rfc3339()
        return {"asset": self._asset_wire(col, found, base_url)}

    @_locked
    def delete_asset(self, project: int, asset_id: int | None) -> dict[str, Any]:
        col, found = self._asset(project, asset_id)
        del col.assets[found.id]
        del self._asset_owner[found.id]
        owner = self._project(project)
        owner.assets -= 1
        owner.file_bytes -= len(found.data or b"")
        return {"status": True}

    # --- uploads ---------------------------------------------------------------------------------

    @staticmethod
    def _check_upload(data: bytes) -> None:
        if not data:
            raise ApiError(INVALID_ARGUMENT, "the uploaded file is empty")
        if len(data) > MAX_UPLOAD_BYTES:
            raise ApiError(INVALID_ARGUMENT, f"the uploaded file is larger than {MAX_UPLOAD_BYTES} bytes")

    def _store_upload(self, col: _Collection, asset: _Asset, data: bytes, base_url: str) -> dict[str, Any]:
        self._check_upload(data)
        self._charge_files(col.project_id, len(data) - len(asset.data or b""))
        sniffed = media.sniff(data)
        asset.data = bytes(data)
        asset.mime_type = sniffed.mime_type
        asset.extension = sniffed.extension
        asset.width, asset.height = sniffed.width, sniffed.height
        asset.filename = self._stored_name(asset)  # [A:upload-rules]
        asset.updated_at = now_rfc3339()
        return self._asset_wire(col, asset, base_url)

    @_locked
    def upload_token_asset(
        self,
        project: int,
        collection_id: int | None,
        token_id: str | None,
        asset_ref: str,
        data: bytes,
        *,
        base_url: str,
    ) -> dict[str, Any]:
        """PUT .../tokens/{tokenId}/upload/{assetRef}: assetRef is an asset id or a metadata field."""
        col = self._collection(project, collection_id)
        tok = self._token(col, token_id)
        if is_decimal(asset_ref):
            found = col.assets.get(int(asset_ref))
            if found is None or found.token_id != tok.token_id:
                raise ApiError(NOT_FOUND, f"asset {asset_ref} not found for token {tok.token_id}")
        else:
            field_name = self._metadata_field(asset_ref)
            matches = [
                a
                for a in col.assets.values()
                if a.token_id == tok.token_id and a.metadata_field == field_name
            ]
            # [A:upload-by-type-creates-asset]; a refused file must not leave an empty asset behind.
            self._check_upload(data)
            replaced = len(matches[0].data or b"") if matches else 0
            self._charge_files(project, len(data) - replaced, apply=False)
            found = matches[0] if matches else self._new_asset(col, tok.token_id, field_name)
        return self._store_upload(col, found, data, base_url)

    @_locked
    def upload_asset(
        self, project: int, collection_id: int | None, asset_id: int | None, data: bytes, *, base_url: str
    ) -> dict[str, Any]:
        """PUT .../collections/{c}/assets/{assetId}/upload."""
        col = self._collection(project, collection_id)
        aid = _required_id(asset_id, "assetId")
        found = col.assets.get(aid)
        if found is None:
            raise ApiError(NOT_FOUND, f"asset {aid} not found in collection {col.id}")
        return self._store_upload(col, found, data, base_url)

    # --- public (anonymous) reads ------------------------------------------------------------------
    # Hidden and nonexistent answer the same NotFound, without a cause [A:public-hidden-as-not-found].

    @staticmethod
    def _collection_public(col: _Collection) -> bool:
        """Whether the public routes serve the collection."""
        return not col.private

    @staticmethod
    def _token_public(tok: _Token) -> bool:
        """Whether the public routes serve the token (of a public collection)."""
        return not tok.private

    def _public_collection(self, project: int, collection_id: int) -> _Collection:
        col = self._collections.get(collection_id)
        if col is None or col.project_id != project or not self._collection_public(col):
            raise ApiError(NOT_FOUND)
        return col

    def _public_token(self, project: int, collection_id: int, token_id: str) -> tuple[_Collection, _Token]:
        col = self._public_collection(project, collection_id)
        try:
            tid = canonical_token_id(token_id)
        except ApiError:
            raise ApiError(NOT_FOUND) from None
        tok = col.tokens.get(tid)
        if tok is None or not self._token_public(tok):
            raise ApiError(NOT_FOUND)
        return col, tok

    def _media_urls(self, col: _Collection, token_id: str | None, base_url: str) -> dict[str, str]:
        return {
            a.metadata_field: self._asset_url(col, a, base_url)
            for a in col.assets.values()
            if a.token_id == token_id and a.data is not None
        }

    @_locked
    def public_collection(self, project: int, collection_id: int, *, base_url: str) -> dict[str, Any]:
        """Contract-level metadata JSON [A:public-collection-json]."""
        col = self._public_collection(project, collection_id)
        wire = self._metadata_wire(col.metadata)
        image = self._media_urls(col, None, base_url).get("image")
        if image:
            wire["image"] = image
        return wire

    @_locked
    def public_token(
        self, project: int, collection_id: int, token_id: str, *, base_url: str
    ) -> dict[str, Any]:
        """Token metadata JSON, OpenSea style [A:public-token-json]."""
        col, tok = self._public_token(project, collection_id, token_id)
        md = dict(tok.metadata)
        md.update(self._media_urls(col, tok.token_id, base_url))
        return {"tokenId": tok.token_id, **_token_metadata_fields(md)}

    @staticmethod
    def _file(assets: Iterable[_Asset], token_id: str | None, file_name: str) -> StoredFile:
        """The file named `<field>.<ext>` or bare `<field>` [A:public-file-names]."""
        for asset in assets:
            if asset.token_id != token_id or asset.data is None:
                continue
            if file_name in (asset.metadata_field, f"{asset.metadata_field}.{asset.extension}"):
                return StoredFile(asset.data, asset.mime_type)
        raise ApiError(NOT_FOUND)

    @_locked
    def public_token_file(
        self, project: int, collection_id: int, token_id: str, file_name: str
    ) -> StoredFile:
        col, tok = self._public_token(project, collection_id, token_id)
        return self._file(col.assets.values(), tok.token_id, file_name)

    @_locked
    def public_collection_file(self, project: int, collection_id: int, file_name: str) -> StoredFile:
        """A collection-level asset's file [A:collection-asset-file-route]."""
        col = self._public_collection(project, collection_id)
        return self._file(col.assets.values(), None, file_name)

    @_locked
    def private_token_asset(
        self, project: int, collection_id: int, token_id: str, asset_type: str
    ) -> StoredFile:
        """The owner's read of a token's file, whatever the publish state [A:private-asset-route]."""
        col = self._collection(project, collection_id)
        tok = self._token(col, token_id)
        for asset in col.assets.values():
            if (
                asset.token_id == tok.token_id
                and asset.metadata_field == asset_type
                and asset.data is not None
            ):
                return StoredFile(asset.data, asset.mime_type)
        raise ApiError(NOT_FOUND, f"token {tok.token_id} has no uploaded {asset_type} asset")

    # --- read-only views (the web view) ------------------------------------------------------------

    @_locked
    def overview(self, *, tokens_per_collection: int | None = None) -> list[ProjectView]:
        """Every project, collection, token and asset as plain frozen values, projects by id."""

        def asset_view(asset: _Asset) -> AssetView:
            stored = self._stored_name(asset) if asset.data is not None else ""
            size = len(asset.data) if asset.data is not None else None
            return AssetView(
                asset.id,
                asset.token_id,
                asset.metadata_field,
                stored,
                asset.mime_type,
                size,
                asset.width,
                asset.height,
            )

        views = []
        for project_id in sorted(self._projects):
            project = self._projects[project_id]
            collections = []
            for col in project.collections.values():
                assets = [asset_view(a) for a in col.assets.values()]
                shown = list(col.tokens.values())[:tokens_per_collection]
                tokens = tuple(
                    TokenView(
                        tok.token_id,
                        copy.deepcopy(tok.metadata),
                        tok.private,
                        tok.updated_at,
                        tuple(a for a in assets if a.token_id == tok.token_id),
                    )
                    for tok in shown
                )
                links = tuple(
                    (link.chain_id, link.contract_address)
                    for link in project.contracts.values()
                    if link.collection_id == col.id
                )
                collections.append(
                    CollectionView(
                        col.id,
                        col.project_id,
                        copy.deepcopy(col.metadata),
                        col.private,
                        col.created_at,
                        col.updated_at,
                        len(col.tokens),
                        tokens,
                        tuple(a for a in assets if a.token_id is None),
                        links,
                    )
                )
            views.append(ProjectView(project_id, tuple(collections)))
        return views

    @_locked
    def stored_file(self, asset_id: int) -> StoredFile | None:
        """The uploaded file of an asset of any project (for the web view), or None."""
        owner = self._asset_owner.get(asset_id)
        asset = owner.assets.get(asset_id) if owner is not None else None
        if asset is None or asset.data is None:
            return None
        return StoredFile(asset.data, asset.mime_type)
