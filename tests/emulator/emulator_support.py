"""Helpers for the emulator tests: an API driver over any httpx client, and tiny media files."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx

from pytest_sequence_metadata.emulator import Emulator
from pytest_sequence_metadata.fixtures import tiny_png


def png_bytes(width: int, height: int) -> bytes:
    """A valid RGB PNG of the given size (no Pillow needed)."""
    return tiny_png(width, height)


GIF_1x1 = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


class Api:
    """Drives the emulator through an httpx client (in-process transport or a real server)."""

    def __init__(self, emulator: Emulator, client: httpx.Client, mode: str) -> None:
        self.emulator = emulator
        self.client = client
        self.mode = mode

    def jwt(self, project: int = 1, **kwargs: Any) -> str:
        return self.emulator.mint_jwt(project, **kwargs)

    def auth(self, project: int | None = 1) -> dict[str, str]:
        return {} if project is None else {"Authorization": f"Bearer {self.jwt(project)}"}

    def rpc(
        self,
        method: str,
        body: Any = None,
        *,
        project: int | None = 1,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return self.client.post(
            f"/rpc/Collections/{method}",
            json={} if body is None else body,
            headers={**self.auth(project), **(headers or {})},
        )

    def call(self, method: str, body: Any = None, *, project: int = 1) -> dict[str, Any]:
        response = self.rpc(method, body, project=project)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def control(self, method: str, route: str, **kwargs: Any) -> httpx.Response:
        """A /_emulator/ control call with this emulator's control token."""
        headers = {**self.emulator.control_headers(), **kwargs.pop("headers", {})}
        return self.client.request(method, f"/_emulator/{route}", headers=headers, **kwargs)

    def get(self, path: str, *, project: int | None = None) -> httpx.Response:
        return self.client.get(path, headers=self.auth(project))

    def upload(
        self, path: str, data: bytes, *, project: int | None = 1, filename: str = "blob", field: str = "file"
    ) -> httpx.Response:
        return self.client.put(path, files={field: (filename, data)}, headers=self.auth(project))

    # --- common set-ups ---

    def collection(self, name: str = "Harbor Lights", *, project: int = 1, publish: bool = False) -> int:
        cid: int = self.call(
            "CreateCollection",
            {"collection": {"metadata": {"name": name, "description": "Lighthouses"}}},
            project=project,
        )["collection"]["id"]
        if publish:
            self.call("PublishCollection", {"collectionId": cid}, project=project)
        return cid

    def token(
        self, cid: int, token_id: str = "7", *, project: int = 1, private: bool | None = None, **fields: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "collectionId": cid,
            "token": {"tokenId": token_id, "name": f"Token {token_id}", **fields},
        }
        if private is not None:
            body["private"] = private
        token: dict[str, Any] = self.call("CreateToken", body, project=project)["token"]
        return token

    def image(
        self, cid: int, token_id: str = "7", *, project: int = 1, data: bytes | None = None
    ) -> dict[str, Any]:
        response = self.upload(
            f"/projects/{project}/collections/{cid}/tokens/{token_id}/upload/image",
            data if data is not None else png_bytes(3, 2),
            project=project,
        )
        assert response.status_code == 200, response.text
        asset: dict[str, Any] = response.json()
        return asset


CLI = [sys.executable, "-m", "pytest_sequence_metadata.emulator"]
# What the standalone servers of the tests are started with (`serve --control-token`).
CONTROL_TOKEN = "standalone-test-control-token"


@contextlib.contextmanager
def start_standalone(secret: str, *extra: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`python -m pytest_sequence_metadata.emulator serve --port 0` as a real process, and its URL."""
    process = subprocess.Popen(
        [*CLI, "serve", "--port", "0", "--jwt-secret", secret, "--control-token", CONTROL_TOKEN, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on http://" in line, line + (process.stderr.read() if process.stderr else "")
        yield process, line.split("listening on ", 1)[1].split()[0]
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def cli_token(project: int, secret: str) -> str:
    command = [*CLI, "token", "--project", str(project), "--jwt-secret", secret]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
