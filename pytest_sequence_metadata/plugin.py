"""pytest entry point (`sequence_metadata`): options, configuration and hooks."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("sequence-metadata", "Sequence Metadata API (pytest-sequence-metadata)")
