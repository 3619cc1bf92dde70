"""A downstream project, as a new user would set it up: a fresh venv, `pip install` of the wheel, a test.

Slow-ish (a wheel build and a real install with dependencies, 10 to 20 s) but part of the normal suite:
it is the only test that sees the package the way users get it.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]

DOWNSTREAM_TEST = """
from __future__ import annotations


def test_collection_is_private(sequence_collection):
    assert sequence_collection["private"] is True


def test_token_belongs_to_its_collection(sequence_token, sequence_client):
    got = sequence_client.get_token(sequence_token.collection_id, sequence_token.token_id)
    assert got["token"]["tokenId"] == sequence_token.token_id
"""


@pytest.fixture(scope="module")
def downstream_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed the ordinary way, dependencies included."""
    base = tmp_path_factory.mktemp("downstream")
    build = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(base / "dist")]
    subprocess.run([*build, str(ROOT)], check=True, capture_output=True)
    [wheel] = (base / "dist").glob("pytest_sequence_metadata-*.whl")
    venv = base / "venv"
    # A venv without its own pip (seeding one costs seconds), filled by this pip: the same resolution
    # and install of the wheel and its dependencies that `pip install` inside the venv would do.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, capture_output=True)
    install = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet"]
    subprocess.run([*install, str(wheel)], check=True, capture_output=True)
    return venv


def _env() -> dict[str, str]:
    # What a user's shell would have: no settings of this run, no path into the source tree.
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SEQUENCE_", "PYTEST_", "PYTHON", "VIRTUAL_ENV"))
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text(DOWNSTREAM_TEST)
    return tmp_path


def _pytest(venv: Path, project: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(venv / "bin" / "pytest"), "-p", "no:cacheprovider", *args],
        cwd=project,
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_core_install_leaves_out_the_contract_extra(downstream_venv: Path) -> None:
    probe = "import importlib.util as u; print([m for m in ('schemathesis', 'hypothesis') if u.find_spec(m)])"
    out = subprocess.run(
        [str(downstream_venv / "bin" / "python"), "-c", probe], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_fixtures_work_against_the_emulator_with_no_configuration(
    downstream_venv: Path, project: Path
) -> None:
    out = _pytest(downstream_venv, project)
    assert "2 passed" in out
    assert "sequence-metadata: target emulator http://sequence-metadata.emulator" in out
    # The plugin and its spec come from the venv, not from this source tree.
    assert str(ROOT) not in out


@pytest.fixture
def emulator_server(downstream_venv: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(downstream_venv / "bin" / "sequence-metadata-emulator"), "serve", "--port", str(port)]
    with subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE, text=True) as server:
        assert server.stdout is not None
        line = server.stdout.readline()
        match = re.search(r"listening on (http://\S+)", line)
        assert match, line
        try:
            yield match[1]
        finally:
            server.send_signal(signal.SIGINT)
            server.communicate(timeout=15)


def test_fixtures_work_against_a_server_and_leave_nothing(
    downstream_venv: Path, project: Path, emulator_server: str
) -> None:
    token = subprocess.run(
        [str(downstream_venv / "bin" / "sequence-metadata-emulator"), "token", "--project", "1"],
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    env = {**_env(), "SEQUENCE_JWT": token}
    out = _pytest(downstream_venv, project, "--sequence-url", emulator_server, env=env)
    assert "2 passed" in out
    assert f"sequence-metadata: target live {emulator_server} (url from CLI)" in out
    assert token not in out

    answer = httpx.post(
        f"{emulator_server}/rpc/Collections/ListCollections",
        json={"projectId": 1},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200
    assert answer.json()["collections"] == []
