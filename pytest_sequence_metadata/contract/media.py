"""Media types as the wire carries them: a `Content-Type` value reduced to what a caller compares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

JSON: Final = "application/json"


def media_type(value: str | Sequence[str] | None) -> str:
    """`"Application/JSON; charset=utf-8"` -> `"application/json"`; `""` when there is none.

    Takes a header's value as httpx gives it (a string) or as schemathesis does (the list of values).
    """
    if value is not None and not isinstance(value, str):
        value = value[0] if value else None
    return (value or "").split(";", 1)[0].strip().lower()
