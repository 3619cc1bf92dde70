"""Hooks other plugins and conftest files can implement to adjust what the fixtures create."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_sequence_metadata.pytest.ledger import Leftover


@pytest.hookspec
def pytest_sequence_collection_metadata(metadata: dict[str, Any], request: pytest.FixtureRequest) -> None:
    """Adjust the metadata of a temporary collection before it is created.

    `metadata` is the `collection.metadata` object about to be sent (name, description,
    properties with the run tag, ...); change it in place. The run tag under
    `properties["pytest-sequence-metadata"]` must stay, or `--sequence-sweep` cannot find leftovers.
    """


@pytest.hookspec
def pytest_sequence_token_metadata(token: dict[str, Any], request: pytest.FixtureRequest) -> None:
    """Adjust a temporary token (the `token` object of CreateToken) before it is created, in place."""


@pytest.hookspec
def pytest_sequence_cleanup_failed(leftovers: list[Leftover], config: pytest.Config) -> None:
    """Called at the end of a run with the resources that could not be deleted (the run fails)."""
