"""The exceptions the client raises, one class per row of the contract's webrpc error table."""

from __future__ import annotations

from typing import Any, ClassVar

from pytest_sequence_metadata.contract import errors as _contract
from pytest_sequence_metadata.contract.errors import ERRORS_BY_NAME, ErrorKind


class MetadataError(Exception):
    """Base of everything the client raises."""


class WebrpcError(MetadataError):
    """An error answer from the service, decoded from its webrpc JSON envelope.

    Subclasses exist per known `code`; a code the table does not know gives this base class.
    """

    kind: ClassVar[ErrorKind | None] = None

    def __init__(
        self,
        *,
        error: str,
        code: int,
        msg: str,
        status: int,
        cause: str | None = None,
        operation: str | None = None,
        http_status: int | None = None,
    ) -> None:
        self.error = error
        self.code = code
        self.msg = msg
        self.cause = cause
        self.status = status
        self.operation = operation
        self.http_status = status if http_status is None else http_status
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f"{self.operation}: " if self.operation else ""
        text = f"{where}{self.error} (code {self.code}, HTTP {self.http_status}): {self.msg}"
        if self.cause:
            text += f" (cause: {self.cause})"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only __init__ needs help to survive pickling (xdist sends exceptions across processes).
        return (_rebuild, (type(self), self.as_dict(), self.operation, self.http_status))

    def as_dict(self) -> dict[str, Any]:
        """The envelope as it came over the wire."""
        body: dict[str, Any] = {
            "error": self.error,
            "code": self.code,
            "msg": self.msg,
            "status": self.status,
        }
        if self.cause:
            body["cause"] = self.cause
        return body


def _rebuild(
    cls: type[WebrpcError], body: dict[str, Any], operation: str | None, http_status: int | None
) -> WebrpcError:
    return cls(**body, operation=operation, http_status=http_status)


class BadResponseError(MetadataError):
    """The service answered with something that is not a webrpc envelope (e.g. an HTML error page)."""

    def __init__(self, *, operation: str, status: int, content_type: str | None, excerpt: str) -> None:
        self.operation = operation
        self.status = status
        self.content_type = content_type
        self.excerpt = excerpt
        super().__init__(
            f"{operation}: HTTP {status} with a body that is not a webrpc error envelope "
            f"(content-type {content_type or 'missing'}): {excerpt!r}"
        )


class SchemaViolationError(MetadataError):
    """A response (or request) does not match the bundled spec."""

    def __init__(self, *, operation: str, where: str, path: str, value: Any, rule: str, message: str) -> None:
        self.operation = operation
        self.where = where
        self.path = path
        self.value = value
        self.rule = rule
        self.message = message
        shown = repr(value)
        if len(shown) > 200:
            shown = shown[:197] + "..."
        super().__init__(f"{operation} {where}: at {path}: {shown} violates {rule!r}: {message}")


class UsageError(MetadataError, _contract.UsageError):
    """The caller used the client or spec wrongly (an unknown operation, a missing argument)."""


# One class per table row, named `<Name>Error` (`TimeoutError_` avoids the builtin).
class WebrpcEndpointError(WebrpcError):
    kind = ERRORS_BY_NAME["WebrpcEndpoint"]


class WebrpcRequestFailedError(WebrpcError):
    kind = ERRORS_BY_NAME["WebrpcRequestFailed"]


class WebrpcBadRouteError(WebrpcError):
    kind = ERRORS_BY_NAME["WebrpcBadRoute"]


class WebrpcBadMethodError(WebrpcError):
    kind = ERRORS_BY_NAME["WebrpcBadMethod"]


class WebrpcBadRequestError(WebrpcError):
    kind = ERRORS_BY_NAME["WebrpcBadRequest"]


class WebrpcBadResponseError(WebrpcError):
    kind = ERRORS_BY_NAME["WebrpcBadResponse"]


class WebrpcServerPanicError(WebrpcError):
    kind = ERRORS_BY_NAME["WebrpcServerPanic"]


class WebrpcInternalErrorError(WebrpcError):
    kind = ERRORS_BY_NAME["WebrpcInternalError"]


class WebrpcClientAbortedError(WebrpcError):
    kind = ERRORS_BY_NAME["WebrpcClientAborted"]


class WebrpcStreamLostError(WebrpcError):
    kind = ERRORS_BY_NAME["WebrpcStreamLost"]


class WebrpcStreamFinishedError(WebrpcError):
    kind = ERRORS_BY_NAME["WebrpcStreamFinished"]


class UnauthorizedError(WebrpcError):
    kind = ERRORS_BY_NAME["Unauthorized"]


class PermissionDeniedError(WebrpcError):
    kind = ERRORS_BY_NAME["PermissionDenied"]


class SessionExpiredError(WebrpcError):
    kind = ERRORS_BY_NAME["SessionExpired"]


class MethodNotFoundError(WebrpcError):
    kind = ERRORS_BY_NAME["MethodNotFound"]


class RequestConflictError(WebrpcError):
    kind = ERRORS_BY_NAME["RequestConflict"]


class FailError(WebrpcError):
    kind = ERRORS_BY_NAME["Fail"]


class GeoblockedError(WebrpcError):
    kind = ERRORS_BY_NAME["Geoblocked"]


class TaskFailedError(WebrpcError):
    kind = ERRORS_BY_NAME["TaskFailed"]


class DeprecatedError(WebrpcError):
    kind = ERRORS_BY_NAME["Deprecated"]


class TimeoutError_(WebrpcError):
    kind = ERRORS_BY_NAME["Timeout"]


class InvalidArgumentError(WebrpcError):
    kind = ERRORS_BY_NAME["InvalidArgument"]


class RequiredArgumentError(WebrpcError):
    kind = ERRORS_BY_NAME["RequiredArgument"]


class QueryFailedError(WebrpcError):
    kind = ERRORS_BY_NAME["QueryFailed"]


class ValidationFailedError(WebrpcError):
    kind = ERRORS_BY_NAME["ValidationFailed"]


class RateLimitedError(WebrpcError):
    kind = ERRORS_BY_NAME["RateLimited"]


class NotFoundError(WebrpcError):
    kind = ERRORS_BY_NAME["NotFound"]


class ProjectNotFoundError(WebrpcError):
    kind = ERRORS_BY_NAME["ProjectNotFound"]


class ChainNotFoundError(WebrpcError):
    kind = ERRORS_BY_NAME["ChainNotFound"]


class TokenDirectoryDisabledError(WebrpcError):
    kind = ERRORS_BY_NAME["TokenDirectoryDisabled"]


ERROR_CLASSES: dict[int, type[WebrpcError]] = {
    cls.kind.code: cls for cls in WebrpcError.__subclasses__() if cls.kind is not None
}
for _cls in ERROR_CLASSES.values():
    assert _cls.kind is not None
    _cls.__doc__ = f"The webrpc error {_cls.kind.name} (code {_cls.kind.code}, HTTP {_cls.kind.status})."
del _cls


def error_from_body(
    body: dict[str, Any], *, operation: str | None = None, http_status: int | None = None
) -> WebrpcError:
    """Build the typed exception for a decoded webrpc envelope."""
    code = body.get("code")
    cls = ERROR_CLASSES.get(code, WebrpcError) if isinstance(code, int) else WebrpcError
    cause = body.get("cause")
    status = body.get("status")
    return cls(
        error=str(body.get("error", "")),
        code=code if isinstance(code, int) else 0,
        msg=str(body.get("msg", "")),
        cause=cause if isinstance(cause, str) and cause else None,
        status=status if isinstance(status, int) else (http_status or 0),
        operation=operation,
        http_status=http_status,
    )
