"""The project a JWT is for: its `project` claim, read with PyJWT without checking the signature.

The plugin (settings) and the client both take the project id from here; the server is the one that
verifies the token. Messages never contain the token.
"""

from __future__ import annotations

__all__ = ["ClaimError", "project_claim"]


class ClaimError(ValueError):
    """The token is not a JWT, or its `project` claim is not a project id (the message says which)."""


def project_claim(token: str) -> int | None:
    """The token's `project` claim as an int, None when it has none; `ClaimError` when unreadable."""
    import jwt as pyjwt

    try:
        claims = pyjwt.decode(token, options={"verify_signature": False})
    except pyjwt.PyJWTError:
        raise ClaimError("is not a JWT (expected three base64url parts separated by dots)") from None
    project = claims.get("project")
    if project is None:
        return None
    if isinstance(project, bool) or not isinstance(project, int | str) or not str(project).isdigit():
        raise ClaimError("has a 'project' claim that is not a project id")
    return int(project)
