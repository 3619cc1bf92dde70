"""Authentication bugs: a request the server refuses is served."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .base import Group

if TYPE_CHECKING:
    from pytest_sequence_metadata.emulator.app import App, Request
    from pytest_sequence_metadata.emulator.auth import Claims

mutation = Group("auth")


def act_for_the_named_project(app: App, when: Callable[[Request], bool]) -> None:
    """A request without a Bearer JWT for which `when` holds acts for the project it names:
    the body's `projectId` on an RPC (0 without one), the path's on a REST route."""
    from pytest_sequence_metadata.contract.errors import NOT_FOUND
    from pytest_sequence_metadata.contract.operations import RPC_PREFIX
    from pytest_sequence_metadata.emulator.app import _positive_id
    from pytest_sequence_metadata.emulator.auth import Claims, bearer_token
    from pytest_sequence_metadata.emulator.backend import ApiError

    claims = app._claims

    def named(request: Request) -> Claims:
        if bearer_token(request.headers.get("authorization")) is not None or not when(request):
            return claims(request)
        if request.path.startswith("/projects/"):
            project = _positive_id(request.path.split("/")[2])
            if project is None:
                raise ApiError(NOT_FOUND)  # as the route answers ids that cannot exist
            return Claims(project, None)
        try:
            sent = app.decode(request.path.removeprefix(RPC_PREFIX), request.body).get("projectId")
        except (ValueError, ApiError):
            sent = None  # the decoding step refuses the body right after
        return Claims(sent if type(sent) is int else 0, None)

    app._claims = named  # type: ignore[method-assign]


@mutation(
    "auth-missing-token-accepted",
    "RPCs without an Authorization header are served (project taken from the body).",
    breaks=("ListCollections", "GetCollection", "CreateCollection"),
)
def _missing_token_accepted(app: App) -> None:
    act_for_the_named_project(app, lambda request: True)


@mutation(
    "auth-expired-token-accepted",
    "Expired JWTs are accepted.",
    breaks=("jwt-claims",),
)
def _expired_token_accepted(app: App) -> None:
    app.auth._expired = lambda claims, now: False  # type: ignore[method-assign]


@mutation(
    "auth-project-mismatch-accepted",
    "A body projectId different from the JWT's project claim is served for that project.",
    breaks=("projects-are-isolated", "cross-project-ids"),
)
def _project_mismatch_accepted(app: App) -> None:
    project = app._project

    def body_wins(method: str, args: Mapping[str, Any], claims: Claims) -> int:
        sent = args.get("projectId")
        if sent is not None:
            claims = dataclasses.replace(claims, project=int(sent))
        return project(method, args, claims)

    app._project = body_wins  # type: ignore[method-assign]
