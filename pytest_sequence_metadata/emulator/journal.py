"""The request journal: every exchange the emulator answered (but the /_emulator/ control routes).

    emulator.requests.calls("CreateToken")                  # -> [Exchange, ...], oldest first
    emulator.requests.calls(project=1, status=200)
    emulator.requests.assert_called("CreateToken", times=1)  # AssertionError listing what was called

Recording is cheap on purpose: `App.dispatch` appends one tuple of what it already has (the raw body,
the Authorization header, the status, the error answer); the body is decoded, redacted and the caller's
project read from its JWT only when someone reads the journal. Uploads are summarised at once (size and
SHA-256 of the file), so the journal never holds a file. The journal keeps `max_entries` exchanges
(oldest dropped) and is cleared by the emulator's reset.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from pytest_sequence_metadata.client.redaction import redact

__all__ = ["ANY_PROJECT", "DEFAULT_MAX_ENTRIES", "Exchange", "Journal", "file_summary"]

DEFAULT_MAX_ENTRIES: Final = 1000
# RPC bodies larger than this are summarised like files (the journal never holds megabytes per entry).
MAX_KEPT_BODY_BYTES: Final = 64 * 1024


class _Any:
    def __repr__(self) -> str:
        return "ANY_PROJECT"


ANY_PROJECT: Final[Any] = _Any()  # `calls(project=...)` default: any caller, anonymous included


@dataclass(frozen=True, slots=True)
class Exchange:
    """One answered request.

    `project` is the project of the caller's JWT (None: anonymous, or a token the emulator could not
    read); `body` is the JSON body as sent (secrets redacted), an upload's `{"file": {"bytes": n,
    "sha256": ...}}`, or None when there was none; `error` is the webrpc error name of a failure.
    """

    time: str  # RFC 3339, UTC, when the request arrived
    operation: str | None  # the operation id, None for a request that matched no operation
    method: str
    path: str
    project: int | None
    body: Any
    status: int
    error: str | None
    duration_ms: float

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (`GET /_emulator/requests`): the field names above."""
        return {
            "time": self.time,
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "project": self.project,
            "body": self.body,
            "status": self.status,
            "error": self.error,
            "duration_ms": self.duration_ms,
        }

    def line(self) -> str:
        """One line for `serve --log-requests`."""
        operation = self.operation or "-"
        error = f" {self.error}" if self.error else ""
        return f"{self.method} {self.path} {operation} {self.status}{error} {self.duration_ms:.1f}ms"


def file_summary(data: bytes) -> dict[str, Any]:
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


# What App.dispatch records: (wall time, operation, method, path, authorization header, body bytes or an
# already summarised body, status, error answer bytes or None, duration in seconds).
_Raw = tuple[float, str | None, str, str, str | None, Any, int, bytes | None, float]
Caller = Callable[[str | None], int | None]


def _no_caller(authorization: str | None) -> int | None:
    return None


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(key): _redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")  # Python reads NaN and Infinity; a JSON answer cannot


def _decoded_body(body: Any) -> Any:
    if not isinstance(body, bytes):
        return body  # None or a summary made when recording
    if not body:
        return None
    try:
        return _redacted(json.loads(body, parse_constant=_not_json))
    except ValueError:  # not JSON (the answer said so): what was sent, as text
        return redact(body.decode("utf-8", "replace"))


def _error_name(answer: bytes | None) -> str | None:
    if answer is None:
        return None
    try:
        found = json.loads(answer).get("error")
    except (ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None


def _rfc3339(wall: float) -> str:
    text = datetime.fromtimestamp(wall, UTC).isoformat(timespec="microseconds")[:-6]
    return text + "Z"


class Journal:
    """The last `max_entries` exchanges, oldest first; thread-safe.

    `caller` maps an Authorization header to the caller's project (the emulator's own JWT reader).
    `on_record`, when set, is called with each new Exchange as it is recorded (`serve --log-requests`).
    """

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES, *, caller: Caller | None = None) -> None:
        if max_entries < 1:
            raise ValueError("the journal keeps at least one entry (max_entries >= 1)")
        self.max_entries = max_entries
        self.caller: Caller = caller or _no_caller
        self.on_record: Callable[[Exchange], None] | None = None
        self._raw: deque[_Raw] = deque(maxlen=max_entries)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Journal {len(self)}/{self.max_entries} exchanges>"

    def __len__(self) -> int:
        return len(self._raw)

    def __iter__(self) -> Iterator[Exchange]:
        return iter(self.entries())

    # --- writing (App.dispatch) ------------------------------------------------------------------

    def record(self, raw: _Raw) -> None:
        with self._lock:
            self._raw.append(raw)
        if self.on_record is not None:
            self.on_record(self._exchange(raw))

    def clear(self) -> None:
        with self._lock:
            self._raw.clear()

    # --- reading ---------------------------------------------------------------------------------

    def _exchange(self, raw: _Raw) -> Exchange:
        wall, operation, method, path, authorization, body, status, answer, seconds = raw
        return Exchange(
            time=_rfc3339(wall),
            operation=operation,
            method=method,
            path=path,
            project=self.caller(authorization) if authorization else None,
            body=_decoded_body(body),
            status=status,
            error=_error_name(answer),
            duration_ms=round(seconds * 1000, 3),
        )

    def entries(self) -> list[Exchange]:
        """Every kept exchange, oldest first."""
        with self._lock:
            raws = list(self._raw)
        return [self._exchange(raw) for raw in raws]

    def calls(
        self, operation: str | None = None, *, project: int | None = ANY_PROJECT, status: int | None = None
    ) -> list[Exchange]:
        """The exchanges of `operation` (any when None), of the caller `project` (None: anonymous
        calls only; default: any caller) and with the HTTP `status` (default: any), oldest first."""
        return [
            exchange
            for exchange in self.entries()
            if (operation is None or exchange.operation == operation)
            and (project is ANY_PROJECT or exchange.project == project)
            and (status is None or exchange.status == status)
        ]

    def assert_called(
        self, operation: str, times: int | None = None, *, project: int | None = ANY_PROJECT
    ) -> list[Exchange]:
        """Fail unless `operation` was answered (exactly `times` times when given); returns the calls.

        The message lists what was called instead, in order, as pytest-httpx does.
        """
        found = self.calls(operation, project=project)
        if (times is None and found) or (times is not None and len(found) == times):
            return found
        expected = "at least once" if times is None else f"{times} time{'s' if times != 1 else ''}"
        who = "" if project is ANY_PROJECT else f" by project {project}" if project else " anonymously"
        raise AssertionError(
            f"expected {operation} to be called {expected}{who}, it was called {len(found)} "
            f"time{'s' if len(found) != 1 else ''}; {self._summary()}"
        )

    def assert_not_called(self, operation: str) -> None:
        """Fail if `operation` was answered at all."""
        found = self.calls(operation)
        if found:
            raise AssertionError(f"expected {operation} not to be called, it was called {len(found)} times")

    def _summary(self) -> str:
        entries = self.entries()
        if not entries:
            return "no request was answered"
        shown = [f"  {e.operation or '-'} ({e.method} {e.path} -> {e.status})" for e in entries[-50:]]
        more = f" (the last 50 of {len(entries)})" if len(entries) > 50 else ""
        return "the requests answered were" + more + ":\n" + "\n".join(shown)

    def to_json(self) -> list[dict[str, Any]]:
        """Every kept exchange as JSON-ready dicts, oldest first."""
        return [exchange.as_dict() for exchange in self.entries()]
