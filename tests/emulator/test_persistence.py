"""`serve --data-dir`: every acknowledged write survives `kill -9`; one server per directory."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from emulator_support import CONTROL_TOKEN, GIF_1x1, png_bytes, start_standalone

from pytest_sequence_metadata.emulator import Emulator
from pytest_sequence_metadata.emulator.persistence import DATABASE, StoreLocked

SECRET = "persistence-secret-0123456789abcdef-0123"
CONTROL = {"X-Emulator-Control-Token": CONTROL_TOKEN}


def _jwt(project: int) -> str:
    return Emulator(jwt_secret=SECRET).mint_jwt(project)


def _rpc(url: str, method: str, body: dict[str, Any], project: int = 1) -> dict[str, Any]:
    answer = httpx.post(
        f"{url}/rpc/Collections/{method}", json=body, headers={"Authorization": f"Bearer {_jwt(project)}"}
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _upload(url: str, path: str, data: bytes, project: int = 1) -> dict[str, Any]:
    answer = httpx.put(
        f"{url}{path}", files={"file": ("f", data)}, headers={"Authorization": f"Bearer {_jwt(project)}"}
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _everything(url: str, cid: int) -> dict[str, Any]:
    """What a client can read back: the state dump, the RPC answers and the file bytes."""
    return {
        "state": httpx.get(f"{url}/_emulator/state", headers=CONTROL).json(),
        "collections": _rpc(url, "ListCollections", {}),
        "tokens": _rpc(url, "ListTokens", {"collectionId": cid}),
        "token": _rpc(url, "GetToken", {"collectionId": cid, "tokenId": "2"}),
        "links": _rpc(url, "ListContractCollections", {"projectId": 1}),
        "image": httpx.get(f"{url}/projects/1/collections/{cid}/tokens/2/image.png").content,
        "audio": httpx.get(
            f"{url}/projects/1/collections/{cid}/tokens/1/asset/audio",
            headers={"Authorization": f"Bearer {_jwt(1)}"},
        ).content,
    }


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    big = png_bytes(300, 200) + os.urandom(300_000)  # a real file, not a toy
    # One public base URL for both servers (each listens on a port of its own): answers compare whole.
    fixed = ("--data-dir", str(data_dir), "--base-url", "http://emulator.test")
    with start_standalone(SECRET, *fixed) as (process, url):
        cid = _rpc(
            url, "CreateCollection", {"collection": {"metadata": {"name": "Kept", "description": "d"}}}
        )["collection"]["id"]
        gone = _rpc(url, "CreateCollection", {"collection": {"metadata": {"name": "Deleted"}}})["collection"][
            "id"
        ]
        for tid in ("1", "2", "3"):
            _rpc(url, "CreateToken", {"collectionId": cid, "token": {"tokenId": tid, "name": f"T{tid}"}})
        _rpc(
            url,
            "UpdateToken",
            {"collectionId": cid, "tokenId": "1", "token": {"tokenId": "1", "name": "Renamed"}},
        )
        _rpc(url, "DeleteToken", {"collectionId": cid, "tokenId": "3"})
        _rpc(url, "DeleteCollection", {"collectionId": gone})
        _rpc(url, "PublishCollection", {"collectionId": cid, "recursive": True})
        _upload(url, f"/projects/1/collections/{cid}/tokens/2/upload/image", png_bytes(2, 2))
        _upload(url, f"/projects/1/collections/{cid}/tokens/2/upload/image", big)  # replaces the first
        _upload(url, f"/projects/1/collections/{cid}/tokens/1/upload/audio", GIF_1x1)
        _rpc(
            url,
            "CreateContractCollection",
            {
                "projectId": 1,
                "contractCollection": {
                    "chainId": 1,
                    "contractAddress": "0x" + "12" * 20,
                    "collectionId": cid,
                },
            },
        )
        _rpc(url, "CreateCollection", {"collection": {"metadata": {"name": "Other project"}}}, project=9)
        before = _everything(url, cid)
        os.kill(process.pid, signal.SIGKILL)  # no shutdown of any kind
        process.wait(timeout=10)
    assert before["image"] == big

    with start_standalone(SECRET, *fixed) as (_, url):
        after = _everything(url, cid)
        assert after == before  # byte for byte, files included
        # Ids keep counting past what was there before the kill.
        fresh = _rpc(url, "CreateCollection", {"collection": {"metadata": {"name": "New"}}})["collection"][
            "id"
        ]
        assert fresh > gone


def test_two_servers_on_one_directory_are_refused(tmp_path: Path) -> None:
    with start_standalone(SECRET, "--data-dir", str(tmp_path)):
        command = [sys.executable, "-m", "pytest_sequence_metadata.emulator", "serve", "--port", "0"]
        second = subprocess.run(
            [*command, "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=60
        )
    assert second.returncode == 1
    assert second.stdout == ""
    assert second.stderr.count("\n") == 1
    assert f"the data directory {tmp_path} is in use by another emulator" in second.stderr


def test_in_process_store_reset_restore_and_lock(tmp_path: Path) -> None:
    first = Emulator(data_dir=tmp_path)
    assert first.restored_from_disk is False
    with pytest.raises(StoreLocked, match="in use by another emulator"):
        Emulator(data_dir=tmp_path)
    with first.client(1) as client:
        made = client.post(
            "/rpc/Collections/CreateCollection", json={"collection": {"metadata": {"name": "a"}}}
        )
        assert made.status_code == 200
    saved = first.snapshot()
    first.reset()  # saved too: a restart after a reset starts empty
    first.close()
    second = Emulator(data_dir=tmp_path)
    assert second.restored_from_disk is True
    assert second.snapshot()["projects"] == {}
    second.restore(saved)  # a load is saved as well
    second.close()
    third = Emulator(data_dir=tmp_path)
    assert third.snapshot() == saved
    third.close()
    # The database is WAL with synchronous=FULL (what makes each commit durable before the answer).
    with sqlite3.connect(tmp_path / DATABASE) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_refused_write_changes_nothing_on_disk(tmp_path: Path) -> None:
    emulator = Emulator(data_dir=tmp_path)
    with emulator.client(1) as client:
        assert client.post("/rpc/Collections/CreateCollection", json={"collection": {}}).status_code == 400
        assert client.post("/rpc/Collections/ListCollections", json={}).status_code == 200
    emulator.close()
    with sqlite3.connect(tmp_path / DATABASE) as db:
        assert db.execute("SELECT COUNT(*) FROM projects").fetchone() == (0,)


def test_seed_applies_only_to_an_empty_data_directory(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        '{"format": "pytest-sequence-metadata/state", "version": 1,'
        ' "projects": {"1": {"collections": [{"id": 5, "metadata": {"name": "Seeded"}}]}}}'
    )
    data_dir = tmp_path / "data"
    with start_standalone(SECRET, "--data-dir", str(data_dir), "--seed", str(seed)) as (_, url):
        _rpc(url, "UpdateCollection", {"collection": {"id": 5, "metadata": {"name": "Changed"}}})
    with start_standalone(SECRET, "--data-dir", str(data_dir), "--seed", str(seed)) as (_, url):
        got = _rpc(url, "GetCollection", {"collectionId": 5})
        assert got["collection"]["metadata"]["name"] == "Changed"
