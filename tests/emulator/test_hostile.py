"""A corpus of hostile requests against the standalone server (a real process, loopback only).

Whatever arrives, the server answers no 5xx, every answer of the application (it carries the `Webrpc`
header) is a JSON body, the server keeps serving, and its memory stays bounded. Requests uvicorn
itself refuses as broken HTTP (a 400 without the `Webrpc` header) are fine: they never reach the app.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from emulator_support import CONTROL_TOKEN, cli_token, start_standalone

SECRET = "hostile-corpus-test-secret-" + "h" * 16
TIMEOUTS = ("--limit", "header_timeout=1", "--limit", "body_timeout=1")
RSS_GROWTH_LIMIT = 400 * 1024 * 1024  # before the limits, six clients that never read took 2.5 GB


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def parse(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    length = int(headers.get("content-length", len(body)))
    return Answer(int(lines[0].split()[1]), headers, body[:length])  # a pipelined 2nd answer is left out


def read_answer(sock: socket.socket) -> Answer | None:
    """One response (by its Content-Length), or None when the server closed without one."""
    data = b""
    while True:
        _, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            answer = parse(data)
            if len(body) >= int(answer.headers.get("content-length", "0")):
                return answer
        chunk = sock.recv(1 << 20)
        if not chunk:
            return parse(data) if sep else None
        data += chunk


def check(answer: Answer | None) -> None:
    if answer is None:
        return  # closed without an answer (a timeout, or broken HTTP): nothing to judge
    assert answer.status < 500, answer
    if "webrpc" in answer.headers and answer.status >= 400:
        assert answer.headers["content-type"] == "application/json", answer
        assert "error" in json.loads(answer.body), answer


@dataclass
class Target:
    url: str
    port: int
    pid: int
    jwt: str

    def rss(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")

    def send(self, raw: bytes, *, timeout: float = 5.0) -> Answer | None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            try:
                sock.sendall(raw)
                answer = read_answer(sock)
            except (BrokenPipeError, ConnectionResetError):
                return None  # refused early, while we were still sending
        check(answer)
        return answer

    def rpc(self, method: str, body: bytes, *, content_type: str = "application/json") -> Answer | None:
        head = (
            f"POST /rpc/Collections/{method} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            f"Authorization: Bearer {self.jwt}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return self.send(head.encode() + body)

    def healthy(self) -> bool:
        return httpx.get(f"{self.url}/_emulator/health", timeout=5).status_code == 200


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to measure the server's memory")
    with start_standalone(SECRET, *TIMEOUTS) as (process, url):
        yield Target(url, int(url.rsplit(":", 1)[1]), process.pid, cli_token(1, SECRET))


MALFORMED = [
    b"",
    b"{",
    b"[]",
    b"null",
    b'"text"',
    b"\x00\x01\x02",
    b'{"collection": }',
    b'{"collection": {"metadata": {"name": NaN}}}',
    b'{"collection": {"metadata": {"name": "\xff\xfe\xfd"}}}',  # invalid UTF-8
    b'{"collection": {"metadata": {"name": "\\ud800"}}}',  # a lone surrogate
    b'{"collectionId": ' + b"9" * 5000 + b"}",  # over Python's 4,300-digit limit
    b'{"collectionId": 1e999999}',
    b'{"collection": {"metadata": {"name": "x", "properties": {"n": -' + b"1" * 50_000 + b"}}}}",
    b'{"collection": {"metadata": {"name": "x", "properties": ' + b"[" * 50_000 + b"]" * 50_000 + b"}}}",
    b"[" * 200_000,
    b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    b'{"collection": {"metadata": {"name": "' + b"n" * 200_000 + b'"}}}',
    b'{"collection": {"metadata": {"name": "x", "attributes": [' + b"{}," * 5000 + b"{}]}}}",
]


@pytest.mark.parametrize("body", MALFORMED, ids=[f"body{i}" for i in range(len(MALFORMED))])
def test_malformed_bodies(target: Target, body: bytes) -> None:
    for method in ("CreateCollection", "GetCollection", "UpdateToken"):
        answer = target.rpc(method, body)  # Go-like: invalid UTF-8 becomes U+FFFD, so some succeed
        assert answer is not None
        assert answer.status in (200, 400, 413)


def test_wrong_content_types_and_methods(target: Target) -> None:
    assert target.rpc("ListCollections", b"{}", content_type="text/html\x7f").status == 400  # type: ignore[union-attr]
    for raw in (
        b"DELETE /rpc/Collections/ListCollections HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /projects/1/collections/" + b"9" * 5000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /projects/%ff%fe/collections/1/tokens/1.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"PUT /projects/1/collections/1/tokens/1/upload/image HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 9\r\n\r\n--x\r\n--x--",
        b"POST /_emulator/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
    ):
        assert target.send(raw) is not None


def test_huge_and_lying_bodies(target: Target) -> None:
    head = b"POST /rpc/Collections/CreateCollection HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    huge = target.send(head + b"Content-Length: 99999999999999\r\n\r\n")
    assert huge is not None
    assert huge.status == 413
    chunked = head + b"Transfer-Encoding: chunked\r\n\r\n" + (b"100000\r\n" + b"a" * 0x100000 + b"\r\n") * 3
    assert target.send(chunked + b"0\r\n\r\n").status == 413  # type: ignore[union-attr]
    short = target.send(head + b"Content-Length: 1000\r\n\r\n{}")  # the rest never comes
    assert short is not None
    assert (short.status, json.loads(short.body)["error"]) == (408, "Timeout")
    target.send(head + b"Content-Length: 2\r\n\r\n{}GARBAGE GARBAGE\r\n\r\n")  # more than it said
    target.send(head + b"Content-Length: -5\r\n\r\n")
    target.send(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(200))  # TLS on a plain port
    target.send(b"GET / HTTP/1.1\r\n" + b"X-Big: " + b"a" * 100_000 + b"\r\n\r\n")
    assert target.healthy()


async def _hold_connections(port: int, count: int, request: bytes) -> list[bytes]:
    async def one() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(request)
            await writer.drain()
            return await asyncio.wait_for(reader.read(65536), 20)
        finally:
            writer.close()

    opened = [one() for _ in range(count)]
    return list(await asyncio.gather(*opened))


def test_five_hundred_concurrent_connections(target: Target) -> None:
    request = b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    answers = asyncio.run(_hold_connections(target.port, 500, request))
    assert all(answer.startswith(b"HTTP/1.1 200 ") for answer in answers)


def test_slow_clients_are_cut_off_and_others_served(target: Target) -> None:
    slow = [socket.create_connection(("127.0.0.1", target.port), timeout=5) for _ in range(60)]
    try:
        for sock in slow:
            sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\n")  # never finished
        assert target.healthy()  # served meanwhile
        time.sleep(1.5)  # past the header timeout
        for sock in slow:
            sock.settimeout(2)
            assert sock.recv(1) == b""  # closed by the server
    finally:
        for sock in slow:
            sock.close()


def test_memory_stays_bounded_with_full_projects_and_clients_that_never_read(target: Target) -> None:
    before = target.rss()
    control = {"X-Emulator-Control-Token": CONTROL_TOKEN}
    headers = {"Authorization": f"Bearer {target.jwt}"}
    big_metadata = {"name": "x", "attributes": [{"v": "a" * 60_000} for _ in range(15)]}
    with httpx.Client(base_url=target.url, timeout=20) as client:
        statuses = set()
        for _ in range(24):  # more than the project may hold: the last ones are refused
            answer = client.post(
                "/rpc/Collections/CreateCollection",
                json={"collection": {"metadata": big_metadata}},
                headers=headers,
            )
            statuses.add(answer.status_code)
        assert statuses == {200, 409}
        listing = json.dumps({"page": {"pageSize": 100}}).encode()
        request = (
            "POST /rpc/Collections/ListCollections HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {target.jwt}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(listing)}\r\n\r\n"
        ).encode() + listing
        lazy = [socket.create_connection(("127.0.0.1", target.port), timeout=5) for _ in range(6)]
        try:
            for sock in lazy:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                sock.sendall(request * 3)  # pipelined, and never read
            time.sleep(1.0)
            assert client.get("/_emulator/health").status_code == 200
            growth = target.rss() - before
        finally:
            for sock in lazy:
                sock.close()
        assert growth < RSS_GROWTH_LIMIT, f"the server grew by {growth / 2**20:.0f} MiB"
        assert client.post("/_emulator/reset", headers=control).status_code == 200
