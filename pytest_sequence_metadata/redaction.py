"""Keeping secrets out of text: a registry of known secrets plus a JWT pattern.

Known secrets (the JWTs and access keys the plugin was given) are replaced wherever they appear;
anything shaped like a JWT is replaced too, so a token minted during a test is covered as well.
Pieces count: a run of base64url characters that shares `MIN_FRAGMENT` characters in a row with a
known secret (a JWT's header, payload or signature split apart, the tail a truncated repr keeps)
is replaced whole, and so is the password of any `scheme://user:password@` in the text.
"""

from __future__ import annotations

import re
import threading
from typing import Final

REDACTED: Final = "***"

# A JWS compact serialisation: base64url header starting with '{"' (eyJ), payload and signature.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}")
_MIN_SECRET_LENGTH = 8  # shorter values would redact ordinary words
MIN_FRAGMENT: Final = 8  # a shared run this long is a piece of the secret, not a coincidence
MIN_SHORT_SECRET: Final = 4  # below this a value cannot be told from ordinary text at all
_RUN = re.compile(rf"[A-Za-z0-9_-]{{{MIN_FRAGMENT},}}")
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
_USERINFO = re.compile(r"(?<=://)([^/?#@\s:]*):[^/?#@\s]+@")

_lock = threading.Lock()
_known: set[str] = set()
_pattern: re.Pattern[str] | None = None
_grams: frozenset[str] = frozenset()
_short: set[str] = set()
_short_pattern: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    """Remember a secret so that `redact` removes it, and any piece of it, from any text from now on."""
    global _pattern, _grams
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        if value in _known:
            return
        _known.add(value)
        ordered = sorted(_known, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(v) for v in ordered))
        _grams = _grams | _fragments(value)


def register_short_secret(value: str | None) -> None:
    """Remember a secret too short for `register_secret` (a URL password): replaced where it stands
    alone, not inside a longer word; values under `MIN_SHORT_SECRET` characters are not kept."""
    global _short_pattern
    if not value or len(value) < MIN_SHORT_SECRET:
        return
    if len(value) >= _MIN_SECRET_LENGTH:
        register_secret(value)
        return
    with _lock:
        _short.add(value)
        ordered = sorted(_short, key=len, reverse=True)
        alternatives = "|".join(re.escape(v) for v in ordered)
        _short_pattern = re.compile(rf"(?<![A-Za-z0-9_-])(?:{alternatives})(?![A-Za-z0-9_-])")


def _fragments(value: str) -> frozenset[str]:
    """Every `MIN_FRAGMENT`-long window of the base64url segments of `value` (JWT parts and all)."""
    return frozenset(
        segment[i : i + MIN_FRAGMENT]
        for segment in _SEGMENT.findall(value)
        for i in range(len(segment) - MIN_FRAGMENT + 1)
    )


def forget_secrets() -> None:
    """Drop every registered secret (tests of the registry use it)."""
    global _pattern, _grams, _short_pattern
    with _lock:
        _known.clear()
        _pattern = None
        _grams = frozenset()
        _short.clear()
        _short_pattern = None


def redact(text: str) -> str:
    """`text` with every registered secret, every piece of one, every JWT-shaped string and every
    URL password replaced by `***`."""
    pattern, short, grams = _pattern, _short_pattern, _grams
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    if short is not None:
        text = short.sub(REDACTED, text)
    text = _USERINFO.sub(rf"\1:{REDACTED}@", _JWT.sub(REDACTED, text))
    if grams:
        text = _RUN.sub(lambda run: REDACTED if _shares_fragment(run[0], grams) else run[0], text)
    return text


def _shares_fragment(run: str, grams: frozenset[str]) -> bool:
    return any(run[i : i + MIN_FRAGMENT] in grams for i in range(len(run) - MIN_FRAGMENT + 1))


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
