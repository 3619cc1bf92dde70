"""Throughput of the emulator: over loopback with wrk, and in-process per call. Prints figures only.

    .venv/bin/python benchmarks/bench_emulator.py [--duration 5] [--rounds 3] [--connections 16] [--no-prism]

1. wrk against uvicorn: GetCollection and CreateToken on the emulator, versus a no-op Starlette app
   under the same uvicorn settings (the floor), on asyncio + h11 and, when installed (the `[server]`
   extra), on uvloop + httptools. Target: emulator / floor >= 0.9 on each stack. Beside them, the
   JSON-only reference: the emulator's own ASGI adapter answering with a dispatch that only decodes the
   body and encodes the emulator's own answer (no auth, checks, state or journal), the least any
   emulator in Python behind that adapter can cost. Its ratio to the floor is the ceiling of ours.
2. In-process: httpx.Client over `emulator.transport()` versus a bare httpx.MockTransport returning a
   fixed response (the floor), per call; and each ASGI app called directly (no server, no network) with
   the wrk requests, CPU time per request: the Python work the emulator adds over the floor app.
3. When npm can install @stoplight/prism-cli: Prism's mock of our spec, same wrk runs, against the
   emulator on the stack `serve` picks. Target: emulator >= 5x Prism.
The machine is shared and noisy: read the figures as orders of magnitude, run twice before believing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pytest_sequence_metadata.emulator import IN_PROCESS_URL, Emulator
from pytest_sequence_metadata.emulator.app import App
from pytest_sequence_metadata.emulator.app import Request as EmulatorRequest
from pytest_sequence_metadata.emulator.app import Response as EmulatorResponse
from pytest_sequence_metadata.emulator.asgi import AsgiApp
from pytest_sequence_metadata.emulator.limits import Limits
from pytest_sequence_metadata.emulator.server import (
    FAST_STACK,
    PLAIN_STACK,
    Stack,
    bind_socket,
    server_stack,
    socket_url,
    uvicorn_config,
)

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "sequence-metadata.yaml"
PRISM_CACHE = Path(tempfile.gettempdir()) / "pytest-sequence-metadata-prism"
PROJECT = 1

GET_COLLECTION_LUA = """
wrk.method = "POST"
wrk.path = "/rpc/Collections/GetCollection"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {jwt}"
wrk.body = '{{"collectionId": {cid}}}'
"""

# Each wrk thread has its own Lua state: prefix the counter with the thread number so ids never collide.
CREATE_TOKEN_LUA = """
local threads = 0
local counter = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  prefix = tostring(tid) .. "{run}"
end
function request()
  counter = counter + 1
  local body = string.format('{{"collectionId": {cid}, "token": {{"tokenId": "%s%09d", "name": "bench"}}}}',
                             prefix, counter)
  local headers = {{}}
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Bearer {jwt}"
  return wrk.format("POST", "/rpc/Collections/CreateToken", headers, body)
end
"""


def floor_app() -> Starlette:
    """The no-op app: routing plus a fixed small JSON answer, nothing else."""

    async def answer(request: Request) -> Response:
        await request.body()
        return Response(b'{"ok":true}', media_type="application/json")

    return Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST"])])


class JsonOnlyApp(App):
    """The JSON-only reference: `answers` (by path) encoded per request after decoding the body."""

    def __init__(self, like: App, answers: dict[str, Any]) -> None:
        super().__init__(like.backend, like.auth, like.faults, validators={}, limits=like.limits)
        self.answers = answers

    def dispatch(self, request: EmulatorRequest) -> EmulatorResponse:
        json.loads(request.body)
        return self.json_answer(200, self.answers[request.path])


def json_only_app() -> AsgiApp:
    """The reference behind the emulator's adapter, answering what an emulator seeded alike answered
    (its own one: the benchmarked emulator's state is left as it was)."""
    emulator = Emulator()
    cid = seed(emulator)
    with emulator.client(PROJECT) as client:
        got = client.post("/rpc/Collections/GetCollection", json={"collectionId": cid}).json()
        token = {"collectionId": cid, "token": {"tokenId": "1", "name": "bench"}}
        made = client.post("/rpc/Collections/CreateToken", json=token).json()
    answers = {"/rpc/Collections/GetCollection": got, "/rpc/Collections/CreateToken": made}
    return AsgiApp(JsonOnlyApp(emulator.app, answers))


@contextmanager
def serve(app: Any, stack: Stack) -> Iterator[str]:
    """uvicorn with the emulator's own settings on `stack`, in a thread, on a free port."""
    sock = bind_socket("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn_config(app, stack=stack))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield socket_url(sock)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def wrk(url: str, lua: str, args: argparse.Namespace) -> dict[str, float]:
    """Run wrk with a Lua script; requests/s, mean latency (ms) and non-2xx count."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(lua)
        script = handle.name
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "-s", script, url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    Path(script).unlink()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    latency = re.search(r"Latency\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    mean_ms = float(latency[1]) * scale[latency[2]] if latency else float("nan")
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {"rps": rate, "latency_ms": mean_ms, "non_2xx": float(errors[1]) if errors else 0.0}


def seed(emulator: Emulator) -> int:
    with emulator.client(PROJECT) as client:
        body = {"collection": {"metadata": {"name": "bench", "description": "d", "properties": {"a": 1}}}}
        cid: int = client.post("/rpc/Collections/CreateCollection", json=body).json()["collection"]["id"]
    return cid


def show(label: str, figures: dict[str, float]) -> None:
    extra = f", {int(figures['non_2xx'])} non-2xx" if figures["non_2xx"] else ""
    print(f"  {label:<34} {figures['rps']:>9.0f} req/s   mean latency {figures['latency_ms']:6.2f} ms{extra}")


def stacks() -> list[Stack]:
    """asyncio + h11 always; uvloop + httptools when installed (the `[server]` extra)."""
    return [PLAIN_STACK] if server_stack() == PLAIN_STACK else [PLAIN_STACK, FAST_STACK]


def bench_wrk(args: argparse.Namespace, prism_url: str | None) -> None:
    """Emulator and floor on each stack, and Prism when it runs: side by side, runs interleaved,
    best of `--rounds` kept for each."""
    # Each CreateToken run writes tens of thousands of tokens: past the default per-project limits.
    emulator = Emulator(limits=Limits(tokens=10**9, metadata_bytes=1 << 40))
    cid = seed(emulator)
    jwt = emulator.mint_jwt(PROJECT, expires_in=None)
    get_lua = GET_COLLECTION_LUA.format(jwt=jwt, cid=cid)

    def create_lua(run: int) -> str:
        return CREATE_TOKEN_LUA.format(jwt=jwt, cid=cid, run=f"{run:03d}")

    chosen = stacks()
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, uvicorn in one process on "
        f"{' and on '.join(map(str, chosen))}; best of {args.rounds} interleaved rounds"
    )
    best: dict[tuple[Stack | None, str, str], dict[str, float]] = {}
    with contextlib.ExitStack() as servers:
        urls: dict[tuple[Stack | None, str], str] = {
            (stack, app): servers.enter_context(serve(asgi, stack))
            for stack in chosen
            for app, asgi in (
                ("emulator", emulator.asgi_app),
                ("json-only", json_only_app()),
                ("floor", floor_app()),
            )
        }
        if prism_url is not None:
            urls[(None, "prism")] = prism_url
        runs = itertools.count(1)  # one emulator behind both stacks: every wrk run has its own token ids
        for _ in range(args.rounds):
            for call in ("GetCollection", "CreateToken"):
                for (stack, app), url in urls.items():
                    lua = get_lua if call == "GetCollection" else create_lua(next(runs))
                    figures = wrk(url, lua, args)
                    key = (stack, app, call)
                    if key not in best or figures["rps"] > best[key]["rps"]:
                        best[key] = figures
    for stack in chosen:
        print(f"uvicorn on {stack}{'  (what serve picks)' if stack == chosen[-1] else ''}")
        for call in ("GetCollection", "CreateToken"):
            show(f"emulator {call}", best[(stack, "emulator", call)])
            show(f"JSON-only reference {call}", best[(stack, "json-only", call)])
            show(f"no-op Starlette {call}", best[(stack, "floor", call)])
        for call in ("GetCollection", "CreateToken"):
            ours, floor = best[(stack, "emulator", call)]["rps"], best[(stack, "floor", call)]["rps"]
            reference = best[(stack, "json-only", call)]["rps"]
            print(
                f"  ratio emulator/floor {call:<14} {ours / floor:5.2f}  (target >= 0.9; "
                f"JSON-only/floor {reference / floor:.2f}, emulator/JSON-only {ours / reference:.2f})"
            )
    if len(chosen) > 1:
        for call in ("GetCollection", "CreateToken"):
            gain = best[(FAST_STACK, "emulator", call)]["rps"] / best[(PLAIN_STACK, "emulator", call)]["rps"]
            print(f"ratio emulator {FAST_STACK} / {PLAIN_STACK} {call:<14} {gain:5.2f}")
    if prism_url is None:
        return
    print(f"prism mock of specs/sequence-metadata.yaml (static examples), vs the emulator on {chosen[-1]}")
    for call in ("GetCollection", "CreateToken"):
        prism_figures = best[(None, "prism", call)]
        show(f"prism {call}", prism_figures)
        ours = best[(chosen[-1], "emulator", call)]["rps"]
        ratio = ours / prism_figures["rps"] if prism_figures["rps"] else float("inf")
        print(f"  ratio emulator/prism {call:<14} {ratio:5.1f}x  (target >= 5x)")


def per_call(client: httpx.Client, call: Callable[[httpx.Client], object], seconds: float) -> float:
    """Mean microseconds per call over about `seconds` (after a warm-up)."""
    for _ in range(200):
        call(client)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(100):
            call(client)
        count += 100
    return (time.perf_counter() - started) / count * 1e6


def bench_in_process(args: argparse.Namespace) -> None:
    emulator = Emulator(limits=Limits(tokens=10**9, metadata_bytes=1 << 40))
    cid = seed(emulator)
    headers = {"Authorization": f"Bearer {emulator.mint_jwt(PROJECT)}"}
    body = {"collectionId": cid}
    counter = iter(range(10**9))

    def get(client: httpx.Client) -> object:
        return client.post("/rpc/Collections/GetCollection", json=body, headers=headers)

    def create(client: httpx.Client) -> object:
        token = {"collectionId": cid, "token": {"tokenId": str(next(counter)), "name": "bench"}}
        return client.post("/rpc/Collections/CreateToken", json=token, headers=headers)

    fixed = httpx.MockTransport(lambda request: httpx.Response(200, content=b'{"ok":true}'))
    seconds = min(args.duration, 2)
    print(f"in-process, httpx.Client, one thread; best of {args.rounds} interleaved rounds")
    emulated_get = emulated_create = floor = float("inf")
    with (
        httpx.Client(transport=emulator.transport(), base_url=IN_PROCESS_URL) as emulated,
        httpx.Client(transport=fixed, base_url=IN_PROCESS_URL) as bare,
    ):
        for _ in range(args.rounds):
            emulated_get = min(emulated_get, per_call(emulated, get, seconds))
            floor = min(floor, per_call(bare, get, seconds))
            emulated_create = min(emulated_create, per_call(emulated, create, seconds))
    print(f"  emulator GetCollection              {emulated_get:8.1f} us/call")
    print(f"  emulator CreateToken                {emulated_create:8.1f} us/call")
    print(f"  bare MockTransport (floor)          {floor:8.1f} us/call")
    print(f"  emulator cost above the floor       {emulated_get - floor:8.1f} us/call (GetCollection)")
    print(f"  ratio floor/emulator GetCollection  {floor / emulated_get:8.2f}")


def asgi_cost(
    app: Any, requests: Callable[[], tuple[str, bytes]], headers: list[tuple[bytes, bytes]]
) -> float:
    """CPU microseconds per request of an ASGI app called directly, best of 5 runs of 5,000."""

    async def send(message: Any) -> None:
        pass

    async def run(count: int) -> float:
        started = time.thread_time()
        for _ in range(count):
            path, body = requests()
            message = {"type": "http.request", "body": body, "more_body": False}

            async def receive(message: Any = message) -> Any:
                return message

            scope = {
                "type": "http",
                "http_version": "1.1",
                "method": "POST",
                "scheme": "http",
                "path": path,
                "raw_path": path.encode(),
                "query_string": b"",
                "root_path": "",
                "headers": [*headers, (b"content-length", b"%d" % len(body))],
                "server": ("127.0.0.1", 8000),
                "client": ("127.0.0.1", 50000),
            }
            await app(scope, receive, send)
        return (time.thread_time() - started) / count * 1e6

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(run(500))
        return min(loop.run_until_complete(run(5000)) for _ in range(5))
    finally:
        loop.close()


def bench_asgi(args: argparse.Namespace) -> None:
    emulator = Emulator(limits=Limits(tokens=10**9, metadata_bytes=1 << 40))
    cid = seed(emulator)
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"content-type", b"application/json"),
        (b"authorization", f"Bearer {emulator.mint_jwt(PROJECT, expires_in=None)}".encode()),
    ]
    counter = itertools.count()
    calls: dict[str, Callable[[], tuple[str, bytes]]] = {
        "GetCollection": lambda: ("/rpc/Collections/GetCollection", b'{"collectionId": %d}' % cid),
        "CreateToken": lambda: (
            "/rpc/Collections/CreateToken",
            b'{"collectionId": %d, "token": {"tokenId": "%d", "name": "bench"}}' % (cid, next(counter)),
        ),
    }
    print("ASGI apps called directly on asyncio (no server, no network), CPU time per request, best of 5")
    floor, reference = floor_app(), json_only_app()
    for call, requests in calls.items():
        ours, theirs = asgi_cost(emulator.asgi_app, requests, headers), asgi_cost(floor, requests, headers)
        least = asgi_cost(reference, requests, headers)
        print(
            f"  {call:<14} emulator {ours:5.1f} us   JSON-only reference {least:5.1f} us   "
            f"no-op Starlette {theirs:5.1f} us   emulator adds {ours - theirs:5.1f} us over the floor"
        )


def prism_binary() -> Path | None:
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        print("prism: skipped (node/npm not found)")
        return None
    binary = PRISM_CACHE / "node_modules" / ".bin" / "prism"
    if not binary.exists():
        PRISM_CACHE.mkdir(parents=True, exist_ok=True)
        (PRISM_CACHE / "package.json").write_text('{"name": "bench-prism", "private": true}\n')
        print("prism: installing @stoplight/prism-cli (once) ...", flush=True)
        result = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "@stoplight/prism-cli"],
            cwd=PRISM_CACHE,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0 or not binary.exists():
            print(f"prism: skipped (npm install failed: {result.stderr.strip()[-200:]})")
            return None
    return binary


@contextmanager
def prism(binary: Path) -> Iterator[str | None]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [str(binary), "mock", str(SPEC), "-h", "127.0.0.1", "-p", str(port), "--errors", "false"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            print("prism: did not start within 60 s")
            yield None
            return
        yield url
    finally:
        process.terminate()
        process.wait(10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved wrk rounds, best kept (default 3)")
    parser.add_argument("--no-prism", action="store_true", help="skip the Prism comparison")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk not found: apt-get install wrk (the in-process figures follow anyway)", file=sys.stderr)
    else:
        with contextlib.ExitStack() as running:
            binary = None if args.no_prism else prism_binary()
            prism_url = running.enter_context(prism(binary)) if binary is not None else None
            bench_wrk(args, prism_url)
    bench_in_process(args)
    bench_asgi(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
