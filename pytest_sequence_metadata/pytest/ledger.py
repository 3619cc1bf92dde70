"""The cleanup ledger: every resource a plugin client creates is written down the moment it exists.

Deletion runs in reverse order of creation (assets, then tokens, then collections), tolerates
resources that are already gone, and keeps whatever could not be deleted as leftovers, which fail
the run at the end. Each resource is recorded under the identity whose JWT created it, read from
the request that was sent (a `with_credentials` clone shares its parent's observers), and deleted
with that JWT. With a journal (journal.py), every record also goes to disk as it happens.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pytest_sequence_metadata.client.core import Call, ClientObserver
from pytest_sequence_metadata.client.errors import NotFoundError
from pytest_sequence_metadata.client.redaction import redact
from pytest_sequence_metadata.contract.operations import Resource, operations
from pytest_sequence_metadata.contract.spec import is_integer
from pytest_sequence_metadata.pytest.runtime import TAG_KEY

if TYPE_CHECKING:
    import httpx

    from pytest_sequence_metadata.client.core import MetadataClient
    from pytest_sequence_metadata.pytest.journal import Journal

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
        whose = f"the {self.identity} project" if self.identity in ("owner", "other") else self.identity
        return f"{self.kind.replace('_', ' ')} ({where}) of {whose}"


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


def delete_resource(client: MetadataClient, kind: Kind, key: tuple[Any, ...]) -> str | None:
    """Delete one resource: None when it is gone (now or already), else why it could not be."""
    try:
        if kind == "collection":
            client.delete_collection(key[0])
        elif kind == "contract_collection":
            client.delete_contract_collection(key[0], key[1])
        elif kind == "token":
            client.delete_token(key[0], key[1])
        else:
            client.delete_asset(key[0])
    except NotFoundError:
        return None  # already gone (deleted by the test, or with its collection)
    except Exception as error:  # webrpc errors, bad responses, transport errors alike
        return redact(f"{type(error).__name__}: {error}")
    return None


class CleanupLedger:
    """The run's record of live resources. Thread-safe; one per pytest process."""

    def __init__(self, journal: Journal | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[Kind, tuple[Any, ...], str], Entry] = {}
        self._sequence = 0
        self.created = 0
        self.deleted = 0
        self.leftovers: list[Leftover] = []
        self.deleters: dict[str, MetadataClient] = {}
        self.journal = journal
        self.projects: dict[str, int | None] = {}
        self._by_token: dict[str, str] = {}  # in memory only: a journal names identities, never JWTs

    def observer(self, identity: str) -> ClientObserver:
        """An observer that records what a client of `identity` creates and deletes."""
        return _LedgerObserver(self, identity)

    def register(self, identity: str, client: MetadataClient, jwt: str | None, project: int | None) -> None:
        """Make `client` the deleter of `identity`, known by the JWT it sends."""
        with self._lock:
            self.deleters.setdefault(identity, client)
            self.projects.setdefault(identity, project)
            if jwt is not None:
                self._by_token.setdefault(jwt, identity)

    def identity_of(self, jwt: str | None, project: Any, sender: str) -> str:
        """The identity a request sent with `jwt` acts as; a JWT never seen before (a clone made
        with `with_credentials`) becomes an identity of its own, deleted with that JWT."""
        if jwt is None:
            return sender
        with self._lock:
            known = self._by_token.get(jwt)
            if known is not None:
                return known
            project_id = project if is_integer(project) else None
            name = f"project {project_id} (another JWT)" if project_id is not None else "another JWT"
            count = 1
            while name in self.deleters or name in self.projects:
                count += 1
                name = f"{name.rsplit(' #', 1)[0]} #{count}"
            self._by_token[jwt] = name
            self.projects[name] = project_id
            parent = self.deleters.get(sender)
        if parent is not None:
            clone = parent.with_credentials(jwt, project_id)
            with self._lock:
                self.deleters.setdefault(name, clone)
        return name

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
            project = self.projects.get(identity)
        if self.journal is not None:
            self.journal.created(entry, project)
        return entry

    def forget(self, kind: Kind, key: tuple[Any, ...], identity: str) -> bool:
        with self._lock:
            entry = self._entries.pop((kind, key, identity), None)
            if entry is not None:
                self.deleted += 1
        if entry is not None and self.journal is not None:
            self.journal.deleted(entry)
        return entry is not None

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
            return f"no client with the JWT of {entry.identity} to delete it with"
        reason = delete_resource(client, entry.kind, entry.key)
        if reason is not None:
            return reason
        # Gone: the client's observer may have forgotten it already; this covers NotFound too.
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
        deleted = _deleted_key(call) if kind is None else None
        if kind is None and deleted is None:
            return
        identity = self.ledger.identity_of(_sent_jwt(response), _args(call).get("projectid"), self.identity)
        if kind is not None:
            try:
                body = response.json()
            except ValueError:
                return
            key = _key(kind, call, body) if isinstance(body, dict) else None
            if key is not None:
                self.ledger.record(kind, key, identity)
            return
        if deleted is not None:
            self.ledger.forget(deleted[0], deleted[1], identity)


def _sent_jwt(response: httpx.Response) -> str | None:
    """The JWT of the request as it went out (after the client's auth added it)."""
    try:
        header = response.request.headers.get("authorization", "")
    except RuntimeError:  # a response built without a request (test doubles)
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def sweep_tagged(
    clients: Mapping[int, MetadataClient], *, cutoff: datetime, current_run: str
) -> tuple[list[int], list[str]]:
    """Delete the collections of earlier runs tagged before `cutoff`, in each project's client; never
    untagged ones, never this run's. Returns (deleted ids, problems).

    The other half of the ledger: what a killed run could not delete, found again by its tag.
    """
    deleted: list[int] = []
    problems: list[str] = []
    for project, client in clients.items():
        stale: list[int] = []
        page = 0  # from 0: safe whichever base the server counts pages from [A:page-numbering]
        try:
            while True:
                answer = client.list_collections(page={"page": page, "pageSize": 100})
                for collection in answer.get("collections") or []:
                    if _is_stale(collection, cutoff, current_run):
                        stale.append(collection["id"])
                if not (answer.get("page") or {}).get("more"):
                    break
                page += 1
        except Exception as error:  # webrpc, transport and validation errors alike: report, go on
            problems.append(
                f"listing collections of project {project} failed ({type(error).__name__}: {error})"
            )
        for collection_id in stale:
            try:
                client.delete_collection(collection_id)
            except NotFoundError:
                pass  # deleted meanwhile (another sweeping run): gone is what we wanted
            except Exception as error:
                problems.append(f"collection {collection_id}: {type(error).__name__}: {error}")
            else:
                deleted.append(collection_id)
    return sorted(deleted), problems


def _is_stale(collection: Mapping[str, Any], cutoff: datetime, current_run: str) -> bool:
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
