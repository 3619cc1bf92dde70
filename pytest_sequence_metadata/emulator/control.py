"""The /_emulator/ control routes: reset, faults, health, token, requests, state, ui. Outside the API.

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

from pytest_sequence_metadata.client.redaction import register_secret
from pytest_sequence_metadata.contract.errors import (
    BAD_METHOD,
    BAD_REQUEST,
    BAD_ROUTE,
    INVALID_ARGUMENT,
    UNAUTHORIZED,
)
from pytest_sequence_metadata.contract.gowire import parse_json

from .backend import ApiError
from .limits import unmarshal_error

if TYPE_CHECKING:
    from .app import App, Request, Response

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
    "requests": ("GET",),
    "state": ("GET", "POST"),
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
    """POST reset; GET/POST/DELETE faults (DELETE takes ?operation=); GET health; POST token;
    GET requests (the journal; ?operation= and ?status= filter it); GET state (?files=base64 adds the
    file bytes) and POST state (load, replacing everything); GET ui (the web view, ui.py)."""
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

        health = {"ok": True, "service": SERVICE, "webrpc": WEBRPC_HEADER, **app.health_details}
        return app.json_answer(200, health)
    if name == "requests":
        return _journal(app, parse_qs(request.query))
    if name == "state":
        return _state(app, request)
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


def _journal(app: App, query: Mapping[str, list[str]]) -> Response:
    """{"requests": [...]}, oldest first (newest last)."""
    if app.journal is None:
        return app.json_answer(200, {"requests": []})
    status = query.get("status", [None])[0]
    if status is not None and not status.isdigit():
        raise ApiError(INVALID_ARGUMENT, "`status` must be an HTTP status code")
    found = app.journal.calls(query.get("operation", [None])[0], status=int(status) if status else None)
    return app.json_answer(200, {"requests": [exchange.as_dict() for exchange in found]})


def _state(app: App, request: Request) -> Response:
    from . import state

    if request.method == "GET":
        files = parse_qs(request.query).get("files", ["hash"])[0]
        if files not in ("hash", "base64"):
            raise ApiError(INVALID_ARGUMENT, "`files` is `hash` (the default) or `base64`")
        return app.json_answer(200, state.dump(app.backend, files="base64" if files == "base64" else "hash"))
    try:
        document = parse_json(request.body)
    except ValueError as exc:
        raise unmarshal_error(exc) from None
    try:
        app.restore(document)
    except state.StateError as exc:
        raise state.invalid(exc) from None
    return app.json_answer(200, {"ok": True, **app.backend.stats()})


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
        raise ApiError(INVALID_ARGUMENT, str(exc)) from None
