"""What a mutation is, and how a category module registers one.

A mutation is an overlay: a function that wraps one method (or a few) of one running App or of its
Backend, per instance, so the production code holds no switch. A category module makes a `Group` and
decorates each overlay with it:

    mutation = Group("data")

    @mutation("token-id-number", "TokenMetadata.tokenId is ... a JSON number ...", breaks=("CreateToken",))
    def _token_id_number(app: App) -> None: ...

Overlays import the emulator's modules inside their body: the registry itself stays cheap to import
(the plugin reads it to check `--sequence-emulator-mutation`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pytest_sequence_metadata.contract.registry import registry as contract_registry

if TYPE_CHECKING:
    from pytest_sequence_metadata.emulator.app import App

Category = Literal["privacy", "auth", "errors", "data", "uploads", "wire"]
Overlay = Callable[["App"], None]


@dataclass(frozen=True, slots=True)
class Mutation:
    """A named, realistic bug; `breaks` names what the contract suite must see fail: operation ids,
    privacy rules or assumption ids (the keys of the conformance report's sections)."""

    id: str
    category: Category
    summary: str
    breaks: tuple[str, ...]
    overlay: Overlay


class Group:
    """The mutations of one category, in the order their module defines them."""

    def __init__(self, category: Category) -> None:
        self.category: Category = category
        self.mutations: list[Mutation] = []

    def __call__(self, id: str, summary: str, *, breaks: Iterable[str]) -> Callable[[Overlay], Overlay]:
        def register(overlay: Overlay) -> Overlay:
            self.mutations.append(Mutation(id, self.category, summary, tuple(breaks), overlay))
            return overlay

        return register


def registry(*items: Mutation) -> dict[str, Mutation]:
    """The mutations by id; a duplicate id is refused (the contract's registry, as for assumptions)."""
    return contract_registry("mutation", *items)
