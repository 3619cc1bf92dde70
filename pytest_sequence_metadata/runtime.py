"""What one pytest process holds for the Sequence target: settings, ledger, stats, clients, emulator.

Created at configure time (cheap: settings only); the emulator and clients are built on first use,
so a project that has the plugin installed but uses none of its fixtures pays nothing for them.
"""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal

import pytest

from pytest_sequence_metadata.settings import Settings

if TYPE_CHECKING:
    from pytest_sequence_metadata.client import ClientObserver, MetadataClient
    from pytest_sequence_metadata.emulator import Emulator
    from pytest_sequence_metadata.emulator.faults import Faults
    from pytest_sequence_metadata.emulator.server import ServerHandle
    from pytest_sequence_metadata.ledger import CleanupLedger, Leftover
    from pytest_sequence_metadata.traffic import TrafficStats

TAG_KEY: Final = "pytest-sequence-metadata"
Identity = Literal["owner", "anonymous", "other"]


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
        return self.kind == "emulator"


class EmulatorHandle:
    """The running emulator of this test process (the `sequence_emulator` fixture).

    In-process by default; `url` starts a real HTTP server on loopback on first use, sharing the same
    state, for code that needs an address (another process, another language).
    """

    def __init__(self, emulator: Emulator, owner_project_id: int, other_project_id: int) -> None:
        self.emulator = emulator
        self.owner_project_id = owner_project_id
        self.other_project_id = other_project_id
        self._server: ServerHandle | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """Base URL of a loopback HTTP server for this emulator (started on first use)."""
        with self._lock:
            if self._server is None:
                self._server = self.emulator.serve()
            return str(self._server.url)

    @property
    def faults(self) -> Faults:
        """Fault injection: `rate_limit(op)`, `server_error(op)`, `latency(op, seconds=...)`."""
        return self.emulator.faults

    def mint_jwt(self, project_id: int | None = None, *, expires_in: float | None = 3600.0) -> str:
        """A JWT the emulator accepts, for `project_id` (default: the owner project)."""
        project = self.owner_project_id if project_id is None else project_id
        return self.emulator.mint_jwt(project, expires_in=expires_in)

    def reset(self) -> None:
        """Forget every collection, token, asset and fault rule."""
        self.emulator.reset()

    def stop(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.stop()
                self._server = None

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
        self._emulator: EmulatorHandle | None = None
        self._counter = 0
        self._lock = threading.RLock()

    @property
    def ledger(self) -> CleanupLedger:
        """The cleanup ledger of this process (created on first use)."""
        with self._lock:
            if self._ledger is None:
                from pytest_sequence_metadata.ledger import CleanupLedger

                self._ledger = CleanupLedger()
            return self._ledger

    @property
    def stats(self) -> TrafficStats:
        """Requests sent by the plugin's clients in this process (created on first use)."""
        with self._lock:
            if self._stats is None:
                from pytest_sequence_metadata.traffic import TrafficStats

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

    def leftovers(self) -> list[Leftover]:
        return self._ledger.outstanding() if self._ledger is not None else []

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
                from pytest_sequence_metadata.emulator import Emulator

                assert self.settings.project_id is not None
                assert self.settings.other_project_id is not None
                self._emulator = EmulatorHandle(
                    Emulator(mutations=self.emulator_mutations),
                    self.settings.project_id,
                    self.settings.other_project_id,
                )
            return self._emulator

    def observers(self) -> list[ClientObserver]:
        if self._observers is None:
            observers: list[ClientObserver] = [self.stats]
            if self.settings.rate_limit is not None:
                from pytest_sequence_metadata.traffic import RateLimiter

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
        client = self._make_client(identity)
        with self._lock:
            client = self._clients.setdefault(identity, client)
        if identity != "anonymous":
            self.ledger.deleters.setdefault(identity, client)
        return client

    def _make_client(self, identity: Identity) -> MetadataClient:
        from pytest_sequence_metadata.client import MetadataClient

        settings = self.settings
        project = settings.other_project_id if identity == "other" else settings.project_id
        observers = [*self.observers()]
        if identity != "anonymous":
            observers.append(self.ledger.observer(identity))
        if settings.kind == "emulator":
            handle = self.emulator()
            jwt = None if identity == "anonymous" else handle.mint_jwt(project, expires_in=None)
            return MetadataClient(
                settings.base_url,
                jwt=jwt,
                project_id=project,
                transport=handle.emulator.transport(),
                observers=observers,
            )
        secret = {"owner": settings.jwt, "other": settings.other_jwt, "anonymous": None}[identity]
        return MetadataClient(
            settings.base_url,
            jwt=secret.reveal() if secret is not None else None,
            project_id=project,
            observers=observers,
        )

    def run_tag(self) -> dict[str, Any]:
        """What every collection the plugin creates carries in `metadata.properties[TAG_KEY]`."""
        return {"run": self.run_id, "worker": self.worker, "createdAt": datetime.now(UTC).isoformat()}

    def unique_name(self, label: str) -> str:
        with self._lock:
            self._counter += 1
            count = self._counter
        return f"{label} {self.run_id}-{self.worker}-{count}"

    def sweep(self) -> tuple[list[int], list[str]]:
        """Delete tagged collections of earlier runs older than the sweep age; never untagged ones.

        Returns (deleted ids, problems).
        """
        from pytest_sequence_metadata.errors import NotFoundError

        client = self.client("owner")
        cutoff = datetime.now(UTC) - timedelta(seconds=self.settings.sweep_age_seconds)
        deleted: list[int] = []
        problems: list[str] = []
        stale: list[int] = []
        page = 0  # from 0: safe whichever base the server counts pages from [A:page-numbering]
        try:
            while True:
                answer = client.list_collections(page={"page": page, "pageSize": 100})
                for collection in answer.get("collections") or []:
                    if _is_stale(collection, cutoff, self.run_id):
                        stale.append(collection["id"])
                if not (answer.get("page") or {}).get("more"):
                    break
                page += 1
        except Exception as error:  # webrpc, transport and validation errors alike: report, go on
            problems.append(f"listing collections failed ({type(error).__name__}: {error})")
        for collection_id in stale:
            try:
                client.delete_collection(collection_id)
            except NotFoundError:
                pass  # deleted meanwhile (another sweeping run): gone is what we wanted
            except Exception as error:
                problems.append(f"collection {collection_id}: {type(error).__name__}: {error}")
            else:
                deleted.append(collection_id)
        return deleted, problems

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        if self._emulator is not None:
            self._emulator.stop()


def _xdist_workers() -> int:
    """How many pytest-xdist workers share the run's limits (1 without xdist)."""
    try:
        return max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    except ValueError:
        return 1


def _is_stale(collection: dict[str, Any], cutoff: datetime, current_run: str) -> bool:
    properties = (collection.get("metadata") or {}).get("properties") or {}
    tag = properties.get(TAG_KEY)
    if not isinstance(tag, dict) or tag.get("run") == current_run:
        return False
    try:
        created = datetime.fromisoformat(str(tag.get("createdAt")))
    except ValueError:
        return False
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created < cutoff


RUNTIME: Final = pytest.StashKey[Runtime]()


def get_runtime(config: pytest.Config) -> Runtime:
    try:
        return config.stash[RUNTIME]
    except KeyError:
        raise RuntimeError("pytest-sequence-metadata is not configured in this pytest run") from None
