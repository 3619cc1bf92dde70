"""Depth profiles of the property-based checks, chosen by `--sequence-profile` / SEQUENCE_PROFILE."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pytest


@dataclass(frozen=True, slots=True)
class Profile:
    """How hard the property-based checks try."""

    name: str
    schema_examples: int  # schemathesis examples per operation and generation mode
    stateful_examples: int  # hypothesis state machine runs
    stateful_steps: int  # steps per state machine run


PROFILES: Final = {
    # About a minute for the whole suite on 2 cores against the emulator.
    "quick": Profile("quick", schema_examples=12, stateful_examples=12, stateful_steps=10),
    # Nightly conformance runs: far more generated cases and longer sequences.
    "nightly": Profile("nightly", schema_examples=150, stateful_examples=150, stateful_steps=30),
}


def active_profile(config: pytest.Config) -> Profile:
    from pytest_sequence_metadata.pytest.runtime import get_runtime

    return PROFILES[get_runtime(config).settings.profile]
