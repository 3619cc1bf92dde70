"""Keeping secrets out of text: a registry of known secrets plus a JWT pattern.

Known secrets (the JWTs and access keys the plugin was given) are replaced wherever they appear;
anything shaped like a JWT is replaced too, so a token minted during a test is covered as well.
"""

from __future__ import annotations

import re
import threading
from typing import Final

REDACTED: Final = "***"

# A JWS compact serialisation: base64url header starting with '{"' (eyJ), payload and signature.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}")
_MIN_SECRET_LENGTH = 8  # shorter values would redact ordinary words

_lock = threading.Lock()
_known: set[str] = set()
_pattern: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    """Remember a secret so that `redact` removes it from any text from now on."""
    global _pattern
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        if value in _known:
            return
        _known.add(value)
        ordered = sorted(_known, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(v) for v in ordered))


def forget_secrets() -> None:
    """Drop every registered secret (tests of the registry use it)."""
    global _pattern
    with _lock:
        _known.clear()
        _pattern = None


def redact(text: str) -> str:
    """`text` with every registered secret and every JWT-shaped string replaced by `***`."""
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    return _JWT.sub(REDACTED, text)


def contains_secret(text: str) -> bool:
    """Whether `text` still holds a registered secret or a JWT-shaped string."""
    return redact(text) != text


class Secret:
    """A string that never shows itself in `repr`, `str` or f-strings; `.reveal()` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        register_secret(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[type[Secret], tuple[str]]:
        return (Secret, (self._value,))
