"""Privacy bugs: something private is served, or something hidden is served again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .base import Group

if TYPE_CHECKING:
    from pytest_sequence_metadata.emulator.app import App
    from pytest_sequence_metadata.emulator.backend import _Collection, _Token

mutation = Group("privacy")


@mutation(
    "public-leaks-private-token",
    "The public token routes serve private tokens of a published collection.",
    breaks=("private-token-hidden-in-published-collection", "GetPublicTokenMetadata"),
)
def _public_leaks_private_token(app: App) -> None:
    app.backend._token_public = lambda tok: True  # type: ignore[method-assign]


@mutation(
    "public-before-publish",
    "The public collection route serves collections that were never published.",
    breaks=("private-until-published", "GetPublicCollectionMetadata"),
)
def _public_before_publish(app: App) -> None:
    app.backend._collection_public = lambda col: True  # type: ignore[method-assign]


@mutation(
    "unpublish-keeps-public",
    "UnpublishCollection answers private:true but the public routes keep serving the collection.",
    breaks=("unpublish-hides-again", "UnpublishCollection"),
)
def _unpublish_keeps_public(app: App) -> None:
    backend = app.backend
    unpublish, is_public = backend.unpublish_collection, backend._collection_public
    unpublished: set[int] = set()

    def remembered(project: int, collection_id: int | None) -> dict[str, Any]:
        answer = unpublish(project, collection_id)
        unpublished.add(answer["collection"]["id"])
        return answer

    def still_public(col: _Collection) -> bool:
        return col.id in unpublished or is_public(col)

    backend.unpublish_collection = remembered  # type: ignore[method-assign]
    backend._collection_public = still_public  # type: ignore[method-assign]


@mutation(
    "deleted-token-still-public",
    "DeleteToken hides the token from the RPCs, but its public metadata is still served.",
    breaks=("deleted-vanish", "DeleteToken"),
)
def _deleted_token_still_public(app: App) -> None:
    from pytest_sequence_metadata.emulator.backend import ApiError, canonical_token_id

    backend = app.backend
    delete, public_token = backend.delete_token, backend._public_token
    ghosts: dict[tuple[int, str], _Token] = {}  # (collection id, token id) -> the deleted token

    def forget_rpc_only(project: int, collection_id: int | None, token_id: str | None) -> dict[str, Any]:
        with backend._lock:
            col = backend._collection(project, collection_id)
            tok = backend._token(col, token_id)
            answer = delete(project, collection_id, token_id)
            ghosts[col.id, tok.token_id] = tok
            return answer

    def with_ghosts(project: int, collection_id: int, token_id: str) -> tuple[_Collection, _Token]:
        try:
            return public_token(project, collection_id, token_id)
        except ApiError:
            col = backend._public_collection(project, collection_id)  # still hidden if it was
            try:
                ghost = ghosts.get((col.id, canonical_token_id(token_id)))
            except ApiError:
                ghost = None
            if ghost is None or ghost.token_id in col.tokens or not backend._token_public(ghost):
                raise
            return col, ghost

    backend.delete_token = forget_rpc_only  # type: ignore[method-assign]
    backend._public_token = with_ghosts  # type: ignore[method-assign]


@mutation(
    "cross-project-read",
    "GetCollection finds a collection by id in any project (another project can read it).",
    breaks=("projects-are-isolated", "GetCollection"),
)
def _cross_project_read(app: App) -> None:
    backend = app.backend
    get = backend.get_collection

    def any_project(project: int, collection_id: int | None, *, base_url: str) -> dict[str, Any]:
        found = backend._collections.get(collection_id or 0)
        return get(found.project_id if found else project, collection_id, base_url=base_url)

    backend.get_collection = any_project  # type: ignore[method-assign]


@mutation(
    "private-asset-anonymous",
    "The private asset route (/asset/{assetType}) serves files without a Bearer JWT.",
    breaks=("private-asset-owner-only", "GetPrivateTokenAsset"),
)
def _private_asset_anonymous(app: App) -> None:
    from pytest_sequence_metadata.emulator.app import REST_ROUTES

    from .auth import act_for_the_named_project

    private_asset = next(pattern for pattern, operation in REST_ROUTES if operation == "GetPrivateTokenAsset")
    act_for_the_named_project(
        app,
        lambda request: (
            "authorization" not in request.headers and private_asset.fullmatch(request.path) is not None
        ),
    )


@mutation(
    "token-public-by-default",
    "CreateToken without `private` makes a public token.",
    breaks=("token-default-private", "CreateToken"),
)
def _token_public_by_default(app: App) -> None:
    backend = app.backend
    create = backend.create_token

    def public_default(
        project: int,
        collection_id: int | None,
        token: Mapping[str, Any] | None,
        private: bool | None = None,
    ) -> dict[str, Any]:
        return create(project, collection_id, token, False if private is None else private)

    backend.create_token = public_default  # type: ignore[method-assign]
