"""The background server, the standalone server (subprocess) and the CLI."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import jwt as pyjwt
import pytest
from emulator_support import cli_token, start_standalone

from pytest_sequence_metadata.emulator import DEFAULT_JWT_SECRET, Emulator, serve_in_background
from pytest_sequence_metadata.emulator.cli import main
from pytest_sequence_metadata.emulator.server import ServerHandle, bind_socket

SECRET = "cli-test-secret-" + "x" * 24


def test_background_server_shares_state_with_the_in_process_transport() -> None:
    emulator = Emulator()
    with emulator.serve() as handle:
        assert handle.url.startswith("http://127.0.0.1:")
        assert handle.running
        jwt = emulator.mint_jwt(1)
        with emulator.client(1) as local:
            cid = local.post(
                "/rpc/Collections/CreateCollection", json={"collection": {"metadata": {"name": "x"}}}
            )
        remote = httpx.post(
            f"{handle.url}/rpc/Collections/GetCollection",
            json={"collectionId": cid.json()["collection"]["id"]},
            headers={"Authorization": f"Bearer {jwt}"},
        )
        assert remote.status_code == 200
        # baseURIs follow the URL the client used.
        assert remote.json()["collection"]["baseURIs"]["contractMetadataURI"].startswith(handle.url)
    assert not handle.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{handle.url}/_emulator/health", timeout=2)


def test_two_servers_get_two_ports() -> None:
    with serve_in_background(Emulator()) as first, serve_in_background(Emulator()) as second:
        assert first.port != second.port
        assert httpx.get(f"{first.url}/_emulator/health").json()["ok"] is True
        assert httpx.get(f"{second.url}/_emulator/health").json()["ok"] is True


def test_configured_base_url_is_used_in_uris() -> None:
    emulator = Emulator(base_url="https://metadata.example.test/")
    with emulator.client(1) as client:
        body = client.post(
            "/rpc/Collections/CreateCollection", json={"collection": {"metadata": {"name": "x"}}}
        )
    assert body.json()["collection"]["baseURIs"]["tokenMetadataURI"].startswith(
        "https://metadata.example.test/projects/"
    )


def test_control_token_route_mints_usable_jwts(server: ServerHandle) -> None:
    url, control = server.url, server.emulator.control_headers()
    jwt = httpx.post(f"{url}/_emulator/token", json={"project": 9}, headers=control).json()["jwt"]
    answer = httpx.post(
        f"{url}/rpc/Collections/ListCollections", json={}, headers={"Authorization": f"Bearer {jwt}"}
    )
    assert answer.status_code == 200
    assert httpx.post(f"{url}/_emulator/token", json={"project": "nine"}, headers=control).status_code == 400
    assert httpx.get(f"{url}/_emulator/token").status_code == 405
    assert httpx.get(f"{url}/_emulator/nope").status_code == 404


def test_cli_token_prints_a_valid_jwt(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "--project", "12", "--jwt-secret", SECRET, "--expires-in", "60"]) == 0
    token = capsys.readouterr().out.strip()
    claims = pyjwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["project"] == 12
    assert 0 < claims["exp"] - claims["iat"] <= 60


def test_cli_token_uses_the_default_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SEQUENCE_EMULATOR_SECRET", raising=False)
    main(["token", "--project", "3"])
    token = capsys.readouterr().out.strip()
    assert pyjwt.decode(token, DEFAULT_JWT_SECRET, algorithms=["HS256"])["project"] == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "required"),
        (["token"], "--project"),
        (["token", "--project", "zero"], "positive integer"),
        (["token", "--project", "0"], "positive integer"),
        (["token", "--project", "1", "--jwt-secret", "short"], "at least 32 bytes"),
        (["serve", "--port", "70000"], "between 0 and 65535"),
        (["serve", "--mutation", "nope"], "unknown emulator mutation"),
        (["bogus"], "invalid choice"),
    ],
)
def test_cli_usage_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


@pytest.fixture
def standalone() -> Iterator[tuple[subprocess.Popen[str], str]]:
    with start_standalone(SECRET) as running:
        yield running


def test_standalone_server_answers_and_stops_cleanly(standalone: tuple[subprocess.Popen[str], str]) -> None:
    process, url = standalone
    headers = {"Authorization": f"BEARER {cli_token(5, SECRET)}"}
    created = httpx.post(
        f"{url}/rpc/Collections/CreateCollection",
        json={"collection": {"metadata": {"name": "cli"}}},
        headers=headers,
    )
    assert created.status_code == 200, created.text
    assert created.json()["collection"]["projectId"] == 5
    assert httpx.get(f"{url}/_emulator/health").json()["ok"] is True
    process.send_signal(signal.SIGINT)
    assert process.wait(15) == 0
    out, err = process.communicate()
    assert "Traceback" not in err
    assert "stopped" in out


def test_console_script_is_installed() -> None:
    script = os.path.join(os.path.dirname(sys.executable), "sequence-metadata-emulator")
    if not os.path.exists(script):
        pytest.skip("the console script is not installed in this environment")
    started = time.perf_counter()
    result = subprocess.run([script, "--help"], capture_output=True, text=True, check=True)
    assert "serve" in result.stdout
    assert "token" in result.stdout
    assert time.perf_counter() - started < 20


def test_listening_socket_says_tcp() -> None:
    """asyncio turns Nagle off for accepted connections only when the listener's proto is TCP."""
    sock = bind_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


def _serve_line(*, hide_fast_stack: bool) -> str:
    """The line `serve` prints once it listens, from a real process (then stopped)."""
    hide = "import sys; sys.modules.update(uvloop=None, httptools=None); " if hide_fast_stack else ""
    code = f"{hide}from pytest_sequence_metadata.emulator.cli import main; sys.exit(main())"
    process = subprocess.Popen(
        [sys.executable, "-c", f"import sys; {code}", "serve", "--port", "0", "--jwt-secret", SECRET],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on http://" in line, line + (process.stderr.read() if process.stderr else "")
        url = line.split("listening on ", 1)[1].split()[0]
        assert httpx.get(f"{url}/_emulator/health").json()["ok"] is True
        return line
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=15)


def test_serve_runs_on_uvloop_and_httptools_when_installed() -> None:
    for name in ("uvloop", "httptools"):
        pytest.importorskip(name, reason="the fast stack comes with the [server] extra")
    assert "(uvicorn on uvloop + httptools;" in _serve_line(hide_fast_stack=False)


def test_serve_falls_back_to_asyncio_and_h11_without_them() -> None:
    assert "(uvicorn on asyncio + h11;" in _serve_line(hide_fast_stack=True)


def test_background_server_picks_the_same_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    from uvicorn.config import HTTP_PROTOCOLS
    from uvicorn.importer import import_from_string

    from pytest_sequence_metadata.emulator import server as server_module

    picked: list[tuple[str, type]] = []
    original = server_module.uvicorn_config

    def spy(app: object, **kwargs: object) -> object:
        config = original(app, **kwargs)  # type: ignore[arg-type]
        picked.append((config.loop, config.http))  # the protocol: h11's or httptools', with a timeout
        return config

    monkeypatch.setattr(server_module, "uvicorn_config", spy)
    with serve_in_background(Emulator()) as handle:
        assert httpx.get(f"{handle.url}/_emulator/health").json()["ok"] is True
    stack = server_module.server_stack()
    assert len(picked) == 1
    loop, protocol = picked[0]
    assert loop == stack.loop
    assert issubclass(protocol, import_from_string(HTTP_PROTOCOLS[stack.http]))
    monkeypatch.setitem(sys.modules, "uvloop", None)
    assert server_module.server_stack() == ("asyncio", "h11")
