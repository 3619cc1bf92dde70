"""`serve --data-dir DIR`: the emulator's state kept in SQLite, written before each answer is sent.

Design (write-through from the App layer, the backend stays pure): after every successful write (an
RPC that is not a Get/List, an upload) the App saves the calling project, whole, in one transaction:
its state document (the `state.py` format, files by hash) in `projects`, its changed files as BLOBs in
`files`, and the next ids in `meta`. Reset and a state load rewrite everything. WAL mode with
`synchronous=FULL` makes each commit durable before the answer goes out, so an acknowledged write
survives `kill -9` (and a power cut). Saving a project costs time in proportion to its metadata
(files are written only when they change): fine for development data, not for a million tokens.

One emulator per directory: `DIR/emulator.lock` is held with flock(2) while the store is open (the
kernel drops it when the process dies, even by SIGKILL); a second one is refused with StoreLocked.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from pathlib import Path
from typing import IO, Any, Final

from . import state
from .backend import Backend
from .json_text import compact_text

__all__ = ["DATABASE", "LOCK_FILE", "Store", "StoreLocked"]

DATABASE: Final = "emulator.sqlite3"
LOCK_FILE: Final = "emulator.lock"
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS projects (id TEXT PRIMARY KEY, document TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (asset_id INTEGER PRIMARY KEY, project TEXT NOT NULL, data BLOB NOT NULL);
"""


class StoreLocked(RuntimeError):
    """Another emulator has the data directory open."""


class Store:
    """The SQLite database of one data directory (open until `close()`)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._lock_file: IO[str] | None = (self.directory / LOCK_FILE).open("a+", encoding="utf-8")
        except OSError as exc:
            raise OSError(f"cannot use the data directory {self.directory}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_file.close()
            self._lock_file = None
            raise StoreLocked(
                f"the data directory {self.directory} is in use by another emulator (it holds {LOCK_FILE})"
            ) from None
        self._lock_file.truncate(0)
        self._lock_file.write(f"{os.getpid()}\n")
        self._lock_file.flush()
        # The App saves under the backend's lock, from uvicorn's loop or its worker threads.
        self._db = sqlite3.connect(self.directory / DATABASE, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        # The file bytes last written for each asset id, with its project: unchanged files are not
        # written again (bytes are immutable: an upload stores a new object).
        self._written: dict[int, tuple[int, bytes]] = {}

    def __repr__(self) -> str:
        return f"<Store {self.directory}>"

    # --- reading at start ------------------------------------------------------------------------

    def load_into(self, backend: Backend) -> bool:
        """Load the saved state into `backend`; False (nothing changed) when nothing was saved yet."""
        ids = self._db.execute("SELECT value FROM meta WHERE key = 'next_ids'").fetchone()
        if ids is None:
            return False
        projects = {
            pid: json.loads(doc) for pid, doc in self._db.execute("SELECT id, document FROM projects")
        }
        document: dict[str, Any] = {
            "format": state.FORMAT,
            "version": state.VERSION,
            "projects": projects,
            "next_ids": json.loads(ids[0]),
        }

        def read(asset_id: int, entry: Any, where: str) -> bytes | None:
            row = self._db.execute("SELECT data FROM files WHERE asset_id = ?", (asset_id,)).fetchone()
            return bytes(row[0]) if row is not None else None

        state.load(backend, document, read_file=read)
        with backend._lock:
            self._written = {
                asset.id: (col.project_id, asset.data)
                for col in backend._collections.values()
                for asset in col.assets.values()
                if asset.data is not None
            }
        return True

    # --- writing ---------------------------------------------------------------------------------

    def save_project(self, backend: Backend, project: int) -> None:
        """Write `project` as it is now, durably (the state is read and written under one lock, so
        saves of concurrent writes land in the order of their state)."""
        with backend._lock:
            document = state.dump_project(backend, project)
            found = backend._projects.get(project)
            files = {
                asset.id: asset.data
                for col in (found.collections.values() if found is not None else ())
                for asset in col.assets.values()
                if asset.data is not None
            }
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._write_project(project, document, files)
                self._write_ids(backend)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                self._forget(project)
                raise

    def save_all(self, backend: Backend) -> None:
        """Replace everything saved with `backend`'s state (after a reset or a state load)."""
        with backend._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM projects")
                self._db.execute("DELETE FROM files")
                self._written.clear()
                for pid in backend._projects:
                    found = backend._projects[pid]
                    files = {
                        asset.id: asset.data
                        for col in found.collections.values()
                        for asset in col.assets.values()
                        if asset.data is not None
                    }
                    self._write_project(pid, state.dump_project(backend, pid), files)
                self._write_ids(backend)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                self._written.clear()
                raise

    def _write_project(self, project: int, document: dict[str, Any] | None, files: dict[int, bytes]) -> None:
        key = str(project)
        if document is None:
            self._db.execute("DELETE FROM projects WHERE id = ?", (key,))
        else:
            self._db.execute(
                "INSERT OR REPLACE INTO projects (id, document) VALUES (?, ?)",
                (key, compact_text(document)),
            )
        for asset_id, data in files.items():
            written = self._written.get(asset_id)
            if written is None or written[1] is not data:
                self._db.execute(
                    "INSERT OR REPLACE INTO files (asset_id, project, data) VALUES (?, ?, ?)",
                    (asset_id, key, data),
                )
                self._written[asset_id] = (project, data)
        gone = [aid for aid, (owner, _) in self._written.items() if owner == project and aid not in files]
        for asset_id in gone:
            self._db.execute("DELETE FROM files WHERE asset_id = ?", (asset_id,))
            del self._written[asset_id]

    def _write_ids(self, backend: Backend) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('next_ids', ?)",
            (json.dumps(state.next_ids(backend)),),
        )

    def _forget(self, project: int) -> None:
        """After a failed transaction: what was written for `project` is unknown, so rewrite it all."""
        for asset_id in [aid for aid, (owner, _) in self._written.items() if owner == project]:
            del self._written[asset_id]

    def close(self) -> None:
        self._db.close()
        if self._lock_file is not None:
            self._lock_file.close()  # releases the flock
            self._lock_file = None
