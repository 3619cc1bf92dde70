"""The Go harness: built once per spec (cached by source hash), run once per batch of bodies."""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
from gen_structs import go_source

from pytest_sequence_metadata.contract.spec import load_spec

HARNESS = Path(__file__).with_name("harness")
# Shared between sessions and xdist workers; builds are serialised by a lock file.
CACHE = Path(tempfile.gettempdir()) / "pytest-sequence-metadata-gowire"
CASES_PROPERTY = "gowire_cases"
GO_PROPERTY = "gowire_go_version"


def unavailable(reason: str) -> NoReturn:
    """Skip locally, saying how to enable the test; fail under CI, where it must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the Go differential test may not skip)", pytrace=False)
    pytest.skip(reason)


def contract_raw_spec() -> dict[str, Any]:
    return load_spec().raw


@dataclass(frozen=True, slots=True)
class GoVerdict:
    kind: str  # "ok", "error", "panic" or "marshal-error"
    value: Any = None
    message: str = ""


@dataclass(frozen=True, slots=True)
class GoHarness:
    binary: Path
    version: str  # e.g. go1.19.8
    unicode_version: str  # of Go's unicode tables, e.g. 13.0.0

    @property
    def release(self) -> tuple[int, int]:
        found = re.match(r"go(\d+)\.(\d+)", self.version)
        return (int(found[1]), int(found[2])) if found else (999, 0)  # a development build

    def decode(self, cases: Sequence[tuple[str, bytes]]) -> list[GoVerdict]:
        """Go's verdict on each (method, body), in order, from one process."""
        lines = "".join(
            json.dumps({"method": method, "body": base64.b64encode(body).decode()}) + "\n"
            for method, body in cases
        )
        run = subprocess.run(
            [str(self.binary)],
            input=lines.encode(),
            capture_output=True,
            timeout=120,
            env={**_go_env(), "TZ": "UTC"},
            check=False,
        )
        if run.returncode != 0:
            raise RuntimeError(f"the Go harness failed: {run.stderr.decode(errors='replace')[-2000:]}")
        verdicts = [_verdict(line) for line in run.stdout.splitlines()]
        if len(verdicts) != len(cases):
            raise RuntimeError(f"the Go harness answered {len(verdicts)} of {len(cases)} cases")
        return verdicts


TOO_DEEP_FOR_PYTHON = "<a value nested too deep for Python's json module>"


def _verdict(text: bytes) -> GoVerdict:
    try:
        line = json.loads(text)
    except RecursionError:  # Go took a value nested thousands deep
        return GoVerdict("ok", TOO_DEEP_FOR_PYTHON)
    if line["ok"]:
        return GoVerdict("ok", line["value"])
    for kind, key in (("panic", "panic"), ("marshal-error", "marshalError"), ("error", "error")):
        if key in line:
            return GoVerdict(kind, message=line[key])
    raise RuntimeError(f"unexpected harness line {line!r}")


def _go_env() -> dict[str, str]:
    """No module download ever: the harness module has no dependencies."""
    return {
        **os.environ,
        "GOFLAGS": "-mod=mod",
        "GOPROXY": "off",
        "GOSUMDB": "off",
        "GOWORK": "off",
        "GOTOOLCHAIN": "local",
        "GO111MODULE": "on",
        "CGO_ENABLED": "0",
        "GOPATH": str(CACHE / "gopath"),
        "GOCACHE": str(CACHE / "gocache"),
    }


def build_harness(go: str, raw_spec: dict[str, Any]) -> GoHarness:
    version = subprocess.run(
        [go, "env", "GOVERSION"], capture_output=True, text=True, check=True, env=_go_env()
    ).stdout.strip()
    sources = {str(p.relative_to(HARNESS)): p.read_bytes() for p in sorted(HARNESS.rglob("*")) if p.is_file()}
    sources["types_gen.go"] = go_source(raw_spec).encode()
    digest = hashlib.sha256(version.encode())
    for name, data in sorted(sources.items()):
        digest.update(f"\0{name}\0{len(data)}\0".encode() + data)
    build = CACHE / digest.hexdigest()[:20]
    binary = build / "gowireharness"
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not binary.is_file():
            source = build / "src"
            shutil.rmtree(source, ignore_errors=True)
            for name, data in sources.items():
                (source / name).parent.mkdir(parents=True, exist_ok=True)
                (source / name).write_bytes(data)
            run = subprocess.run(
                [go, "build", "-o", str(binary) + ".tmp", "."],
                cwd=source,
                capture_output=True,
                text=True,
                env=_go_env(),
                check=False,
            )
            if run.returncode != 0:
                raise RuntimeError(f"go build of the harness failed in {source}:\n{run.stderr[-4000:]}")
            os.replace(str(binary) + ".tmp", binary)
    tables = subprocess.run([binary, "-unicode"], capture_output=True, text=True, check=True)
    return GoHarness(binary, version, tables.stdout.strip())
