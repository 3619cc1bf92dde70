"""Helpers shared by the plugin's tests (importable: tests/plugin is on sys.path)."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from pytest_sequence_metadata.emulator import Emulator
from pytest_sequence_metadata.emulator.server import ServerHandle


@dataclass
class Server:
    """A standalone emulator reached over HTTP: what a live target looks like to the plugin."""

    emulator: Emulator
    handle: ServerHandle
    jwt: str
    other_jwt: str

    @property
    def url(self) -> str:
        return str(self.handle.url)

    def args(self, *extra: str) -> list[str]:
        """Command-line arguments that point a run at this server as a live target."""
        return ["--sequence-url", self.url, "--sequence-jwt", self.jwt, *extra]

    def collections(self, project: int = 1) -> list[dict[str, Any]]:
        """Every collection of `project`, read straight from the backend."""
        answer = self.emulator.backend.list_collections(project, {"pageSize": 100}, base_url=self.url)
        return list(answer["collections"])

    def stats(self) -> dict[str, int]:
        return self.emulator.backend.stats()


# For pytest subprocesses: schemathesis and hypothesis (the `[contract]` extra) register pytest plugins
# whose import costs seconds, and no inner run here needs them.
LEAN = ("-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest")


class NetworkRecorder:
    """Stands in for every way out of the process, writing down each attempt and refusing it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.attempts: list[str] = []

        def http(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
            self.attempts.append(f"http {request.url.host}")
            raise RuntimeError("network refused by the test")

        def resolve(host: str, *args: Any, **kwargs: Any) -> Any:
            self.attempts.append(f"resolve {host}")
            raise OSError("network refused by the test")

        def connect(sock: socket.socket, address: Any) -> None:
            self.attempts.append(f"connect {address}")
            raise OSError("network refused by the test")

        monkeypatch.setattr(httpx.HTTPTransport, "handle_request", http)
        monkeypatch.setattr(socket, "getaddrinfo", resolve)
        monkeypatch.setattr(socket.socket, "connect", connect)
