"""CORS for the API's routes (RPCs and REST), so browser apps can call the emulator [A:cors].

Only answers to requests that carry an `Origin` header get CORS headers: calls from scripts, tests
and servers are answered byte for byte as before. Credentials are a Bearer header, never a cookie, so
`*` (the default) is safe and `Access-Control-Allow-Credentials` is never sent. The /_emulator/
control routes get no CORS at all: a page of another origin must not read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

ANY_ORIGIN = "*"
# What a browser app may send: webrpc clients add `Webrpc`, Sequence's clients `X-Access-Key`.
ALLOWED_HEADERS = "Authorization, Content-Type, Webrpc, X-Access-Key"
# What a browser app may read besides the CORS-safelisted ones (the schema version, 429's wait).
EXPOSED_HEADERS = "Webrpc, Retry-After"
MAX_AGE_SECONDS = 600


def check_origin(text: str) -> str:
    """`*` or a serialised origin (`scheme://host[:port]`, no path), else ValueError."""
    if text == ANY_ORIGIN:
        return text
    parts = urlsplit(text)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.path
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise ValueError(f"a CORS origin is * or scheme://host[:port] with no path, got {text!r}")
    return text.lower()


class CorsPolicy:
    """The origins that may call the API from a browser: `*`, or a list compared exactly."""

    def __init__(self, origins: Iterable[str]) -> None:
        checked = tuple(dict.fromkeys(check_origin(origin) for origin in origins))
        if not checked:
            raise ValueError("a CORS policy needs at least one origin (pass cors_origins=() for none)")
        self.origins = checked
        self.any_origin = ANY_ORIGIN in checked
        self._listed = frozenset(checked)

    def __repr__(self) -> str:
        return f"<CorsPolicy {', '.join(self.origins)}>"

    def headers(self, origin: str) -> list[tuple[str, str]]:
        """The headers for an answer to a request from `origin`: none when it is not allowed."""
        if self.any_origin:
            return [
                ("access-control-allow-origin", ANY_ORIGIN),
                ("access-control-expose-headers", EXPOSED_HEADERS),
            ]
        # A listed origin is echoed, so caches must keep one answer per Origin.
        if origin.lower() not in self._listed:
            return [("vary", "Origin")]
        return [
            ("access-control-allow-origin", origin),
            ("access-control-expose-headers", EXPOSED_HEADERS),
            ("vary", "Origin"),
        ]

    def preflight_headers(self, origin: str | None, methods: str) -> list[tuple[str, str]]:
        """The headers of a 204 answer to `OPTIONS` on a route that takes `methods`."""
        allow = [("allow", f"{methods}, OPTIONS")]
        if origin is None:
            return allow
        found = self.headers(origin)
        if not any(name == "access-control-allow-origin" for name, _ in found):
            return allow + found
        return [
            *allow,
            *(pair for pair in found if pair[0] != "access-control-expose-headers"),
            ("access-control-allow-methods", f"{methods}, OPTIONS"),
            ("access-control-allow-headers", ALLOWED_HEADERS),
            ("access-control-max-age", str(MAX_AGE_SECONDS)),
        ]
