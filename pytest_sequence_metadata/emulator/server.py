"""Serving an Emulator over HTTP with uvicorn: in a background thread, or in the foreground (CLI)."""

from __future__ import annotations

import importlib
import socket
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Final, NamedTuple

import uvicorn

from .connections import with_header_timeout
from .limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from . import Emulator

_START_TIMEOUT = 15.0


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket; binding here (not in uvicorn) tells us the port before serving."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio sets TCP_NODELAY on accepted sockets only then (else Nagle and
    # delayed ACKs add ~40 ms to every response).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # connections queue from now on, even before uvicorn's loop starts
    except OSError:
        sock.close()
        raise
    return sock


def socket_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class Stack(NamedTuple):
    """uvicorn's event loop and HTTP parser."""

    loop: str
    http: str

    def __str__(self) -> str:
        return f"{self.loop} + {self.http}"


FAST_STACK: Final = Stack("uvloop", "httptools")
PLAIN_STACK: Final = Stack("asyncio", "h11")


def server_stack() -> Stack:
    """uvloop + httptools when both import (the `[server]` extra), else asyncio + h11."""
    try:
        for name in FAST_STACK:
            importlib.import_module(name)
    except ImportError:
        return PLAIN_STACK
    return FAST_STACK


def uvicorn_config(
    app: object, *, log_level: str = "warning", limits: Limits = DEFAULT_LIMITS, stack: Stack | None = None
) -> uvicorn.Config:
    """The settings used everywhere (and by the benchmark's floor apps); `stack` defaults to the fastest.

    A request's headers must arrive within `limits.header_timeout`; an idle keep-alive connection
    is closed after 30 s; the body timeout is the ASGI adapter's. h11 and httptools cap a request's
    headers (uvicorn's defaults).
    """
    loop, http = stack or server_stack()
    return uvicorn.Config(
        app,  # type: ignore[arg-type]  # an ASGI 3 callable; uvicorn's type is narrower
        log_level=log_level,
        access_log=False,
        lifespan="on",
        http=with_header_timeout(http, limits.header_timeout),
        loop=loop,
        timeout_keep_alive=30,
        backlog=2048,
    )


class ServerHandle:
    """A running background server: `.url`, `.stop()`; also a context manager."""

    def __init__(
        self, emulator: Emulator, server: uvicorn.Server, thread: threading.Thread, sock: socket.socket
    ):
        self.emulator = emulator
        self.url = socket_url(sock)
        self.port: int = sock.getsockname()[1]
        self._server = server
        self._thread = thread
        self._sock = sock

    def __repr__(self) -> str:
        return f"<ServerHandle {self.url}{' stopped' if not self.running else ''}>"

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve_in_background(
    emulator: Emulator, host: str = "127.0.0.1", port: int = 0, *, sock: socket.socket | None = None
) -> ServerHandle:
    """Run uvicorn for `emulator` in a daemon thread; returns once it serves (port 0: any free port).

    `sock`: a TCP socket already bound (its address reserved earlier), served instead of a new one.
    """
    if sock is None:
        sock = bind_socket(host, port)
    else:
        sock.listen(2048)
    server = uvicorn.Server(uvicorn_config(emulator.asgi_app, limits=emulator.limits))
    thread = threading.Thread(
        target=server.run,
        kwargs={"sockets": [sock]},
        name=f"sequence-emulator:{sock.getsockname()[1]}",
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"the emulator server did not start on {host}:{port}")
        time.sleep(0.005)
    return ServerHandle(emulator, server, thread, sock)


def serve_forever(
    emulator: Emulator, sock: socket.socket, *, log_level: str = "warning", stack: Stack | None = None
) -> None:
    """Serve in the foreground until SIGINT/SIGTERM (uvicorn handles the signals and shuts down)."""
    try:
        config = uvicorn_config(emulator.asgi_app, log_level=log_level, limits=emulator.limits, stack=stack)
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
