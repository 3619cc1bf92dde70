"""The ASGI shell around `App.dispatch` (run by uvicorn, or in-process by schemathesis / httpx)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any, TypeVar

import anyio

from pytest_sequence_metadata.contract.errors import TIMEOUT

from .app import JSON_HEADERS, App, Request, Response
from .backend import ApiError
from .limits import TOO_LARGE
from .upload_form import UploadForm

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
T = TypeVar("T")

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
    timeout (`BodyDeadlines`: one timer per event loop); big ones and List calls are answered by
    `App.dispatch` in a worker thread, so a 20 MB upload or a full page of large collections does not
    stall other calls.
    """

    def __init__(self, app: App, *, dispatch_in_thread: bool = True) -> None:
        self.app = app
        # False answers everything on the event loop, as before (benchmarks/bench_load.py compares).
        self.dispatch_in_thread = dispatch_in_thread
        self._deadlines: BodyDeadlines | None = None  # of the event loop serving (the last one seen)

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
        raw_headers = scope.get("headers", ())
        if not isinstance(raw_headers, list | tuple):
            raw_headers = list(raw_headers)  # any iterable, says ASGI; uvicorn and httpx give a list
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in raw_headers}
        if len(headers) != len(raw_headers):  # a header sent more than once: its values joined in order
            headers = _joined_headers(raw_headers)
        root = scope.get("root_path", "")
        path: str = scope["path"]
        if root and path.startswith(root):
            path = path[len(root) :]
        limit = self.app.limits.body_limit(path)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:  # refused before reading a byte of it
            await self._answer(send, self._too_large(limit))
            return
        # An upload is parsed as it arrives: no 20 MB search or copy at once, no body kept twice.
        form = UploadForm(headers.get("content-type", "")) if scope["method"] == "PUT" else None
        task, deadlines = self._body_deadlines()
        try:
            if deadlines is None:
                with anyio.fail_after(self.app.limits.body_timeout):
                    read = await self._read_body(receive, limit, form)
            else:
                read = await deadlines.run(task, self._read_body(receive, limit, form))
        except TimeoutError:
            cause = f"the request body did not arrive within {self.app.limits.body_timeout:g} seconds"
            await self._answer(send, self.app.error(ApiError(TIMEOUT, cause), _CLOSE))
            return
        if read is None:  # the client went away
            return
        size, body = read
        if size > limit:  # a chunked body (no Content-Length) that grew too large
            await self._answer(send, self._too_large(limit))
            return
        host = headers.get("host")
        if not host:
            server = scope.get("server") or ("localhost", None)
            host = server[0] if server[1] is None else f"{server[0]}:{server[1]}"
        query = scope.get("query_string", b"")
        request = Request(
            scope["method"],
            path,
            headers,
            body,
            f"{scope.get('scheme', 'http')}://{host}{root}",
            query.decode("latin-1") if query else "",
            form,
        )
        if self.dispatch_in_thread and (
            size > _THREAD_BODY_BYTES or path.startswith("/rpc/Collections/List")
        ):
            response = await anyio.to_thread.run_sync(self.app.dispatch, request)
        else:
            response = self.app.dispatch(request)
        if response.delay > 0:
            await anyio.sleep(response.delay)
        await self._answer(send, response)

    @staticmethod
    async def _read_body(receive: Receive, limit: int, form: UploadForm | None) -> tuple[int, bytes] | None:
        """Receive the body into `form` (then the bytes returned are empty) or into bytes; its size
        (reading stops past `limit`) and the bytes, None on a disconnect."""
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk: bytes = message.get("body", b"")
        if form is None and not message.get("more_body", False):
            return len(chunk), chunk  # the whole body in one message: the usual case, no copy
        size = 0
        chunks: list[bytes] = []
        while True:
            size += len(chunk)
            if size > limit:
                return size, b""
            if form is not None:
                form.feed(chunk)
            elif chunk:
                chunks.append(chunk)
            if not message.get("more_body", False):
                return size, chunks[0] if len(chunks) == 1 else b"".join(chunks)
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")

    def _body_deadlines(self) -> tuple[Any, BodyDeadlines | None]:
        """The current task and the body deadlines of its event loop; no deadlines when not on
        asyncio (trio through anyio, in-process: anyio.fail_after then)."""
        try:
            task = asyncio.current_task()
        except RuntimeError:
            return None, None
        if task is None:
            return None, None
        loop, seconds = task.get_loop(), self.app.limits.body_timeout
        deadlines = self._deadlines
        if deadlines is None or deadlines.loop is not loop or deadlines.seconds != seconds:
            deadlines = self._deadlines = BodyDeadlines(loop, seconds)
        return task, deadlines

    def _too_large(self, limit: int) -> Response:
        return self.app.error(ApiError(TOO_LARGE, f"the request body is larger than {limit} bytes"), _CLOSE)

    @staticmethod
    async def _answer(send: Send, response: Response) -> None:
        body = response.body
        length = (b"content-length", b"%d" % len(body))
        if response.headers == _JSON_HEADER_LIST:
            raw_headers = [*_ENCODED_JSON_HEADERS, length]
        else:
            raw_headers = [_encoded_header(header) for header in response.headers]
            raw_headers.append(length)
        await send({"type": "http.response.start", "status": response.status, "headers": raw_headers})
        if len(body) <= _SEND_CHUNK:
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        for start in range(0, len(body), _SEND_CHUNK):
            end = start + _SEND_CHUNK
            await send({"type": "http.response.body", "body": body[start:end], "more_body": end < len(body)})


def _joined_headers(raw_headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in raw_headers:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


# The headers every JSON answer carries, encoded once.
_ENCODED_HEADERS: dict[tuple[str, str], tuple[bytes, bytes]] = {
    (name, value): (name.encode("latin-1"), value.encode("latin-1")) for name, value in JSON_HEADERS
}
_JSON_HEADER_LIST = list(JSON_HEADERS)
_ENCODED_JSON_HEADERS = tuple(_ENCODED_HEADERS[header] for header in JSON_HEADERS)


def _encoded_header(header: tuple[str, str]) -> tuple[bytes, bytes]:
    found = _ENCODED_HEADERS.get(header)
    if found is not None:
        return found
    name, value = header
    return name.encode("latin-1"), value.encode("latin-1")


class BodyDeadlines:
    """The body timeout of the requests being read on one event loop, with one timer for them all.

    A timer per request (asyncio.timeout) costs more than reading a small body does. Every request
    here has the same timeout, so the one being read longest is the one due first: the timer is set
    for it, and on firing cancels each request past its deadline and is set for the next one. A
    cancelled read raises TimeoutError, as asyncio.timeout does (an outside cancellation stays one).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, seconds: float) -> None:
        self.loop = loop
        self.seconds = seconds
        self._due: dict[asyncio.Task[Any], float] = {}  # in the order they started: deadline order
        self._expired: set[asyncio.Task[Any]] = set()
        self._timer: asyncio.TimerHandle | None = None

    async def run(self, task: asyncio.Task[Any], reading: Awaitable[T]) -> T:
        """Await `reading` in `task` (the current one), or raise TimeoutError when it takes too long."""
        cancelling = task.cancelling()
        deadline = self.loop.time() + self.seconds
        self._due[task] = deadline
        if self._timer is None:
            self._timer = self.loop.call_at(deadline, self._expire)
        try:
            return await reading
        except asyncio.CancelledError:
            if task in self._expired:
                self._expired.discard(task)
                if task.uncancel() <= cancelling:
                    raise TimeoutError from None
            raise
        finally:
            self._due.pop(task, None)
            if task in self._expired:  # it expired, but the read ended before the cancellation came
                self._expired.discard(task)
                task.uncancel()

    def _expire(self) -> None:
        self._timer = None
        now = self.loop.time()
        for task, deadline in list(self._due.items()):
            if deadline > now:
                self._timer = self.loop.call_at(deadline, self._expire)
                return
            del self._due[task]
            self._expired.add(task)
            task.cancel()
