"""Error-reporting bugs: the right refusal, told the wrong way (status, code or body)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_sequence_metadata.contract.errors import SERVER_PANIC

from .base import Group

if TYPE_CHECKING:
    from pytest_sequence_metadata.emulator.app import App, Response
    from pytest_sequence_metadata.emulator.backend import ApiError

mutation = Group("errors")
Headers = list[tuple[str, str]] | None


@mutation(
    "notfound-http-404",
    "NotFound errors are sent with HTTP 404 (the envelope still says 400).",
    breaks=("GetCollection", "UpdateCollection", "DeleteCollection", "GetToken", "GetAsset"),
)
def _not_found_http_404(app: App) -> None:
    from pytest_sequence_metadata.contract.errors import NOT_FOUND

    error = app.error

    def status_404(exc: ApiError, headers: Headers = None) -> Response:
        response = error(exc, headers)
        if exc.kind is NOT_FOUND:
            response.status = 404
        return response

    app.error = status_404  # type: ignore[method-assign]


@mutation(
    "error-body-not-json",
    "Error answers are plain text (`Resource not found`) instead of a webrpc JSON envelope.",
    breaks=("GetCollection", "UpdateCollection", "DeleteCollection", "GetToken", "GetAsset"),
)
def _error_body_not_json(app: App) -> None:
    from pytest_sequence_metadata.emulator.app import Response

    error = app.error

    def plain_text(exc: ApiError, headers: Headers = None) -> Response:
        status = error(exc, headers).status
        plain = [("content-type", "text/plain; charset=utf-8"), *(headers or [])]
        return Response(status, plain, exc.kind.msg.encode())

    app.error = plain_text  # type: ignore[method-assign]


@mutation(
    "wrong-error-code",
    "A missing required argument is reported as InvalidArgument (2001) instead of RequiredArgument.",
    breaks=("zero-value-is-missing", "CreateCollection", "GetCollection", "CreateToken"),
)
def _wrong_error_code(app: App) -> None:
    from pytest_sequence_metadata.contract.errors import INVALID_ARGUMENT, REQUIRED_ARGUMENT
    from pytest_sequence_metadata.emulator.backend import ApiError

    error = app.error

    def invalid(exc: ApiError, headers: Headers = None) -> Response:
        return error(ApiError(INVALID_ARGUMENT, exc.cause) if exc.kind is REQUIRED_ARGUMENT else exc, headers)

    app.error = invalid  # type: ignore[method-assign]


@mutation(
    "bad-json-server-error",
    "Malformed JSON bodies get a 500 WebrpcServerPanic instead of WebrpcBadRequest.",
    breaks=("GetCollection",),
)
def _bad_json_server_error(app: App) -> None:
    from pytest_sequence_metadata.contract.gowire import DecodeError
    from pytest_sequence_metadata.emulator.backend import ApiError

    decode = app.decode

    def panic(method: str, body: bytes) -> dict[str, Any]:
        try:
            return decode(method, body)
        except DecodeError as exc:
            raise ApiError(SERVER_PANIC, str(exc)) from None

    app.decode = panic  # type: ignore[method-assign]
