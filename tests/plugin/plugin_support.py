"""Helpers shared by the plugin's tests (importable: tests/plugin is on sys.path)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
