"""The emulator's state as a versioned JSON document: dump, validate, load.

    {"format": "pytest-sequence-metadata/state", "version": 1,
     "projects": {"1": {
        "collections": [{"id", "metadata", "private", "createdAt", "updatedAt",
                         "tokens": [{"tokenId", "metadata", "private", "updatedAt"}],
                         "assets": [{"id", "tokenId", "metadataField", "filename", "updatedAt",
                                     "file": {"size", "sha256", "mediaType"} or null}]}],
        "contractCollections": [{"id", "chainId", "contractAddress", "collectionId"}]}},
     "next_ids": {"collection", "asset", "contractCollection"}}

The schema is `state.schema.json` beside this module. A dump names files by size and SHA-256; with
`files="base64"` it carries the bytes as well, and only such a dump (or a seed giving `base64` or a
`path` relative to the seed file) can be loaded: a file given by its hash alone is refused, naming it.
Loading replaces all state; metadata goes through the backend's own normalisation, file types and
sizes are read from the bytes again, and ids keep counting past the loaded ones.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final, Literal

import jsonschema

from pytest_sequence_metadata.contract.errors import INVALID_ARGUMENT

from . import media
from .backend import (
    MAX_UPLOAD_BYTES,
    ApiError,
    Backend,
    _Asset,
    _Collection,
    _ContractCollection,
    _Project,
    _stored_size,
    _Token,
    canonical_token_id,
    now_rfc3339,
)

__all__ = ["FORMAT", "VERSION", "FileMode", "StateError", "dump", "dump_project", "load", "read_document"]

FORMAT: Final = "pytest-sequence-metadata/state"
VERSION: Final = 1
FileMode = Literal["hash", "base64"]
# Reads the bytes of the file entry of an asset id (`where` names it in errors); None: it has none.
FileReader = Callable[[int, Mapping[str, Any], str], bytes | None]
_SCHEMA_PATH = Path(__file__).with_name("state.schema.json")


class StateError(ValueError):
    """A state document that cannot be loaded; the message names the place and the problem."""


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(_SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


# --- dump ------------------------------------------------------------------------------------------


def _file(asset: _Asset, files: FileMode) -> dict[str, Any] | None:
    if asset.data is None:
        return None
    entry: dict[str, Any] = {
        "size": len(asset.data),
        "sha256": hashlib.sha256(asset.data).hexdigest(),
        "mediaType": asset.mime_type,
    }
    if files == "base64":
        entry["base64"] = base64.b64encode(asset.data).decode("ascii")
    return entry


def _collection(col: _Collection, files: FileMode) -> dict[str, Any]:
    return {
        "id": col.id,
        "metadata": col.metadata,
        "private": col.private,
        "createdAt": col.created_at,
        "updatedAt": col.updated_at,
        "tokens": [
            {"tokenId": t.token_id, "metadata": t.metadata, "private": t.private, "updatedAt": t.updated_at}
            for t in col.tokens.values()
        ],
        "assets": [
            {
                "id": a.id,
                "tokenId": a.token_id,
                "metadataField": a.metadata_field,
                "filename": a.filename,
                "updatedAt": a.updated_at,
                "file": _file(a, files),
            }
            for a in col.assets.values()
        ],
    }


def _project(found: _Project, files: FileMode) -> dict[str, Any]:
    return {
        "collections": [_collection(col, files) for col in found.collections.values()],
        "contractCollections": [link.wire() for link in found.contracts.values()],
    }


def next_ids(backend: Backend) -> dict[str, int]:
    return {
        "collection": backend._collection_ids.next_value,
        "asset": backend._asset_ids.next_value,
        "contractCollection": backend._contract_ids.next_value,
    }


def dump(backend: Backend, *, files: FileMode = "hash") -> dict[str, Any]:
    """Every project that holds something, in id order (a deep copy: JSON-ready, safe to change)."""
    with backend._lock:
        projects = {
            str(pid): _project(found, files)
            for pid, found in sorted(backend._projects.items())
            if found.collections or found.contracts
        }
        document = {"format": FORMAT, "version": VERSION, "projects": projects, "next_ids": next_ids(backend)}
        return json.loads(json.dumps(document))  # type: ignore[no-any-return]


def dump_project(backend: Backend, project: int) -> dict[str, Any] | None:
    """One project's part of `dump` (file bytes by hash), None when it holds nothing. Call with the
    backend's lock held when the result must match other reads (persistence does)."""
    found = backend._projects.get(project)
    if found is None or not (found.collections or found.contracts):
        return None
    return _project(found, "hash")


# --- load ------------------------------------------------------------------------------------------


def read_document(path: str | Path) -> dict[str, Any]:
    """A state document from a JSON or YAML file (YAML is a superset of JSON: one parser for both)."""
    import yaml

    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StateError(f"cannot read the state file {source}: {exc}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise StateError(f"the state file {source} is neither JSON nor YAML{where}") from None
    if not isinstance(document, dict):
        raise StateError(f"the state file {source} does not hold a JSON object")
    return document


def _file_reader(base_dir: Path | None) -> FileReader:
    def read(asset_id: int, entry: Mapping[str, Any], where: str) -> bytes | None:
        if "base64" in entry:
            try:
                return base64.b64decode(entry["base64"], validate=True)
            except (binascii.Error, ValueError):
                raise StateError(f"{where}.base64 is not valid base64") from None
        if "path" in entry:
            if base_dir is None:
                raise StateError(f"{where}.path: file paths are read only from a seed file; send base64")
            target = base_dir / entry["path"]
            try:
                data: bytes = target.read_bytes()
            except OSError as exc:
                raise StateError(f"{where}.path: cannot read {target}: {exc.strerror or exc}") from None
            return data
        return None

    return read


def _check_schema(document: Any) -> None:
    if (
        isinstance(document, Mapping)
        and document.get("format") == FORMAT
        and document.get("version", VERSION) != VERSION
    ):
        raise StateError(
            f"state version {document['version']!r} is not supported (this emulator reads {VERSION})"
        )
    error = jsonschema.exceptions.best_match(_validator().iter_errors(document))
    if error is not None:
        message = error.message if len(error.message) <= 200 else error.message[:200] + "..."
        raise StateError(f"state {error.json_path}: {message}")


def _normalised(where: str, normalise: Callable[[Any], dict[str, Any]], raw: Any) -> dict[str, Any]:
    try:
        return normalise(raw)
    except ApiError as exc:
        raise StateError(f"{where}: {exc.cause}") from None


def _build_file(asset: _Asset, entry: Mapping[str, Any], where: str, read: FileReader) -> int:
    data = read(asset.id, entry, where)
    if data is None:
        raise StateError(
            f"{where}: only the file's hash is given, not its bytes (dump with "
            "GET /_emulator/state?files=base64 for a full copy, or give base64 or a path)"
        )
    if not data or len(data) > MAX_UPLOAD_BYTES:
        raise StateError(f"{where}: a file has 1 to {MAX_UPLOAD_BYTES} bytes, this one {len(data)}")
    if "sha256" in entry and hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise StateError(f"{where}: the bytes do not match the sha256 given")
    if "size" in entry and len(data) != entry["size"]:
        raise StateError(f"{where}: the bytes do not match the size given ({len(data)} != {entry['size']})")
    sniffed = media.sniff(data)
    asset.data = data
    asset.mime_type, asset.extension = sniffed.mime_type, sniffed.extension
    asset.width, asset.height = sniffed.width, sniffed.height
    return len(data)


class _Loader:
    """Builds new backend state from a valid document, checking what the schema cannot say."""

    def __init__(self, read: FileReader) -> None:
        self.read = read
        self.projects: dict[int, _Project] = {}
        self.collections: dict[int, _Collection] = {}
        self.asset_owner: dict[int, _Collection] = {}
        self.contract_ids: set[int] = set()

    def project(self, pid: int, raw: Mapping[str, Any]) -> None:
        found = self.projects[pid] = _Project()
        for index, col_raw in enumerate(raw.get("collections", ())):
            col = self.collection(pid, col_raw, f"projects.{pid}.collections[{index}]")
            found.collections[col.id] = col
            found.tokens += len(col.tokens)
            found.assets += len(col.assets)
            found.metadata_bytes += _stored_size(col.metadata) + sum(
                _stored_size(t.metadata) for t in col.tokens.values()
            )
            found.file_bytes += sum(len(a.data or b"") for a in col.assets.values())
        for index, link_raw in enumerate(raw.get("contractCollections", ())):
            where = f"projects.{pid}.contractCollections[{index}]"
            link = self.contract(pid, found, link_raw, where)
            found.contracts[link.id] = link

    def collection(self, pid: int, raw: Mapping[str, Any], where: str) -> _Collection:
        cid = raw["id"]
        if cid in self.collections:
            raise StateError(f"{where}.id: collection {cid} appears twice")
        metadata = _normalised(f"{where}.metadata", Backend._collection_metadata, raw["metadata"])
        created = raw.get("createdAt") or now_rfc3339()
        col = _Collection(cid, pid, metadata, created, raw.get("updatedAt") or created)
        col.private = raw.get("private", True)
        for index, tok_raw in enumerate(raw.get("tokens", ())):
            at = f"{where}.tokens[{index}]"
            tid = canonical_token_id(tok_raw["tokenId"])
            if tid in col.tokens:
                raise StateError(f"{at}.tokenId: token {tid} appears twice in collection {cid}")
            token_metadata = _normalised(
                f"{at}.metadata", Backend._token_metadata, tok_raw.get("metadata", {})
            )
            col.tokens[tid] = _Token(
                tid, token_metadata, tok_raw.get("private", True), tok_raw.get("updatedAt") or now_rfc3339()
            )
        for index, asset_raw in enumerate(raw.get("assets", ())):
            self.asset(col, asset_raw, f"{where}.assets[{index}]")
        self.collections[cid] = col
        return col

    def asset(self, col: _Collection, raw: Mapping[str, Any], where: str) -> None:
        aid = raw["id"]
        if aid in self.asset_owner:
            raise StateError(f"{where}.id: asset {aid} appears twice")
        token_id = raw.get("tokenId")
        if token_id is not None:
            token_id = canonical_token_id(token_id)
            if token_id not in col.tokens:
                raise StateError(f"{where}.tokenId: collection {col.id} has no token {token_id}")
        field_name = raw["metadataField"]
        for other in col.assets.values():
            if other.token_id == token_id and other.metadata_field == field_name:
                owner = f"token {token_id}" if token_id is not None else "the collection"
                raise StateError(f"{where}: {owner} has two {field_name} assets ({other.id} and {aid})")
        asset = _Asset(aid, col.id, token_id, field_name, raw.get("updatedAt") or now_rfc3339())
        asset.filename = raw.get("filename", "")
        if raw.get("file") is not None:
            _build_file(asset, raw["file"], f"{where}.file", self.read)
        col.assets[aid] = asset
        self.asset_owner[aid] = col

    def contract(
        self, pid: int, project: _Project, raw: Mapping[str, Any], where: str
    ) -> _ContractCollection:
        if raw["id"] in self.contract_ids:
            raise StateError(f"{where}.id: contract collection {raw['id']} appears twice")
        self.contract_ids.add(raw["id"])
        col = self.collections.get(raw["collectionId"])
        if col is None or col.project_id != pid:
            raise StateError(f"{where}.collectionId: project {pid} has no collection {raw['collectionId']}")
        address = raw["contractAddress"].lower()
        for other in project.contracts.values():
            if other.chain_id == raw["chainId"] and other.contract_address == address:
                raise StateError(f"{where}: contract {address} on chain {raw['chainId']} is linked twice")
        return _ContractCollection(raw["id"], raw["chainId"], address, col.id)


def load(
    backend: Backend,
    document: Any,
    *,
    base_dir: str | Path | None = None,
    read_file: FileReader | None = None,
) -> None:
    """Replace all of `backend`'s state with `document` (validated first: StateError, nothing changed).

    `base_dir`: where `file.path` entries are read from (None: paths are refused, as over HTTP);
    `read_file`: a reader of file entries of its own (persistence reads its stored files).
    """
    _check_schema(document)
    loader = _Loader(read_file or _file_reader(Path(base_dir) if base_dir is not None else None))
    try:
        for key, raw in document["projects"].items():
            loader.project(int(key), raw)
    except ApiError as exc:  # canonical_token_id on a tokenId over the uint256 range
        raise StateError(f"state: {exc.cause}") from None
    wanted = document.get("next_ids", {})
    with backend._lock:
        for counter, name, used in (
            (backend._collection_ids, "collection", loader.collections),
            (backend._asset_ids, "asset", loader.asset_owner),
            (backend._contract_ids, "contractCollection", loader.contract_ids),
        ):
            counter.next_value = max(counter.next_value, wanted.get(name, 1), max(used, default=0) + 1)
        backend._projects.clear()
        backend._projects.update(loader.projects)
        backend._collections.clear()
        backend._collections.update(dict(sorted(loader.collections.items())))
        backend._asset_owner.clear()
        backend._asset_owner.update(loader.asset_owner)


def invalid(error: StateError) -> ApiError:
    """The webrpc error a bad document gets over HTTP."""
    return ApiError(INVALID_ARGUMENT, str(error))
