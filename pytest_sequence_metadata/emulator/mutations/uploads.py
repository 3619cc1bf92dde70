"""Upload bugs: a file is stored or served other than it was sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import Group

if TYPE_CHECKING:
    from pytest_sequence_metadata.emulator.app import App
    from pytest_sequence_metadata.emulator.backend import _Asset, _Collection

mutation = Group("uploads")


@mutation(
    "upload-wrong-mime",
    "Uploads report mimeType application/octet-stream whatever the bytes are.",
    breaks=("UploadAsset", "UploadTokenAsset"),
)
def _upload_wrong_mime(app: App) -> None:
    from pytest_sequence_metadata.emulator.media import OCTET_STREAM

    backend = app.backend
    store = backend._store_upload

    def octet_stream(col: _Collection, asset: _Asset, data: bytes, base_url: str) -> dict[str, Any]:
        store(col, asset, data, base_url)
        asset.mime_type = OCTET_STREAM
        return backend._asset_wire(col, asset, base_url)

    backend._store_upload = octet_stream  # type: ignore[method-assign]


@mutation(
    "upload-swapped-dimensions",
    "Uploads report width and height swapped.",
    breaks=("UploadAsset", "UploadTokenAsset"),
)
def _upload_swapped_dimensions(app: App) -> None:
    backend = app.backend
    store = backend._store_upload

    def swapped(col: _Collection, asset: _Asset, data: bytes, base_url: str) -> dict[str, Any]:
        store(col, asset, data, base_url)
        asset.width, asset.height = asset.height, asset.width
        return backend._asset_wire(col, asset, base_url)

    backend._store_upload = swapped  # type: ignore[method-assign]


@mutation(
    "upload-truncated",
    "The public file route serves the stored bytes minus the last one.",
    breaks=("GetPublicTokenFile",),
)
def _upload_truncated(app: App) -> None:
    from pytest_sequence_metadata.emulator.backend import StoredFile

    backend = app.backend
    public_file = backend.public_token_file

    def truncated(project: int, collection_id: int, token_id: str, file_name: str) -> StoredFile:
        found = public_file(project, collection_id, token_id, file_name)
        return StoredFile(found.data[:-1], found.mime_type)

    backend.public_token_file = truncated  # type: ignore[method-assign]
