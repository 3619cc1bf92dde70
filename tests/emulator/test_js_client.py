"""The official JS client (@0xsequence/metadata) against the standalone emulator, every method."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from emulator_support import cli_token, start_standalone

from pytest_sequence_metadata.contract.operations import rpc_methods

pytestmark = pytest.mark.emulator_node

PACKAGE = "@0xsequence/metadata"
SCRIPT = Path(__file__).with_name("collections_client.js")
SECRET = "js-client-test-secret-" + "y" * 20
# Shared between sessions and xdist workers (installs are serialised by a lock file).
CACHE = Path(tempfile.gettempdir()) / "pytest-sequence-metadata-js-client"


@pytest.fixture(scope="session")
def js_package() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to run the official JS client")
    CACHE.mkdir(parents=True, exist_ok=True)
    installed = CACHE / "node_modules" / PACKAGE
    with (CACHE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (installed / "package.json").is_file():
            (CACHE / "package.json").write_text('{"name": "emulator-js-client-test", "private": true}\n')
            try:
                result = subprocess.run(
                    [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", PACKAGE],
                    cwd=CACHE,
                    capture_output=True,
                    text=True,
                    timeout=240,
                )
            except subprocess.TimeoutExpired:
                pytest.skip(f"npm install {PACKAGE} timed out (no network?)")
            if result.returncode != 0 or not (installed / "package.json").is_file():
                pytest.skip(f"npm install {PACKAGE} failed (no network?): {result.stderr.strip()[-300:]}")
    return installed


@pytest.fixture
def standalone() -> Iterator[str]:
    with start_standalone(SECRET) as (_, url):
        yield url


def test_every_sequence_collections_method_works(js_package: Path, standalone: str) -> None:
    jwt = cli_token(42, SECRET)
    env = {**os.environ, "EMULATOR_URL": standalone, "EMULATOR_JWT": jwt, "EMULATOR_PROJECT": "42"}
    result = subprocess.run(
        ["node", str(SCRIPT), str(js_package)], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    # The official client's methods, all served by the emulator (the registry may know more).
    assert {m[0].upper() + m[1:] for m in report["methods"]} <= set(rpc_methods())
    assert len(report["methods"]) >= 21
    assert report["called"] == report["methods"]
    assert report["missing"] == []
