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


def _layers() -> set[str]:
    """Every top-level module and package of ours, the package's own entry files aside."""
    return {
        f"pytest_sequence_metadata.{path.stem if path.is_file() else path.name}"
        for path in PACKAGE.iterdir()
        if (path.suffix == ".py" and path.stem not in ("__init__", "__main__"))
        or (path.is_dir() and (path / "__init__.py").is_file())
    }


def _rule(source: str) -> set[str]:
    rule = next(c for c in _contracts() if c.get("source_modules") == [f"pytest_sequence_metadata.{source}"])
    return set(rule["forbidden_modules"])  # type: ignore[arg-type]


def test_the_package_top_holds_only_the_layers() -> None:
    names = {"client", "contract", "emulator", "pytest", "suite", "tools"}
    assert _layers() == {f"pytest_sequence_metadata.{name}" for name in names}


def test_the_contract_layer_forbids_every_other_module_of_ours() -> None:
    forbidden = _rule("contract")
    assert _layers() - {"pytest_sequence_metadata.contract"} <= forbidden, "a new module escapes the rule"
    assert {"pytest", "httpx"} <= forbidden


@pytest.mark.parametrize("source", ["client", "tools"])
def test_the_client_and_the_tools_forbid_every_layer_but_the_contract(source: str) -> None:
    others = _layers() - {"pytest_sequence_metadata.contract", f"pytest_sequence_metadata.{source}"}
    assert others <= _rule(source), "a new module escapes the rule"


def test_the_emulator_and_the_suite_never_import_each_other() -> None:
    assert "pytest_sequence_metadata.suite" in _rule("emulator")
    assert "pytest_sequence_metadata.emulator" in _rule("suite")


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
