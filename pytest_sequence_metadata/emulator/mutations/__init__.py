"""Named, deliberately injected bugs: the contract suite must catch every one of them.

`Emulator(mutations=["public-leaks-private-token"])` applies that mutation's overlay: a small
wrapper around a Backend or App method of that one emulator (the production modules hold no
switch). Each mutation declares what it `breaks` (operations, privacy rules, assumptions); the
self-check (tests/selfcheck) proves the suite's tests of those fail. A suite that stays green with a
mutation on has a blind spot. One module per category; see CONTRIBUTING.md to add one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from . import auth, data, errors, privacy, uploads, wire
from .base import Category, Group, Mutation, Overlay, registry

if TYPE_CHECKING:
    from pytest_sequence_metadata.emulator.app import App

__all__ = ["MUTATIONS", "Category", "Group", "Mutation", "Overlay", "apply_overlays", "check_mutations"]

MUTATIONS: dict[str, Mutation] = registry(
    *(
        mutation
        for module in (privacy, auth, errors, data, uploads, wire)
        for mutation in module.mutation.mutations
    )
)


def apply_overlays(app: App, names: Iterable[str]) -> None:
    """Wrap the App's (and its Backend's) methods for every chosen mutation."""
    for name in sorted(names):
        MUTATIONS[name].overlay(app)


def check_mutations(names: Iterable[str]) -> frozenset[str]:
    """The set of mutation ids, or ValueError naming the unknown ones and listing the valid ones."""
    if isinstance(names, str):
        raise TypeError("mutations must be a list of names, not one string")
    chosen = frozenset(names)
    unknown = sorted(chosen - MUTATIONS.keys())
    if unknown:
        valid = ", ".join(sorted(MUTATIONS))
        raise ValueError(f"unknown emulator mutation(s) {', '.join(unknown)}; valid names: {valid}")
    return chosen
