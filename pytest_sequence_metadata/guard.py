"""Which host a base URL reaches, decided exactly as the HTTP client will connect to it.

The production guard compares this host, never a second parser's reading of the URL: httpx applies
IDNA / UTS 46 mapping (`metadata。sequence。app` with U+3002, U+FF0E or U+FF61 dots is
`metadata.sequence.app`), lower-cases, drops userinfo and port, and DNS treats a trailing dot as the
same name. httpx is imported on first use only: an emulator run never parses a URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote

PRODUCTION_HOST: Final = "metadata.sequence.app"


class BadURL(ValueError):
    """The URL cannot be parsed (the message says why, never quoting userinfo), or is not http(s)."""


@dataclass(frozen=True, slots=True)
class BaseURL:
    """A parsed base URL: the host the client connects to, and the password in it, if any."""

    scheme: str
    host: str
    password: str | None

    @property
    def is_production(self) -> bool:
        # Percent-escapes in a host go to DNS as they are (and fail); refusing them too costs nothing.
        return PRODUCTION_HOST in (self.host, unquote(self.host).strip().rstrip("."))


def parse_base_url(url: str) -> BaseURL:
    """`url` parsed by httpx itself; raises `BadURL` with a one-line reason."""
    import httpx

    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as error:
        # httpx may quote a piece of the authority (a mis-split password becomes the "port"):
        # its reason is shown only for a URL without userinfo.
        reason = str(error) if "@" not in url else "its host, port or user:password part is malformed"
        raise BadURL(reason) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise BadURL("")  # the caller's message says what is expected
    # `raw_host` is what goes to DNS (IDNA-encoded); lower-case and strip the root dot(s) so that
    # every spelling of one name compares equal.
    host = parsed.raw_host.decode("ascii", "replace").lower().rstrip(".")
    return BaseURL(parsed.scheme, host, parsed.password or None)
