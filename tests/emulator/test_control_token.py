"""The /_emulator/ control routes need the control token; health stays open."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import httpx
import pytest
from emulator_support import CLI, CONTROL_TOKEN, Api, start_standalone

from pytest_sequence_metadata.client.redaction import redact
from pytest_sequence_metadata.emulator import Emulator
from pytest_sequence_metadata.emulator.app import App, Request
from pytest_sequence_metadata.emulator.auth import Authenticator
from pytest_sequence_metadata.emulator.control import CONTROL_TOKEN_ENV_VAR, CONTROL_TOKEN_HEADER

SECRET = "control-token-test-secret-" + "z" * 16
PROTECTED = [
    ("POST", "reset"),
    ("GET", "faults"),
    ("POST", "faults"),
    ("DELETE", "faults"),
    ("POST", "token"),
    ("GET", "requests"),
    ("GET", "state"),
    ("POST", "state"),
]


@pytest.mark.parametrize(("method", "route"), PROTECTED)
@pytest.mark.parametrize("sent", [None, "", "wrong-control-token-of-some-length"])
def test_control_routes_without_the_token_are_unauthorized(
    api: Api, method: str, route: str, sent: str | None
) -> None:
    api.collection()
    api.emulator.faults.latency("GetCollection", seconds=0.01)
    headers = {} if sent is None else {CONTROL_TOKEN_HEADER: sent}
    response = api.client.request(method, f"/_emulator/{route}", headers=headers, json={"project": 1})
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"
    assert response.headers["content-type"] == "application/json"
    assert api.emulator.control_token not in response.text
    # Nothing happened: the data and the fault rule are still there, no token was minted.
    assert len(api.call("ListCollections", {})["collections"]) == 1
    assert len(api.emulator.faults.rules) == 1
    assert "jwt" not in response.json()


def test_control_routes_with_the_token_work(api: Api) -> None:
    minted = api.control("POST", "token", json={"project": 4}).json()["jwt"]
    answer = api.rpc("ListCollections", {}, project=None, headers={"Authorization": f"Bearer {minted}"})
    assert answer.status_code == 200
    assert api.control("POST", "reset").json() == {"ok": True}


def test_health_needs_no_token(api: Api) -> None:
    assert api.client.get("/_emulator/health").json()["ok"] is True


def test_the_token_comes_from_the_argument_the_environment_or_chance(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONTROL_TOKEN_ENV_VAR, raising=False)
    first, second = Emulator(), Emulator()
    assert first.control_token_generated
    assert first.control_token != second.control_token
    assert len(first.control_token) >= 32
    monkeypatch.setenv(CONTROL_TOKEN_ENV_VAR, "from-the-environment-123")
    assert Emulator().control_token == "from-the-environment-123"
    given = Emulator(control_token="given-control-token-xyz")
    assert (given.control_token, given.control_token_generated) == ("given-control-token-xyz", False)
    with pytest.raises(ValueError, match="at least 16"):
        Emulator(control_token="short")


def test_a_given_token_is_redacted_and_kept_out_of_repr() -> None:
    emulator = Emulator(control_token="a-control-token-to-redact")
    assert emulator.control_token not in repr(emulator)
    assert redact(f"header: {emulator.control_token}") == "header: ***"
    assert emulator.control_token not in repr(Emulator())


def test_the_emulator_client_sends_the_token() -> None:
    emulator = Emulator()
    with emulator.client() as client:
        assert client.post("/_emulator/reset").json() == {"ok": True}


def test_standalone_server_requires_its_control_token() -> None:
    with start_standalone(SECRET) as (_, url):
        refused = httpx.post(f"{url}/_emulator/token", json={"project": 1})
        assert (refused.status_code, refused.json()["error"]) == (401, "Unauthorized")
        headers = {CONTROL_TOKEN_HEADER: CONTROL_TOKEN}
        assert httpx.post(f"{url}/_emulator/token", json={"project": 1}, headers=headers).status_code == 200
        assert httpx.get(f"{url}/_emulator/health").status_code == 200


def _serve(*extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != CONTROL_TOKEN_ENV_VAR}
    return subprocess.Popen(
        [*CLI, "serve", "--port", "0", "--jwt-secret", SECRET, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**env, "PYTHONUNBUFFERED": "1"},
    )


@pytest.mark.parametrize("chosen", [False, True], ids=["temporary-file", "control-token-file"])
def test_a_made_up_token_is_in_an_owner_only_file_never_in_the_output(tmp_path: Path, chosen: bool) -> None:
    process = _serve(*(["--control-token-file", str(tmp_path / "token")] if chosen else []))
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split("listening on ", 1)[1].split()[0]
        line = process.stdout.readline()
        assert line.startswith(f"Control token ({CONTROL_TOKEN_HEADER} header): in ")
        where = Path(line.rsplit(" in ", 1)[1].strip())
        assert where == tmp_path / "token" if chosen else where.name.startswith("sequence-emulator-")
        assert stat.S_IMODE(where.stat().st_mode) == 0o600
        token = where.read_text().strip()
        answer = httpx.post(f"{url}/_emulator/reset", headers={CONTROL_TOKEN_HEADER: token})
        assert answer.json() == {"ok": True}
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    assert token not in line + out + err
    # SIGTERM stops it as Ctrl-C does: shut down, then the file removed (uvicorn re-raised SIGTERM to
    # the default handler, which ended the process before either).
    assert process.returncode == 0, err
    assert "Sequence Metadata emulator stopped" in out
    assert not where.exists()


def test_an_unwritable_token_file_is_a_one_line_error(tmp_path: Path) -> None:
    process = _serve("--control-token-file", str(tmp_path / "missing" / "token"))
    _, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert err.strip().splitlines() == [err.strip()]
    assert err.startswith("sequence-metadata-emulator: --control-token-file: ")


def test_a_given_token_is_not_echoed() -> None:
    with start_standalone(SECRET) as (process, _):
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert CONTROL_TOKEN not in out


def test_an_app_without_a_token_opens_no_control_route() -> None:
    emulator = Emulator()
    app = App(emulator.backend, Authenticator(emulator.jwt_secret), emulator.faults, validators={})
    for headers in ({}, {CONTROL_TOKEN_HEADER.lower(): ""}):
        answer = app.dispatch(Request("POST", "/_emulator/reset", headers, b"", "http://x"))
        assert answer.status == 401
