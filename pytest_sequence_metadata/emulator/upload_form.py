"""The `file` field of a multipart/form-data upload, read with python-multipart's parser."""

from __future__ import annotations

from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header

from pytest_sequence_metadata.contract.errors import BAD_REQUEST, INVALID_ARGUMENT, REQUIRED_ARGUMENT

from .backend import MAX_UPLOAD_BYTES, ApiError
from .limits import UPLOAD_REQUEST_BYTES

# A body is fed to the parser in pieces: each C-level search then holds the GIL briefly.
_FEED_BYTES = 256 * 1024


class _FilePart:
    """Collects the `file` field of a multipart body through python-multipart's callbacks."""

    def __init__(self) -> None:
        self.data: bytes | None = None
        self.file_parts = 0  # a second `file` part makes the upload ambiguous: refused
        self._header_field = b""
        self._header_value = b""
        self._is_file = False
        # Views into the body, joined once at the end: one copy of a 20 MB file, not three.
        self._pieces: list[memoryview] = []

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
        self._pieces = []

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file and self.file_parts == 0:
            self._pieces.append(memoryview(data)[start:end])

    def on_part_end(self) -> None:
        if self._is_file:
            self.file_parts += 1
            if self.file_parts == 1:
                self.data = b"".join(self._pieces)
            self._pieces = []


class UploadForm:
    """The `file` field of a multipart body read as it arrives: `feed()` each chunk, then `file()`.

    The ASGI adapter feeds chunks while receiving (no 20 MB search or copy at once); errors are
    kept and raised by `file()`, so the route still checks the JWT before the body.
    """

    def __init__(self, content_type: str) -> None:
        self.size = 0
        self._part = _FilePart()
        self._failure: ApiError | None = None
        self._parser: MultipartParser | None = None
        media_type, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if media_type != b"multipart/form-data" or not boundary:
            message = 'expected a multipart/form-data body with the file in field "file"'
            self._failure = ApiError(BAD_REQUEST, message)
            return
        part = self._part
        callbacks: Any = {
            "on_part_begin": part.on_part_begin,
            "on_part_data": part.on_part_data,
            "on_part_end": part.on_part_end,
            "on_header_field": part.on_header_field,
            "on_header_value": part.on_header_value,
            "on_header_end": part.on_header_end,
        }
        try:
            self._parser = MultipartParser(boundary, callbacks)
        except Exception as exc:  # e.g. a boundary python-multipart refuses
            self._failure = _malformed(exc)

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self._failure is not None or self._parser is None or self.size > UPLOAD_REQUEST_BYTES:
            return  # the answer is decided: the rest is only counted
        try:
            for start in range(0, len(chunk), _FEED_BYTES):
                self._parser.write(chunk[start : start + _FEED_BYTES] if len(chunk) > _FEED_BYTES else chunk)
        except Exception as exc:  # python-multipart raises several error types for bad framing
            self._failure = _malformed(exc)

    def file(self) -> bytes:
        """The bytes of the field `file` [A:upload-rules], or the ApiError the body deserves."""
        if self.size > UPLOAD_REQUEST_BYTES:
            raise ApiError(INVALID_ARGUMENT, f"the uploaded file is larger than {MAX_UPLOAD_BYTES} bytes")
        if self._failure is None and self._parser is not None:
            try:
                self._parser.finalize()
            except Exception as exc:
                self._failure = _malformed(exc)
            self._parser = None
        if self._failure is not None:
            raise self._failure
        part = self._part
        if part.data is None:
            raise ApiError(REQUIRED_ARGUMENT, 'the multipart field "file" is missing')
        if part.file_parts > 1:
            raise ApiError(
                INVALID_ARGUMENT, f'the body has {part.file_parts} multipart fields "file": send exactly one'
            )
        return part.data


def _malformed(exc: Exception) -> ApiError:
    return ApiError(BAD_REQUEST, f"malformed multipart body: {type(exc).__name__}")


def read_upload(content_type: str, body: bytes) -> bytes:
    """The bytes of the multipart field `file` of a whole body [A:upload-rules]."""
    form = UploadForm(content_type)
    if len(body) <= UPLOAD_REQUEST_BYTES:
        form.feed(body)
    else:
        form.size = len(body)
    return form.file()
