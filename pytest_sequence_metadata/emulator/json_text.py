"""The emulator's JSON writer: answers, stored-size accounting and saved documents all use it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def _not_json(value: Any) -> Any:
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def _encoder() -> Callable[[Any], str]:
    """json.dumps(value, ensure_ascii=False, separators=(",", ":")), with the C encoder built once
    (json.dumps builds a JSONEncoder per call for non-default options) and without its check for
    circular references: the values are decoded JSON and the backend's own dicts, which never refer
    to themselves."""
    general = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    make: Callable[..., Any] | None = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator (another Python implementation)
        return general
    try:  # the arguments json.JSONEncoder.iterencode passes it
        chunks = make(None, _not_json, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    except TypeError:  # another signature
        return general
    return lambda value: "".join(chunks(value, 0))


compact_text: Callable[[Any], str] = _encoder()
"""`value` as compact JSON text, non-ASCII characters as they are."""


def compact_bytes(value: Any) -> bytes:
    """compact_text as UTF-8 (a lone surrogate, which JSON text may hold, becomes "?")."""
    return compact_text(value).encode("utf-8", "replace")
