"""The README's examples for downstream projects run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _section_code(title: str) -> list[str]:
    text = README.read_text()
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start : end if end != -1 else None], re.DOTALL)


def test_the_first_test_and_the_hooks_example_work(pytester: pytest.Pytester) -> None:
    blocks = _section_code("Using the fixtures in your project")
    [first_test] = [b for b in blocks if b.startswith("# tests/test_collections.py")]
    [hooks] = [b for b in blocks if "def pytest_sequence_collection_metadata" in b]
    pytester.makeconftest(hooks)
    pytester.makepyfile(
        test_readme_first=first_test,  # a name no module of this suite uses (in-process run)
        test_hooked="""
def test_hooks_applied(sequence_collection, sequence_token, request):
    metadata = sequence_collection["metadata"]
    assert metadata["description"] == f"made by {request.node.nodeid}"
    assert metadata["properties"]["team"] == "payments"
    assert "pytest-sequence-metadata" in metadata["properties"]
    assert sequence_token.token["attributes"] == [{"trait_type": "tier", "value": "gold"}]
""",
    )
    result = pytester.runpytest("--strict-markers")
    result.assert_outcomes(passed=3)
