"""A header read timeout for uvicorn's HTTP protocols (uvicorn has none of its own).

uvicorn's keep-alive timer is cancelled by every byte received, and a new connection has no timer at
all, so a client that sends its headers one byte at a time (slowloris), or nothing, keeps a
connection open forever. This subclass gives a connection `seconds` to deliver a request's headers,
counted from when it opens or from the first byte of the next request; idle time between requests
stays uvicorn's keep-alive timeout. A request that is being read or answered is never cut.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.config import HTTP_PROTOCOLS
from uvicorn.importer import import_from_string


def with_header_timeout(http: str, seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's protocol class named `http` ("h11", "httptools") with a header read timeout."""
    base: Any = import_from_string(HTTP_PROTOCOLS[http])

    class HeaderTimeoutProtocol(base):  # type: ignore[misc]  # a class uvicorn picks at run time
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self._arm_header_timer()

        def data_received(self, data: bytes) -> None:
            if self._header_timer is None and self._waiting_for_headers(self.cycle):
                self._arm_header_timer()
            super().data_received(data)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._disarm_header_timer()  # until the next request's first byte

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm_header_timer()
            super().connection_lost(exc)

        def _waiting_for_headers(self, cycle: Any) -> bool:
            return self.cycle is cycle and (cycle is None or cycle.response_complete)

        def _arm_header_timer(self) -> None:
            self._disarm_header_timer()
            self._header_timer = self.loop.call_later(seconds, self._header_deadline, self.cycle)

        def _disarm_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _header_deadline(self, cycle: Any) -> None:
            if self._waiting_for_headers(cycle) and not self.transport.is_closing():
                self.transport.close()

    HeaderTimeoutProtocol.__name__ = f"HeaderTimeout{base.__name__}"
    return HeaderTimeoutProtocol
