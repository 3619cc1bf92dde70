"""Go-wire bugs: a body is read other than Go's encoding/json reads it (each wraps `App.decode`)."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from .base import Group

if TYPE_CHECKING:
    from pytest_sequence_metadata.emulator.app import App

mutation = Group("wire")


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


@mutation(
    "uint-accepts-integral-float",
    "A uint64 argument written as an integral float (`5.0`) is read as the integer (Go refuses it).",
    breaks=("GetCollection",),
)
def _accept_integral_floats(app: App) -> None:
    decode = app.decode

    def lenient(method: str, body: bytes) -> dict[str, Any]:
        raw = _raw(body)
        return decode(method, body if raw is None else json.dumps(_integral_floats(raw)).encode())

    app.decode = lenient  # type: ignore[method-assign]


@mutation(
    "asset-id-zero-refused",
    'CreateAsset refuses `"id": 0`, which every official Go client sends (a Go zero value).',
    breaks=("CreateAsset",),
)
def _refuse_zero_asset_id(app: App) -> None:
    decode = app.decode

    def strict(method: str, body: bytes) -> dict[str, Any]:
        raw = _raw(body)
        if method == "CreateAsset" and isinstance(raw, dict) and (raw.get("asset") or {}).get("id") == 0:
            app.refuse("RequiredArgument", "asset.id is required")
        return decode(method, body)

    app.decode = strict  # type: ignore[method-assign]


@mutation(
    "null-pointer-argument-refused",
    "An argument sent as null (a nil Go pointer, as the Go client sends it) is RequiredArgument.",
    breaks=("CreateCollection", "CreateAsset", "GetCollection"),
)
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
