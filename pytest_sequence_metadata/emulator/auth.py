"""Bearer JWTs of the emulator: HS256 with a `project` claim (PyJWT).

The secret is the emulator's own (never a real Sequence key). Decoded tokens are cached by their text
so a benchmark or a fuzzer does not pay for HMAC on every call; expiry is still checked every time.
Error texts never contain the token.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import Any

import jwt

from pytest_sequence_metadata.contract.errors import SESSION_EXPIRED, UNAUTHORIZED

from . import DEFAULT_JWT_SECRET
from .backend import ApiError

__all__ = ["DEFAULT_JWT_SECRET", "Authenticator", "Claims", "bearer_token", "resolve_secret"]

SECRET_ENV_VAR = "SEQUENCE_EMULATOR_SECRET"
MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key is at least as long as the hash output
DEFAULT_EXPIRES_IN = 3600.0
_ALGORITHM = "HS256"
_CACHE_LIMIT = 4096

_UINT64_END = 1 << 64


def resolve_secret(explicit: str | None = None) -> str:
    """The secret to use: the argument, else $SEQUENCE_EMULATOR_SECRET, else DEFAULT_JWT_SECRET."""
    secret = explicit if explicit is not None else os.environ.get(SECRET_ENV_VAR) or DEFAULT_JWT_SECRET
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise ValueError(
            f"the JWT secret must be at least {MIN_SECRET_BYTES} bytes long for HS256 (RFC 7518 §3.2)"
        )
    return secret


@dataclass(frozen=True, slots=True)
class Claims:
    project: int
    expires_at: float | None
    not_before: float | None = None


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <jwt>` header; the scheme is matched case-insensitively.

    [A:jwt-claims]: the Go and TS clients send `BEARER`, the docs' curl examples `Bearer`.
    """
    if not header:
        return None
    if header.startswith("Bearer ") and not header[7:8].isspace() and not header[-1].isspace():
        return header[7:] or None  # what the general rule below gives, in one step (the usual form)
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


class Authenticator:
    """Mints and verifies the emulator's JWTs for one secret."""

    def __init__(self, secret: str) -> None:
        self._secret = secret
        self._cache: dict[str, Claims] = {}

    def mint(self, project_id: int, *, expires_in: float | None = DEFAULT_EXPIRES_IN) -> str:
        if type(project_id) is not int or not 0 < project_id < _UINT64_END:
            raise ValueError(f"project_id must be a positive integer below 2**64, got {project_id!r}")
        now = int(time.time())
        claims: dict[str, Any] = {"project": project_id, "iat": now}
        if expires_in is not None:
            claims["exp"] = int(time.time() + expires_in)
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def signed(self, token: str) -> Claims:
        """The claims of a token this emulator signed, whatever its times; ApiError Unauthorized else."""
        found = self._cache.get(token)
        if found is None:
            found = self._decode(token)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[token] = found
        return found

    def claims(self, token: str) -> Claims:
        """The verified claims, or ApiError Unauthorized (bad token) / SessionExpired (expired)."""
        found = self.signed(token)
        now = time.time()
        if self._expired(found, now):
            raise ApiError(SESSION_EXPIRED, "the JWT has expired")
        if found.not_before is not None and found.not_before > now:
            raise ApiError(UNAUTHORIZED, "the JWT is not valid yet (`nbf`)")
        return found

    @staticmethod
    def _expired(claims: Claims, now: float) -> bool:
        return claims.expires_at is not None and claims.expires_at <= now

    def _decode(self, token: str) -> Claims:
        # PyJWT checks the signature, the algorithm and that `project` is there. Its time checks
        # convert with int() (a string passes, NaN/Infinity fail oddly), so the time claims are checked
        # below as JSON numbers, and expiry on every use because decoded claims are cached.
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "require": ["project"],
                },
            )
        except jwt.PyJWTError as exc:
            raise ApiError(UNAUTHORIZED, f"invalid JWT: {type(exc).__name__}") from None
        # [A:jwt-claims]: the real `project` claim is a JSON integer (a uint64 project id).
        project = payload.get("project")
        if type(project) is not int or not 0 < project < _UINT64_END:
            raise ApiError(UNAUTHORIZED, "the JWT has no valid `project` claim")
        exp, nbf = _numeric_date(payload, "exp"), _numeric_date(payload, "nbf")
        _numeric_date(payload, "iat")
        return Claims(project=project, expires_at=exp, not_before=nbf)


def _numeric_date(payload: dict[str, Any], name: str) -> float | None:
    """A time claim as RFC 7519 defines it (a finite JSON number), or None when absent."""
    if name not in payload:
        return None
    value = payload[name]
    finite = math.isfinite(value) if type(value) is float else type(value) is int and abs(value) < 1 << 63
    if not finite:
        raise ApiError(UNAUTHORIZED, f"the JWT has an invalid `{name}` claim")
    return float(value)
