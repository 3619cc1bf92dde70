"""The crash-safe record of what a run created on a live target, and the sweep that reads it back.

The cleanup ledger lives in memory: a run killed with SIGKILL (or a machine that goes away) takes it
along, and the run tag in `metadata.properties` does not survive an UpdateCollection that replaces
the metadata. So each pytest process also appends one JSON line per created and per deleted resource
to its own file in pytest's cache directory, flushed at once (a killed process loses nothing the OS
has), and removes the file once the run has cleaned up everything. `--sequence-sweep` reads the
files other runs left behind and deletes what they still list, tagged or not, once it is older than
the sweep age.

A journal names the identity that created each resource by role and project id (`owner`, project
1234), never by its JWT: the sweep deletes it with the JWT this run has for that project.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from pytest_sequence_metadata.client import MetadataClient
    from pytest_sequence_metadata.ledger import Entry, Kind

CACHE_DIR: Final = "sequence-metadata-journal"  # config.cache.mkdir(CACHE_DIR)
_SUFFIX: Final = ".jsonl"
FORMAT: Final = 1


class Journal:
    """One process's journal file, created on the first resource; thread-safe."""

    def __init__(self, directory: Path, *, run_id: str, worker: str, target: str) -> None:
        self.path = directory / f"{run_id}-{worker}{_SUFFIX}"
        self._header: dict[str, Any] | None = {
            "journal": FORMAT,
            "run": run_id,
            "worker": worker,
            "target": target,
        }
        self._lock = threading.Lock()
        self._file: IO[str] | None = None

    @classmethod
    def existing(cls, path: Path) -> Journal:
        """Another run's journal, to append the sweep's deletions to."""
        journal = cls(path.parent, run_id="", worker="", target="")
        journal.path, journal._header = path, None
        return journal

    def created(self, entry: Entry, project: int | None) -> None:
        self._write({"op": "created", **_describe(entry), "project": project})

    def deleted(self, entry: Entry) -> None:
        self._write({"op": "deleted", **_describe(entry)})

    def _write(self, line: dict[str, Any]) -> None:
        line["at"] = datetime.now(UTC).isoformat()
        with self._lock:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.path.open("a", encoding="utf-8")
                if self._header is not None:
                    self._file.write(json.dumps(self._header) + "\n")
            self._file.write(json.dumps(line) + "\n")
            self._file.flush()  # in the OS's hands now: a killed process cannot lose it

    def close(self, *, remove: bool) -> None:
        """Close the file; `remove` it when the run left nothing behind."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
            if remove:
                self.path.unlink(missing_ok=True)


def _describe(entry: Entry) -> dict[str, Any]:
    return {"kind": entry.kind, "key": list(entry.key), "identity": entry.identity}


@dataclass(frozen=True, slots=True)
class Recorded:
    """A resource a journal still lists as created and not deleted."""

    kind: Kind
    key: tuple[Any, ...]
    identity: str
    project: int | None
    at: datetime
    order: int


def read(path: Path) -> tuple[dict[str, Any], list[Recorded]]:
    """The header and the outstanding resources of one journal; a torn last line is ignored."""
    header: dict[str, Any] = {}
    live: dict[tuple[str, tuple[Any, ...], str], Recorded] = {}
    for order, raw in enumerate(path.read_text(encoding="utf-8").splitlines()):
        try:
            line = json.loads(raw)
        except ValueError:
            continue  # killed halfway through writing this line
        if not isinstance(line, dict):
            continue
        if "journal" in line:
            header = line
            continue
        try:
            ident = (str(line["kind"]), tuple(line["key"]), str(line["identity"]))
            if line["op"] == "created":
                at = datetime.fromisoformat(str(line["at"]))
                project = line.get("project")
                live[ident] = Recorded(
                    line["kind"], ident[1], ident[2], project if isinstance(project, int) else None, at, order
                )
            elif line["op"] == "deleted":
                live.pop(ident, None)
        except (KeyError, TypeError, ValueError):
            continue
    return header, sorted(live.values(), key=lambda r: r.order)


Deleter = Callable[["MetadataClient", "Kind", tuple[Any, ...]], str | None]


def sweep(
    directory: Path,
    *,
    current_run: str,
    target: str,
    cutoff: datetime,
    clients: Mapping[int, MetadataClient],
    delete: Deleter,
) -> tuple[list[str], list[str]]:
    """Delete what journals of other runs against `target` still list and is older than `cutoff`.

    `clients` maps each configured project to the client that deletes in it; `delete` returns None
    when the resource is gone (deleted now, or already) and the reason otherwise. Returns
    (descriptions of what was deleted, problems). A journal with nothing left is removed.
    """
    deleted: list[str] = []
    problems: list[str] = []
    for path in sorted(directory.glob(f"*{_SUFFIX}")):
        if path.name.startswith(f"{current_run}-"):
            continue
        try:
            header, outstanding = read(path)
        except OSError as error:
            problems.append(f"journal {path.name} could not be read ({type(error).__name__})")
            continue
        if header.get("target") != target:
            continue  # another target's leftovers: only a run against it can delete them
        journal = Journal.existing(path)
        kept = 0
        for recorded in reversed(outstanding):  # newest first: assets and tokens before collections
            if recorded.at.replace(tzinfo=recorded.at.tzinfo or UTC) >= cutoff:
                kept += 1
                continue
            what = _name(recorded)
            client = clients.get(recorded.project) if recorded.project is not None else None
            if client is None:
                kept += 1
                problems.append(f"{what}: no JWT for project {recorded.project} in this run; kept")
                continue
            reason = delete(client, recorded.kind, recorded.key)
            if reason is not None:
                kept += 1
                problems.append(f"{what}: {reason}")
                continue
            deleted.append(what)
            from pytest_sequence_metadata.ledger import Entry

            journal.deleted(Entry(recorded.kind, recorded.key, recorded.identity, 0))
        journal.close(remove=kept == 0)
    return deleted, problems


def _name(recorded: Recorded) -> str:
    key = "/".join(str(part) for part in recorded.key)
    return f"{recorded.kind.replace('_', ' ')} {key} of project {recorded.project} ({recorded.identity})"
