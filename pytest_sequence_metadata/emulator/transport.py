"""The in-process httpx transport: `httpx.Client(transport=...)` and `httpx.AsyncClient(transport=...)`."""

from __future__ import annotations

import time

import anyio
import httpx

from .app import App, Request, Response


class EmulatorTransport(httpx.MockTransport):
    """Calls `App.dispatch` directly; latency faults sleep with time.sleep (sync) or anyio (async)."""

    def __init__(self, app: App) -> None:
        super().__init__(self._unused)
        self.app = app

    @staticmethod
    def _unused(request: httpx.Request) -> httpx.Response:  # pragma: no cover - both paths overridden
        raise NotImplementedError

    @staticmethod
    def _request(request: httpx.Request) -> Request:
        url = request.url
        return Request(
            method=request.method,
            path=url.path,
            headers={k.lower(): v for k, v in request.headers.items()},
            body=request.content,
            base_url=f"{url.scheme}://{url.netloc.decode('ascii')}",
            query=url.query.decode("latin-1"),
        )

    @staticmethod
    def _response(answer: Response, request: httpx.Request) -> httpx.Response:
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body, request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        answer = self.app.dispatch(self._request(request))
        if answer.delay > 0:
            time.sleep(answer.delay)
        return self._response(answer, request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        answer = self.app.dispatch(self._request(request))
        if answer.delay > 0:
            await anyio.sleep(answer.delay)
        return self._response(answer, request)
