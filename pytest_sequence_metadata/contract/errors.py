"""The webrpc error table of the Metadata service: name, code, default message and HTTP status.

One table serves every reader: the client (which exception class a body maps to), the emulator (what
it sends), the contract suite (what a refusal must look like) and the spec tests (the spec's error
schemas must agree with it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class UsageError(ValueError):
    """A call that misuses the contract: an unknown operation, an undocumented status, ..."""


@dataclass(frozen=True, slots=True)
class ErrorKind:
    """One row of the webrpc error table: name, numeric code, default message and HTTP status."""

    name: str
    code: int
    msg: str
    status: int

    def body(self, cause: str | None = None, msg: str | None = None) -> dict[str, Any]:
        """The JSON envelope a webrpc server sends for this error (`cause` omitted when empty)."""
        # Key order as Go marshals its WebRPCError struct: error, code, msg, cause, status.
        envelope: dict[str, Any] = {"error": self.name, "code": self.code, "msg": msg or self.msg}
        if cause:
            envelope["cause"] = cause
        envelope["status"] = self.status
        return envelope


# Codes and statuses as the current Go and TS clients define them. `Fail` is 400 there (the upstream
# document files it under 5XX with 500), and `WebrpcClientDisconnected` is now `WebrpcClientAborted`.
ERROR_TABLE: tuple[ErrorKind, ...] = (
    ErrorKind("WebrpcEndpoint", 0, "endpoint error", 400),
    ErrorKind("WebrpcRequestFailed", -1, "request failed", 400),
    ErrorKind("WebrpcBadRoute", -2, "bad route", 404),
    ErrorKind("WebrpcBadMethod", -3, "bad method", 405),
    ErrorKind("WebrpcBadRequest", -4, "bad request", 400),
    ErrorKind("WebrpcBadResponse", -5, "bad response", 500),
    ErrorKind("WebrpcServerPanic", -6, "server panic", 500),
    ErrorKind("WebrpcInternalError", -7, "internal error", 500),
    ErrorKind("WebrpcClientAborted", -8, "request aborted by client", 400),
    ErrorKind("WebrpcStreamLost", -9, "stream lost", 400),
    ErrorKind("WebrpcStreamFinished", -10, "stream finished", 200),
    ErrorKind("Unauthorized", 1000, "Unauthorized access", 401),
    ErrorKind("PermissionDenied", 1001, "Permission denied", 403),
    ErrorKind("SessionExpired", 1002, "Session expired", 403),
    ErrorKind("MethodNotFound", 1003, "Method not found", 404),
    ErrorKind("RequestConflict", 1004, "Conflict with target resource", 409),
    ErrorKind("Fail", 1005, "Request Failed", 400),
    ErrorKind("Geoblocked", 1006, "Geoblocked region", 451),
    ErrorKind("TaskFailed", 1007, "Task failed", 400),
    ErrorKind("Deprecated", 1008, "RPC method is deprecated", 400),
    ErrorKind("Timeout", 2000, "Request timed out", 408),
    ErrorKind("InvalidArgument", 2001, "Invalid argument", 400),
    ErrorKind("RequiredArgument", 2002, "Required argument missing", 400),
    ErrorKind("QueryFailed", 2003, "Query failed", 400),
    ErrorKind("ValidationFailed", 2004, "Validation failed", 400),
    ErrorKind("RateLimited", 2005, "Rate limited", 429),
    ErrorKind("NotFound", 3000, "Resource not found", 400),
    ErrorKind("ProjectNotFound", 3002, "Project not found", 400),
    ErrorKind("ChainNotFound", 3003, "Chain not found", 400),
    ErrorKind("TokenDirectoryDisabled", 4001, "Token Directory is disabled", 400),
)

ERRORS_BY_NAME: dict[str, ErrorKind] = {kind.name: kind for kind in ERROR_TABLE}
ERRORS_BY_CODE: dict[int, ErrorKind] = {kind.code: kind for kind in ERROR_TABLE}

# The kinds code names directly (what the emulator raises, what the suite expects), looked up once
# here rather than aliased in every module; a name missing from the table fails at import.
BAD_ROUTE: ErrorKind = ERRORS_BY_NAME["WebrpcBadRoute"]
BAD_METHOD: ErrorKind = ERRORS_BY_NAME["WebrpcBadMethod"]
BAD_REQUEST: ErrorKind = ERRORS_BY_NAME["WebrpcBadRequest"]
SERVER_PANIC: ErrorKind = ERRORS_BY_NAME["WebrpcServerPanic"]
INTERNAL_ERROR: ErrorKind = ERRORS_BY_NAME["WebrpcInternalError"]
UNAUTHORIZED: ErrorKind = ERRORS_BY_NAME["Unauthorized"]
PERMISSION_DENIED: ErrorKind = ERRORS_BY_NAME["PermissionDenied"]
SESSION_EXPIRED: ErrorKind = ERRORS_BY_NAME["SessionExpired"]
RATE_LIMITED: ErrorKind = ERRORS_BY_NAME["RateLimited"]
NOT_FOUND: ErrorKind = ERRORS_BY_NAME["NotFound"]
REQUIRED_ARGUMENT: ErrorKind = ERRORS_BY_NAME["RequiredArgument"]
INVALID_ARGUMENT: ErrorKind = ERRORS_BY_NAME["InvalidArgument"]
REQUEST_CONFLICT: ErrorKind = ERRORS_BY_NAME["RequestConflict"]
TIMEOUT: ErrorKind = ERRORS_BY_NAME["Timeout"]
