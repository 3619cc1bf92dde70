"""The cleanup ledger: every resource a plugin client creates is written down the moment it exists.

Deletion runs in reverse order of creation (assets, then tokens, then collections), tolerates
resources that are already gone, and keeps whatever could not be deleted as leftovers, which fail
the run at the end.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_sequence_metadata.client import Call, ClientObserver
from pytest_sequence_metadata.contract.operations import Resource, operations
from pytest_sequence_metadata.errors import NotFoundError
from pytest_sequence_metadata.redaction import redact

if TYPE_CHECKING:
    import httpx

    from pytest_sequence_metadata.client import MetadataClient

Kind = Resource


def _created(operation_id: str) -> Kind | None:
    found = operations().get(operation_id)
    return found.creates if found is not None else None


@dataclass(frozen=True, slots=True)
class Entry:
    """A created resource: what it is, how to find it again, and which identity owns it."""

    kind: Kind
    key: tuple[Any, ...]
    identity: str
    sequence: int = field(compare=False)

    def describe(self) -> str:
        names = {
            "collection": ("collection",),
            "contract_collection": ("chain", "contract"),
            "token": ("collection", "token"),
            "asset": ("asset",),
        }[self.kind]
        where = ", ".join(f"{n} {v}" for n, v in zip(names, self.key, strict=True))
        return f"{self.kind.replace('_', ' ')} ({where}) of the {self.identity} project"


@dataclass(frozen=True, slots=True)
class Leftover:
    """A resource that could not be deleted, and why."""

    entry: Entry
    reason: str

    def describe(self) -> str:
        return f"{self.entry.describe()}: {self.reason}"


def _args(call: Call) -> dict[str, Any]:
    # Request keys are matched case-insensitively by the server, so `collectionID` counts too.
    return {str(k).lower(): v for k, v in call.json.items()} if isinstance(call.json, dict) else {}


def _key(kind: Kind, call: Call, body: dict[str, Any]) -> tuple[Any, ...] | None:
    try:
        if kind == "collection":
            return (body["collection"]["id"],)
        if kind == "contract_collection":
            link = body["contractCollection"]
            return (link["chainId"], str(link["contractAddress"]).lower())
        if kind == "token":
            return (_args(call)["collectionid"], str(body["token"]["tokenId"]))
        return (body["asset"]["id"],)
    except (KeyError, TypeError):
        return None


def _deletes(operation_id: str) -> tuple[Kind, tuple[str, ...]] | None:
    """What a delete removes, and the (lower-cased) arguments that name it: all but the project."""
    found = operations().get(operation_id)
    if found is None or found.deletes is None:
        return None
    return found.deletes, tuple(key.lower() for key in found.arguments if key != "projectId")


def _deleted_key(call: Call) -> tuple[Kind, tuple[Any, ...]] | None:
    found = _deletes(call.operation_id)
    args = _args(call)
    if found is None or any(name not in args for name in found[1]):
        return None
    kind, names = found
    values = [args[name] for name in names]
    if kind == "contract_collection":
        values[1] = str(values[1]).lower()
    if kind == "token":
        values[1] = str(values[1])
    return kind, tuple(values)


class CleanupLedger:
    """The run's record of live resources. Thread-safe; one per pytest process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[Kind, tuple[Any, ...], str], Entry] = {}
        self._sequence = 0
        self.created = 0
        self.deleted = 0
        self.leftovers: list[Leftover] = []
        self.deleters: dict[str, MetadataClient] = {}

    def observer(self, identity: str) -> ClientObserver:
        """An observer that records what a client of `identity` creates and deletes."""
        return _LedgerObserver(self, identity)

    def mark(self) -> int:
        """A position: `entries(since=mark)` gives what was created after it."""
        with self._lock:
            return self._sequence

    def record(self, kind: Kind, key: tuple[Any, ...], identity: str) -> Entry:
        with self._lock:
            known = self._entries.get((kind, key, identity))
            if known is not None:  # seen twice (e.g. a retried answer): one resource, one entry
                return known
            self._sequence += 1
            entry = Entry(kind, key, identity, self._sequence)
            self._entries[(kind, key, identity)] = entry
            self.created += 1
            return entry

    def forget(self, kind: Kind, key: tuple[Any, ...], identity: str) -> bool:
        with self._lock:
            found = self._entries.pop((kind, key, identity), None) is not None
            if found:
                self.deleted += 1
            return found

    def entries(self, since: int = 0) -> list[Entry]:
        with self._lock:
            return sorted((e for e in self._entries.values() if e.sequence > since), key=lambda e: e.sequence)

    def clean(self, since: int = 0, entries: list[Entry] | None = None) -> list[Leftover]:
        """Delete the given entries (default: everything created after `since`), newest first."""
        targets = self.entries(since) if entries is None else entries
        failed = []
        for entry in sorted(targets, key=lambda e: e.sequence, reverse=True):
            reason = self._delete(entry)
            if reason is not None:
                failed.append(Leftover(entry, reason))
        with self._lock:
            known = {(f.entry.kind, f.entry.key, f.entry.identity) for f in self.leftovers}
            self.leftovers.extend(
                f for f in failed if (f.entry.kind, f.entry.key, f.entry.identity) not in known
            )
        return failed

    def _delete(self, entry: Entry) -> str | None:
        client = self.deleters.get(entry.identity)
        if client is None:
            return f"no client of the {entry.identity} project to delete it with"
        try:
            if entry.kind == "collection":
                client.delete_collection(entry.key[0])
            elif entry.kind == "contract_collection":
                client.delete_contract_collection(entry.key[0], entry.key[1])
            elif entry.kind == "token":
                client.delete_token(entry.key[0], entry.key[1])
            else:
                client.delete_asset(entry.key[0])
        except NotFoundError:
            # Already gone (deleted by the test, or with its collection): nothing is left behind.
            self.forget(entry.kind, entry.key, entry.identity)
        except Exception as error:  # webrpc errors, bad responses, transport errors alike
            return redact(f"{type(error).__name__}: {error}")
        else:
            # The client's observer has already forgotten it; this covers a deleter without one.
            self.forget(entry.kind, entry.key, entry.identity)
        with self._lock:
            self.leftovers = [f for f in self.leftovers if f.entry != entry]
        return None

    def outstanding(self) -> list[Leftover]:
        """Leftovers that are still recorded (a later retry may have removed some)."""
        with self._lock:
            live = set(self._entries.values())
            return [f for f in self.leftovers if f.entry in live]


class _LedgerObserver(ClientObserver):
    # Records from the raw answer, before the client validates it: a create the server performed
    # but answered off-spec (SchemaViolationError) still left a resource behind to delete.
    def __init__(self, ledger: CleanupLedger, identity: str) -> None:
        self.ledger = ledger
        self.identity = identity

    def after_receive(self, call: Call, response: httpx.Response, attempt: int) -> None:
        if response.status_code != 200:
            return
        kind = _created(call.operation_id)
        if kind is not None:
            try:
                body = response.json()
            except ValueError:
                return
            key = _key(kind, call, body) if isinstance(body, dict) else None
            if key is not None:
                self.ledger.record(kind, key, self.identity)
            return
        deleted = _deleted_key(call)
        if deleted is not None:
            self.ledger.forget(deleted[0], deleted[1], self.identity)
