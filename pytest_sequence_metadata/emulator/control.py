"""The /_emulator/ control routes: reset, faults, health, token. Outside the API's namespace."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from pytest_sequence_metadata.contract.errors import ERRORS_BY_NAME
from pytest_sequence_metadata.contract.gowire import DecodeError, parse_json

from .backend import INVALID, ApiError

if TYPE_CHECKING:
    from .app import App, Request, Response

BAD_ROUTE = ERRORS_BY_NAME["WebrpcBadRoute"]
BAD_METHOD = ERRORS_BY_NAME["WebrpcBadMethod"]
BAD_REQUEST = ERRORS_BY_NAME["WebrpcBadRequest"]
SERVICE = "sequence-metadata-emulator"

# route name -> allowed methods
ROUTES: dict[str, tuple[str, ...]] = {
    "reset": ("POST",),
    "faults": ("GET", "POST", "DELETE"),
    "health": ("GET",),
    "token": ("POST",),
}


def answer_control(app: App, request: Request, name: str) -> Response:
    """POST reset; GET/POST/DELETE faults (DELETE takes ?operation=); GET health; POST token."""
    allowed = ROUTES.get(name)
    if allowed is None:
        raise ApiError(BAD_ROUTE, f"no handler for path {json.dumps(request.path)}")
    if request.method not in allowed:
        cause = f"unsupported method {request.method}"
        return app.error(ApiError(BAD_METHOD, cause), [("allow", ", ".join(allowed))])
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
    if expires_in is not None and (isinstance(expires_in, bool) or not isinstance(expires_in, int | float)):
        raise ValueError("`expiresIn` must be a number of seconds or null")
    return app.auth.mint(project, expires_in=expires_in)


def _with_body(request: Request, use: Callable[[Mapping[str, Any]], Any]) -> Any:
    try:
        body = parse_json(request.body)
    except DecodeError as exc:
        raise ApiError(BAD_REQUEST, f"failed to unmarshal request data: {exc}") from None
    if not isinstance(body, dict):
        raise ApiError(BAD_REQUEST, "the body must be a JSON object")
    try:
        return use(body)
    except ValueError as exc:
        raise ApiError(INVALID, str(exc)) from None
