"""The emulator's resource limits: request sizes, value sizes, state per project, read timeouts.

The real service has its own limits (not published); these keep one emulator usable when a client (or
an attacker on the same machine) sends huge or endless input. Every limit answers a webrpc JSON error:
- a body over `request_bytes` (RPC and control routes) or over the upload limit: InvalidArgument with
  HTTP 413, refused from its Content-Length before the body is read;
- a string over `string_chars` or an array/object over `items` entries: InvalidArgument (400);
- a project over `collections`, `tokens`, `assets`, `metadata_bytes` or `file_bytes`: RequestConflict
  (409). The metadata budget also bounds the largest answer (a page of ListCollections);
- a body not received within `body_timeout` seconds: Timeout (408). Headers not received within
  `header_timeout` seconds close the connection (there is no request to answer yet).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pytest_sequence_metadata.contract.errors import (
    BAD_REQUEST,
    INVALID_ARGUMENT,
    REQUEST_CONFLICT,
    ErrorKind,
)
from pytest_sequence_metadata.contract.gowire import DecodeError

from .backend import MAX_UPLOAD_BYTES, ApiError

__all__ = [
    "DEFAULT_LIMITS",
    "TOO_LARGE",
    "UPLOAD_REQUEST_BYTES",
    "Limits",
    "check_value_sizes",
    "unmarshal_error",
]

# Multipart framing allowed on top of the file size limit of the API [A:upload-rules].
UPLOAD_REQUEST_BYTES = MAX_UPLOAD_BYTES + 64 * 1024
STATE_ROUTE = "/_emulator/state"  # POST takes a state document, file bytes in base64 included
# InvalidArgument, but with HTTP 413 so that proxies and clients see "too large" at once.
TOO_LARGE = ErrorKind(INVALID_ARGUMENT.name, INVALID_ARGUMENT.code, INVALID_ARGUMENT.msg, 413)
MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Limits of one emulator; `Emulator(limits=Limits(...))` or `serve --limit NAME=VALUE`."""

    request_bytes: int = 1 * MiB  # body of an RPC or control call (uploads: UPLOAD_REQUEST_BYTES)
    string_chars: int = 65_536  # one JSON string (or object key) in a request
    items: int = 1_000  # entries of one JSON array or object in a request
    collections: int = 1_000  # per project (contract links count against the same number)
    tokens: int = 10_000  # per project
    assets: int = 1_000  # per project
    metadata_bytes: int = 16 * MiB  # stored metadata of collections and tokens (as JSON), per project
    file_bytes: int = 256 * MiB  # stored uploaded files, per project
    header_timeout: float = 10.0  # seconds to receive a request's headers (standalone server)
    body_timeout: float = 30.0  # seconds to receive a request's body (standalone server)

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"the limit {item.name} must be a positive number, got {value!r}")

    @classmethod
    def parse(cls, assignments: Iterable[str]) -> Limits:
        """`NAME=VALUE` texts (dashes or underscores) over the defaults; ValueError names the bad one."""
        kinds = {item.name: item.type for item in dataclasses.fields(cls)}
        changes: dict[str, Any] = {}
        for text in assignments:
            name, sep, raw = text.partition("=")
            key = name.strip().replace("-", "_")
            if not sep or key not in kinds:
                known = ", ".join(sorted(kinds))
                raise ValueError(f"--limit expects NAME=VALUE with NAME one of {known}, got {text!r}")
            try:
                changes[key] = float(raw) if kinds[key] == "float" else int(raw)
            except ValueError:
                raise ValueError(f"--limit {key}: expected a number, got {raw!r}") from None
        return cls(**changes)

    @property
    def smallest_oversize_body(self) -> int:
        """Bodies up to this size cannot hold a string or an array/object over the limits (a JSON
        string of n characters takes n + 2 bytes, an array of n entries 2n + 1)."""
        return min(self.string_chars + 2, 2 * self.items + 1)

    def body_limit(self, path: str) -> int:
        """The largest body accepted on `path` (the upload routes and a state load take files)."""
        if path.startswith("/projects/") or path == STATE_ROUTE:
            return UPLOAD_REQUEST_BYTES
        return self.request_bytes

    def state_error(self, what: str) -> ApiError:
        return ApiError(REQUEST_CONFLICT, f"the project has reached the emulator's limit of {what}")


DEFAULT_LIMITS = Limits()


def check_value_sizes(value: Any, limits: Limits) -> None:
    """InvalidArgument for a string or an array/object of a decoded request that is over its limit."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if len(item) > limits.string_chars:
                raise ApiError(INVALID_ARGUMENT, f"a string is longer than {limits.string_chars} characters")
        elif isinstance(item, dict | list):
            if len(item) > limits.items:
                raise ApiError(INVALID_ARGUMENT, f"an array or object has more than {limits.items} entries")
            if isinstance(item, dict):
                stack.extend(item.keys())
                stack.extend(item.values())
            else:
                stack.extend(item)


def unmarshal_error(exc: ValueError) -> ApiError:
    """WebrpcBadRequest for a body that does not parse: a DecodeError, or a ValueError of Python's own
    limit of 4,300 digits for an integer (Go would fail on such a number too: it fits no Go type)."""
    cause = str(exc) if isinstance(exc, DecodeError) else "a number has too many digits"
    return ApiError(BAD_REQUEST, f"failed to unmarshal request data: {cause}")
