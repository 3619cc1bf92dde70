"""What an uploaded file is: MIME type (puremagic), pixel size (imagesize), the stored file extension."""

from __future__ import annotations

import io
from dataclasses import dataclass

import imagesize
import puremagic

OCTET_STREAM = "application/octet-stream"
_UINT16_MAX = 0xFFFF

# Extensions of the public file name by MIME type; the URLs seen upstream are image.png / image.jpeg.
_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/svg+xml": "svg",
    "image/avif": "avif",
    "image/bmp": "bmp",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "video/quicktime": "mov",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/ogg": "ogg",
    "model/gltf-binary": "glb",
    "application/json": "json",
}


@dataclass(frozen=True, slots=True)
class Media:
    mime_type: str
    extension: str
    width: int | None
    height: int | None


def sniff(data: bytes) -> Media:
    """Detect the type from the bytes (never from the sent filename or Content-Type)."""
    mime, extension = OCTET_STREAM, "bin"
    try:
        candidates = puremagic.magic_string(data)
    except (puremagic.PureError, ValueError):
        candidates = []
    for candidate in candidates:
        if candidate.mime_type:
            mime = candidate.mime_type
            extension = _EXTENSIONS.get(mime) or candidate.extension.lstrip(".") or "bin"
            break
    width = height = None
    if mime.startswith("image/"):
        try:
            w, h = imagesize.get(io.BytesIO(data))
        except Exception:  # a corrupt image still uploads, just without a size
            w, h = -1, -1
        # Asset.width/height are uint16 in Go: sizes that do not fit are left out.
        if 0 < w <= _UINT16_MAX and 0 < h <= _UINT16_MAX:
            width, height = int(w), int(h)
    return Media(mime, extension, width, height)
