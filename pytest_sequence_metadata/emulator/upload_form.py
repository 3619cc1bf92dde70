"""The `file` field of a multipart/form-data upload, read with python-multipart's parser."""

from __future__ import annotations

from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header

from pytest_sequence_metadata.contract.errors import ERRORS_BY_NAME

from .backend import INVALID, MAX_UPLOAD_BYTES, REQUIRED, ApiError

BAD_REQUEST = ERRORS_BY_NAME["WebrpcBadRequest"]
_UPLOAD_OVERHEAD = 64 * 1024  # multipart framing allowed on top of the file size limit


class _FilePart:
    """Collects the `file` field of a multipart body through python-multipart's callbacks."""

    def __init__(self) -> None:
        self.data: bytearray | None = None
        self._header_field = b""
        self._header_value = b""
        self._is_file = False
        self._chunks: bytearray = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_field.lower() == b"content-disposition":
            _, params = parse_options_header(self._header_value)
            self._is_file = params.get(b"name") == b"file"
        self._header_field = self._header_value = b""

    def on_part_begin(self) -> None:
        self._is_file = False
        self._chunks = bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file and self.data is None:
            self._chunks += data[start:end]

    def on_part_end(self) -> None:
        if self._is_file and self.data is None:
            self.data = self._chunks


def read_upload(content_type: str, body: bytes) -> bytes:
    """The bytes of the multipart field `file` [A:upload-rules]."""
    if len(body) > MAX_UPLOAD_BYTES + _UPLOAD_OVERHEAD:
        raise ApiError(INVALID, f"the uploaded file is larger than {MAX_UPLOAD_BYTES} bytes")
    media_type, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        raise ApiError(BAD_REQUEST, 'expected a multipart/form-data body with the file in field "file"')
    part = _FilePart()
    callbacks: Any = {
        "on_part_begin": part.on_part_begin,
        "on_part_data": part.on_part_data,
        "on_part_end": part.on_part_end,
        "on_header_field": part.on_header_field,
        "on_header_value": part.on_header_value,
        "on_header_end": part.on_header_end,
    }
    try:
        parser = MultipartParser(boundary, callbacks)
        parser.write(body)
        parser.finalize()
    except Exception as exc:  # python-multipart raises several error types for bad framing
        raise ApiError(BAD_REQUEST, f"malformed multipart body: {type(exc).__name__}") from None
    if part.data is None:
        raise ApiError(REQUIRED, 'the multipart field "file" is missing')
    return bytes(part.data)
