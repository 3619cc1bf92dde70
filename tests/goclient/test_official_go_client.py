"""The official Go client (go-sequence `services/metadata`), unmodified, against the standalone emulator.

Opt-in: the client is never vendored. Set GO_SEQUENCE_DIR to a checkout of
github.com/0xsequence/go-sequence; the program in main.go is built in a copy of this directory with
its `replace` directive pointing there (and the checkout's own replace directives), with no module
download (GOPROXY=off), so the checkout's dependencies must already be in the Go module cache.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from emulator_support import cli_token, start_standalone

from pytest_sequence_metadata.contract.operations import rpc_methods

HERE = Path(__file__).parent
CLIENT_MODULE = "github.com/0xsequence/go-sequence"
SECRET = "go-client-test-secret-" + "g" * 20
PROJECT = 42
# Emulator bugs the program must catch: each breaks a value or a call it checks.
CAUGHT_MUTATIONS = ("asset-id-zero-refused", "pagination-drops-item", "upload-swapped-dimensions")


def go_env() -> dict[str, str]:
    # GOPROXY=off: nothing is downloaded; -mod=mod lets `go` complete go.mod/go.sum from local modules.
    return {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOSUMDB": "off", "GONOSUMDB": "*"}


def go(binary: str, *args: str, cwd: Path) -> str:
    result = subprocess.run(
        [binary, *args], cwd=cwd, env=go_env(), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"go {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
    return result.stdout


def checkout_replaces(binary: str, checkout: Path) -> list[str]:
    """The checkout's own replace directives (read by `go mod edit -json`), local paths made absolute."""
    module = json.loads(go(binary, "mod", "edit", "-json", str(checkout / "go.mod"), cwd=checkout))
    if module["Module"]["Path"] != CLIENT_MODULE:
        pytest.fail(f"GO_SEQUENCE_DIR holds module {module['Module']['Path']!r}, not {CLIENT_MODULE}")
    flags = []
    for replace in module.get("Replace") or []:
        old, new = replace["Old"], replace["New"]
        source = old["Path"] + (f"@{old['Version']}" if old.get("Version") else "")
        if new.get("Version"):
            target = f"{new['Path']}@{new['Version']}"
        else:
            target = str((checkout / new["Path"]).resolve())
        flags.append(f"-replace={source}={target}")
    return flags


@pytest.fixture(scope="session")
def go_client_program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("GO_SEQUENCE_DIR")
    if not configured:
        pytest.skip("set GO_SEQUENCE_DIR to a checkout of github.com/0xsequence/go-sequence")
    binary = shutil.which("go")
    if binary is None:
        pytest.skip("Go is not on PATH (Debian: apt-get install golang-go; Go 1.19 is enough)")
    checkout = Path(configured).resolve()
    if not (checkout / "go.mod").is_file():
        pytest.fail(f"GO_SEQUENCE_DIR={configured}: no go.mod there (want a go-sequence checkout)")
    build = tmp_path_factory.mktemp("goclient")
    shutil.copy(HERE / "main.go", build)
    shutil.copy(HERE / "go.mod", build)
    replaces = [f"-replace={CLIENT_MODULE}={checkout}", *checkout_replaces(binary, checkout)]
    go(binary, "mod", "edit", *replaces, cwd=build)
    go(binary, "build", "-o", "goclient", ".", cwd=build)
    return build / "goclient"


def run_program(program: Path, *mutations: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    extra = [arg for name in mutations for arg in ("--mutation", name)]
    with start_standalone(SECRET, *extra) as (_, url):
        env = {
            **os.environ,
            "EMULATOR_URL": url,
            "EMULATOR_JWT": cli_token(PROJECT, SECRET),
            "EMULATOR_PROJECT": str(PROJECT),
        }
        result = subprocess.run([str(program)], capture_output=True, text=True, timeout=120, env=env)
    lines = result.stdout.strip().splitlines()
    assert lines, f"no summary line (exit {result.returncode}): {result.stderr}"
    return result, json.loads(lines[-1])


def test_every_collections_method_and_upload_round_trips(go_client_program: Path) -> None:
    result, summary = run_program(go_client_program)
    assert summary["failures"] == [], "\n".join(summary["failures"])
    assert result.returncode == 0, result.stderr
    assert set(summary["methods"]) == {*rpc_methods(), "UploadAsset"}
    assert summary["checks"] > 100


@pytest.mark.parametrize("mutation", CAUGHT_MUTATIONS)
def test_the_program_catches_an_emulator_bug(go_client_program: Path, mutation: str) -> None:
    result, summary = run_program(go_client_program, mutation)
    assert result.returncode == 1
    assert summary["failures"], f"{mutation} went unnoticed by the Go client program"
