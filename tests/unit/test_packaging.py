"""The built wheel carries the spec and the entry points, and works away from the source tree."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pytest_sequence_metadata.contract.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("pytest_sequence_metadata-*.whl")
    return built


def test_wheel_contains_spec_marker_and_entry_points(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        text = archive.read(entry_points).decode()
    assert "pytest_sequence_metadata/specs/sequence-metadata.yaml" in names
    assert "pytest_sequence_metadata/py.typed" in names
    assert "[pytest11]\nsequence_metadata = pytest_sequence_metadata.plugin" in text
    assert "sequence-metadata-emulator = pytest_sequence_metadata.emulator.cli:main" in text


def test_installed_wheel_loads_its_own_spec_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    probe = (
        "from pytest_sequence_metadata.contract.spec import load_spec, spec_path; "
        "print(spec_path()); print(len(load_spec().operations))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    path, count = result.stdout.split()
    assert Path(path).is_relative_to(target)
    assert int(count) == len(load_spec().operations)  # the source tree's spec, loaded in-process
