"""Named, deliberately injected bugs: the contract suite must catch every one of them.

`Emulator(mutations=["public-leaks-private-token"])` turns a switch on; each switch is read at
exactly one place in the backend or the wire layer (grep for its id). A suite that stays green with a
mutation on has a blind spot.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .app import App

Category = Literal["privacy", "auth", "errors", "data", "uploads", "wire"]
Overlay = Callable[["App"], None]


@dataclass(frozen=True, slots=True)
class Mutation:
    id: str
    category: Category
    description: str
    # An overlay wraps one method of the running App; mutations without one are still switches read
    # inside the backend or the wire layer.
    overlay: Overlay | None = None


def _registry(*items: Mutation) -> dict[str, Mutation]:
    table: dict[str, Mutation] = {}
    for item in items:
        if item.id in table:
            raise ValueError(f"duplicate mutation id {item.id!r}")
        table[item.id] = item
    return table


# --- overlays: each wraps App.decode, the step that reads a body as the Go server does ------------


def _raw(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _integral_floats(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral_floats(item) for item in value]
    return value


def _accept_integral_floats(app: App) -> None:
    decode = app.decode

    def lenient(method: str, body: bytes) -> dict[str, Any]:
        raw = _raw(body)
        return decode(method, body if raw is None else json.dumps(_integral_floats(raw)).encode())

    app.decode = lenient  # type: ignore[method-assign]


def _refuse_zero_asset_id(app: App) -> None:
    decode = app.decode

    def strict(method: str, body: bytes) -> dict[str, Any]:
        raw = _raw(body)
        if method == "CreateAsset" and isinstance(raw, dict) and (raw.get("asset") or {}).get("id") == 0:
            app.refuse("RequiredArgument", "asset.id is required")
        return decode(method, body)

    app.decode = strict  # type: ignore[method-assign]


def _refuse_null_arguments(app: App) -> None:
    decode = app.decode

    def strict(method: str, body: bytes) -> dict[str, Any]:
        raw = _raw(body)
        if isinstance(raw, dict):
            for key, value in raw.items():
                if value is None:
                    app.refuse("RequiredArgument", f"{key} is required")
        return decode(method, body)

    app.decode = strict  # type: ignore[method-assign]


MUTATIONS: dict[str, Mutation] = _registry(
    # privacy
    Mutation(
        "public-leaks-private-token",
        "privacy",
        "The public token routes serve private tokens of a published collection.",
    ),
    Mutation(
        "public-before-publish",
        "privacy",
        "The public collection route serves collections that were never published.",
    ),
    Mutation(
        "unpublish-keeps-public",
        "privacy",
        "UnpublishCollection answers private:true but the public routes keep serving the collection.",
    ),
    Mutation(
        "deleted-token-still-public",
        "privacy",
        "DeleteToken hides the token from the RPCs, but its public metadata is still served.",
    ),
    Mutation(
        "cross-project-read",
        "privacy",
        "GetCollection finds a collection by id in any project (another project can read it).",
    ),
    Mutation(
        "private-asset-anonymous",
        "privacy",
        "The private asset route (/asset/{assetType}) serves files without a Bearer JWT.",
    ),
    Mutation(
        "token-public-by-default",
        "privacy",
        "CreateToken without `private` makes a public token.",
    ),
    # auth
    Mutation(
        "auth-missing-token-accepted",
        "auth",
        "RPCs without an Authorization header are served (project taken from the body).",
    ),
    Mutation(
        "auth-expired-token-accepted",
        "auth",
        "Expired JWTs are accepted.",
    ),
    Mutation(
        "auth-project-mismatch-accepted",
        "auth",
        "A body projectId different from the JWT's project claim is served for that project.",
    ),
    # errors
    Mutation(
        "notfound-http-404",
        "errors",
        "NotFound errors are sent with HTTP 404 (the envelope still says 400).",
    ),
    Mutation(
        "error-body-not-json",
        "errors",
        "Error answers are plain text (`Resource not found`) instead of a webrpc JSON envelope.",
    ),
    Mutation(
        "wrong-error-code",
        "errors",
        "A missing required argument is reported as InvalidArgument (2001) instead of RequiredArgument.",
    ),
    Mutation(
        "bad-json-server-error",
        "errors",
        "Malformed JSON bodies get a 500 WebrpcServerPanic instead of WebrpcBadRequest.",
    ),
    # data
    Mutation(
        "update-drops-description",
        "data",
        "UpdateCollection stores an empty description whatever was sent.",
    ),
    Mutation(
        "lost-write",
        "data",
        "CreateToken copies the token table outside the lock, so concurrent creates lose tokens.",
    ),
    Mutation(
        "pagination-drops-item",
        "data",
        "ListTokens skips the first item of every page after the first.",
    ),
    Mutation(
        "external-link-camelcase",
        "data",
        "Collection metadata is emitted with `externalLink` instead of the wire name `external_link`.",
    ),
    Mutation(
        "token-id-number",
        "data",
        "TokenMetadata.tokenId is emitted as a JSON number instead of a decimal string.",
    ),
    Mutation(
        "publish-recursive-ignored",
        "data",
        "PublishCollection ignores `recursive: true` (private tokens stay hidden).",
    ),
    # uploads
    Mutation(
        "upload-wrong-mime",
        "uploads",
        "Uploads report mimeType application/octet-stream whatever the bytes are.",
    ),
    Mutation(
        "upload-swapped-dimensions",
        "uploads",
        "Uploads report width and height swapped.",
    ),
    Mutation(
        "upload-truncated",
        "uploads",
        "The public file route serves the stored bytes minus the last one.",
    ),
    # the Go wire
    Mutation(
        "uint-accepts-integral-float",
        "wire",
        "A uint64 argument written as an integral float (`5.0`) is read as the integer (Go refuses it).",
        _accept_integral_floats,
    ),
    Mutation(
        "asset-id-zero-refused",
        "wire",
        'CreateAsset refuses `"id": 0`, which every official Go client sends (a Go zero value).',
        _refuse_zero_asset_id,
    ),
    Mutation(
        "null-pointer-argument-refused",
        "wire",
        "An argument sent as null (a nil Go pointer, as the Go client sends it) is RequiredArgument.",
        _refuse_null_arguments,
    ),
)


def apply_overlays(app: App, names: Iterable[str]) -> None:
    """Wrap the App's methods for every chosen mutation that is an overlay."""
    for name in sorted(names):
        overlay = MUTATIONS[name].overlay
        if overlay is not None:
            overlay(app)


def check_mutations(names: Iterable[str]) -> frozenset[str]:
    """The set of mutation ids, or ValueError naming the unknown ones and listing the valid ones."""
    if isinstance(names, str):
        raise TypeError("mutations must be a list of names, not one string")
    chosen = frozenset(names)
    unknown = sorted(chosen - MUTATIONS.keys())
    if unknown:
        valid = ", ".join(sorted(MUTATIONS))
        raise ValueError(f"unknown emulator mutation(s) {', '.join(unknown)}; valid names: {valid}")
    return chosen
