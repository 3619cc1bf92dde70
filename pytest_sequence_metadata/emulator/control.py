"""The /_emulator/ control routes: reset, faults, health, token, ui. Outside the API's namespace.

Every route but `GET health` needs the emulator's control token in the `X-Emulator-Control-Token`
header (whoever can mint tokens, wipe state or inject faults controls the emulator): `serve
--control-token`, $SEQUENCE_EMULATOR_CONTROL_TOKEN, or a random one printed when the server starts.
The web view (`ui.py`) also takes it once in its URL, for browsers, which cannot send headers.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from pytest_sequence_metadata.contract.errors import ERRORS_BY_NAME
from pytest_sequence_metadata.contract.gowire import parse_json
from pytest_sequence_metadata.redaction import register_secret

from .backend import INVALID, ApiError
from .limits import unmarshal_error

if TYPE_CHECKING:
    from .app import App, Request, Response

BAD_ROUTE = ERRORS_BY_NAME["WebrpcBadRoute"]
BAD_METHOD = ERRORS_BY_NAME["WebrpcBadMethod"]
BAD_REQUEST = ERRORS_BY_NAME["WebrpcBadRequest"]
UNAUTHORIZED = ERRORS_BY_NAME["Unauthorized"]
SERVICE = "sequence-metadata-emulator"
CONTROL_TOKEN_HEADER = "X-Emulator-Control-Token"
CONTROL_TOKEN_ENV_VAR = "SEQUENCE_EMULATOR_CONTROL_TOKEN"
MIN_CONTROL_TOKEN_CHARS = 16
OPEN_ROUTES = frozenset({"health"})

# route name -> allowed methods
ROUTES: dict[str, tuple[str, ...]] = {
    "reset": ("POST",),
    "faults": ("GET", "POST", "DELETE"),
    "health": ("GET",),
    "token": ("POST",),
}


def resolve_control_token(explicit: str | None = None) -> tuple[str, bool]:
    """The control token and whether it was generated: the argument, else the env var, else random.

    A given token is registered as a secret, so the plugin's output redacts it (a random one is
    known only to this process, and registering one per Emulator() would grow the registry).
    """
    token = explicit if explicit is not None else os.environ.get(CONTROL_TOKEN_ENV_VAR) or None
    generated = token is None
    if token is None:
        token = secrets.token_urlsafe(32)
    if len(token) < MIN_CONTROL_TOKEN_CHARS or not token.isascii() or not token.isprintable():
        raise ValueError(
            f"the control token must be at least {MIN_CONTROL_TOKEN_CHARS} printable ASCII characters"
        )
    if not generated:
        register_secret(token)
    return token, generated


def control_token_matches(app: App, sent: str) -> bool:
    """Whether `sent` is the control token (compared in constant time; an App without one opens nothing)."""
    expected = app.control_token.encode()
    return bool(expected) and hmac.compare_digest(sent.encode("latin-1", "replace"), expected)


def _check_control_token(app: App, request: Request) -> None:
    sent = request.headers.get(CONTROL_TOKEN_HEADER.lower(), "")
    if not control_token_matches(app, sent):
        what = "a wrong" if sent else "no"
        raise ApiError(UNAUTHORIZED, f"{what} control token in the {CONTROL_TOKEN_HEADER} header")


def answer_control(app: App, request: Request, name: str) -> Response:
    """POST reset; GET/POST/DELETE faults (DELETE takes ?operation=); GET health; POST token; GET ui."""
    if name == "ui" or name.startswith("ui/"):
        from .ui import answer_ui

        return answer_ui(app, request, name)
    allowed = ROUTES.get(name)
    if allowed is None:
        raise ApiError(BAD_ROUTE, f"no handler for path {json.dumps(request.path)}")
    if request.method not in allowed:
        cause = f"unsupported method {request.method}"
        return app.error(ApiError(BAD_METHOD, cause), [("allow", ", ".join(allowed))])
    if name not in OPEN_ROUTES:
        _check_control_token(app, request)
    if name == "health":
        from .app import WEBRPC_HEADER

        health = {"ok": True, "service": SERVICE, "webrpc": WEBRPC_HEADER, "mutations": sorted(app.mutations)}
        return app.json_answer(200, health)
    if name == "reset":
        app.reset()
        return app.json_answer(200, {"ok": True})
    if name == "faults":
        if request.method == "GET":
            return app.json_answer(200, {"faults": [rule.as_dict() for rule in app.faults.rules]})
        if request.method == "DELETE":
            app.faults.clear(parse_qs(request.query).get("operation", [None])[0])
            return app.json_answer(200, {"ok": True})
        rule = _with_body(request, app.faults.add)
        return app.json_answer(200, {"ok": True, "fault": rule.as_dict()})
    return app.json_answer(200, {"jwt": _with_body(request, lambda body: _mint(app, body))})


def _mint(app: App, body: Mapping[str, Any]) -> str:
    """{"project": N, "expiresIn": seconds or null} -> a JWT the emulator accepts."""
    project = body.get("project", body.get("projectId"))
    expires_in = body.get("expiresIn", 3600)
    if isinstance(project, bool) or not isinstance(project, int):
        raise ValueError("`project` must be a positive integer")
    if expires_in is not None and (
        isinstance(expires_in, bool)
        or not isinstance(expires_in, int | float)
        or not -1e12 < expires_in < 1e12
    ):
        raise ValueError("`expiresIn` must be a number of seconds or null")
    return app.auth.mint(project, expires_in=expires_in)


def _with_body(request: Request, use: Callable[[Mapping[str, Any]], Any]) -> Any:
    try:
        body = parse_json(request.body)
    except ValueError as exc:  # a DecodeError, or a number over Python's digit limit
        raise unmarshal_error(exc) from None
    if not isinstance(body, dict):
        raise ApiError(BAD_REQUEST, "the body must be a JSON object")
    try:
        return use(body)
    except ValueError as exc:
        raise ApiError(INVALID, str(exc)) from None
