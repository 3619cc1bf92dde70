"""The import rules cover the whole package, and they do catch a broken layer."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import pytest_sequence_metadata

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(pytest_sequence_metadata.__file__).parent


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return list(config["contracts"])


def test_the_contract_layer_forbids_every_other_module_of_ours() -> None:
    rule = next(c for c in _contracts() if c["source_modules"] == ["pytest_sequence_metadata.contract"])
    ours = {
        f"pytest_sequence_metadata.{path.stem if path.is_file() else path.name}"
        for path in PACKAGE.iterdir()
        if (path.suffix == ".py" and path.stem not in ("__init__", "__main__"))
        or (path.is_dir() and (path / "__init__.py").is_file())
    }
    forbidden = set(rule["forbidden_modules"])  # type: ignore[arg-type]
    assert ours - {"pytest_sequence_metadata.contract"} <= forbidden, "a new module escapes the rule"
    assert {"pytest", "httpx"} <= forbidden


@pytest.mark.skipif(
    shutil.which("lint-imports") is None and not Path(sys.executable).with_name("lint-imports").exists(),
    reason="import-linter is not installed (the dev extra brings it)",
)
def test_a_contract_module_importing_the_emulator_breaks_the_rules(tmp_path: Path) -> None:
    copy = tmp_path / "tree"
    shutil.copytree(PACKAGE, copy / "pytest_sequence_metadata", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    bad = copy / "pytest_sequence_metadata" / "contract" / "leak.py"
    bad.write_text("from pytest_sequence_metadata.emulator import backend  # noqa: F401\n")
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter) if linter.exists() else "lint-imports"],
        cwd=copy,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 1, result.stdout
    assert "The contract imports nothing else of ours" in result.stdout
    assert "BROKEN" in result.stdout
