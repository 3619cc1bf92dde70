"""A project that has the plugin installed but uses none of its fixtures pays (almost) nothing for it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from plugin_support import LEAN

HEAVY = ("httpx", "jsonschema", "starlette", "uvicorn", "yaml", "jwt", "tenacity", "pyrate_limiter")


def test_importing_the_plugin_loads_no_heavy_dependency() -> None:
    probe = (
        "import sys, pytest_sequence_metadata.pytest.plugin; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_run_without_the_fixtures_loads_no_heavy_dependency(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import sys


        def test_plain():
            assert 1 + 1 == 2


        def test_nothing_heavy_was_imported():
            print("LOADED", sorted(m for m in {HEAVY!r} if m in sys.modules))
        """
    )
    result = pytester.runpytest_subprocess(*LEAN, "-s")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*LOADED []*"])
