"""The ASGI shell around `App.dispatch` (run by uvicorn, or in-process by schemathesis / httpx)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio

from .app import App, Request
from .backend import INVALID, MAX_UPLOAD_BYTES, ApiError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Bodies beyond this are drained but not kept; the upload route then answers "too large".
_BODY_LIMIT = MAX_UPLOAD_BYTES + 128 * 1024


class AsgiApp:
    """A raw ASGI 3 application (no framework: the floor of per-request cost is uvicorn's own)."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        # websocket and other scope types are not served

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if chunk and size <= _BODY_LIMIT:
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", ()):
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        root = scope.get("root_path", "")
        path: str = scope["path"]
        if root and path.startswith(root):
            path = path[len(root) :]
        host = headers.get("host")
        if not host:
            server = scope.get("server") or ("localhost", None)
            host = server[0] if server[1] is None else f"{server[0]}:{server[1]}"
        request = Request(
            method=scope["method"],
            path=path,
            headers=headers,
            body=body,
            base_url=f"{scope.get('scheme', 'http')}://{host}{root}",
            query=scope.get("query_string", b"").decode("latin-1"),
        )
        if size > _BODY_LIMIT:
            response = self.app.error(
                ApiError(INVALID, f"the request body is larger than {_BODY_LIMIT} bytes")
            )
        else:
            response = self.app.dispatch(request)
        if response.delay > 0:
            await anyio.sleep(response.delay)
        raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
        raw_headers.append((b"content-length", str(len(response.body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": response.body})
