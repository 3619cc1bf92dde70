"""What one pytest process holds for the Sequence target: settings, ledger, stats, clients, emulator.

Created at configure time (cheap: settings only); the emulator and clients are built on first use,
so a project that has the plugin installed but uses none of its fixtures pays nothing for them.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import pytest

from pytest_sequence_metadata.contract.privacy import Identity
from pytest_sequence_metadata.pytest.settings import Settings

if TYPE_CHECKING:
    import httpx

    from pytest_sequence_metadata.client.core import (
        AsyncMetadataClient,
        ClientObserver,
        MetadataClient,
        ThreadedTransport,
    )
    from pytest_sequence_metadata.emulator import Emulator
    from pytest_sequence_metadata.emulator.faults import FaultRule, Faults
    from pytest_sequence_metadata.emulator.journal import Journal as RequestJournal
    from pytest_sequence_metadata.emulator.server import ServerHandle
    from pytest_sequence_metadata.pytest.journal import Journal
    from pytest_sequence_metadata.pytest.ledger import CleanupLedger, Leftover
    from pytest_sequence_metadata.pytest.recording import Normaliser, Recorder
    from pytest_sequence_metadata.pytest.traffic import TrafficStats
    from pytest_sequence_metadata.suite.parity import ParityCheck

TAG_KEY: Final = "pytest-sequence-metadata"


@dataclass(frozen=True, slots=True)
class Target:
    """The API under test, as the `sequence_target` fixture gives it."""

    kind: Literal["emulator", "live"]
    base_url: str
    project_id: int
    other_project_id: int | None
    profile: str

    @property
    def is_emulator(self) -> bool:
        """Whether the target is the embedded emulator."""
        return self.kind == "emulator"


class EmulatorHandle:
    """The running emulator of this test process (the `sequence_emulator` fixture).

    In-process by default; `url` starts a real HTTP server on loopback on first use, sharing the same
    state, for code that needs an address (another process, another language).
    """

    def __init__(
        self,
        emulator: Emulator,
        owner_project_id: int,
        other_project_id: int,
        address: socket.socket | None = None,
    ) -> None:
        self.emulator = emulator
        self.owner_project_id = owner_project_id
        self.other_project_id = other_project_id
        self._address = address
        self._server: ServerHandle | None = None
        self._lock = threading.Lock()

    @classmethod
    def create(
        cls, owner_project_id: int, other_project_id: int, mutations: tuple[str, ...]
    ) -> EmulatorHandle:
        """An emulator whose answers carry the URL its server will have: the port is reserved now
        (bound, not listening: refused until `url` starts the server), so URLs handed out before the
        server starts work once it runs."""
        from pytest_sequence_metadata.emulator import Emulator

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        address: socket.socket | None = sock
        try:
            sock.bind(("127.0.0.1", 0))
        except OSError:  # no loopback to bind (a locked-down sandbox): in-process URLs, as before
            sock.close()
            address = None
        base_url = "http://{}:{}".format(*sock.getsockname()[:2]) if address is not None else None
        # A control token of its own (not $SEQUENCE_EMULATOR_CONTROL_TOKEN, meant for a standalone
        # server): `sequence_emulator.emulator.control_headers()` opens the control routes.
        emulator = Emulator(mutations=mutations, base_url=base_url, control_token=secrets.token_urlsafe(32))
        return cls(emulator, owner_project_id, other_project_id, address)

    @property
    def url(self) -> str:
        """Base URL of a loopback HTTP server for this emulator (started on first use)."""
        with self._lock:
            if self._server is None:
                if self._address is None:
                    self._server = self.emulator.serve()
                else:
                    from pytest_sequence_metadata.emulator.server import serve_in_background

                    self._server = serve_in_background(self.emulator, sock=self._address)
            return str(self._server.url)

    @property
    def faults(self) -> Faults:
        """Fault injection: `rate_limit(op)`, `server_error(op)`, `latency(op, seconds=...)`."""
        return self.emulator.faults

    @property
    def requests(self) -> RequestJournal:
        """The request journal: what reached the emulator, e.g. `requests.calls("CreateToken")`,
        `requests.assert_called("CreateToken", times=1)` (cleared by `reset()`)."""
        return self.emulator.requests

    def load(self, state: Mapping[str, Any] | str | os.PathLike[str]) -> None:
        """Replace the emulator's state with a state document, or a JSON/YAML file of one (the
        `GET /_emulator/state` format; `file.path` entries are read relative to the file)."""
        self.emulator.restore(state)

    def snapshot(self, *, files: Literal["hash", "base64"] = "base64") -> dict[str, Any]:
        """The emulator's state as a state document (what `load` takes back)."""
        return self.emulator.snapshot(files=files)

    def mint_jwt(self, project_id: int | None = None, *, expires_in: float | None = 3600.0) -> str:
        """A JWT the emulator accepts, for `project_id` (default: the owner project)."""
        project = self.owner_project_id if project_id is None else project_id
        return self.emulator.mint_jwt(project, expires_in=expires_in)

    def reset(self) -> None:
        """Forget every collection, token, asset and fault rule."""
        self.emulator.reset()

    def fault_rules(self) -> list[FaultRule]:
        """The fault rules in force now (to give `keep_only_faults` at the end of a test)."""
        return self.emulator.faults.rules

    def keep_only_faults(self, before: list[FaultRule]) -> None:
        """Drop the fault rules added since `before` was taken; the older ones keep their remaining uses."""
        faults = self.emulator.faults
        rules = faults.rules
        if all(any(rule is old for old in before) for rule in rules):
            return
        survivors = [rule for rule in rules if any(rule is old for old in before)]
        faults.clear()
        for rule in survivors:
            times = None if rule.times is None else rule.times - rule.hits
            if rule.kind == "rate_limit":
                faults.rate_limit(
                    rule.operation, retry_after=rule.retry_after, times=times, probability=rule.probability
                )
            elif rule.kind == "error":
                faults.server_error(
                    rule.operation, status=rule.status, times=times, probability=rule.probability
                )
            else:
                faults.latency(
                    rule.operation, seconds=rule.seconds, times=times, probability=rule.probability
                )

    def stop(self) -> None:
        """Stop the HTTP server if `url` started one (the plugin does at the end of the run)."""
        with self._lock:
            if self._server is not None:
                self._server.stop()  # closes the reserved socket too
                self._server = None
            elif self._address is not None:
                self._address.close()
            self._address = None

    def __repr__(self) -> str:
        state = "serving" if self._server is not None else "in-process"
        return f"<EmulatorHandle {state} owner={self.owner_project_id} other={self.other_project_id}>"


class Runtime:
    """Per-process state of the plugin, kept in `config.stash[RUNTIME]`."""

    def __init__(self, settings: Settings, *, run_id: str | None = None, worker: str | None = None) -> None:
        self.settings = settings
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.worker = worker or os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.started = datetime.now(UTC)
        # The ledger and the stats import the client (httpx, jsonschema): built on first use only.
        self._ledger: CleanupLedger | None = None
        self._stats: TrafficStats | None = None
        self.emulator_mutations: tuple[str, ...] = settings.emulator_mutations
        self._observers: list[ClientObserver] | None = None
        self._clients: dict[Identity, MetadataClient] = {}
        self._async_clients: dict[Identity, AsyncMetadataClient] = {}
        self._jwts: dict[Identity, str | None] = {}
        self._async_transports: list[ThreadedTransport] = []
        self._emulator: EmulatorHandle | None = None
        self._counter = 0
        self._lock = threading.RLock()
        # pytest's cache directory for journals (journal.py); None without the cache plugin.
        self.journal_dir: Path | None = None
        # Exchanges of each test, for --sequence-record and --sequence-parity (recording.py).
        self.recorder: Recorder | None = None
        if settings.record or settings.parity:
            from pytest_sequence_metadata.pytest.recording import Recorder

            self.recorder = Recorder()
        self.parity: ParityCheck | None = None  # set by the plugin with --sequence-parity

    @property
    def ledger(self) -> CleanupLedger:
        """The cleanup ledger of this process (created on first use)."""
        with self._lock:
            if self._ledger is None:
                from pytest_sequence_metadata.pytest.ledger import CleanupLedger

                self._ledger = CleanupLedger(journal=self._journal())
            return self._ledger

    def _journal(self) -> Journal | None:
        # Only a live target outlives the process: the embedded emulator's state dies with it.
        if self.journal_dir is None or self.settings.kind != "live":
            return None
        from pytest_sequence_metadata.pytest.journal import Journal
        from pytest_sequence_metadata.pytest.settings import display_url

        target = display_url(self.settings.base_url)
        return Journal(self.journal_dir, run_id=self.run_id, worker=self.worker, target=target)

    @property
    def stats(self) -> TrafficStats:
        """Requests sent by the plugin's clients in this process (created on first use)."""
        with self._lock:
            if self._stats is None:
                from pytest_sequence_metadata.pytest.traffic import TrafficStats

                budget = self.settings.request_budget
                workers = _xdist_workers()
                if budget is not None and workers > 1:
                    # Each worker counts its own requests: an equal share keeps the run within budget.
                    share = max(1, budget // workers)
                    note = f"this worker's share of {budget} across {workers} workers"
                    self._stats = TrafficStats(budget=share, budget_note=note)
                else:
                    self._stats = TrafficStats(budget=budget)
            return self._stats

    def ledger_mark(self) -> int:
        """`ledger.mark()`, without building a ledger: with none yet, everything comes after 0."""
        return self._ledger.mark() if self._ledger is not None else 0

    def clean(self, since: int = 0) -> None:
        """Delete what the ledger holds from `since` on; a no-op when no client was ever made."""
        if self._ledger is not None:
            self._ledger.clean(since=since)

    def leftovers(self, since: int = 0) -> list[Leftover]:
        """Resources whose deletion failed and that are still recorded, created after `since`."""
        found = self._ledger.outstanding() if self._ledger is not None else []
        return [leftover for leftover in found if leftover.entry.sequence > since]

    def retry_deletion(self, leftovers: list[Leftover]) -> list[Leftover]:
        """One more attempt at deleting `leftovers`; returns those that are still there."""
        if self._ledger is None or not leftovers:
            return leftovers
        return self._ledger.clean(entries=[leftover.entry for leftover in leftovers])

    @property
    def running_emulator(self) -> EmulatorHandle | None:
        """The embedded emulator if a fixture has made it, else None (never creates one)."""
        return self._emulator

    def close_journal(self) -> None:
        """Close this process's journal, removing it when nothing it lists is left behind."""
        if self._ledger is not None and self._ledger.journal is not None:
            self._ledger.journal.close(remove=not self._ledger.entries())

    @property
    def budget_exhausted(self) -> bool:
        return self._stats is not None and self._stats.exhausted

    @property
    def target(self) -> Target:
        settings = self.settings
        assert settings.project_id is not None  # resolve() guarantees it
        return Target(
            kind=settings.kind,
            base_url=settings.base_url,
            project_id=settings.project_id,
            other_project_id=settings.other_project_id,
            profile=settings.profile,
        )

    def emulator(self) -> EmulatorHandle:
        if self.settings.kind != "emulator":
            raise RuntimeError("the target is a live API (--sequence-url); there is no embedded emulator")
        with self._lock:
            if self._emulator is None:
                assert self.settings.project_id is not None
                assert self.settings.other_project_id is not None
                self._emulator = EmulatorHandle.create(
                    self.settings.project_id, self.settings.other_project_id, self.emulator_mutations
                )
            return self._emulator

    def observers(self) -> list[ClientObserver]:
        if self._observers is None:
            observers: list[ClientObserver] = [self.stats]
            if self.recorder is not None:
                observers.append(self.recorder)
            if self.settings.rate_limit is not None:
                from pytest_sequence_metadata.pytest.traffic import RateLimiter

                observers.insert(0, RateLimiter(self.settings.rate_limit, share=_xdist_workers()))
            self._observers = observers
        return self._observers

    def has_identity(self, identity: Identity) -> bool:
        if identity == "other":
            return self.settings.kind == "emulator" or self.settings.other_jwt is not None
        return True

    def client(self, identity: Identity) -> MetadataClient:
        """The plugin's client for an identity, created once per process."""
        with self._lock:
            if identity in self._clients:
                return self._clients[identity]
        client, jwt = self._make_client(identity)
        with self._lock:
            made = client
            client = self._clients.setdefault(identity, client)
        if client is not made:  # another thread won: its client (and its JWT) is the one
            made.close()
        elif identity != "anonymous":
            project = self.settings.other_project_id if identity == "other" else self.settings.project_id
            self.ledger.register(identity, client, jwt, project)
            self._jwts[identity] = jwt  # the async client of the identity sends the same one
            if self.recorder is not None:
                self.recorder.register(identity, jwt)
        return client

    def normaliser(self) -> Normaliser:
        """A fresh normaliser for one test's exchanges: symbols count from 1 in every test."""
        from pytest_sequence_metadata.pytest.recording import Normaliser

        settings = self.settings
        bases = [settings.base_url]
        if self._emulator is not None and self._emulator.emulator.base_url:
            bases.append(self._emulator.emulator.base_url)  # what the embedded emulator's answers carry
        projects = {settings.project_id: "$project"} if settings.project_id is not None else {}
        if settings.other_project_id is not None:
            projects[settings.other_project_id] = "$otherProject"
        return Normaliser(tuple(bases), projects, self.run_id)

    def async_client(self, identity: Identity) -> AsyncMetadataClient:
        """The plugin's async client for an identity, created once per process, usable on any loop.

        It sends the sync client's JWT and has the same observers (ledger, budget, rate limit); what
        it creates is deleted through the sync client, so a sync teardown cleans up after an async test.
        """
        with self._lock:
            if identity in self._async_clients:
                return self._async_clients[identity]
        twin = self.client(identity)  # registers the ledger's deleter for this identity's JWT
        client = self._make_async_client(identity, twin)
        with self._lock:
            return self._async_clients.setdefault(identity, client)

    def _observers_of(self, identity: Identity) -> list[ClientObserver]:
        observers = [*self.observers()]
        if identity != "anonymous":
            observers.append(self.ledger.observer(identity))
        return observers

    def _make_client(self, identity: Identity) -> tuple[MetadataClient, str | None]:
        """A new client for `identity`, and the JWT it sends."""
        from pytest_sequence_metadata.client.core import MetadataClient

        settings = self.settings
        project = settings.other_project_id if identity == "other" else settings.project_id
        observers = self._observers_of(identity)
        if settings.kind == "emulator":
            handle = self.emulator()
            jwt = None if identity == "anonymous" else handle.mint_jwt(project, expires_in=None)
            client = MetadataClient(
                settings.base_url,
                jwt=jwt,
                project_id=project,
                transport=handle.emulator.transport(),
                observers=observers,
            )
            return client, jwt
        secret = {"owner": settings.jwt, "other": settings.other_jwt, "anonymous": None}[identity]
        jwt = secret.reveal() if secret is not None else None
        return MetadataClient(settings.base_url, jwt=jwt, project_id=project, observers=observers), jwt

    def _make_async_client(self, identity: Identity, twin: MetadataClient) -> AsyncMetadataClient:
        from pytest_sequence_metadata.client.core import AsyncMetadataClient, ThreadedTransport

        # Session-scoped, but pytest-asyncio gives each test its own event loop and anyio may run
        # trio: both transports hold nothing tied to a loop (the emulator's answers in-process; a
        # live target's connections live in a sync pool used from worker threads).
        transport: httpx.AsyncBaseTransport
        if self.settings.kind == "emulator":
            transport = self.emulator().emulator.transport()
        else:
            threaded = ThreadedTransport()
            self._async_transports.append(threaded)
            transport = threaded
        return AsyncMetadataClient(
            self.settings.base_url,
            jwt=self._jwts.get(identity),
            project_id=twin.project_id,
            transport=transport,
            observers=self._observers_of(identity),
        )

    def run_tag(self) -> dict[str, Any]:
        """What every collection the plugin creates carries in `metadata.properties[TAG_KEY]`."""
        return {"run": self.run_id, "worker": self.worker, "createdAt": datetime.now(UTC).isoformat()}

    def unique_name(self, label: str) -> str:
        with self._lock:
            self._counter += 1
            count = self._counter
        return f"{label} {self.run_id}-{self.worker}-{count}"

    def sweep_clients(self) -> dict[int, MetadataClient]:
        """The client that deletes in each configured project (owner, and the other one if any)."""
        clients: dict[int, MetadataClient] = {}
        roles: tuple[tuple[Identity, int | None], ...] = (
            ("owner", self.settings.project_id),
            ("other", self.settings.other_project_id),
        )
        for identity, project in roles:
            if project is not None and self.has_identity(identity):
                clients.setdefault(project, self.client(identity))
        return clients

    def sweep_journals(self) -> tuple[list[str], list[str]]:
        """Delete what journals of earlier (killed) runs list and is older than the sweep age.

        Returns (what was deleted, problems); nothing to do without pytest's cache directory.
        """
        if self.journal_dir is None or self.settings.kind != "live" or not self.journal_dir.is_dir():
            return [], []
        from pytest_sequence_metadata.pytest import journal
        from pytest_sequence_metadata.pytest.ledger import delete_resource
        from pytest_sequence_metadata.pytest.settings import display_url

        return journal.sweep(
            self.journal_dir,
            current_run=self.run_id,
            target=display_url(self.settings.base_url),
            cutoff=datetime.now(UTC) - timedelta(seconds=self.settings.sweep_age_seconds),
            clients=self.sweep_clients(),
            delete=delete_resource,
        )

    def sweep(self) -> tuple[list[int], list[str]]:
        """Delete tagged collections of earlier runs older than the sweep age, in every configured
        project; never untagged ones.

        Returns (deleted ids, problems).
        """
        from pytest_sequence_metadata.pytest.ledger import sweep_tagged

        cutoff = datetime.now(UTC) - timedelta(seconds=self.settings.sweep_age_seconds)
        return sweep_tagged(self.sweep_clients(), cutoff=cutoff, current_run=self.run_id)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        for transport in self._async_transports:
            transport.close()
        if self._emulator is not None:
            self._emulator.stop()


def _xdist_workers() -> int:
    """How many pytest-xdist workers share the run's limits (1 without xdist)."""
    try:
        return max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    except ValueError:
        return 1


RUNTIME: Final = pytest.StashKey[Runtime]()


def get_runtime(config: pytest.Config) -> Runtime:
    try:
        return config.stash[RUNTIME]
    except KeyError:
        raise RuntimeError("pytest-sequence-metadata is not configured in this pytest run") from None
