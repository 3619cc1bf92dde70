"""The ASGI shell around `App.dispatch` (run by uvicorn, or in-process by schemathesis / httpx)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio

from pytest_sequence_metadata.contract.errors import TIMEOUT

from .app import App, Request, Response
from .backend import ApiError
from .limits import TOO_LARGE
from .upload_form import UploadForm

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Answers go out in pieces so uvicorn's flow control can pause a client that does not read (the
# write buffer stays small) and one big answer does not hold the event loop.
_SEND_CHUNK = 256 * 1024
# Requests that may take long (big bodies, whole pages of a project) are answered in a worker thread;
# small ones on the loop, which is faster and, under load, quicker to get the GIL back.
_THREAD_BODY_BYTES = 64 * 1024
# Sent with answers given before the body was read: the rest of it is not worth reading.
_CLOSE = [("connection", "close")]


class AsgiApp:
    """A raw ASGI 3 application (no framework: the floor of per-request cost is uvicorn's own).

    Bodies are refused from their Content-Length when over the limit and read within the body
    timeout; big ones and List calls are answered by `App.dispatch` in a worker thread, so a 20 MB
    upload or a full page of large collections does not stall other calls.
    """

    def __init__(self, app: App, *, dispatch_in_thread: bool = True) -> None:
        self.app = app
        # False answers everything on the event loop, as before (benchmarks/bench_load.py compares).
        self.dispatch_in_thread = dispatch_in_thread

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
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", ()):
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        root = scope.get("root_path", "")
        path: str = scope["path"]
        if root and path.startswith(root):
            path = path[len(root) :]
        limit = self.app.limits.body_limit(path)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:  # refused before reading a byte of it
            await self._answer(send, self._too_large(limit))
            return
        chunks: list[bytes] = []
        # An upload is parsed as it arrives: no 20 MB search or copy at once, no body kept twice.
        form = UploadForm(headers.get("content-type", "")) if scope["method"] == "PUT" else None
        try:
            size = await self._with_body_timeout(self._read_body(receive, limit, form, chunks))
        except TimeoutError:
            cause = f"the request body did not arrive within {self.app.limits.body_timeout:g} seconds"
            await self._answer(send, self.app.error(ApiError(TIMEOUT, cause), _CLOSE))
            return
        if size is None:  # the client went away
            return
        if size > limit:  # a chunked body (no Content-Length) that grew too large
            await self._answer(send, self._too_large(limit))
            return
        host = headers.get("host")
        if not host:
            server = scope.get("server") or ("localhost", None)
            host = server[0] if server[1] is None else f"{server[0]}:{server[1]}"
        base_url = f"{scope.get('scheme', 'http')}://{host}{root}"
        query = scope.get("query_string", b"").decode("latin-1")

        def answer() -> Response:
            body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            request = Request(scope["method"], path, headers, body, base_url, query, form)
            return self.app.dispatch(request)

        heavy = size > _THREAD_BODY_BYTES or path.startswith("/rpc/Collections/List")
        response = await anyio.to_thread.run_sync(answer) if heavy and self.dispatch_in_thread else answer()
        if response.delay > 0:
            await anyio.sleep(response.delay)
        await self._answer(send, response)

    @staticmethod
    async def _read_body(
        receive: Receive, limit: int, form: UploadForm | None, chunks: list[bytes]
    ) -> int | None:
        """Receive the body into `form` or `chunks`; its size (reading stops past `limit`), None on
        a disconnect."""
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return size
            if form is not None:
                form.feed(chunk)
            elif chunk:
                chunks.append(chunk)
            if not message.get("more_body", False):
                return size

    async def _with_body_timeout(self, reading: Awaitable[int | None]) -> int | None:
        """`reading`, or TimeoutError after `limits.body_timeout` seconds."""
        seconds = self.app.limits.body_timeout
        try:
            asyncio.current_task()
        except RuntimeError:  # not on asyncio (trio through anyio, in-process)
            with anyio.fail_after(seconds):
                return await reading
        # What anyio.fail_after does, at a third of its cost on every request.
        async with asyncio.timeout(seconds):
            return await reading

    def _too_large(self, limit: int) -> Response:
        return self.app.error(ApiError(TOO_LARGE, f"the request body is larger than {limit} bytes"), _CLOSE)

    @staticmethod
    async def _answer(send: Send, response: Response) -> None:
        raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
        body = response.body
        raw_headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": raw_headers})
        for start in range(0, max(len(body), 1), _SEND_CHUNK):
            end = start + _SEND_CHUNK
            piece = body if end >= len(body) and start == 0 else body[start:end]
            await send({"type": "http.response.body", "body": piece, "more_body": end < len(body)})
